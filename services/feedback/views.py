"""The incident materialized views, generated from ``taxonomy.toml`` and kept in sync with it.

One view per source table, ``incidents_from_<table>``, fills ``incidents`` from the raw rows the sink inserts.
Each view's COMMENT records the fingerprint of the rules it was generated from; :func:`sync_views` replaces
the query of a view whose fingerprint differs (``ALTER TABLE ... MODIFY QUERY``: no window where inserts go
unclassified). Rows stored before a rules change keep their class; :func:`backfill` re-classifies a time range
(the incidents table is a ReplacingMergeTree on incident_id, the newest classification wins there; the rollup
states then hold the id under both classes, so re-classified windows should be read from ``incidents``).
"""

from __future__ import annotations

import datetime as dt

from services.feedback.taxonomy import Taxonomy, load


def view_name(table: str) -> str:
    return f"incidents_from_{table}"


def sync_views(client, taxonomy: Taxonomy | None = None) -> dict[str, str]:
    """Create or update the incident views; returns {view: 'created' | 'updated' | 'unchanged' | 'dropped'}."""
    tax = taxonomy or load()
    comment = f"taxonomy {tax.fingerprint}"
    existing = {r[0]: r[1] for r in client.rows(
        "SELECT name, comment FROM system.tables WHERE database = currentDatabase() AND name LIKE 'incidents_from_%'")}
    done: dict[str, str] = {}
    for table in tax.sources:
        name = view_name(table)
        if not tax.rules_for(table):
            if name in existing:
                client.command(f"DROP VIEW IF EXISTS {name}")
                done[name] = "dropped"
            continue
        select = tax.view_select(table)
        if name not in existing:
            client.command(f"CREATE MATERIALIZED VIEW IF NOT EXISTS {name} TO incidents COMMENT '{comment}' AS {select}")
            done[name] = "created"
        elif existing[name] != comment:
            client.command(f"ALTER TABLE {name} MODIFY QUERY {select}")
            client.command(f"ALTER TABLE {name} MODIFY COMMENT '{comment}'")
            done[name] = "updated"
        else:
            done[name] = "unchanged"
    return done


def backfill(client, since: dt.datetime, until: dt.datetime, taxonomy: Taxonomy | None = None) -> int:
    """Re-run the classification over raw rows with event_time in [since, until) (UTC); returns views run."""
    tax = taxonomy or load()
    lo, hi = (t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] for t in (since, until))
    n = 0
    for table in tax.sources:
        if not tax.rules_for(table):
            continue
        client.command(
            "INSERT INTO incidents (incident_id, event_time, tenant_id, app_id, request_id, feature, model, "
            "prompt_version, cohort, source, trigger, rule_id, class, what, why, output, corrected_output, "
            f"subject_event_id) SELECT * FROM ({tax.view_select(table)}) "
            f"WHERE event_time >= toDateTime64('{lo}', 3, 'UTC') AND event_time < toDateTime64('{hi}', 3, 'UTC')")
        n += 1
    return n
