"""Pure parts: statistics against reference values, label mapping, taxonomy rules, retrain decisions."""

from __future__ import annotations

import datetime as dt
import math
from typing import get_args

import pytest

from schemas.models import SignalKind
from services.feedback import labels as labels_mod
from services.feedback import taxonomy as taxonomy_mod
from services.feedback.retrain import (CorrectionCase, RetrainConfig, Segment, chat_dataset, decide_corrections,
                                       decide_drops, introduces_facts, windows)
from services.feedback.stats import acceptance_drop, normal_cdf, normal_ppf, two_proportion_z, wilson_interval


# -- statistics ------------------------------------------------------------------------------------------
def test_normal_cdf_and_ppf_reference_values():
    assert normal_cdf(0) == pytest.approx(0.5)
    assert normal_cdf(1.959963984540054) == pytest.approx(0.975, abs=1e-12)
    assert normal_cdf(-2.326347874040841) == pytest.approx(0.01, abs=1e-12)
    assert normal_ppf(0.995) == pytest.approx(2.5758293035489004, abs=1e-9)
    for p in (0.001, 0.2, 0.5, 0.9):
        assert normal_cdf(normal_ppf(p)) == pytest.approx(p, abs=1e-10)


def test_two_proportion_z_matches_hand_computation():
    # baseline 120/400 = 0.30, current 75/300 = 0.25; pooled 195/700
    t = two_proportion_z(120, 400, 75, 300)
    pooled = 195 / 700
    se = math.sqrt(pooled * (1 - pooled) * (1 / 400 + 1 / 300))
    assert t.z == pytest.approx((0.30 - 0.25) / se)
    assert t.z == pytest.approx(1.4603, abs=1e-4)  # 0.05 / 0.034239 by hand
    assert t.p_value == pytest.approx(0.07210, abs=1e-4)  # 1 - Phi(1.4603), normal table
    assert two_proportion_z(50, 100, 50, 100).p_value == pytest.approx(0.5)
    with pytest.raises(ValueError):
        two_proportion_z(5, 0, 1, 10)


def test_wilson_interval_reference():
    lo, hi = wilson_interval(81, 263, alpha=0.05)  # by hand: centre 0.31075, half-width 0.05546
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_acceptance_drop_needs_significance_samples_and_effect():
    assert acceptance_drop(500, 1000, 300, 1000).significant
    assert not acceptance_drop(500, 1000, 490, 1000).significant  # noise
    assert not acceptance_drop(50, 100, 10, 100, min_samples=200).significant  # too few
    assert not acceptance_drop(300, 1000, 500, 1000).significant  # a rise is not a drop
    assert acceptance_drop(500, 1000, 300, 1000, method="wilson").significant
    assert not acceptance_drop(5000, 10000, 4850, 10000, alpha=0.05, min_drop=0.02).significant  # small effect
    assert acceptance_drop(5000, 10000, 4850, 10000, alpha=0.05, min_drop=0.0).significant


# -- labels ----------------------------------------------------------------------------------------------
def test_every_signal_kind_has_a_label_and_sql_uses_the_same_mapping():
    lm = labels_mod.load()
    assert set(lm.signals) == set(get_args(SignalKind))
    assert set(lm.positive) == {"accept", "copy", "thumbs_up", "continue"}
    assert set(lm.negative) == {"thumbs_down", "regenerate", "correction", "abandon", "dismiss"}
    assert lm.label("edit") == "neutral"
    assert lm.is_accepted(["thumbs_down", "copy"]) and not lm.is_accepted(["edit", "dismiss"])
    assert "'signal:accept'" in lm.sql_kinds("positive") and "'signal:thumbs_down'" not in lm.sql_kinds("positive")
    assert lm.weighted_score({"accept": 2, "thumbs_down": 1}) == pytest.approx(1.0)


