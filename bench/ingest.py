"""Ingest benchmark: UserSignal events through Kafka into ClickHouse with the real warehouse sink.

    .venv/bin/python bench/ingest.py [--events 500000] [--rate 20000] [--seconds 10]

Uses KAFKA_BOOTSTRAP / CLICKHOUSE_URL when set, else starts the embedded broker and an embedded ClickHouse
engine in a temporary directory. Phases:
1. produce N events (pre-encoded Avro) to the user-signals topic;
2. start the sink and time until all N are queryable in ClickHouse (sink events/s, end to end);
3. time a raw aiokafka getmany consumer reading the same N messages (the ceiling), print the ratio;
4. event-to-query latency: produce at a steady --rate for --seconds with the sink running, then
   p50/p99 of (_ingested_at - event_time) over those events (event_time is stamped at send time).
Targets (issue 2): sink >= 50,000 events/s, >= 20% of the raw consumer, event-to-query p99 < 5 s.
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

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from infra.broker import EmbeddedBroker  # noqa: E402
from schemas.codec import Codec  # noqa: E402
from schemas.models import UserSignal  # noqa: E402
from services.warehouse.client import WarehouseExecutor, connect  # noqa: E402
from services.warehouse.migrations import migrate_up  # noqa: E402
from streams.publisher import EventPublisher  # noqa: E402
from streams.sink import WarehouseSink  # noqa: E402
from streams.topics import ensure_topics, load_catalog  # noqa: E402

KINDS = ["accept", "thumbs_up", "thumbs_down", "dismiss", "copy", "regenerate"]


def make_events(n: int, codec: Codec, run: str, topic: str) -> list[tuple[str, bytes, bytes]]:
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    for i in range(n):
        e = UserSignal(tenant_id="bench", app_id="bench-app", request_id=f"{run}-{i}", session_id=f"s{i % 997}",
                       user_id=f"u{i % 5003}", feature="chat", model="m1", prompt_version="v1", cohort=f"c{i % 4}",
                       kind=KINDS[i % len(KINDS)], dwell_ms=i % 30_000, event_time=now)
        out.append((topic, e.request_id.encode(), codec.encode("UserSignal", e.to_avro())))
    return out


async def produce(bootstrap: str, items: list[tuple[str, bytes, bytes]]) -> float:
    """Send (topic, key, value) items as fast as the producer goes; returns the seconds until all are acked."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=512 * 1024,
                                acks="all", enable_idempotence=False)
    await producer.start()
    t0 = time.perf_counter()
    futures = [await producer.send(topic, value, key=key) for topic, key, value in items]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - t0
    await producer.stop()
    return elapsed


