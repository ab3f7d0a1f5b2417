"""Independent blind sets for PII, SQL, URL and JSON, written by an author who never saw the checks.

First looks (before any change): PII span F1 1.000 (60 entities, 22 rows of decoys that fail their checksum or
range rules), SQL 54/54, URL 60/60, JSON 37/38 (``{"a": NaN}`` passed: Python's json accepts NaN; fixed, see
test_structural.py). The issue's bars: PII span F1 >= 0.95 with no redaction of numbers failing their checksum;
SQL, URL and JSON verdicts 100%.
"""

import pytest

from ._data import load, pii_scores, verdict_accuracy


def test_pii_blind_span_f1_and_no_decoy_redacted():
    from services.guardrails.pii import find_pii

    s = pii_scores("pii_blind.jsonl")
    print(f"pii_blind precision={s['precision']:.3f} recall={s['recall']:.3f} f1={s['f1']:.3f}")
    assert s["f1"] >= 0.95
    decoys = [r["text"] for r in load("pii_blind.jsonl") if not r["entities"]]
    assert len(decoys) >= 15
    assert [t for t in decoys if find_pii(t)] == []


@pytest.mark.parametrize("name,kind", [("sql_blind.jsonl", "sql"), ("url_blind.jsonl", "url"), ("json_blind.jsonl", "json")])
def test_blind_verdicts_are_all_right(name, kind):
    acc = verdict_accuracy(name, kind)
    print(f"{name} verdict accuracy {acc:.3f}")
    assert acc == 1.0
