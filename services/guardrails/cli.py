"""``flywheel guard FILE.jsonl``: batch guardrail verdicts, one JSON line out per line in.

Input lines: ``{"id", "stage": "input"|"output", "kind": "text"|"sql"|"url"|"json"|"code", "text",
"dialect"?, "schema"?, "context"?}`` (other keys are ignored; ``-`` reads stdin). Output lines:
``{"id", "verdict": "pass"|"block"|"redact"|"flag", "triggers": [{"layer", "code", "severity", "action",
"span": [start, end], "label"}], "redacted"?}``. A bad line yields ``{"id", "verdict": "error", "error": msg}``
and the run goes on. Exit code 0 unless the file cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterable, TextIO

from services.guardrails.policy import DEFAULT_POLICY, Policy


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("guard", help="run guardrail checks over a JSONL file",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="JSONL input file, or - for stdin")
    p.add_argument("--policy", help="JSON file with a per-app policy (see services/guardrails/README.md)")
    p.add_argument("--no-embedding", action="store_true",
                   help="injection classifier without the text embedding (word pieces only; faster, less accurate)")
    p.set_defaults(func=run)


def _error(record_id: Any, message: str) -> dict[str, Any]:
    return {"id": record_id, "verdict": "error", "error": message}


def process_line(line: str, policy: Policy = DEFAULT_POLICY, *, use_embedding: bool = True) -> dict[str, Any]:
    """The output record for one input line (never raises)."""
    from services.guardrails.pipeline import guard

    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return _error(None, f"invalid JSON: {exc.msg}")
    if not isinstance(rec, dict):
        return _error(None, "line is not a JSON object")
    rid = rec.get("id")
    text = rec.get("text")
    if not isinstance(text, str):
        return _error(rid, "'text' must be a string")
    stage = rec.get("stage", "input")
    if stage not in ("input", "output", "retrieval"):
        return _error(rid, f"bad stage {stage!r}")
    kind = rec.get("kind", "text")
    context = rec.get("context")
    if context is not None and (not isinstance(context, list) or not all(isinstance(c, str) for c in context)):
        return _error(rid, "'context' must be a list of strings")
    schema = rec.get("schema")
    if schema is not None and not isinstance(schema, (dict, bool)):
        return _error(rid, "'schema' must be a JSON Schema object")
    dialect = rec.get("dialect")
    if dialect is not None and not isinstance(dialect, str):
        return _error(rid, "'dialect' must be a string")
    try:
        result = guard(text, kind=kind, stage=stage, policy=policy, context=context, schema=schema, dialect=dialect,
                       use_embedding=use_embedding)
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop the batch
        return _error(rid, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}")
    return result.to_json(rid)


def guard_lines(lines: Iterable[str], out: TextIO, policy: Policy = DEFAULT_POLICY, *,
                use_embedding: bool = True) -> int:
    """Process JSONL ``lines`` into ``out``; returns the number of records written."""
    n = 0
    for line in lines:
        if not line.strip():
            continue
        out.write(json.dumps(process_line(line, policy, use_embedding=use_embedding), ensure_ascii=False) + "\n")
        n += 1
    out.flush()
    return n


def run(args: argparse.Namespace) -> int:
    policy = DEFAULT_POLICY
    if getattr(args, "policy", None):
        with open(args.policy, encoding="utf-8") as fh:
            policy = Policy.from_dict(json.load(fh))
    use_embedding = not getattr(args, "no_embedding", False)
    if args.file == "-":
        guard_lines(sys.stdin, sys.stdout, policy, use_embedding=use_embedding)
        return 0
    try:
        fh = open(args.file, encoding="utf-8", errors="replace")
    except OSError as exc:
        print(f"flywheel guard: cannot open {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    with fh:
        guard_lines(fh, sys.stdout, policy, use_embedding=use_embedding)
    return 0
