"""``flywheel evals regenerate``: a versioned eval set (JSONL + manifest) from the incidents in ClickHouse.

Corrections become items with an expected output; negative feedback and failed responses become regression
items; guardrail triggers become guardrail items. Near-duplicates (same class, query embeddings with cosine
>= 0.95) are removed, the set is stratified by taxonomy class, and every text is PII-redacted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, Callable

import numpy as np
import orjson

from services.evals.select import dedup, stable_hash, stratify

SOURCE_QUERY = """
SELECT toString(i.incident_id) AS id, i.event_time, i.tenant_id, i.app_id, i.request_id, i.feature, i.model,
       i.prompt_version, i.cohort, i.source, i.trigger, i.rule_id, i.class, i.what, i.why, i.corrected_output,
       q.query, r.text AS output, r.cited AS cited, rt.retrieved AS retrieved
FROM (SELECT * FROM incidents FINAL WHERE event_time >= {since:DateTime64(3)} AND event_time < {until:DateTime64(3)}) AS i
LEFT JOIN (SELECT request_id, any(query) AS query FROM interaction_requests
           WHERE event_time >= {since:DateTime64(3)} - INTERVAL 1 DAY GROUP BY request_id) AS q
       ON q.request_id = i.request_id
LEFT JOIN (SELECT request_id, argMax(text, event_time) AS text, argMax(citations.doc_id, event_time) AS cited
           FROM llm_responses WHERE event_time >= {since:DateTime64(3)} - INTERVAL 1 DAY GROUP BY request_id) AS r
       ON r.request_id = i.request_id
LEFT JOIN (SELECT request_id, argMax(results.doc_id, event_time) AS retrieved
           FROM retrievals WHERE event_time >= {since:DateTime64(3)} - INTERVAL 1 DAY GROUP BY request_id) AS rt
       ON rt.request_id = i.request_id
