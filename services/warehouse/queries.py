"""Read-side queries over the raw tables (dashboard stats). Counts are exact: uniqExact(event_id), so
replayed events that have not been merged away yet are not double-counted."""

from __future__ import annotations

from typing import Sequence

FRESHNESS_WINDOW_MINUTES = 15


def tenant_stats(client, tenant: str, app: str, tables: Sequence[str]) -> dict:
    """Event counts per table, freshness, signals by kind and recent dead letters for one tenant/app."""
    params = {"tenant": tenant, "app": app}
    scope = "tenant_id = {tenant:String} AND app_id = {app:String}"
    union = " UNION ALL ".join(
        f"SELECT '{t}' AS table, uniqExact(event_id) AS events, max(event_time) AS last_event FROM {t} WHERE {scope}"
        for t in tables if t != "dead_letters")
    counts = {r[0]: {"events": int(r[1]), "last_event": r[2].isoformat() if r[1] else None}
              for r in client.rows(union, params)}
    lag = " UNION ALL ".join(
        f"SELECT dateDiff('millisecond', event_time, _ingested_at) AS d FROM {t} WHERE {scope} "
        f"AND _ingested_at > now64(3) - INTERVAL {FRESHNESS_WINDOW_MINUTES} MINUTE"
        for t in tables if t != "dead_letters")
    p50, p99, n = client.rows(f"SELECT quantileExact(0.5)(d), quantileExact(0.99)(d), count() FROM ({lag})", params)[0]
    signals = {r[0]: int(r[1]) for r in client.rows(
        f"SELECT kind, uniqExact(event_id) FROM user_signals WHERE {scope} GROUP BY kind ORDER BY kind", params)}
    dead = client.rows(
        "SELECT event_time, source_topic, source_partition, source_offset, error_type, reason "
        f"FROM dead_letters WHERE {scope} ORDER BY event_time DESC LIMIT 20", params)
    unattributed = {r[0]: int(r[1]) for r in client.rows(
        "SELECT error_type, uniqExact(event_id) FROM dead_letters WHERE tenant_id = '_unknown' GROUP BY error_type")}
    return {
        "tenant_id": tenant, "app_id": app, "tables": counts,
        "freshness_ms": {"p50": p50 if n else None, "p99": p99 if n else None, "events": int(n),
                         "window_minutes": FRESHNESS_WINDOW_MINUTES},
        "signals": signals,
        "dead_letters": [{"event_time": r[0].isoformat(), "source": f"{r[1]}/{r[2]}/{r[3]}", "error_type": r[4],
                          "reason": r[5]} for r in dead],
        "unattributed_dead_letters": unattributed,
    }


def logged_requests(client, since: str | None = None, limit: int = 1_000_000) -> list[dict]:
    """Logged InteractionRequests in time order (deduplicated), as dicts, for ``flywheel cache simulate``."""
    where = "WHERE event_time >= parseDateTime64BestEffort({since:String}, 3)" if since else ""
    result = client.query(
        "SELECT toString(event_id) AS event_id, event_time, tenant_id, app_id, request_id, session_id, user_id, "
        "feature, model, prompt_version, cohort, query, template_id, params, locale "
        f"FROM interaction_requests FINAL {where} ORDER BY event_time, event_id LIMIT {int(limit)}",
        {"since": since} if since else None)
    return [dict(zip(result.column_names, row)) for row in result.result_rows]
