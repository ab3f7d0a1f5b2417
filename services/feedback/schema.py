"""The feedback schema (rollups, incidents, incident views): created idempotently next to the raw tables.

``schema.up.sql`` is written like a migration (``{raw_ttl_days}`` placeholder, statements ending in ``;``) so it
can become migration 0002 unchanged; :func:`ensure_schema` applies it with CREATE ... IF NOT EXISTS and then
syncs the incident views with ``taxonomy.toml``. Needs the raw tables (migration 0001) first.
"""

from __future__ import annotations

import os
from pathlib import Path

from services.feedback.views import sync_views
from services.warehouse.migrations import statements

UP = Path(__file__).with_name("schema.up.sql")
DOWN = Path(__file__).with_name("schema.down.sql")


def ensure_schema(client, raw_ttl_days: int | None = None) -> dict[str, str]:
    ttl = raw_ttl_days or int(os.environ.get("FLYWHEEL_RAW_TTL_DAYS", "365"))
    for stmt in statements(UP.read_text(), {"raw_ttl_days": ttl}):
        client.command(stmt)
    return sync_views(client)


def drop_schema(client) -> None:
    for stmt in statements(DOWN.read_text(), {}):
        client.command(stmt)
