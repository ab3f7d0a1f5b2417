"""Offline precomputation: answer a batch of requests ahead of traffic and store them.

Each input line is a JSON request (InteractionRequest-shaped: ``tenant_id``, ``app_id``, ``model``,
``prompt_version`` plus one of ``template_id``+``params``, ``entity_id``+``task``,
``entities``:[a, b]+``task``, or ``query``). Entries are stored as kind ``precomputed`` under the body the
request maps to (see :func:`services.cache.keys.request_body`), or under its normalised query, so
:meth:`Cache.lookup <services.cache.service.Cache.lookup>` finds them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from services.cache.keys import key_for, query_body, request_body
from services.cache.model import CacheKind, Entry, Scope
from services.cache.policy import Generation, cacheable

Generator = Callable[[dict[str, Any]], Any]
"""Takes a request dict, returns a string, a :class:`Generation` or an LlmResponse-shaped mapping."""


@dataclass
class PrecomputeReport:
    total: int = 0
    stored: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "stored": self.stored, "skipped": dict(self.skipped),
                "errors": len(self.errors)}


def response_field_generator(request: Mapping[str, Any]) -> str:
    """Default generator for files that already carry answers: returns the line's ``response``."""
    if "response" not in request:
        raise KeyError("line has no 'response' and no generator was configured")
    return str(request["response"])


def precompute(lines: Iterable[str | Mapping[str, Any]], generator: Generator, cache, progress: bool = True,
               *, now: float | None = None) -> PrecomputeReport:
    """Generate and store an answer for every request in ``lines`` (JSON strings or dicts).

    ``cache`` is a :class:`~services.cache.service.Cache`. Bad lines and failing generations are counted
    and reported, never fatal; uncacheable answers (errors, blocked, flagged, empty) are skipped.
    """
    report = PrecomputeReport()
    items = lines if isinstance(lines, (list, tuple)) else list(lines)
    iterator: Iterable = items
    if progress:
        from tqdm import tqdm

        iterator = tqdm(items, total=len(items), desc="precompute", unit="req", file=sys.stderr)
    for n, raw in enumerate(iterator, 1):
        if isinstance(raw, str) and not raw.strip():
            continue
        report.total += 1
        try:
            req = json.loads(raw) if isinstance(raw, str) else dict(raw)
            if not isinstance(req, dict):
                raise ValueError("line is not a JSON object")
        except ValueError as exc:
            report.errors.append({"line": n, "error": f"bad_json: {exc}"})
            continue
        rb = request_body(req)
        body = rb[1] if rb is not None else (query_body(str(req["query"])) if req.get("query") else None)
        if body is None:
            report.errors.append({"line": n, "error": "no_key: need template_id, entity_id+task, entities+task or query"})
            continue
        try:
            gen = Generation.coerce(generator(req))
        except Exception as exc:  # keep going: one failing request must not abort the batch
            report.errors.append({"line": n, "error": f"generator_error: {type(exc).__name__}: {exc}"})
            continue
        ok, why = cacheable(gen)
        if not ok:
            report.skip(why)
            continue
        scope = Scope.from_request(req)
        entry = cache.put(CacheKind.PRECOMPUTED, key_for(CacheKind.PRECOMPUTED, scope, body), scope, gen.text,
                          doc_ids=gen.doc_ids, query=req.get("query"), template_id=req.get("template_id"),
                          params=req.get("params"), now=now, meta={"source": "precompute"})
        report.stored += 1
        report.entries.append(entry)
    return report
