"""The warehouse sink against the real broker and the real embedded ClickHouse engine.

The contract: every message produced to an event topic ends up either in its raw table or as a dead letter
(topic + table) with its reason and original bytes. In = stored + dead-lettered, nothing else, and a replay
of the same messages changes no count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import struct
import time
import uuid

import fastavro
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.codec import CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC, Codec
from schemas.models import (Citation, CacheDecision, Document, GuardrailTrigger, InteractionRequest, LlmResponse,
                            Retrieval, RetrievedChunk, UserSignal)
from services.warehouse.client import WarehouseExecutor
from streams.publisher import EventPublisher
from streams.sink import WarehouseSink
from streams.topics import ensure_topics, load_catalog

pytestmark = pytest.mark.integration
CODEC = Codec()


def raw_encode(event_type: str, record: dict) -> bytes:
    """Encode without the model's validation (what a foreign Kafka client could send)."""
    info = CODEC.registry.schema(event_type)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, info.parsed, record)
    return SINGLE_OBJECT_MAGIC + info.fingerprint + buf.getvalue()


def good_events(n: int) -> list:
    out = []
    for i in range(n):
        rid = f"req-{i}"
        common = dict(tenant_id="acme", app_id="shop", request_id=rid, session_id="s", user_id=f"u{i % 7}")
        out += [
            InteractionRequest(query=f"where is order ORD-{i}?", feature="support", params={"order": str(i)},
                               **common),
            Retrieval(query="q", method="hybrid", top_k=2, latency_ms=4.2, results=[
                RetrievedChunk(chunk_id=f"c{i}", doc_id="d1", score=0.03, bm25_rank=1, dense_rank=None,
                               fused_rank=1)], **common),
            CacheDecision(kind="semantic", key=f"k{i}", outcome="miss", reason="below_threshold",
                          similarity=0.71, **common),
            GuardrailTrigger(stage="input", layer="safety", code="pii", severity="medium", action="redact",
                             span_start=3, span_end=20, label="email", **common),
            LlmResponse(text="It ships tomorrow.", citations=[Citation(doc_id="d1")], confidence=0.8,
                        latency_ms=300.0, model="m", **common),
            UserSignal(kind="thumbs_up" if i % 2 else "correction", correction_text="fixed" if i % 2 == 0 else None,
                       **common),
        ]
    out.append(Document(tenant_id="acme", app_id="shop", doc_id="d1", version=2, text="# Title\nbody"))
    return out