ORDER BY i.event_time, id"""

DOCS_QUERY = """
SELECT doc_id, argMax(text, version) FROM documents FINAL
WHERE tenant_id = {t:String} AND app_id = {a:String} AND doc_id IN {ids:Array(String)} AND NOT deleted
GROUP BY doc_id"""


def item_from_row(row: dict) -> dict:
    """One eval item from one incident row (with the request's query, answer, citations and retrieval)."""
    corrected = row.get("corrected_output") or None
    if corrected:
        kind = "correction"
    elif row["source"] == "guardrail_triggers":
        kind = "guardrail"
    else:
        kind = "regression"
    cited = [d for d in (row.get("cited") or []) if d]
    item = {
        "id": row["id"], "type": kind, "taxonomy_class": row["class"], "rule_id": row["rule_id"],
        "tenant_id": row["tenant_id"], "app_id": row["app_id"], "request_id": row.get("request_id"),
        "feature": row.get("feature") or None, "model": row.get("model") or None,
        "prompt_version": row.get("prompt_version") or None, "cohort": row.get("cohort") or None,
        "event_time": _iso(row["event_time"]), "source": row["source"], "trigger": row["trigger"],
        "what": row["what"], "why": row["why"],
        "input": {"query": row.get("query") or ""},
        "observed": {"output": row.get("output") or None, "sources": cited,
                     "retrieved": [d for d in (row.get("retrieved") or []) if d]},
        "expected": {"output": corrected, "sources": cited if kind == "correction" else []},
    }
    if corrected and _is_json(corrected):
        item["expected"]["format"] = "json"
    elif row["class"] == "format_error" and row.get("output") and row["trigger"].startswith("structural/"):
        item["expected"]["format"] = "json"
    return item


def regenerate(client, out_dir: str | Path, since: dt.datetime, until: dt.datetime | None = None, *,
               name: str = "flywheel", max_items: int = 500, min_per_class: int = 5, dup_threshold: float = 0.95,
               embed: Callable[[list[str]], np.ndarray] | None = None,
               redact: Callable[[str], str] | None = None, context_docs: int = 3) -> dict:
    """Build the set; returns the manifest (also written next to the items)."""
    until = until or dt.datetime.now(dt.timezone.utc)
    params = {"since": _naive(since), "until": _naive(until)}
    res = client.query(SOURCE_QUERY, params)
    rows = [dict(zip(res.column_names, r)) for r in res.result_rows]
    candidates = [item_from_row(r) for r in rows]
    no_query = [c for c in candidates if not c["input"]["query"].strip()]
    items = [c for c in candidates if c["input"]["query"].strip()]
    removed = 0
    if items:
        embed = embed or _default_embed()
        vecs = np.asarray(embed([f"{it['taxonomy_class']}: {it['input']['query']}" for it in items]), dtype=np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        items, removed = dedup(items, vecs, dup_threshold)
    selected = stratify(items, max_items, min_per_class)
    _attach_context(client, selected, context_docs)
    redact = redact or _default_redact()
    redactions = sum(_redact_item(it, redact) for it in selected)

    ids = sorted(it["id"] for it in selected)
    snapshot_id = stable_hash(SOURCE_QUERY, _iso(since), _iso(until), *ids)[:16]
    created = dt.datetime.now(dt.timezone.utc)
    version = f"{created:%Y%m%dT%H%M%SZ}-{snapshot_id[:8]}"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items_path = out / f"{name}-{version}.jsonl"
    body = b"".join(orjson.dumps(it, option=orjson.OPT_SORT_KEYS) + b"\n" for it in selected)
    items_path.write_bytes(body)
    by_class = {c: 0 for c in sorted({it["taxonomy_class"] for it in candidates})}
    for it in selected:
        by_class[it["taxonomy_class"]] = by_class.get(it["taxonomy_class"], 0) + 1
    by_type: dict[str, int] = {}
    for it in selected:
        by_type[it["type"]] = by_type.get(it["type"], 0) + 1
    manifest = {
        "eval_set": name, "version": version, "snapshot_id": snapshot_id, "created_at": _iso(created),
        "since": _iso(since), "until": _iso(until), "items_file": items_path.name,
        "items_sha256": hashlib.sha256(body).hexdigest(), "items": len(selected),
        "counts_per_class": by_class, "counts_per_type": dict(sorted(by_type.items())),
        "candidates": len(candidates),
        "dropped": {"no_query": len(no_query), "near_duplicates": removed,
                    "stratification": len(items) - len(selected)},
        "dedup": {"embedding": "all-MiniLM-L6-v2 (services.embeddings)", "cosine_threshold": dup_threshold,
                  "text": "<class>: <query>", "method": "greedy leader clustering per class"},
        "stratification": {"max_items": max_items, "min_per_class": min_per_class},
        "pii_redactions": redactions, "source_query": " ".join(SOURCE_QUERY.split()),
        "source_params": {"since": _iso(since), "until": _iso(until)},
    }
    (out / f"{name}-{version}.manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def _attach_context(client, items: list[dict], k: int) -> None:
    """Add the text of the first ``k`` cited/retrieved documents as ``input.context`` (for grounding checks)."""
    groups: dict[tuple, set] = {}
    for it in items:
        ids = (it["observed"]["sources"] + it["observed"]["retrieved"])[:k]
        groups.setdefault((it["tenant_id"], it["app_id"]), set()).update(ids)
    texts: dict[tuple, str] = {}
    for (t, a), ids in groups.items():
        if ids:
            for doc_id, text in client.rows(DOCS_QUERY, {"t": t, "a": a, "ids": sorted(ids)}):
                texts[(t, a, doc_id)] = text[:4000]
    for it in items:
        ids = list(dict.fromkeys(it["observed"]["sources"] + it["observed"]["retrieved"]))[:k]
        ctx = [{"doc_id": d, "text": texts[(it["tenant_id"], it["app_id"], d)]} for d in ids
               if (it["tenant_id"], it["app_id"], d) in texts]
        if ctx:
            it["input"]["context"] = ctx


def _redact_item(it: dict, redact: Callable[[str], str]) -> int:
    n = 0

    def r(text):
        nonlocal n
        if not text:
            return text
        out = redact(text)
        n += out != text
        return out

    it["input"]["query"] = r(it["input"]["query"])
    for c in it["input"].get("context", []):
        c["text"] = r(c["text"])
    it["observed"]["output"] = r(it["observed"]["output"])
    it["expected"]["output"] = r(it["expected"]["output"])
    it["what"], it["why"] = r(it["what"]), r(it["why"])
    return n


def _is_json(text: str) -> bool:
    t = text.strip()
    if not t or t[0] not in "[{":
        return False
    try:
        orjson.loads(t)
        return True
    except orjson.JSONDecodeError:
        return False


def _default_embed() -> Callable[[list[str]], np.ndarray]:
    from services.embeddings import get_embedder

    return get_embedder().embed


def _default_redact() -> Callable[[str], str]:
    from services.guardrails import redact_pii

    return lambda text: redact_pii(text)[0]


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def _iso(t: Any) -> str:
    if isinstance(t, dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.timezone.utc)
        return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return str(t)
