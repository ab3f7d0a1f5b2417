"""Eval regeneration and runs on the real embedded engine, real embedder and real PII redaction."""

from __future__ import annotations

import datetime as dt
import uuid

import orjson
import pytest

from services.evals import cli
from services.evals.regenerate import regenerate
from services.feedback.schema import ensure_schema
from streams.cli import main

T0 = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=3)


def _rows(client):
    def ins(table, recs):
        names = sorted({n for r in recs for n in r})
        client.insert(table, [[r.get(n) for n in names] for r in recs], names)

    base = dict(tenant_id="acme", app_id="shop")
    ins("documents", [dict(base, event_id=uuid.uuid4(), event_time=T0, doc_id="returns", version=1,
                           text="Returns are accepted within 14 days of delivery. Refunds take 5 days.")])
    reqs, resps, sigs, guards, rets = [], [], [], [], []
    queries = ["How long do I have to return shoes?", "How long do I have to return my shoes?",  # near duplicates
               "Can I get a refund for a gift card?", "Email me at jane.doe@example.com about my refund",
               "What is the refund time?", "Where is my parcel?"]
    for i, q in enumerate(queries):
        rid, t = f"r{i}", T0 + dt.timedelta(minutes=i)
        dims = dict(base, request_id=rid, feature="support", model="m1", prompt_version="v1", cohort="c0")
        reqs.append(dict(dims, event_id=uuid.uuid4(), event_time=t, query=q))
        resps.append(dict(dims, event_id=uuid.uuid4(), event_time=t, text=f"answer {i}: returns within 30 days",
                          latency_ms=100.0, **{"citations.doc_id": ["returns"]}))
        rets.append(dict(base, request_id=rid, event_id=uuid.uuid4(), event_time=t, query=q, method="hybrid",
                         top_k=3, latency_ms=3.0, **{"results.doc_id": ["returns"], "results.chunk_id": ["c1"],
                                                     "results.score": [0.5], "results.fused_rank": [1]}))
    sigs += [dict(base, event_id=uuid.uuid4(), event_time=T0, request_id="r0", feature="support", kind="correction",
                  comment="wrong", correction_text="You can return shoes within 14 days of delivery."),
             dict(base, event_id=uuid.uuid4(), event_time=T0 + dt.timedelta(minutes=1), request_id="r1",
                  feature="support", kind="thumbs_down", comment="wrong"),
             dict(base, event_id=uuid.uuid4(), event_time=T0 + dt.timedelta(minutes=2), request_id="r2",
                  feature="support", kind="correction", comment="answer in json",
                  correction_text='{"refundable": false}'),
             dict(base, event_id=uuid.uuid4(), event_time=T0 + dt.timedelta(minutes=3), request_id="r3",
                  feature="support", kind="regenerate", comment=None),
             dict(base, event_id=uuid.uuid4(), event_time=T0, request_id="r5", feature="support", kind="thumbs_up")]
    guards.append(dict(base, event_id=uuid.uuid4(), event_time=T0 + dt.timedelta(minutes=4), request_id="r4",
                       stage="output", layer="semantic", code="ungrounded", severity="high", action="block"))
    for table, recs in (("interaction_requests", reqs), ("llm_responses", resps), ("retrievals", rets),
                        ("user_signals", sigs), ("guardrail_triggers", guards)):
        ins(table, recs)


@pytest.fixture
def filled(warehouse):
    ensure_schema(warehouse)
    _rows(warehouse)
    return warehouse


def test_regenerate_builds_a_deduplicated_stratified_redacted_set(filled, tmp_path):
    m = regenerate(filled, tmp_path, T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=1), name="support")
    assert m["candidates"] == 5 and m["dropped"]["near_duplicates"] == 1 and m["items"] == 4
    assert m["counts_per_class"] == {"format_error": 1, "other": 1, "ungrounded": 2}
    assert m["counts_per_type"] == {"correction": 2, "guardrail": 1, "regression": 1}
    assert m["pii_redactions"] >= 1 and "incidents FINAL" in m["source_query"]
    lines = (tmp_path / m["items_file"]).read_text()
    assert "jane.doe@example.com" not in lines and "[EMAIL]" in lines
    items = [orjson.loads(x) for x in lines.splitlines()]
    shoes = next(it for it in items if "shoes" in it["input"]["query"])
    assert shoes["type"] == "correction" and len(shoes["duplicates"]) == 1  # the thumbs-down twin joined it
    assert shoes["expected"]["output"].startswith("You can return") and shoes["expected"]["sources"] == ["returns"]
    assert shoes["input"]["context"][0]["doc_id"] == "returns"
    again = regenerate(filled, tmp_path / "again", T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=1),
                       name="support")
    assert again["snapshot_id"] == m["snapshot_id"]  # same data, same snapshot


def test_run_stores_results_and_gates_on_baseline(filled, tmp_path, monkeypatch, capsys):
    m = regenerate(filled, tmp_path, T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=1), name="support")
    path = str(tmp_path / m["items_file"])
    monkeypatch.setattr(cli, "_client", lambda: filled)
    assert main(["evals", "run", "--set", path, "--run-id", "base"]) == 0
    stored = filled.rows("SELECT metric, count() FROM eval_results WHERE run_id = 'base' GROUP BY metric ORDER BY metric")
    assert dict(stored).keys() >= {"correction_f1", "correction_similarity", "grounding_pass", "schema_pass"}
    assert main(["evals", "run", "--set", path, "--run-id", "same", "--baseline", "base"]) == 0
    capsys.readouterr()
    code = main(["evals", "run", "--set", path, "--run-id", "worse", "--baseline", "base",
                 "--answer-hook", "tests.evals.hooks:worse"])
    out = capsys.readouterr().out
    assert code == 1 and "REGRESSED" in out and "correction_f1" in out
    assert filled.scalar("SELECT any(baseline_run_id) FROM eval_results WHERE run_id = 'worse'") == "base"