def test_labels_reject_incomplete_or_bad_mappings():
    with pytest.raises(ValueError, match="missing"):
        labels_mod.parse({"signals": {"accept": {"label": "positive"}}})
    full = {k: {"label": "neutral"} for k in get_args(SignalKind)}
    with pytest.raises(ValueError, match="label"):
        labels_mod.parse({"signals": {**full, "accept": {"label": "great"}}})
    assert labels_mod.parse({"signals": full}).weight("accept") == 0.0


# -- taxonomy --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source,record,cls,rule", [
    ("guardrail_triggers", {"layer": "semantic", "code": "ungrounded", "stage": "output", "action": "block"},
     "ungrounded", "guardrail_ungrounded"),
    ("guardrail_triggers", {"layer": "safety", "code": "pii", "label": "email", "stage": "output"}, "pii_leak",
     "guardrail_pii"),
    ("guardrail_triggers", {"layer": "safety", "code": "prompt_injection", "stage": "input"}, "unsafe_input",
     "guardrail_unsafe"),
    ("guardrail_triggers", {"layer": "structural", "code": "json_invalid", "stage": "output"}, "format_error",
     "guardrail_format"),
    ("llm_responses", {"error": "upstream timed out after 30s"}, "latency", "response_timeout"),
    ("llm_responses", {"error": "KeyError: 'x'"}, "other", "response_exception"),
    ("llm_responses", {"finish_reason": "content_filter", "latency_ms": 10.0}, "refusal", "response_content_filter"),
    ("llm_responses", {"finish_reason": "stop", "latency_ms": 45000.0}, "latency", "response_slow"),
    ("llm_responses", {"finish_reason": "stop", "latency_ms": 100.0, "confidence": 0.1}, "ungrounded",
     "response_low_confidence"),
    ("user_signals", {"kind": "thumbs_down", "comment": "this price is outdated"}, "stale_answer", "signal_stale"),
    ("user_signals", {"kind": "correction", "comment": "please answer in JSON"}, "format_error", "signal_format"),
    ("user_signals", {"kind": "regenerate", "comment": "that's just wrong"}, "ungrounded", "signal_wrong"),
    ("user_signals", {"kind": "thumbs_down", "comment": "it didn't find the return policy"}, "retrieval_miss",
     "signal_missing_source"),
    ("user_signals", {"kind": "abandon"}, "other", "signal_negative"),
    ("cache_decisions", {"kind": "semantic", "outcome": "hit", "reason": "user_complaint"}, "stale_answer",
     "cache_complaint"),
])
def test_taxonomy_rules_classify(source, record, cls, rule):
    inc = taxonomy_mod.load().classify(source, record)
    assert inc is not None and (inc.cls, inc.rule_id) == (cls, rule)


def test_non_failures_are_not_incidents_and_templates_render():
    tax = taxonomy_mod.load()
    assert tax.classify("user_signals", {"kind": "thumbs_up", "comment": "wrong? no, great"}) is None
    assert tax.classify("llm_responses", {"finish_reason": "stop", "latency_ms": 300.0, "confidence": 0.9}) is None
    assert tax.classify("cache_decisions", {"kind": "semantic", "outcome": "hit", "reason": "exact"}) is None
    inc = tax.classify("llm_responses", {"finish_reason": "length", "completion_tokens": 512})
    assert inc.what == "answer truncated at the token limit" and inc.why == "finish_reason length after 512 tokens"


def test_rule_order_is_priority():
    data = {"classes": {c: c for c in taxonomy_mod.CLASSES}, "rules": [
        {"id": "a", "source": "user_signals", "match": {"kind": "thumbs_down"}, "class": "other"},
        {"id": "b", "source": "user_signals", "match": {"kind": "thumbs_down", "comment.regex": "json"},
         "class": "format_error"}]}
    assert taxonomy_mod.parse(data).classify("user_signals", {"kind": "thumbs_down", "comment": "json"}).rule_id == "a"
    data["rules"].reverse()
    assert taxonomy_mod.parse(data).classify("user_signals", {"kind": "thumbs_down", "comment": "json"}).rule_id == "b"


