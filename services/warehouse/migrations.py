"""Numbered ClickHouse migrations: ``infra/clickhouse/migrations/NNNN_name.up.sql`` / ``.down.sql``.

Each migration is applied once and recorded in ``schema_migrations``. ``{placeholders}`` in the SQL are
filled from settings (e.g. ``{raw_ttl_days}``). Statements are separated by ``;`` at the end of a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "infra" / "clickhouse" / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Path
    down: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: dict[int, dict[str, object]] = {}
    for path in sorted(directory.iterdir()):
        m = _NAME.match(path.name)
        if not m:
            if path.suffix == ".sql":
                raise ValueError(f"migration file {path.name} does not match NNNN_name.up|down.sql")
            continue
        version, name, direction = int(m.group(1)), m.group(2), m.group(3)
        entry = found.setdefault(version, {"name": name})
        if entry["name"] != name:
            raise ValueError(f"migration {version:04d} has two names: {entry['name']} and {name}")
        entry[direction] = path
    migrations = []
    for version in sorted(found):
        entry = found[version]
        if "up" not in entry or "down" not in entry:
            raise ValueError(f"migration {version:04d}_{entry['name']} needs both .up.sql and .down.sql")
        migrations.append(Migration(version, str(entry["name"]), entry["up"], entry["down"]))  # type: ignore[arg-type]
    return migrations


def statements(sql: str, params: dict[str, object]) -> list[str]:
    text = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    for key, value in params.items():
        text = text.replace("{" + key + "}", str(value))
    leftover = re.findall(r"\{([a-z_]+)\}", text)
    if leftover:
        raise ValueError(f"migration placeholders without a value: {sorted(set(leftover))}")
    return [s.strip() for s in re.split(r";\s*$", text, flags=re.M) if s.strip()]


def _ensure_table(client) -> None:
    client.command("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
                   "applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version")


def applied(client) -> list[int]:
    _ensure_table(client)
    return [int(r[0]) for r in client.rows("SELECT DISTINCT version FROM schema_migrations ORDER BY version")]


def migrate_up(client, params: dict[str, object], directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied."""
    done = set(applied(client))
    names = []
    for mig in discover(directory):
        if mig.version in done:
            continue
        for stmt in statements(mig.up.read_text(), params):
            client.command(stmt)
        client.insert("schema_migrations", [[mig.version, mig.name]], column_names=["version", "name"])
        names.append(f"{mig.version:04d}_{mig.name}")
    return names


def migrate_down(client, to_version: int, params: dict[str, object], directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Revert applied migrations newer than ``to_version``, newest first; returns the names reverted."""
    done = set(applied(client))
    names = []
    for mig in reversed(discover(directory)):
        if mig.version <= to_version or mig.version not in done:
            continue
        for stmt in statements(mig.down.read_text(), params):
            client.command(stmt)
        client.command(f"ALTER TABLE schema_migrations DELETE WHERE version = {mig.version}",
                       settings={"mutations_sync": 2})
        names.append(f"{mig.version:04d}_{mig.name}")
    return names


SYSTEM_LOG_TABLES = ("query_log", "query_thread_log", "part_log", "trace_log", "metric_log",
                     "asynchronous_metric_log", "text_log", "processors_profile_log", "query_views_log",
                     "error_log", "latency_log")


def apply_system_log_ttls(client, days: int = 7) -> list[str]:
    """Put a TTL on ClickHouse's own log tables that exist here (the server config does this in compose)."""
    present = {r[0] for r in client.rows("SELECT name FROM system.tables WHERE database = 'system'")}
    changed = []
    for table in SYSTEM_LOG_TABLES:
        if table in present:
            try:
                client.command(f"ALTER TABLE system.{table} MODIFY TTL event_date + INTERVAL {days} DAY",
                               settings={"materialize_ttl_after_modify": 0})
                changed.append(table)
            except Exception:
                continue  # read-only or managed by server config
    return changed


def apply_raw_ttls(client, tables: dict[str, int]) -> list[str]:
    """Make each raw table's TTL the configured one ({table: days}); migrations only set it at creation.

    Existing parts are not rewritten (``materialize_ttl_after_modify = 0``): merges apply the new TTL.
    Returns the tables changed.
    """
    current = {r[0]: r[1] for r in client.rows(
        "SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase()")}
    changed = []
    for table, days in tables.items():
        ddl = current.get(table)
        if ddl is None or f"toIntervalDay({days})" in ddl:
            continue
        client.command(f"ALTER TABLE {table} MODIFY TTL toDateTime(event_time) + INTERVAL {int(days)} DAY",
                       settings={"materialize_ttl_after_modify": 0})
        changed.append(table)
    return changed
