"""The taxonomy views on the real embedded engine: SQL classification == Python classification, rule
changes update the views, and the rollups of a replayed insert do not change."""

from __future__ import annotations

import datetime as dt
import uuid

from services.feedback import taxonomy as taxonomy_mod
from services.feedback.queries import aggregates
from services.feedback.schema import drop_schema, ensure_schema
from services.feedback.views import backfill, sync_views

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)
BASE = dict(tenant_id="acme", app_id="shop")

ROWS = {
    "guardrail_triggers": (
        ["stage", "layer", "code", "severity", "action", "label", "detail"],
        [("output", "semantic", "ungrounded", "high", "block", None, "claim 2 not in context"),
         ("output", "safety", "pii", "medium", "redact", "email", None),
         ("input", "safety", "prompt_injection", "high", "block", None, "ignore previous"),
         ("output", "structural", "json_invalid", "low", "repair", "$.a", "bad json"),
         ("output", "semantic", "inconsistent", "low", "flag", None, None),
         ("output", "safety", "moderation", "low", "flag", None, None),
         ("input", "syntactic", "sql_write", "high", "block", "dml", "DELETE")]),
    "llm_responses": (
        ["feature", "cohort", "text", "confidence", "latency_ms", "finish_reason", "error", "completion_tokens"],
        [("chat", "c1", "x", 0.9, 120.0, "stop", None, 10),
         ("chat", "c1", "", None, 30000.5, "error", "Request timed out", 0),
         ("chat", None, "", None, 5.0, None, "boom", 0),
         ("chat", "c1", "", 0.5, 10.0, "content_filter", None, 0),
         ("chat", "c2", "long", 0.7, 10.0, "length", None, 512),
         ("chat", "c2", "slow", 0.7, 45000.25, "stop", None, 3),
         ("chat", "c2", "unsure", 0.125, 100.0, "stop", None, 3)]),
    "user_signals": (
        ["feature", "cohort", "kind", "comment", "correction_text"],
        [("chat", "c1", "thumbs_up", "wrong? no!", None), ("chat", "c1", "thumbs_down", "outdated price", None),
         ("chat", "c1", "correction", "use JSON please", '{"a": 1}'), ("chat", "c1", "regenerate", None, None),
         ("chat", "c1", "dismiss", "it's made up", None), ("chat", "c1", "abandon", "won't answer", None),
         ("chat", "c1", "thumbs_down", "missing the doc", None), ("chat", "c1", "edit", None, "x")]),
    "cache_decisions": (
        ["kind", "key", "outcome", "reason", "similarity", "entry_id"],
        [("semantic", "k1", "hit", "exact", 1.0, "e1"), ("semantic", "k2", "bypass", "invalidated:complaint", None, "e2")]),
}


def _insert_all(client) -> list[tuple[str, dict]]:
    inserted = []
    for table, (cols, rows) in ROWS.items():
        data = []
        for i, r in enumerate(rows):
            rec = dict(zip(cols, r))
            rec.update(BASE, event_id=uuid.uuid5(uuid.NAMESPACE_OID, f"{table}-{i}"),
                       event_time=NOW + dt.timedelta(seconds=i), request_id=f"r-{table}-{i}")
            data.append(rec)
            inserted.append((table, rec))
        names = list(data[0])
        client.insert(table, [[d[n] for n in names] for d in data], names)
    return inserted


def test_sql_and_python_classify_alike(warehouse):
    ensure_schema(warehouse)
    inserted = _insert_all(warehouse)
    tax = taxonomy_mod.load()
    expected = {}
    for table, rec in inserted:
        inc = tax.classify(table, rec)
        if inc is not None:
            expected[str(rec["event_id"])] = (table, inc.rule_id, inc.cls, inc.what, inc.why, inc.trigger)
    got = {str(r[0]): tuple(r[1:]) for r in warehouse.rows(
        "SELECT incident_id, source, rule_id, class, what, why, trigger FROM incidents FINAL")}
    assert got == expected
    assert len(expected) == 7 + 6 + 6 + 1  # every guardrail trigger, 6 failed responses, 6 negative signals, 1 cache
    assert {v[2] for v in expected.values()} == set(taxonomy_mod.CLASSES)  # every class is reachable
    correction = warehouse.rows("SELECT corrected_output, feature, cohort FROM incidents WHERE trigger = 'correction'")
    assert correction == [('{"a": 1}', "chat", "c1")]


def test_rule_change_updates_views_and_backfill(warehouse, tmp_path):
    ensure_schema(warehouse)
    assert set(sync_views(warehouse).values()) == {"unchanged"}
    text = taxonomy_mod.DEFAULT_PATH.read_text().replace('id = "signal_negative"\nsource = "user_signals"\n'
                                                          'match = { kind = ["thumbs_down", "regenerate", "correction", '
                                                          '"dismiss", "abandon"] }\nclass = "other"',
                                                          'id = "signal_negative"\nsource = "user_signals"\n'
                                                          'match = { kind = ["thumbs_down", "regenerate", "correction", '
                                                          '"dismiss", "abandon"] }\nclass = "refusal"')
    assert text != taxonomy_mod.DEFAULT_PATH.read_text()
    path = tmp_path / "taxonomy.toml"
    path.write_text(text)
    changed = taxonomy_mod.load(path)
    assert sync_views(warehouse, changed)["incidents_from_user_signals"] == "updated"
    _insert_all(warehouse)
    assert warehouse.scalar("SELECT class FROM incidents FINAL WHERE rule_id = 'signal_negative'") == "refusal"
    backfill(warehouse, NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1), taxonomy_mod.load())
    assert warehouse.scalar("SELECT class FROM incidents FINAL WHERE rule_id = 'signal_negative'") == "other"
    drop_schema(warehouse)
    assert warehouse.scalar("SELECT count() FROM system.tables WHERE database = currentDatabase() AND "
                            "(name LIKE 'incidents%' OR name LIKE 'feedback_%')") == 0


def test_replayed_insert_leaves_rollups_unchanged(warehouse):
    ensure_schema(warehouse)
    _insert_all(warehouse)
    since, until = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)
    before = [vars(a) for a in aggregates(warehouse, "acme", "shop", since, until)]
    assert sum(a["shown"] for a in before) == 7 and sum(a["failures"] for a in before) == 20
    assert sum(a["accepted"] for a in before) == 1
    _insert_all(warehouse)
    assert int(warehouse.scalar("SELECT count() FROM llm_responses")) == 14
    assert [vars(a) for a in aggregates(warehouse, "acme", "shop", since, until)] == before
    hourly = [vars(a) for a in aggregates(warehouse, "acme", "shop", since, until, granularity="1h", by_window=False)]
    minute = [vars(a) for a in aggregates(warehouse, "acme", "shop", since, until, by_window=False)]
    assert hourly == minute