def test_taxonomy_validation():
    classes = {c: c for c in taxonomy_mod.CLASSES}
    with pytest.raises(ValueError, match="no field"):
        taxonomy_mod.parse({"classes": classes, "rules": [
            {"id": "x", "source": "user_signals", "match": {"nope": 1}, "class": "other"}]})
    with pytest.raises(ValueError, match="unknown class"):
        taxonomy_mod.parse({"classes": classes, "rules": [
            {"id": "x", "source": "user_signals", "match": {}, "class": "bad"}]})
    with pytest.raises(ValueError, match="classes"):
        taxonomy_mod.parse({"classes": {"other": "x"}, "rules": []})


# -- retrain decisions and dataset -------------------------------------------------------------------------
def test_windows_and_drop_decision_ids_are_stable_per_baseline_window():
    cfg = RetrainConfig(min_samples=100, alpha=0.01, min_drop=0.02)
    wm = dt.datetime(2026, 3, 1, 10, 17, tzinfo=dt.timezone.utc)
    w = windows(wm, cfg)
    assert w.current == (dt.datetime(2026, 3, 1, 9, 17, tzinfo=dt.timezone.utc), wm)
    assert w.baseline == (dt.datetime(2026, 2, 28, 9, tzinfo=dt.timezone.utc),
                          dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc))
    seg, ok = Segment("t", "a", "f", cohort="c2"), Segment("t", "a", "f", cohort="c1")
    cur, base = {seg: (300, 1000), ok: (400, 1000)}, {seg: (500, 1000), ok: (400, 1000)}
    d1 = decide_drops(cur, base, w, cfg)
    assert [d.segment for d in d1] == [seg] and d1[0].reason_text == "acceptance_drop (cohort=c2)"
    later = decide_drops(cur, base, windows(wm + dt.timedelta(minutes=20), cfg), cfg)  # same baseline hour
    assert later[0].event_id == d1[0].event_id
    next_hour = decide_drops(cur, base, windows(wm + dt.timedelta(minutes=50), cfg), cfg)
    assert next_hour[0].event_id != d1[0].event_id


def test_corrections_threshold():
    cfg = RetrainConfig(corrections_threshold=10)
    since = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    until = since + dt.timedelta(hours=5)
    ds = decide_corrections({Segment("t", "a", "f"): (10, since), Segment("t", "a", "g"): (9, since)}, until, cfg)
    assert [d.segment.feature for d in ds] == ["f"] and ds[0].statistics["corrections"] == 10


def test_dataset_teaches_behaviour_not_facts():
    assert introduces_facts("The fee is 25 EUR.", "what is the fee?", "The fee is 20 EUR.")
    assert introduces_facts("Contact Hans Meier.", "who?", "Contact support.")
    assert not introduces_facts("Dear customer,\n\nYour order 42 ships today.", "order 42?", "order 42 ships today lol")
    assert not introduces_facts("- Step one\n- Step two", "how?", "step one then step two")
    cfg = RetrainConfig()
    cases = [CorrectionCase("r1", "mail", "reply to bob@example.com", "ok", "Dear Bob,\n\nok.", "format_error"),
             CorrectionCase("r2", "mail", "fee?", "It is 20.", "It is 25.", "format_error"),
             CorrectionCase("r3", "mail", "fee?", "It is 20.", "It is 20.", "ungrounded"),
             CorrectionCase("r4", "mail", "", "x", "y", "format_error")]
    ds = chat_dataset(cases, cfg, lambda s: s.replace("bob@example.com", "[EMAIL]"))
    assert (len(ds.rows), ds.skipped_facts, ds.skipped_class, ds.skipped_empty) == (1, 1, 1, 1)
    assert [m["role"] for m in ds.rows[0]["messages"]] == ["system", "user", "assistant"]
    assert ds.rows[0]["messages"][1]["content"] == "reply to [EMAIL]"
