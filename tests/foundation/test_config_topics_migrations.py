"""Settings, the topic spec and migrations (real embedded ClickHouse engine)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from schemas.codec import default_registry
from schemas.models import REQUEST_SCOPED_TYPES
from services.config import Settings, load_settings, parse_api_keys
from services.warehouse.ddl import column_defs
from services.warehouse.migrations import applied, apply_raw_ttls, discover, migrate_down, migrate_up, statements
from streams.topics import load_catalog

PARAMS = {"raw_ttl_days": 365, "dead_letter_ttl_days": 90}


# -- settings ---------------------------------------------------------------------------------------------
def test_defaults_are_embedded(monkeypatch):
    for var in ("KAFKA_BOOTSTRAP", "CLICKHOUSE_URL"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.embedded_broker and s.embedded_clickhouse
    assert str(s.warehouse_path) == "data/warehouse"


@pytest.mark.parametrize("var,value", [
    ("KAFKA_BOOTSTRAP", "localhost"), ("CLICKHOUSE_URL", "tcp://x:9000"), ("FLYWHEEL_SINK_BATCH_ROWS", "0"),
    ("FLYWHEEL_API_KEYS", "key-without-scope"), ("FLYWHEEL_ROLE", "leader"), ("FLYWHEEL_API_PORT", "99999"),
    ("CLICKHOUSE_DATABASE", "bad-name;drop"),
])
def test_a_bad_setting_names_its_variable(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(SystemExit) as exc:
        load_settings()
    assert var in str(exc.value)


def test_bad_setting_stops_the_command_line_with_the_variable_named():
    env = {"PATH": "/usr/bin:/bin", "FLYWHEEL_SINK_FLUSH_MS": "soon"}
    proc = subprocess.run([sys.executable, "-m", "streams.cli", "migrate"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "FLYWHEEL_SINK_FLUSH_MS" in proc.stderr


def test_api_keys_parse_and_reject_duplicates():
    assert parse_api_keys("k1=t1/a1, k2=t1/a2") == {"k1": ("t1", "a1"), "k2": ("t1", "a2")}
    with pytest.raises(ValueError, match="twice"):
        parse_api_keys("k=t/a,k=t/b")
    with pytest.raises(ValueError):
        parse_api_keys("k=t")


# -- topics -----------------------------------------------------------------------------------------------
def test_every_event_type_has_one_topic_with_a_valid_key():
    cat = load_catalog()
    assert sorted(t.event for t in cat.topics) == default_registry().event_types
    for t in cat.topics:
        if t.event in REQUEST_SCOPED_TYPES:
            assert t.key == "request_id", t
    docs = cat.for_event("Document")
    assert docs.cleanup_policy == "compact" and docs.key == "doc_id"
    assert docs.configs() == {"cleanup.policy": "compact"}
    assert cat.dead_letters.configs()["retention.ms"] == "2592000000"


def test_topic_spec_rejects_a_key_that_is_not_a_field(tmp_path):
    spec = tmp_path / "topics.toml"
    from streams.topics import SPEC_PATH

    spec.write_text(SPEC_PATH.read_text().replace('key = "doc_id"', 'key = "document"'))
    with pytest.raises(ValueError, match="document"):
        load_catalog(spec)


def test_prefix_applies_to_every_topic():
    assert all(n.startswith("x.") for n in load_catalog(prefix="x.").names)


# -- migrations -------------------------------------------------------------------------------------------
def test_migrations_are_paired_and_numbered():
    migs = discover()
    assert [m.version for m in migs] == sorted({m.version for m in migs})
    assert all(m.up.exists() and m.down.exists() for m in migs)


def test_statements_require_every_placeholder():
    with pytest.raises(ValueError, match="raw_ttl_days"):
        statements("CREATE TABLE x (a Int8) ENGINE = Memory TTL {raw_ttl_days};", {})


def test_up_is_idempotent_and_down_reverts(warehouse):
    assert migrate_up(warehouse, PARAMS) == []  # the fixture applied everything
    versions = applied(warehouse)
    assert versions == [m.version for m in discover()]
    reverted = migrate_down(warehouse, 0, PARAMS)
    assert reverted and applied(warehouse) == []
    tables = {r[0] for r in warehouse.rows("SELECT name FROM system.tables WHERE database = currentDatabase()")}
    assert tables == {"schema_migrations"}, tables  # every migration's down removes what its up created
    assert migrate_up(warehouse, PARAMS)
    assert applied(warehouse) == versions


def test_raw_tables_have_one_column_per_avro_field(warehouse):
    registry = default_registry()
    for topic in load_catalog().topics:
        described = {r[0]: r[1] for r in warehouse.rows(f"DESCRIBE TABLE {topic.table}")}
        for name, ch_type in column_defs(registry.schema(topic.event).raw):
            if ch_type.startswith("Nested("):
                assert any(c.startswith(name + ".") for c in described), (topic.table, name)
            else:
                assert described.get(name) == ch_type, (
                    topic.table, name, described.get(name), ch_type)
        assert "_ingested_at" in described


def test_raw_tables_are_replacing_with_monthly_partitions_and_ttl(warehouse):
    raw = [t.table for t in load_catalog().topics]
    rows = warehouse.rows("SELECT name, engine, partition_key, sorting_key, create_table_query FROM system.tables "
                          "WHERE database = currentDatabase() AND name IN {raw:Array(String)}", {"raw": raw})
    assert len(rows) == len(raw)
    for name, engine, partition_key, sorting_key, ddl in rows:
        assert engine == "ReplacingMergeTree", name
        assert partition_key == "toYYYYMM(event_time)", name
        assert sorting_key.startswith("tenant_id, app_id, toStartOfHour(event_time)") and sorting_key.endswith(
            "event_id"), name
        assert "TTL toDateTime(event_time) + toIntervalDay(" in ddl, name
        assert "CONSTRAINT tenant_id_not_blank" in ddl, name


def test_configured_ttl_is_applied_to_existing_tables(warehouse):
    assert apply_raw_ttls(warehouse, {"user_signals": 365, "dead_letters": 90}) == []  # as created
    assert apply_raw_ttls(warehouse, {"user_signals": 30}) == ["user_signals"]
    ddl = warehouse.scalar("SELECT create_table_query FROM system.tables WHERE database = currentDatabase() "
                           "AND name = 'user_signals'")
    assert "toIntervalDay(30)" in ddl
    assert apply_raw_ttls(warehouse, {"user_signals": 30}) == []
