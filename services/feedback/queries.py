"""Reads over the feedback rollups. Labels come from ``labels.toml`` at query time (so a mapping change
applies to history too); all counts are exact distinct counts merged from uniqExact states."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from services.feedback.labels import DIMENSIONS, LabelMap, load as load_labels

TABLES = {"1m": "feedback_rollup_1m", "1h": "feedback_rollup_1h"}
COUNT_COLUMNS = ("shown", "accepted", "positive", "negative", "neutral", "thumbs_up", "thumbs_down",
                 "regenerations", "corrections", "abandons", "failures", "weighted_score")


@dataclass(frozen=True)
class Aggregate:
    key: dict  # dimension -> value (and window_start when grouped by window)
    shown: int
    accepted: int
    positive: int
    negative: int
    neutral: int
    thumbs_up: int
    thumbs_down: int
    regenerations: int
    corrections: int
    abandons: int
    failures: int
    weighted_score: float

    @property
    def acceptance_rate(self) -> float | None:
        return min(self.accepted, self.shown) / self.shown if self.shown else None


def aggregates_sql(labels: LabelMap, granularity: str = "1m", group_by: Sequence[str] = DIMENSIONS,
                   by_window: bool = True) -> str:
    """Parameterised SQL ({tenant}, {app}, {since}, {until}) of the per-dimension aggregates."""
    if granularity not in TABLES:
        raise ValueError(f"granularity must be one of {sorted(TABLES)}")
    bad = set(group_by) - set(DIMENSIONS)
    if bad:
        raise ValueError(f"unknown dimensions {sorted(bad)}")
    keys = list(group_by) + (["window_start"] if by_window else [])
    inner_keys = ", ".join(keys + ["metric"])
    outer_keys = ", ".join(keys) if keys else "tuple()"
    pos, neg, neu = labels.sql_kinds("positive"), labels.sql_kinds("negative"), labels.sql_kinds("neutral")
    select_keys = "".join(f"{k}, " for k in keys)
    return f"""
SELECT {select_keys}
       sumIf(n, metric = 'shown') AS shown,
       uniqExactMergeIf(s, has({pos}, metric)) AS accepted,
       sumIf(n, has({pos}, metric)) AS positive,
       sumIf(n, has({neg}, metric)) AS negative,
       sumIf(n, has({neu}, metric)) AS neutral,
       sumIf(n, metric = 'signal:thumbs_up') AS thumbs_up,
       sumIf(n, metric = 'signal:thumbs_down') AS thumbs_down,
       sumIf(n, metric = 'signal:regenerate') AS regenerations,
       sumIf(n, metric = 'signal:correction') AS corrections,
       sumIf(n, metric = 'signal:abandon') AS abandons,
       sumIf(n, startsWith(metric, 'incident:')) AS failures,
       sum(n * {labels.sql_weight('metric')}) AS weighted_score
FROM (
    SELECT {inner_keys}, uniqExactMerge(events) AS n, uniqExactMergeState(subjects) AS s
    FROM {TABLES[granularity]}
    WHERE tenant_id = {{tenant:String}} AND app_id = {{app:String}}
      AND window_start >= {{since:DateTime}} AND window_start < {{until:DateTime}}
    GROUP BY {inner_keys}
)
GROUP BY {outer_keys}
ORDER BY {outer_keys}"""


def aggregates(client, tenant: str, app: str, since: dt.datetime, until: dt.datetime, *,
               granularity: str = "1m", group_by: Sequence[str] = DIMENSIONS, by_window: bool = True,
               labels: LabelMap | None = None) -> list[Aggregate]:
    labels = labels or load_labels()
    keys = list(group_by) + (["window_start"] if by_window else [])
    rows = client.rows(aggregates_sql(labels, granularity, group_by, by_window),
                       {"tenant": tenant, "app": app, "since": _naive(since), "until": _naive(until)})
    out = []
    for r in rows:
        key = dict(zip(keys, r[:len(keys)]))
        vals = r[len(keys):]
        out.append(Aggregate(key, *(int(v) for v in vals[:-1]), float(vals[-1])))
    return out


def incident_counts(client, tenant: str, app: str, since: dt.datetime, until: dt.datetime,
                    granularity: str = "1m") -> dict[tuple, int]:
    """{(window_start, class): incidents} from the rollup."""
    rows = client.rows(
        f"SELECT window_start, substring(metric, 10) AS class, uniqExactMerge(events) FROM {TABLES[granularity]} "
        "WHERE tenant_id = {tenant:String} AND app_id = {app:String} AND startsWith(metric, 'incident:') "
        "AND window_start >= {since:DateTime} AND window_start < {until:DateTime} GROUP BY window_start, class",
        {"tenant": tenant, "app": app, "since": _naive(since), "until": _naive(until)})
    return {(r[0], r[1]): int(r[2]) for r in rows}


def watermarks(client) -> list[tuple[str, str, dt.datetime]]:
    """(tenant, app, end of the latest minute with data): the event-time clock of each app."""
    rows = client.rows("SELECT tenant_id, app_id, max(window_start) + INTERVAL 1 MINUTE FROM feedback_rollup_1m "
                       "GROUP BY tenant_id, app_id")
    return [(r[0], r[1], _utc(r[2])) for r in rows]


def _naive(t: dt.datetime) -> dt.datetime:
    """clickhouse-connect binds naive datetimes as given; ours are UTC."""
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return t


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)
