"""``flywheel evals run``: score an eval set with what exists, store EvalResult rows, compare to a baseline.

Metrics per item (each only where it applies):

* ``retrieval_recall`` - share of the item's expected sources in the top-k of a retrieval index (``--index``);
* ``grounding_pass``   - the answer passes the guardrails grounding check against the item's context;
* ``schema_pass``      - items whose expected format is JSON: the answer parses (and matches ``expected.schema``);
* ``correction_f1`` / ``correction_similarity`` - token F1 / embedding cosine of the answer to the correction;
* ``judge_score``      - optional LLM-as-judge (services/evals/judge.py).

The answer under test comes from ``answer_fn(item)``; until the inline path lands the default is the
recorded production answer (``observed.output``). Plug the inline pipeline in with ``--answer-hook
module:function`` (a callable item -> answer text, or None to skip the item).
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import orjson

from schemas.models import EvalResult
from services.evals.metrics import cosine, recall, token_f1

NAMESPACE = uuid.UUID("0c7d1a8e-3f0b-4d8e-b5a7-2e9d6c4b1a30")
EVAL_RESULT_COLUMNS = ["event_id", "event_time", "tenant_id", "app_id", "request_id", "session_id", "user_id",
                       "run_id", "eval_set", "eval_set_version", "item_id", "metric", "value", "passed",
                       "baseline_run_id", "detail"]


@dataclass
class Score:
    item_id: str
    metric: str
    value: float
    passed: bool | None = None
    detail: str | None = None


@dataclass
class RunResult:
    run_id: str
    scores: list[Score] = field(default_factory=list)
    skipped: int = 0

    def means(self) -> dict[str, tuple[float, int]]:
        acc: dict[str, list[float]] = {}
        for s in self.scores:
            acc.setdefault(s.metric, []).append(s.value)
        return {m: (sum(v) / len(v), len(v)) for m, v in sorted(acc.items())}


def load_set(path: str | Path) -> tuple[list[dict], dict]:
    """Items and manifest (``<name>.manifest.json`` next to ``<name>.jsonl``; an empty dict when absent)."""
    p = Path(path)
    items = [orjson.loads(line) for line in p.read_bytes().splitlines() if line.strip()]
    mpath = p.with_name(p.name[:-len(".jsonl")] + ".manifest.json") if p.name.endswith(".jsonl") else None
    manifest = orjson.loads(mpath.read_bytes()) if mpath and mpath.exists() else {}
    return items, manifest


def recorded_answer(item: dict) -> str | None:
    return item.get("observed", {}).get("output")


def load_hook(spec: str) -> Callable[[dict], str | None]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "answer")


def score_items(items: Iterable[dict], *, answer_fn: Callable[[dict], str | None] = recorded_answer,
                search: Callable[[str, int], list[str]] | None = None, top_k: int = 10,
                embed: Callable[[list[str]], object] | None = None, grounding: Callable | None = None,
                judge: Callable[[dict, str], tuple[float, str]] | None = None, run_id: str | None = None) -> RunResult:
    run = RunResult(run_id or uuid.uuid4().hex[:12])
    pairs: list[tuple[str, str, str]] = []  # (item id, answer, expected) for the embedding similarity
    for item in items:
        iid = item["id"]
        query = item["input"]["query"]
        expected = item.get("expected", {})
        if search is not None and expected.get("sources"):
            got = search(query, top_k)
            r = recall(got, expected["sources"])
            run.scores.append(Score(iid, "retrieval_recall", r, r == 1.0, f"top{top_k}: {got[:top_k]}"))
        answer = answer_fn(item)
        if not answer:
            run.skipped += 1
            continue
        ctx = [c["text"] for c in item["input"].get("context", [])]
        if ctx and grounding is not None:
            codes = grounding(answer, ctx)
            ok = "ungrounded" not in codes
            run.scores.append(Score(iid, "grounding_pass", float(ok), ok, ",".join(codes) or None))
        if expected.get("format") == "json" or expected.get("schema"):
            ok, why = _schema_ok(answer, expected.get("schema"))
            run.scores.append(Score(iid, "schema_pass", float(ok), ok, why))
        if expected.get("output"):
            f1 = token_f1(answer, expected["output"])
            run.scores.append(Score(iid, "correction_f1", f1, None))
            pairs.append((iid, answer, expected["output"]))
        if judge is not None:
            try:
                value, reason = judge(item, answer)
                run.scores.append(Score(iid, "judge_score", value, value >= 0.5, reason))
            except Exception as exc:  # a judge outage must not fail the run; the metric is just missing
                run.scores.append(Score(iid, "judge_error", 1.0, None, repr(exc)[:500]))
    if pairs and embed is not None:
        vecs = embed([a for _, a, _ in pairs] + [e for _, _, e in pairs])
        n = len(pairs)
        for k, (iid, _, _) in enumerate(pairs):
            run.scores.append(Score(iid, "correction_similarity", cosine(vecs[k], vecs[n + k]), None))
    return run


def _schema_ok(answer: str, schema: dict | None) -> tuple[bool, str | None]:
    from services.guardrails import check_output

    bad = check_output(answer, kind="json", schema=schema)  # only the structural checks run for kind=json
    return (not bad), (", ".join(f"{t.code}:{t.label or ''}" for t in bad) or None)


def guardrails_grounding(answer: str, context: list[str]) -> list[str]:
    from services.guardrails import check_output

    return sorted({t.code for t in check_output(answer, context, moderation=False)})


# -- storage and baseline ---------------------------------------------------------------------------------
def result_rows(run: RunResult, items: list[dict], manifest: dict, baseline: str | None,
                now: dt.datetime | None = None) -> list[list]:
    """EvalResult events (validated by the model) as rows of ``eval_results``; ids are uuid5(run, item, metric)."""
    by_id = {it["id"]: it for it in items}
    now = now or dt.datetime.now(dt.timezone.utc)
    rows = []
    for s in run.scores:
        it = by_id[s.item_id]
        ev = EvalResult(event_id=uuid.uuid5(NAMESPACE, f"{run.run_id}|{s.item_id}|{s.metric}"), event_time=now,
                        tenant_id=it.get("tenant_id") or "flywheel", app_id=it.get("app_id") or "evals",
                        request_id=it.get("request_id"), run_id=run.run_id,
                        eval_set=manifest.get("eval_set", "adhoc"), eval_set_version=manifest.get("version", ""),
                        item_id=s.item_id, metric=s.metric, value=float(s.value), passed=s.passed,
                        baseline_run_id=baseline, detail=s.detail)
        rows.append([getattr(ev, c) for c in EVAL_RESULT_COLUMNS])
    return rows


def store(client, rows: list[list]) -> None:
    if rows:
        client.insert("eval_results", rows, EVAL_RESULT_COLUMNS)


def baseline_means(client, run_id: str) -> dict[str, tuple[float, int]]:
    rows = client.rows("SELECT metric, avg(v), count() FROM (SELECT metric, item_id, argMax(value, _ingested_at) AS v "
                       "FROM eval_results WHERE run_id = {r:String} GROUP BY metric, item_id) GROUP BY metric",
                       {"r": run_id})
    return {r[0]: (float(r[1]), int(r[2])) for r in rows}


@dataclass
class Comparison:
    metric: str
    baseline: float | None
    current: float | None
    n: int
    delta: float | None
    regressed: bool


def compare(current: dict[str, tuple[float, int]], baseline: dict[str, tuple[float, int]],
            max_drop: float = 0.02, per_metric: dict[str, float] | None = None) -> list[Comparison]:
    """A metric regresses when it drops by more than its threshold (absolute) against the baseline."""
    out = []
    for m in sorted(set(current) | set(baseline)):
        if m == "judge_error":
            continue
        cur, n = current.get(m, (None, 0))
        base = baseline.get(m, (None, 0))[0]
        delta = None if cur is None or base is None else cur - base
        limit = (per_metric or {}).get(m, max_drop)
        out.append(Comparison(m, base, cur, n, delta, delta is not None and delta < -limit))
    return out


def table(rows: list[Comparison]) -> str:
    def f(x):
        return "-" if x is None else f"{x:.4f}"

    lines = [f"{'metric':<24} {'baseline':>9} {'current':>9} {'delta':>9} {'n':>6}  status"]
    for c in rows:
        status = "REGRESSED" if c.regressed else ("new" if c.baseline is None else ("gone" if c.current is None else "ok"))
        lines.append(f"{c.metric:<24} {f(c.baseline):>9} {f(c.current):>9} "
                     f"{('+' if (c.delta or 0) > 0 else '') + f(c.delta):>9} {c.n:>6}  {status}")
    return "\n".join(lines)