async def _produce(bootstrap: str, items: list[tuple[str, bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=2)
    await producer.start()
    try:
        futures = [await producer.send(t, v, key=k) for t, k, v in items]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _run_sink_until(sink: WarehouseSink, done, timeout: float = 60.0) -> None:
    task = asyncio.create_task(sink.run())
    deadline = time.monotonic() + timeout
    try:
        while not await done():
            if task.done():
                task.result()
            assert time.monotonic() < deadline, f"sink did not finish: {sink.stats}"
            await asyncio.sleep(0.1)
    finally:
        sink.stop()
        await task


async def _dead_letter_messages(bootstrap: str, topic: str, expected: int) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"check-{uuid.uuid4().hex[:6]}", enable_auto_commit=False)
    await consumer.start()
    got = []
    try:
        deadline = time.monotonic() + 20
        while len(got) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                got += [CODEC.decode(r.value, "DeadLetter")[1] for r in records]
    finally:
        await consumer.stop()
    return got


@pytest.fixture
async def sink_env(broker, warehouse, topic_prefix):
    """Topics for this test, a started publisher and the warehouse executor."""
    catalog = load_catalog(prefix=topic_prefix)
    await ensure_topics(broker.bootstrap, catalog)
    publisher = EventPublisher(broker.bootstrap, catalog, CODEC)
    await publisher.start()
    yield catalog, publisher, WarehouseExecutor(warehouse)
    await publisher.stop()


def _counts(client, tables) -> dict[str, int]:
    return {t: int(client.scalar(f"SELECT uniqExact(event_id) FROM {t}")) for t in tables}


async def test_in_equals_stored_plus_dead_lettered_and_replay_changes_nothing(broker, warehouse, topic_prefix,
                                                                              sink_env):
    catalog, publisher, executor = sink_env
    events = good_events(40)
    items = [publisher.encode(e) for e in events]
    valid_signal = UserSignal(tenant_id="acme", app_id="shop", request_id="r", kind="accept").to_avro()
    signals = catalog.for_event("UserSignal").name
    bad = [
        (signals, b"k", b"definitely not avro"),  # garbage
        (signals, None, b""),  # empty
        (signals, b"k", SINGLE_OBJECT_MAGIC + b"\x01\x02\x03\x04\x05\x06\x07\x08" + b"\x00" * 20),  # unknown fp
        (signals, b"k", CONFLUENT_MAGIC + struct.pack(">I", 42) + b"\x02"),  # registry id, no registry
        (signals, b"k", CODEC.encode("UserSignal", valid_signal)[:-4]),  # truncated body
        (signals, b"k", raw_encode("UserSignal", {**valid_signal, "tenant_id": "  "})),  # blank tenant
        (signals, b"k", raw_encode("UserSignal", {**valid_signal, "request_id": None})),  # missing request id
        (signals, b"k", raw_encode("UserSignal", {**valid_signal, "event_time": dt.datetime(1990, 1, 1,
                                                                                        tzinfo=dt.timezone.utc)})),
        (catalog.for_event("Document").name, b"k", CODEC.encode("UserSignal", valid_signal)),  # wrong topic
    ]
    await _produce(broker.bootstrap, items + bad)
    tables = [t.table for t in catalog.topics if t.event != "DeadLetter"]
    expected_by_table = {}
    for e in events:
        table = catalog.for_event(e.EVENT_TYPE).table
        expected_by_table[table] = expected_by_table.get(table, 0) + 1

    sink = WarehouseSink(broker.bootstrap, f"{topic_prefix}sink", catalog, executor, publisher,
                         batch_rows=50, flush_ms=100)

    async def all_arrived() -> bool:
        stored = sum(_counts(warehouse, tables).values())
        dead = int(warehouse.scalar("SELECT uniqExact(event_id) FROM dead_letters"))
        return stored >= len(events) and dead >= len(bad)

    await _run_sink_until(sink, all_arrived)
    counts = _counts(warehouse, tables)
    assert {t: n for t, n in counts.items() if n} == expected_by_table
    dead = warehouse.rows("SELECT source_topic, error_type, reason, original_value FROM dead_letters "
                          "ORDER BY source_offset")
    assert len(dead) == len(bad)
    assert sum(counts.values()) + len(dead) == len(items) + len(bad)  # in = stored + dead-lettered
    types = sorted(r[1] for r in dead)
    assert types.count("invalid") == 3 and types.count("unknown_schema") == 2 and "wrong_type" in types
    reasons = " | ".join(r[2] for r in dead)
    for fragment in ("single-object", "unknown schema fingerprint", "tenant_id", "request_id", "event_time",
                     "carries Document, got UserSignal", "empty message"):
        assert fragment in reasons, fragment
    # the dead-letter topic carries the same letters with the original bytes
    letters = await _dead_letter_messages(broker.bootstrap, catalog.dead_letters.name, len(bad))
    assert sorted(bytes(d["original_value"]) for d in letters) == sorted(v for _, _, v in bad)

    # replay everything through a new consumer group: nothing is counted twice
    replay = WarehouseSink(broker.bootstrap, f"{topic_prefix}replay", catalog, executor, publisher,
                           batch_rows=64, flush_ms=100)

    async def replayed() -> bool:
        return replay.stats.consumed >= len(items) + 2 * len(bad)  # events + bad + first dead letters

    await _run_sink_until(replay, replayed)
    assert _counts(warehouse, tables) == counts
    assert int(warehouse.scalar("SELECT uniqExact(event_id) FROM dead_letters")) == len(bad)
    assert int(warehouse.scalar("SELECT count() FROM user_signals FINAL")) == expected_by_table["user_signals"]


async def test_rows_hold_the_event_fields(broker, warehouse, topic_prefix, sink_env):
    catalog, publisher, executor = sink_env
    r = Retrieval(tenant_id="acme", app_id="shop", request_id="r9", query="BRCA1 risk", method="hybrid",
                  top_k=2, latency_ms=5.5, results=[
                      RetrievedChunk(chunk_id="c1", doc_id="d1", score=0.5, bm25_rank=1, fused_rank=1),
                      RetrievedChunk(chunk_id="c2", doc_id="d2", score=0.4, dense_rank=1, fused_rank=2)])
    d = Document(tenant_id="acme", app_id="shop", doc_id="faq", version=3, text="x" * 5000,
                 metadata={"lang": "en"})
    await publisher.publish_many([r, d])
    sink = WarehouseSink(broker.bootstrap, f"{topic_prefix}sink", catalog, executor, publisher,
                         batch_rows=10, flush_ms=50)

    async def arrived() -> bool:
        return int(warehouse.scalar("SELECT count() FROM retrievals")) == 1 and int(
            warehouse.scalar("SELECT count() FROM documents")) == 1

    await _run_sink_until(sink, arrived)
    row = warehouse.rows("SELECT event_id, request_id, results.chunk_id, results.bm25_rank, "
                         "results.dense_rank, latency_ms FROM retrievals")[0]
    assert (str(row[0]), row[1], row[2], row[3], row[4], row[5]) == (
        str(r.event_id), "r9", ["c1", "c2"], [1, None], [None, 1], 5.5)
    doc = warehouse.rows("SELECT doc_id, version, length(text), metadata, deleted FROM documents")[0]
    assert doc == ("faq", 3, 5000, {"lang": "en"}, False)
    lag = warehouse.scalar("SELECT dateDiff('millisecond', event_time, _ingested_at) FROM retrievals")
    assert 0 <= lag < 30_000


async def test_pii_is_redacted_before_storage_and_checksum_failures_are_kept(broker, warehouse, topic_prefix,
                                                                             sink_env):
    catalog, publisher, executor = sink_env
    common = dict(tenant_id="acme", app_id="shop", request_id="r-pii")
    events = [
        InteractionRequest(**common, query="My email is jane.doe@example.com, card 4111 1111 1111 1111",
                           params={"contact": "+1 415 555 0199"}),
        UserSignal(**common, kind="correction", correction_text="Order 4111 1111 1111 1112 ships Monday"),
        LlmResponse(**common, text="Nothing personal here.", latency_ms=1.0),
        Document(tenant_id="acme", app_id="shop", doc_id="contact", version=1, text="Write to help@example.com"),
    ]
    await publisher.publish_many(events)
    sink = WarehouseSink(broker.bootstrap, f"{topic_prefix}sink", catalog, executor, publisher,
                         batch_rows=10, flush_ms=50, redact_pii=True)

    async def arrived() -> bool:
        return sum(int(warehouse.scalar(f"SELECT count() FROM {t}")) for t in
                   ("interaction_requests", "user_signals", "llm_responses", "documents")) == 4

    await _run_sink_until(sink, arrived)
    query, params = warehouse.rows("SELECT query, params FROM interaction_requests")[0]
    assert query == "My email is [EMAIL], card [CREDIT_CARD]" and params == {"contact": "[PHONE]"}
    assert warehouse.scalar("SELECT correction_text FROM user_signals") == "Order 4111 1111 1111 1112 ships Monday"
    assert warehouse.scalar("SELECT text FROM documents") == "Write to help@example.com"  # knowledge base kept
    assert sink.stats.redacted == 1
    ids = {str(r[0]) for r in warehouse.rows("SELECT event_id FROM interaction_requests")}
    assert ids == {str(events[0].event_id)}  # the redacted event keeps its identity
