"""Pure eval parts: token F1, near-duplicate clustering, stratification, regression gate, judge parsing."""

from __future__ import annotations

import numpy as np
import pytest

from services.evals.judge import parse_score, prompt
from services.evals.metrics import recall, token_f1
from services.evals.regenerate import item_from_row
from services.evals.run import Comparison, compare, score_items, table
from services.evals.select import dedup, stratify


def test_token_f1_reference_values():
    assert token_f1("The cat sat on the mat", "a cat sat on a mat") == 1.0  # articles and case ignored
    # pred {cat, sat}, ref {cat, sat, down}: P = 1, R = 2/3, F1 = 0.8
    assert token_f1("cat sat", "cat sat down") == pytest.approx(0.8)
    assert token_f1("x y z", "a b c") == 0.0 and token_f1("", "") == 1.0 and token_f1("", "b") == 0.0
    assert token_f1("14 days, 14 days", "14 days") == pytest.approx(2 * 1 * 0.5 / 1.5)  # counts are multisets


def test_recall():
    assert recall(["d1", "d3"], ["d1", "d2"]) == 0.5 and recall(["d1"], []) is None


def _item(i, cls="other", kind="regression", t="2026-01-01T00:00:00Z"):
    return {"id": f"i{i}", "taxonomy_class": cls, "type": kind, "event_time": t}


def test_dedup_clusters_within_class_and_keeps_the_best_leader():
    v = np.array([[1, 0], [0.999, 0.0447], [1, 0], [0, 1]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    items = [_item(0), _item(1, kind="correction"), _item(2, cls="format_error"), _item(3)]
    kept, removed = dedup(items, v, threshold=0.95)
    assert removed == 1
    ids = {k["id"]: k for k in kept}
    assert set(ids) == {"i1", "i2", "i3"}  # i0 joins the correction i1 (corrections lead); i2 is another class
    assert ids["i1"]["duplicates"] == ["i0"]


def test_stratify_keeps_every_class_and_the_budget():
    items = [_item(i, "other") for i in range(90)] + [_item(100 + i, "pii_leak") for i in range(8)] + \
            [_item(200 + i, "latency") for i in range(2)]
    out = stratify(items, max_items=20, min_per_class=5)
    counts = {c: sum(1 for it in out if it["taxonomy_class"] == c) for c in ("other", "pii_leak", "latency")}
    assert sum(counts.values()) == 20 and counts["latency"] == 2 and counts["pii_leak"] >= 5
    assert counts == {"other": 13, "pii_leak": 5, "latency": 2}  # 2 + 5 + 5 minimums, 8 extra: 85/88 and 3/88
    assert stratify(items[:5], 20) == sorted(items[:5], key=lambda x: x["id"])


def test_compare_flags_drops_beyond_threshold():
    rows = compare({"a": (0.80, 10), "b": (0.50, 10), "c": (0.9, 3)}, {"a": (0.81, 10), "b": (0.60, 10)},
                   max_drop=0.02, per_metric={"b": 0.2})
    assert [(c.metric, c.regressed) for c in rows] == [("a", False), ("b", False), ("c", False)]
    assert compare({"a": (0.7, 10)}, {"a": (0.8, 10)})[0].regressed
    assert "REGRESSED" in table([Comparison("a", 0.8, 0.7, 10, -0.1, True)])


def test_judge_prompt_and_parse():
    item = {"type": "correction", "input": {"query": "q?"}, "expected": {"output": "ref"}, "observed": {},
            "what": "w", "why": "y"}
    msgs = prompt(item, "ans")
    assert "REFERENCE:\nref" in msgs[1]["content"] and "Score 2" in msgs[0]["content"]
    assert parse_score('Sure: {"score": 2, "reason": "same"}') == (1.0, "same")
    with pytest.raises(ValueError):
        parse_score('{"score": 5}')


def test_item_types_and_scoring():
    base = dict(id="x", event_time="2026-01-01T00:00:00", tenant_id="t", app_id="a", request_id="r", feature="f",
                model="", prompt_version="", cohort="", rule_id="r", what="w", why="y", query="q", output="o",
                cited=["d1"], retrieved=["d1", "d2"])
    corr = item_from_row({**base, "source": "user_signals", "trigger": "correction", "class": "format_error",
                          "corrected_output": '{"days": 14}'})
    assert corr["type"] == "correction" and corr["expected"]["format"] == "json"
    assert corr["expected"]["sources"] == ["d1"]
    guard = item_from_row({**base, "source": "guardrail_triggers", "trigger": "semantic/ungrounded",
                           "class": "ungrounded", "corrected_output": None})
    assert guard["type"] == "guardrail" and guard["expected"]["sources"] == []
    run = score_items([corr], answer_fn=lambda it: '{"days": 14}', search=lambda q, k: ["d2", "d1"])
    means = run.means()
    assert means["retrieval_recall"] == (1.0, 1) and means["schema_pass"] == (1.0, 1)
    assert means["correction_f1"] == (1.0, 1)
    bad = score_items([corr], answer_fn=lambda it: "days: fourteen", search=lambda q, k: ["d9"]).means()
    assert bad["retrieval_recall"] == (0.0, 1) and bad["schema_pass"] == (0.0, 1)
