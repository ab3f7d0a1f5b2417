"""Known truth through the real broker and the real embedded ClickHouse engine.

20,000 responses with ~20,000 signals in four cohorts with exact acceptance rates, and a planted drop in
cohort c2 (0.50 -> 0.30). Plus 30 format corrections on another feature. Through the real sink into the raw
tables, the materialized views fill the rollups; the retrain planner fires. Then a full replay.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import pytest

from schemas.codec import Codec
from schemas.models import InteractionRequest, LlmResponse, UserSignal
from services.feedback.labels import load as load_labels
from services.feedback.queries import aggregates, incident_counts
from services.feedback.retrain import RetrainConfig
from services.feedback.schema import ensure_schema
from services.feedback.taxonomy import load as load_taxonomy
from services.feedback.triggers import plan
from services.warehouse.client import WarehouseExecutor
from streams.publisher import EventPublisher
from streams.sink import WarehouseSink
from streams.topics import ensure_topics, load_catalog
from tests.feedback.traffic import simulate

pytestmark = pytest.mark.integration
RATES = {("c0", "baseline"): (3000, 0.30), ("c1", "baseline"): (3000, 0.40), ("c2", "baseline"): (3000, 0.50),
         ("c3", "baseline"): (3000, 0.35), ("c0", "current"): (2000, 0.30), ("c1", "current"): (2000, 0.40),
         ("c2", "current"): (2000, 0.30), ("c3", "current"): (2000, 0.35)}


def _corrections(anchor: dt.datetime, n: int) -> list:
    out = []
    for i in range(n):
        t = anchor - dt.timedelta(minutes=30, seconds=i)
        dims = dict(tenant_id="acme", app_id="shop", request_id=f"mail-{i}", feature="email_draft", model="m1",
                    prompt_version="v1", cohort="c0")
        out += [InteractionRequest(event_time=t, query=f"Draft a reply to ticket {i} for jane.doe@example.com",
                                   **dims),
                LlmResponse(event_time=t, text=f"hey, ticket {i} is done lol", latency_ms=200.0, **dims),
                UserSignal(event_time=t, kind="correction", comment="wrong tone, use the formal format",
                           correction_text=f"Dear customer,\n\nticket {i} is done.\n\nKind regards", **dims)]
    return out


async def _sink_until(bootstrap, group, catalog, executor, publisher, done, timeout=90.0) -> WarehouseSink:
    sink = WarehouseSink(bootstrap, group, catalog, executor, publisher, batch_rows=20_000, flush_ms=100)
    task = asyncio.create_task(sink.run())
    deadline = time.monotonic() + timeout
    try:
        while not await done(sink):
            if task.done():
                task.result()
            assert time.monotonic() < deadline, f"sink did not finish: {sink.stats}"
            await asyncio.sleep(0.2)
    finally:
        sink.stop()
        await task
    return sink


def _snapshot(client, tenant, app, since, until):
    return ([vars(a) for a in aggregates(client, tenant, app, since, until, granularity="1m")],
            [vars(a) for a in aggregates(client, tenant, app, since, until, granularity="1h")],
            incident_counts(client, tenant, app, since, until, "1h"))


async def test_known_truth_aggregates_trigger_and_replay(broker, warehouse, topic_prefix, tmp_path):
    ensure_schema(warehouse)
    anchor = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    events, truth = simulate(anchor, RATES)
    events += _corrections(anchor, 30)
    assert 19_000 <= truth.signals <= 21_000
    catalog = load_catalog(prefix=topic_prefix)
    await ensure_topics(broker.bootstrap, catalog)
    publisher = EventPublisher(broker.bootstrap, catalog, Codec())
    await publisher.start()
    executor = WarehouseExecutor(warehouse)
    cfg = RetrainConfig(corrections_threshold=25, alpha=0.01, min_samples=200, current_minutes=60,
                        baseline_hours=24, interval_s=1)
    try:
        await publisher.publish_many(events)
        n_events = len(events)

        async def stored(sink) -> bool:
            return sink.stats.stored >= n_events

        await _sink_until(broker.bootstrap, f"{topic_prefix}sink", catalog, executor, publisher, stored)

        # -- aggregates are exact, per cohort and period, in both rollups --------------------------------
        since, until = anchor - dt.timedelta(hours=6), anchor
        totals = {a.key["cohort"]: a for a in aggregates(warehouse, "acme", "shop", anchor - dt.timedelta(hours=5),
                                                          anchor - dt.timedelta(hours=2), group_by=("cohort",),
                                                          by_window=False, granularity="1h")}
        current = {a.key["cohort"]: a for a in aggregates(warehouse, "acme", "shop", anchor - dt.timedelta(hours=1),
                                                           anchor, group_by=("feature", "cohort"), by_window=False)
                   if a.key["feature"] == "support_chat"}
        for cohort in ("c0", "c1", "c2", "c3"):
            for period, agg in (("baseline", totals[cohort]), ("current", current[cohort])):
                assert agg.shown == truth.shown[(cohort, period)], (cohort, period)
                assert agg.accepted == truth.accepted[(cohort, period)], (cohort, period)
                assert agg.thumbs_up == truth.kinds.get((cohort, period, "thumbs_up"), 0)
                assert agg.thumbs_down == truth.kinds.get((cohort, period, "thumbs_down"), 0)
                assert agg.regenerations == truth.kinds.get((cohort, period, "regenerate"), 0)
                assert agg.abandons == truth.kinds.get((cohort, period, "abandon"), 0)
                labels = load_labels()
                weighted = sum(labels.weight(k) * n for (c, p, k), n in truth.kinds.items() if (c, p) == (cohort, period))
                assert agg.weighted_score == pytest.approx(weighted)
        per_minute = {(a.key["cohort"], a.key["window_start"].replace(tzinfo=dt.timezone.utc)): (a.shown, a.accepted)
                      for a in aggregates(warehouse, "acme", "shop", since, until, group_by=("feature", "cohort"))
                      if a.key["feature"] == "support_chat"}
        assert per_minute == {k: tuple(v) for k, v in truth.per_minute.items()}
        # incidents: the SQL classification equals the Python one, per class
        taxonomy = load_taxonomy()
        expected_incidents: dict = {}
        for e in events:
            if isinstance(e, UserSignal):
                inc = taxonomy.classify("user_signals", e.model_dump())
                if inc:
                    expected_incidents[inc.cls] = expected_incidents.get(inc.cls, 0) + 1
        got_incidents: dict = {}
        for (_, cls), n in incident_counts(warehouse, "acme", "shop", since, until + dt.timedelta(hours=1), "1h").items():
            got_incidents[cls] = got_incidents.get(cls, 0) + n
        assert got_incidents == expected_incidents and got_incidents["format_error"] == 30

        # -- the retrain planner: the drop fires once (c2), the corrections once (email_draft) -----------
        fired: set = set()
        triggers = plan(warehouse, cfg, tmp_path, fired)
        by_reason = sorted((t.reason, t.feature) for t in triggers)
        assert by_reason == [("acceptance_drop (cohort=c2)", "support_chat"),
                             ("corrections_threshold", "email_draft")]
        drop = next(t for t in triggers if t.reason.startswith("acceptance_drop"))
        assert drop.statistics["baseline_rate"] == pytest.approx(0.50)
        assert drop.statistics["current_rate"] == pytest.approx(0.30)
        assert drop.statistics["p_value"] < 1e-6
        corr = next(t for t in triggers if t.reason == "corrections_threshold")
        assert corr.statistics["corrections"] == 30 and corr.dataset_rows == 30
        lines = (tmp_path / "datasets" / f"{corr.snapshot_id}.jsonl").read_text().splitlines()
        assert len(lines) == 30 and "jane.doe" not in "".join(lines) and '"role":"assistant"' in lines[0]
        await publisher.publish_many(triggers)
        await publisher.publish_many(triggers)  # a double publish (crash before bookkeeping) collapses

        async def triggers_stored(sink) -> bool:
            return int(warehouse.scalar("SELECT uniqExact(event_id) FROM retrain_triggers")) >= 2

        await _sink_until(broker.bootstrap, f"{topic_prefix}sink", catalog, executor, publisher, triggers_stored)
        assert int(warehouse.scalar("SELECT uniqExact(event_id) FROM retrain_triggers")) == 2
        assert plan(warehouse, cfg, tmp_path, fired) == []  # same process
        assert plan(warehouse, cfg, tmp_path, set()) == []  # after a restart: the table says it fired

        # -- replay every topic from the start through a new consumer group: nothing changes ---------------
        before = _snapshot(warehouse, "acme", "shop", since, until + dt.timedelta(hours=1))
        total = n_events + 2 * len(triggers)

        async def replayed(sink) -> bool:
            return sink.stats.consumed >= total

        await _sink_until(broker.bootstrap, f"{topic_prefix}replay-{uuid.uuid4().hex[:4]}", catalog, executor,
                          publisher, replayed)
        assert int(warehouse.scalar("SELECT count() FROM user_signals")) == 2 * (truth.signals + 30)  # stored twice
        assert _snapshot(warehouse, "acme", "shop", since, until + dt.timedelta(hours=1)) == before
        assert plan(warehouse, cfg, tmp_path, set()) == []
        assert int(warehouse.scalar("SELECT uniqExact(event_id) FROM retrain_triggers")) == 2
    finally:
        await publisher.stop()
        executor.shutdown()
