"""Read-side queries over the raw tables (real embedded ClickHouse engine)."""

from __future__ import annotations

import datetime as dt

from schemas.codec import Codec
from schemas.models import InteractionRequest, UserSignal
from services.cache import simulate
from services.warehouse.queries import logged_requests, tenant_stats
from services.warehouse.raw_writer import Message, RawEventWriter, Route
from streams.topics import load_catalog

CODEC = Codec()


def _store(client, events) -> None:
    catalog = load_catalog()
    writer = RawEventWriter(client, {t.name: Route(t.event, t.table) for t in catalog.topics}, CODEC)
    msgs = [Message(catalog.for_event(e.EVENT_TYPE).name, 0, i, None, CODEC.encode(e.EVENT_TYPE, e.to_avro()))
            for i, e in enumerate(events)]
    result = writer.write(msgs + msgs)  # stored twice, as a replay would: reads must not double count
    assert not result.dead_letters


def test_logged_requests_feed_the_cache_simulation(warehouse):
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    queries = ["how do I reset my password"] * 3 + ["what is the refund window for SKU-4471"] * 2 + ["hello"]
    _store(warehouse, [InteractionRequest(tenant_id="t", app_id="a", request_id=f"r{i}", query=q, model="m",
                                          event_time=t0 + dt.timedelta(minutes=i)) for i, q in enumerate(queries)])
    rows = logged_requests(warehouse)
    assert [r["query"] for r in rows] == queries  # time order, no duplicates
    assert len(logged_requests(warehouse, since="2026-03-01T00:03:00Z")) == 3
    report = simulate(rows).to_dict()
    assert report["total"] == 6
    assert report["per_kind"]["semantic"]["hits"] == 3  # the 2nd/3rd password and the 2nd refund request
    assert report["top_clusters"][0] == {"representative": "how do I reset my password", "count": 3, "share": 0.5}


def test_tenant_stats_count_exactly_and_stay_in_the_tenant(warehouse):
    _store(warehouse, [UserSignal(tenant_id="t", app_id="a", request_id=f"r{i}", kind="accept") for i in range(5)]
           + [UserSignal(tenant_id="other", app_id="a", request_id="x", kind="thumbs_down")])
    tables = [t.table for t in load_catalog().topics]
    stats = tenant_stats(warehouse, "t", "a", tables)
    assert stats["tables"]["user_signals"]["events"] == 5
    assert stats["signals"] == {"accept": 5}
    assert stats["freshness_ms"]["events"] == 5  # a replay within one insert collapses on insert
