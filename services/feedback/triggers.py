"""Plans RetrainTrigger events from the rollups (ClickHouse adapter around :mod:`services.feedback.retrain`).

:func:`plan` is what the Faust timer in ``streams/agents/feedback.py`` runs (in the warehouse thread). It is
idempotent: decisions have deterministic event ids (uuid5 of segment, reason and baseline window or
``since``); ids already in ``retrain_triggers`` or in ``fired`` (this process) are not planned again, so a
restart or a replay does not fire twice, and a duplicate publish collapses in the ReplacingMergeTree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

import orjson

from schemas.models import RetrainTrigger
from services.feedback.queries import aggregates, watermarks
from services.feedback.retrain import (CorrectionCase, Decision, RetrainConfig, Segment, chat_dataset,
                                       decide_corrections, decide_drops, windows)

SEG = ("feature", "model", "prompt_version", "cohort")


def segment_acceptance(client, tenant: str, app: str, since: dt.datetime, until: dt.datetime,
                       granularity: str) -> dict[Segment, tuple[int, int]]:
    rows = aggregates(client, tenant, app, since, until, granularity=granularity, group_by=SEG, by_window=False)
    return {Segment(tenant, app, **a.key): (min(a.accepted, a.shown), a.shown) for a in rows if a.shown}


def corrections_since(client, tenant: str, app: str, watermark: dt.datetime,
                      cfg: RetrainConfig) -> dict[Segment, tuple[int, dt.datetime]]:
    last = {r[0]: dt.datetime.fromtimestamp(r[1] / 1000, dt.timezone.utc) for r in client.rows(
        "SELECT feature, max(statistics['until_ms']) FROM retrain_triggers FINAL "
        "WHERE tenant_id = {t:String} AND app_id = {a:String} AND startsWith(reason, 'corrections_threshold') "
        "GROUP BY feature", {"t": tenant, "a": app})}
    default = watermark - dt.timedelta(days=cfg.dataset_days)
    rows = aggregates(client, tenant, app, min([default, *last.values()]), watermark, group_by=("feature",),
                      by_window=True)
    counts: dict[str, int] = {}
    for a in rows:
        since = last.get(a.key["feature"], default)
        if _utc(a.key["window_start"]) >= since:
            counts[a.key["feature"]] = counts.get(a.key["feature"], 0) + a.corrections
    return {Segment(tenant, app, f): (n, last.get(f, default)) for f, n in counts.items() if n}


def correction_cases(client, seg: Segment, since: dt.datetime, until: dt.datetime, limit: int) -> list[CorrectionCase]:
    params = {"t": seg.tenant_id, "a": seg.app_id, "f": seg.feature, "since": _naive(since), "until": _naive(until)}
    scope = "tenant_id = {t:String} AND app_id = {a:String}"
    rows = client.rows(f"""
        SELECT s.request_id, ifNull(s.feature, ''), q.query, r.text, s.correction_text, i.class
        FROM (SELECT event_id, event_time, request_id, feature, correction_text FROM user_signals FINAL
              WHERE {scope} AND kind = 'correction' AND ifNull(feature, '') = {{f:String}}
                AND notEmpty(ifNull(correction_text, ''))
                AND event_time >= {{since:DateTime}} AND event_time < {{until:DateTime}}) AS s
        LEFT JOIN (SELECT request_id, any(query) AS query FROM interaction_requests WHERE {scope}
                   GROUP BY request_id) AS q ON q.request_id = s.request_id
        LEFT JOIN (SELECT request_id, argMax(text, event_time) AS text FROM llm_responses WHERE {scope}
                   GROUP BY request_id) AS r ON r.request_id = s.request_id
        LEFT JOIN (SELECT incident_id, any(class) AS class FROM incidents WHERE {scope}
                   AND source = 'user_signals' GROUP BY incident_id) AS i ON i.incident_id = s.event_id
        ORDER BY s.event_time, s.event_id
        LIMIT {int(limit) * 4}""", params)
    return [CorrectionCase(r[0] or "", r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "other") for r in rows]


def plan(client, cfg: RetrainConfig, data_dir: Path, fired: set | None = None,
         redact: Callable[[str], str] | None = None) -> list[RetrainTrigger]:
    """The RetrainTrigger events to publish now (datasets written to ``data_dir/datasets``)."""
    fired = fired if fired is not None else set()
    redact = redact or _default_redact()
    events: list[RetrainTrigger] = []
    for tenant, app, wm in watermarks(client):
        w = windows(wm, cfg)
        decisions: list[Decision] = decide_drops(
            segment_acceptance(client, tenant, app, *w.current, granularity="1m"),
            segment_acceptance(client, tenant, app, *w.baseline, granularity="1h"), w, cfg)
        decisions += decide_corrections(corrections_since(client, tenant, app, wm, cfg), wm, cfg)
        decisions = [d for d in decisions if d.event_id not in fired]
        if not decisions:
            continue
        stored = {r[0] for r in client.rows("SELECT DISTINCT event_id FROM retrain_triggers WHERE event_id IN "
                                            "{ids:Array(UUID)}", {"ids": [d.event_id for d in decisions]})}
        for d in decisions:
            if d.event_id in stored:
                fired.add(d.event_id)
                continue
            events.append(_trigger(client, d, wm, cfg, data_dir, redact))
    return events


def _trigger(client, d: Decision, wm: dt.datetime, cfg: RetrainConfig, data_dir: Path, redact) -> RetrainTrigger:
    since = min(d.window[0], wm - dt.timedelta(days=cfg.dataset_days))
    ds = chat_dataset(correction_cases(client, d.segment, since, wm, cfg.dataset_max_rows), cfg, redact)
    out = Path(data_dir) / "datasets"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{d.snapshot_id}.jsonl"
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("wb") as fh:
        for row in ds.rows:
            fh.write(orjson.dumps(row) + b"\n")
    tmp.replace(path)
    stats = dict(d.statistics)
    stats.update(dataset_skipped_facts=ds.skipped_facts, dataset_skipped_class=ds.skipped_class,
                 dataset_skipped_empty=ds.skipped_empty)
    return RetrainTrigger(event_id=d.event_id, event_time=wm, tenant_id=d.segment.tenant_id,
                          app_id=d.segment.app_id, feature=d.segment.feature, model=d.segment.model or None,
                          prompt_version=d.segment.prompt_version or None, cohort=d.segment.cohort or None,
                          reason=d.reason_text,
                          statistics={k: float(v) for k, v in stats.items()}, snapshot_id=d.snapshot_id,
                          dataset_uri=path.resolve().as_uri(), dataset_rows=len(ds.rows))


def _default_redact() -> Callable[[str], str]:
    from services.guardrails import redact_pii

    return lambda text: redact_pii(text)[0]


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t
