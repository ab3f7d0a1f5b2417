"""Helpers to load the labelled cases in ``tests/guardrails/data`` and score the detectors on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def injection_scores(split: str | None = None, *, use_embedding: bool = True,
                     name: str = "injection.jsonl") -> dict[str, float]:
    from services.guardrails.injection import score_injection

    tp = fp = fn = tn = 0
    for r in load(name):
        if split is not None and r["split"] != split:
            continue
        pred = score_injection(r["text"], use_embedding=use_embedding).is_injection
        if r["label"]:
            tp += pred
            fn += not pred
        else:
            fp += pred
            tn += not pred
    return {"recall": tp / max(1, tp + fn), "fpr": fp / max(1, fp + tn), "positives": tp + fn, "negatives": fp + tn}


def pii_scores(name: str = "pii.jsonl") -> dict[str, float]:
    from services.guardrails.pii import find_pii

    tp = fp = fn = 0
    for r in load(name):
        gold = {(e["label"], e["start"], e["end"]) for e in r["entities"]}
        pred = {(m.kind, m.start, m.end) for m in find_pii(r["text"])}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p, rc = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"precision": p, "recall": rc, "f1": 2 * p * rc / max(1e-9, p + rc)}


def grounding_accuracy(split: str | None = None, name: str = "grounding.jsonl") -> float:
    from services.guardrails.grounding import check_grounding

    rows = [r for r in load(name) if split is None or r["split"] == split]
    ok = sum((not check_grounding(r["answer"], r["context"])) == r["grounded"] for r in rows)
    return ok / len(rows)


def verdict_accuracy(name: str, kind: str) -> float:
    from services.guardrails.pipeline import guard

    rows = load(name)
    ok = sum(guard(r["text"], kind=kind, stage="output", dialect=r.get("dialect"), schema=r.get("schema")).verdict
             == r["verdict"] for r in rows)
    return ok / len(rows)
