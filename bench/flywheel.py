"""Feedback aggregation benchmark: signals through Kafka, the real sink and the rollup views into ClickHouse.

    .venv/bin/python bench/flywheel.py [--signals 200000] [--rate 5000] [--seconds 10]

Uses KAFKA_BOOTSTRAP / CLICKHOUSE_URL when set, else the embedded broker and a temporary embedded engine.
1. produce N UserSignal + N/2 LlmResponse events (pre-encoded) once;
2. the sink reads them into a database WITHOUT the feedback views, then (new consumer group) into a database
   WITH them: signals/s through aggregation, and the overhead of the materialized views on the insert path;
   the rollup totals are checked against N (exact);
3. freshness: a separate process sends signals at a steady --rate with event_time stamped at send; a poller
   reads the rollup count every 50 ms; the k-th event is fresh when the count first reaches k. p50/p99 of
   (first poll that saw it - its send time), and of the raw rows' (_ingested_at - event_time) for reference.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402

from infra.broker import EmbeddedBroker  # noqa: E402
from schemas.codec import Codec  # noqa: E402
from schemas.models import LlmResponse, UserSignal  # noqa: E402
from services.feedback.queries import aggregates  # noqa: E402
from services.feedback.schema import drop_schema, ensure_schema  # noqa: E402
from services.warehouse.client import WarehouseExecutor, connect  # noqa: E402
from services.warehouse.migrations import migrate_up  # noqa: E402
from streams.publisher import EventPublisher  # noqa: E402
from streams.sink import WarehouseSink  # noqa: E402
from streams.topics import ensure_topics, load_catalog  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import produce  # noqa: E402  (the same bulk producer as bench/ingest.py)

KINDS = ["accept", "thumbs_up", "thumbs_down", "copy", "regenerate", "edit", "abandon", "correction"]


def make_events(n: int, codec: Codec, catalog, run: str) -> list[tuple[str, bytes, bytes]]:
    now = dt.datetime.now(dt.timezone.utc)
    sig_topic, resp_topic = catalog.for_event("UserSignal").name, catalog.for_event("LlmResponse").name
    out = []
    for i in range(n):
        dims = dict(tenant_id="bench", app_id="bench-app", request_id=f"{run}-{i // 2}", feature=f"f{i % 3}",
                    model="m1", prompt_version="v1", cohort=f"c{i % 4}")
        t = now - dt.timedelta(seconds=i % 3600)
        if i % 2 == 0:
            r = LlmResponse(text="ok", latency_ms=100.0, event_time=t, **dims)
            out.append((resp_topic, r.request_id.encode(), codec.encode("LlmResponse", r.to_avro())))
        e = UserSignal(kind=KINDS[i % len(KINDS)], event_time=t, comment="too long" if i % 16 == 7 else None,
                       correction_text="fixed" if KINDS[i % len(KINDS)] == "correction" else None, **dims)
        out.append((sig_topic, e.request_id.encode(), codec.encode("UserSignal", e.to_avro())))
    return out


async def sink_phase(bootstrap, catalog, client, publisher, total, group, batch_rows, flush_ms) -> tuple[float, WarehouseSink]:
    executor = WarehouseExecutor(client)
    sink = WarehouseSink(bootstrap, group, catalog, executor, publisher, batch_rows=batch_rows, flush_ms=flush_ms)
    task = asyncio.create_task(sink.run())
    t0 = time.perf_counter()
    while sink.stats.stored < total:
        await asyncio.sleep(0.02)
        if task.done():
            task.result()
    elapsed = time.perf_counter() - (sink.stats.first_message_at or t0)
    sink.stop()
    await task
    executor.shutdown()
    return elapsed, sink


def paced_producer(bootstrap: str, topic: str, rate: float, total: int, result) -> None:
    async def go() -> list[float]:
        codec = Codec()
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all", enable_idempotence=False)
        await producer.start()
        per_tick, sent, futures, stamps = max(1, int(rate * 0.01)), 0, [], []
        start = time.perf_counter()
        while sent < total:
            for _ in range(min(per_tick, total - sent)):
                now = dt.datetime.now(dt.timezone.utc)
                e = UserSignal(tenant_id="fresh", app_id="bench-app", request_id=f"fr-{sent}", kind="accept",
                               feature="chat", event_time=now)
                stamps.append(now.timestamp())
                futures.append(await producer.send(topic, codec.encode("UserSignal", e.to_avro()),
                                                   key=e.request_id.encode()))
                sent += 1
            await asyncio.sleep(max(0.0, start + sent / rate - time.perf_counter()))
        await asyncio.gather(*futures)
        await producer.stop()
        return stamps

    result.put(asyncio.run(go()))


async def main(args) -> None:
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    if not bootstrap:
        broker = EmbeddedBroker().start()
        bootstrap = broker.bootstrap
    path = Path(tempfile.mkdtemp(prefix="flywheel-bench-fb-")) / "warehouse"
    url = os.environ.get("CLICKHOUSE_URL")
    catalog = load_catalog(prefix=f"b{uuid.uuid4().hex[:6]}.")
    await ensure_topics(bootstrap, catalog)
    codec = Codec()
    publisher = EventPublisher(bootstrap, catalog, codec)
    await publisher.start()
    try:
        run = uuid.uuid4().hex[:6]
        items = make_events(args.signals, codec, catalog, run)
        total = len(items)
        secs = await produce(bootstrap, items)
        print(f"produced {args.signals:,} signals + {total - args.signals:,} responses in {secs:.2f}s")

        plain = connect(url, "fb_bench_plain", path)
        migrate_up(plain, {"raw_ttl_days": 365, "dead_letter_ttl_days": 90})
        drop_schema(plain)  # raw tables only: the baseline without rollups and incident views
        plain_s, _ = await sink_phase(bootstrap, catalog, plain, publisher, total, f"plain-{run}", args.batch_rows,
                                      args.flush_ms)
        agg = connect(url, "fb_bench_agg", path)
        migrate_up(agg, {"raw_ttl_days": 365, "dead_letter_ttl_days": 90})
        ensure_schema(agg)
        agg_s, sink = await sink_phase(bootstrap, catalog, agg, publisher, total, f"agg-{run}", args.batch_rows,
                                       args.flush_ms)
        print(f"sink, raw tables only:            {total / plain_s:>9,.0f} events/s ({plain_s:.2f}s)")
        print(f"sink, raw + rollups + incidents:  {total / agg_s:>9,.0f} events/s ({agg_s:.2f}s) "
              f"= {args.signals / agg_s:,.0f} signals/s through aggregation")
        print(f"materialized-view overhead on the insert path: {agg_s / plain_s - 1:+.1%} wall time "
              f"({sink.stats.batches} sink batches)")
        now = dt.datetime.now(dt.timezone.utc)
        rows = aggregates(agg, "bench", "bench-app", now - dt.timedelta(hours=3), now + dt.timedelta(hours=1),
                          group_by=(), by_window=False)
        signals = sum(a.positive + a.negative + a.neutral for a in rows)
        shown = sum(a.shown for a in rows)
        print(f"rollup exact: signals {signals:,} (expected {args.signals:,}), shown {shown:,} "
              f"(expected {total - args.signals:,}) -> {'OK' if (signals, shown) == (args.signals, total - args.signals) else 'MISMATCH'}")
        for label, sql in (("1-minute rollup rows", "SELECT count() FROM feedback_rollup_1m"),
                           ("raw signal rows", "SELECT count() FROM user_signals")):
            print(f"{label}: {agg.scalar(sql):,}")

        # -- freshness --------------------------------------------------------------------------------------
        executor = WarehouseExecutor(agg)
        sink = WarehouseSink(bootstrap, f"fresh-{run}", catalog, executor, publisher, batch_rows=args.batch_rows,
                             flush_ms=args.flush_ms)
        task = asyncio.create_task(sink.run())
        while sink.stats.consumed < total:  # a new group starts at the earliest offsets: drain the backlog first
            await asyncio.sleep(0.1)
            if task.done():
                task.result()
        await asyncio.sleep(1)
        n = int(args.rate * args.seconds)
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        proc = ctx.Process(target=paced_producer, args=(bootstrap, catalog.for_event("UserSignal").name, args.rate,
                                                        n, q))
        proc.start()
        polls: list[tuple[float, int]] = []
        sql = "SELECT uniqExactMerge(events) FROM feedback_rollup_1m WHERE tenant_id = 'fresh'"
        stamps = None
        while True:
            c = int(await executor.run(agg.scalar, sql) or 0)
            polls.append((time.time(), c))
            if stamps is None and not q.empty():
                stamps = q.get()
            if c >= n:
                break
            await asyncio.sleep(0.05)
        if stamps is None:
            stamps = q.get(timeout=30)
        proc.join()
        poll_t = np.array([p[0] for p in polls])
        poll_c = np.array([p[1] for p in polls])
        lat = []
        for k, sent in enumerate(sorted(stamps)):
            idx = int(np.searchsorted(poll_c, k + 1))  # counts are monotone
            lat.append(poll_t[idx] - sent)
        lat = np.array(lat)
        raw = await executor.run(agg.rows, "SELECT quantileExact(0.5)(d), quantileExact(0.99)(d) FROM (SELECT "
                                           "dateDiff('millisecond', event_time, _ingested_at) AS d FROM user_signals "
                                           "WHERE tenant_id = 'fresh')")
        print(f"freshness event -> rollup query at {args.rate:,.0f} signals/s for {args.seconds:.0f}s "
              f"(poll every 50 ms): p50 {np.percentile(lat, 50):.3f}s  p99 {np.percentile(lat, 99):.3f}s  "
              f"max {lat.max():.3f}s  (target p99 < 5 s: {'MET' if np.percentile(lat, 99) < 5 else 'MISSED'})")
        print(f"raw rows _ingested_at - event_time: p50 {raw[0][0] / 1000:.3f}s  p99 {raw[0][1] / 1000:.3f}s")
        sink.stop()
        await task
        executor.shutdown()
    finally:
        await publisher.stop()
        if broker:
            broker.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--signals", type=int, default=200_000)
    p.add_argument("--rate", type=float, default=5_000, help="signals/s in the freshness phase")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--batch-rows", type=int, default=20_000)
    p.add_argument("--flush-ms", type=int, default=250)
    asyncio.run(main(p.parse_args()))
