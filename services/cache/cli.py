"""``flywheel cache ...``: probe, precompute and simulate.

* ``flywheel cache probe FILE.jsonl`` -- for each line ``{"id", "put": {"query", "response"}, "get"}``
  put then get on a fresh semantic cache; prints ``{"id", "hit", "similarity", "reason"}`` per line
  (bad lines print ``{"id", "error"}`` and the run continues).
* ``flywheel cache precompute FILE.jsonl [--generator module:function] [--out entries.jsonl]``
* ``flywheel cache simulate --file requests.jsonl [--since ISO]`` (without ``--file`` the requests come
  from :data:`REQUEST_SOURCE`, which the warehouse layer sets to a ClickHouse reader).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

import orjson

REQUEST_SOURCE: Callable[[str | None], Iterable[dict[str, Any]]] | None = None
"""Set by the warehouse adapter: ``since`` (ISO string or None) -> logged InteractionRequests."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("cache", help="Semantic and keyed caches: probe, precompute, simulate.")
    sub = p.add_subparsers(dest="cache_command", metavar="CACHE_COMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    probe = sub.add_parser("probe", help="Put then get each line on a fresh semantic cache.")
    probe.add_argument("file", help="JSONL: {\"id\", \"put\": {\"query\", \"response\"}, \"get\"}; '-' = stdin")
    probe.add_argument("--threshold", type=float, default=None, help="similarity threshold (default: calibrated)")
    probe.add_argument("--explain", action="store_true", help="also print both queries' slots")
    probe.set_defaults(func=cmd_probe)

    pre = sub.add_parser("precompute", help="Generate and store answers for a JSONL file of requests.")
    pre.add_argument("file", help="JSONL of InteractionRequest-shaped objects; '-' = stdin")
    pre.add_argument("--generator", default="services.cache.precompute:response_field_generator",
                     help="module:function taking a request dict and returning the answer "
                          "(default: use each line's 'response' field)")
    pre.add_argument("--out", default=None, help="write the stored entries as JSONL here (for publishing)")
    pre.add_argument("--no-progress", action="store_true")
    pre.set_defaults(func=cmd_precompute)

    sim = sub.add_parser("simulate", help="Replay logged requests; report would-be hit rates and top clusters.")
    sim.add_argument("--file", default=None, help="JSONL of logged requests (default: the warehouse)")
    sim.add_argument("--since", default=None, help="only requests at or after this ISO time")
    sim.add_argument("--threshold", type=float, default=None)
    sim.add_argument("--top", type=int, default=10, help="clusters to show")
    sim.add_argument("--json", action="store_true", help="print the report as JSON")
    sim.set_defaults(func=cmd_simulate)


def _read_lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    with open(path, encoding="utf-8") as f:
        yield from f


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")
    sys.stdout.flush()


def cmd_probe(args: argparse.Namespace) -> int:
    from services.cache.model import Scope
    from services.cache.semantic import DEFAULT_THRESHOLD, SemanticCache
    from services.cache.slots import extract_slots
    from services.cache.store import MemoryStore
    from services.embeddings import get_embedder

    try:
        lines = list(_read_lines(args.file))
    except OSError as exc:
        print(f"flywheel cache probe: {exc}", file=sys.stderr)
        return 1
    embedder = get_embedder()
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    scope = Scope("probe", "probe")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        ident: Any = None
        try:
            obj = orjson.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("line is not a JSON object")
            ident = obj.get("id")
            put, get = obj.get("put"), obj.get("get")
            if not isinstance(put, dict) or not isinstance(put.get("query"), str) \
                    or not isinstance(put.get("response"), str):
                raise ValueError("'put' must be an object with string 'query' and 'response'")
            if not isinstance(get, str):
                raise ValueError("'get' must be a string")
            vecs = embedder.embed([put["query"], get])
            cache = SemanticCache(MemoryStore(max_entries=4), threshold=threshold, ttl_s=None)
            cache.put(scope, put["query"], put["response"], vecs[0])
            d = cache.lookup(scope, get, vecs[1]).decision
            out: dict[str, Any] = {"id": ident, "hit": d.hit,
                                   "similarity": None if d.similarity is None else round(d.similarity, 4),
                                   "reason": d.reason}
            if args.explain:
                out["slots"] = {"put": extract_slots(put["query"]).summary(), "get": extract_slots(get).summary()}
            _emit(out)
        except BrokenPipeError:
            return _closed_stdout()
        except Exception as exc:  # noqa: BLE001 - every bad line is reported, the run continues
            try:
                _emit({"id": ident, "line": n, "error": f"{type(exc).__name__}: {exc}"})
            except BrokenPipeError:
                return _closed_stdout()
    return 0


def _closed_stdout() -> int:
    """The reader went away (e.g. ``| head``): stop quietly."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _load_generator(spec: str) -> Callable[[dict[str, Any]], Any]:
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"--generator must be module:function, got {spec!r}")
    return getattr(importlib.import_module(module), name)


def cmd_precompute(args: argparse.Namespace) -> int:
    from services.cache.precompute import precompute
    from services.cache.service import Cache

    try:
        generator = _load_generator(args.generator)
        lines = list(_read_lines(args.file))
    except (OSError, ValueError, ImportError, AttributeError) as exc:
        print(f"flywheel cache precompute: {exc}", file=sys.stderr)
        return 1
    cache = Cache()
    report = precompute(lines, generator, cache, progress=not args.no_progress)
    if args.out:
        with open(args.out, "wb") as f:
            for e in report.entries:
                f.write(e.to_bytes() + b"\n")
    for err in report.errors:
        print(orjson.dumps(err).decode(), file=sys.stderr)
    _emit(report.to_dict())
    return 0 if not report.errors else 1


def cmd_simulate(args: argparse.Namespace) -> int:
    from services.cache.semantic import DEFAULT_THRESHOLD
    from services.cache.simulate import _event_seconds, simulate

    if args.file:
        requests: list[dict[str, Any]] = []
        try:
            for n, line in enumerate(_read_lines(args.file), 1):
                if line.strip():
                    try:
                        requests.append(orjson.loads(line))
                    except orjson.JSONDecodeError:
                        print(f"skipping bad line {n}", file=sys.stderr)
        except OSError as exc:
            print(f"flywheel cache simulate: {exc}", file=sys.stderr)
            return 1
        if args.since:
            since = datetime.fromisoformat(args.since.replace("Z", "+00:00")).timestamp()
            requests = [r for r in requests if _event_seconds(r.get("event_time"), since) >= since]
    elif REQUEST_SOURCE is not None:
        requests = list(REQUEST_SOURCE(args.since))
    else:
        print("flywheel cache simulate: no warehouse source is wired; pass --file requests.jsonl", file=sys.stderr)
        return 2
    report = simulate(requests, threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold,
                      top_k=args.top)
    if args.json:
        _emit(report.to_dict())
    else:
        print(report.format_text())
    return 0