async def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    """Events/s of a plain getmany loop over ``n`` messages, timed from the first batch (the group join is
    excluded, and so are the records of that first batch, which were fetched before the clock started)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024)
    await consumer.start()
    got = 0
    first = 0
    t0 = None
    while got < n:
        batch = await consumer.getmany(timeout_ms=1000, max_records=20_000)
        got += sum(len(v) for v in batch.values())
        if t0 is None and batch:
            t0, first = time.perf_counter(), got
    elapsed = time.perf_counter() - (t0 or time.perf_counter())
    await consumer.stop()
    return (got - first) / elapsed if elapsed > 0 else float("inf")


def paced_producer(bootstrap: str, topic: str, run: str, rate: float, total: int, result) -> None:
    """Send ``total`` events at ``rate``/s, stamping event_time at send time; reports the achieved rate."""

    async def go() -> float:
        codec = Codec()
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all", enable_idempotence=False)
        await producer.start()
        tick = 0.01
        per_tick = max(1, int(rate * tick))
        sent = 0
        futures = []
        start = time.perf_counter()
        while sent < total:
            now = dt.datetime.now(dt.timezone.utc)
            for _ in range(min(per_tick, total - sent)):
                e = UserSignal(tenant_id="bench", app_id="bench-app", request_id=f"{run}-{sent}", kind="accept",
                               feature="chat", event_time=now)
                futures.append(await producer.send(topic, codec.encode("UserSignal", e.to_avro()),
                                                   key=e.request_id.encode()))
                sent += 1
            await asyncio.sleep(max(0.0, start + sent / rate - time.perf_counter()))
        await asyncio.gather(*futures)
        await producer.stop()
        return total / (time.perf_counter() - start)

    result.put(asyncio.run(go()))


def count(client, run: str) -> int:
    return int(client.scalar("SELECT count() FROM user_signals WHERE startsWith(request_id, {p:String})",
                             {"p": run + "-"}))


async def main(args: argparse.Namespace) -> None:
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    if not bootstrap:
        broker = EmbeddedBroker().start()
        bootstrap = broker.bootstrap
    tmp = tempfile.mkdtemp(prefix="flywheel-bench-")
    client = connect(os.environ.get("CLICKHOUSE_URL"), os.environ.get("CLICKHOUSE_DATABASE", "flywheel_bench"),
                     Path(tmp) / "warehouse")
    migrate_up(client, {"raw_ttl_days": 365, "dead_letter_ttl_days": 90})
    catalog = load_catalog()
    await ensure_topics(bootstrap, catalog)
    topic = catalog.for_event("UserSignal").name
    codec = Codec()
    executor = WarehouseExecutor(client)
    publisher = EventPublisher(bootstrap, catalog, codec)
    await publisher.start()
    try:
        run = uuid.uuid4().hex[:8]
        print(f"broker {'embedded Tansu' if broker else bootstrap}; ClickHouse "
              f"{'embedded chdb' if not os.environ.get('CLICKHOUSE_URL') else 'server'}; "
              f"batch {args.batch_rows} rows / {args.flush_ms} ms; PII redaction {'off' if args.no_redact else 'on'}; "
              f"feedback rollups on (migrations as deployed)")
        items = make_events(args.events, codec, run, topic)
        produce_s = await produce(bootstrap, items)
        print(f"produced {args.events:,} events in {produce_s:.2f}s ({args.events / produce_s:,.0f}/s)")

        sink = WarehouseSink(bootstrap, f"bench-sink-{run}", catalog, executor, publisher,
                             batch_rows=args.batch_rows, flush_ms=args.flush_ms, redact_pii=not args.no_redact)
        t0 = time.perf_counter()
        task = asyncio.create_task(sink.run())
        while True:
            await asyncio.sleep(0.05)
            if sink.stats.stored >= args.events and await executor.run(count, client, run) >= args.events:
                break
            if task.done():
                task.result()
        done = time.perf_counter()
        sink_s = done - (sink.stats.first_message_at or t0)
        sink_rate = args.events / sink_s
        print(f"sink: consumer group joined and first batch fetched after {(sink.stats.first_message_at or t0) - t0:.2f}s")
        print(f"sink: {args.events:,} events from first fetch to all queryable in ClickHouse in {sink_s:.2f}s "
              f"-> {sink_rate:,.0f} events/s")

        raw_rate = await raw_consume(bootstrap, topic, args.events)
        print(f"raw aiokafka getmany consumer: {raw_rate:,.0f} events/s (timed from its first batch)")
        print(f"sink / raw consumer = {sink_rate / raw_rate:.1%}")

        # steady-rate latency phase, sink running; the producer is a separate process (it needs its own core)
        lat_run = uuid.uuid4().hex[:8]
        total = int(args.rate * args.seconds)
        ctx = multiprocessing.get_context("spawn")
        result = ctx.Queue()
        proc = ctx.Process(target=paced_producer, args=(bootstrap, topic, lat_run, args.rate, total, result))
        proc.start()
        while proc.is_alive():
            await asyncio.sleep(0.1)
        achieved = result.get(timeout=5)
        while await executor.run(count, client, lat_run) < total:
            await asyncio.sleep(0.1)
        q = await executor.run(client.rows, (
            "SELECT quantileExact(0.5)(d), quantileExact(0.99)(d), max(d) FROM (SELECT "
            "dateDiff('millisecond', event_time, _ingested_at) AS d FROM user_signals "
            "WHERE startsWith(request_id, {p:String}))"), {"p": lat_run + "-"})
        p50, p99, mx = q[0]
        print(f"event-to-query latency at {achieved:,.0f} events/s for {args.seconds:.0f}s: "
              f"p50 {p50 / 1000:.3f}s  p99 {p99 / 1000:.3f}s  max {mx / 1000:.3f}s")
        print("targets: sink >= 50,000/s: {}; >= 20% of raw: {}; p99 < 5 s: {}".format(
            "MET" if sink_rate >= 50_000 else "MISSED", "MET" if sink_rate >= 0.2 * raw_rate else "MISSED",
            "MET" if p99 < 5000 else "MISSED"))
        sink.stop()
        await task
    finally:
        await publisher.stop()
        executor.shutdown()
        if broker:
            broker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--rate", type=float, default=20_000, help="events/s in the latency phase")
    parser.add_argument("--seconds", type=float, default=10, help="length of the latency phase")
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument("--flush-ms", type=int, default=250)
    parser.add_argument("--no-redact", action="store_true", help="measure without the PII prefilter/redaction")
    asyncio.run(main(parser.parse_args()))
