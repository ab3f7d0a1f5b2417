"""The feedback schema: rollup tables, ``incidents`` and the static views come from migration
``infra/clickhouse/migrations/0003_feedback_rollups``; the incident views are generated from
``taxonomy.toml`` and kept in sync here (they change when the rules change, without a migration).
"""

from __future__ import annotations

from services.feedback.views import sync_views
from services.warehouse.migrations import MIGRATIONS_DIR, statements

DOWN = MIGRATIONS_DIR / "0003_feedback_rollups.down.sql"


def ensure_schema(client) -> dict[str, str]:
    """Sync the incident views with the taxonomy rules (the tables exist once migrations ran)."""
    return sync_views(client)


def drop_schema(client) -> None:
    """Remove the feedback tables and views (migration 0003's down)."""
    for stmt in statements(DOWN.read_text(), {}):
        client.command(stmt)
