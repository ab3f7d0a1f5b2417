"""The warehouse sink: every event topic into its ClickHouse raw table, in batches, at least once.

A Faust agent tops out near 14k messages/s per process here, so the sink is a Faust *service* wrapping an
aiokafka batch consumer (``getmany``) in its own consumer group. Each batch (``FLYWHEEL_SINK_BATCH_ROWS``
rows or ``FLYWHEEL_SINK_FLUSH_MS`` ms, whichever first) is validated, inserted by the writer thread, its dead
letters are published, and only then are its offsets committed. Fetching the next batch overlaps the insert
of the current one. A crash between insert and commit replays the batch; the ReplacingMergeTree tables and
deterministic dead-letter ids make that replay a no-op for counts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from services.logging import get_logger
from services.warehouse.client import WarehouseExecutor
from services.warehouse.redaction import Redactor
from services.warehouse.raw_writer import Message, RawEventWriter, Route, WriteResult, dead_letter_rows
from streams.publisher import EventPublisher
from streams.topics import TopicCatalog

log = get_logger("flywheel.sink")


@dataclass
class SinkStats:
    consumed: int = 0
    stored: int = 0
    dead_lettered: int = 0
    redacted: int = 0
    batches: int = 0
    last_commit: float = 0.0
    first_message_at: float | None = None  # perf_counter() when the first message arrived
    per_table: dict[str, int] = field(default_factory=dict)

    def add(self, n_msgs: int, result: WriteResult) -> None:
        self.consumed += n_msgs
        self.stored += result.stored_total
        self.dead_lettered += len(result.dead_letters)
        self.redacted += result.redacted
        self.batches += 1
        for table, n in result.stored.items():
            self.per_table[table] = self.per_table.get(table, 0) + n


def consumer_settings(session_timeout_ms: int = 10_000, heartbeat_ms: int = 1_000) -> dict:
    """Short session timeouts: rebalances wait about half of it (see README, embedded broker)."""
    return {"enable_auto_commit": False, "auto_offset_reset": "earliest", "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_ms, "max_partition_fetch_bytes": 8 * 1024 * 1024,
            "fetch_max_bytes": 64 * 1024 * 1024, "isolation_level": "read_uncommitted"}


class WarehouseSink:
    """The consume -> insert -> dead-letter -> commit loop, usable with or without Faust."""

    def __init__(self, bootstrap: str, group_id: str, catalog: TopicCatalog, executor: WarehouseExecutor,
                 publisher: EventPublisher, batch_rows: int = 20_000, flush_ms: int = 250,
                 redact_pii: bool = True) -> None:
        self.catalog = catalog
        self.executor = executor
        self.publisher = publisher
        self.batch_rows = batch_rows
        self.flush_ms = flush_ms
        routes = {t.name: Route(t.event, t.table) for t in catalog.topics}
        self.writer = RawEventWriter(executor.client, routes, publisher.codec,
                                     Redactor(publisher.codec) if redact_pii else None)
        self.consumer = AIOKafkaConsumer(*catalog.names, bootstrap_servers=bootstrap, group_id=group_id,
                                         **consumer_settings())
        self.stats = SinkStats()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        await self.consumer.start()
        pending: asyncio.Task | None = None
        try:
            while not self._stopping.is_set():
                batch = await self._fetch()
                if pending is not None:
                    await pending  # the previous batch must be stored and committed first
                    pending = None
                if batch:
                    pending = asyncio.create_task(self._store_and_commit(batch))
            if pending is not None:
                await pending
        finally:
            await self.consumer.stop()

    def stop(self) -> None:
        self._stopping.set()

    async def _fetch(self) -> list[Message]:
        """Up to ``batch_rows`` messages, waiting at most ``flush_ms`` once the first has arrived."""
        batch: list[Message] = []
        deadline: float | None = None
        while len(batch) < self.batch_rows and not self._stopping.is_set():
            timeout = self.flush_ms if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            got = await self.consumer.getmany(timeout_ms=timeout, max_records=self.batch_rows - len(batch))
            for tp, records in got.items():
                batch.extend(Message(tp.topic, tp.partition, r.offset, r.key, r.value) for r in records)
            if batch and deadline is None:
                if self.stats.first_message_at is None:
                    self.stats.first_message_at = time.perf_counter()
                deadline = time.monotonic() + self.flush_ms / 1000
            if deadline is not None and time.monotonic() >= deadline:
                break
            if not got and not batch:
                continue
        return batch

    async def _store_and_commit(self, batch: list[Message]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for m in batch:
            tp = TopicPartition(m.topic, m.partition)
            offsets[tp] = max(offsets.get(tp, -1), m.offset + 1)
        attempt = 0
        while True:
            try:
                result = await self.executor.run(self.writer.write, batch)
                await self._dead_letter(result)
                break
            except Exception as exc:  # warehouse or broker unavailable: retry, never skip
                attempt += 1
                log.warning("sink batch failed; retrying", error=str(exc)[:500], attempt=attempt, rows=len(batch))
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(attempt, 6)))
        await self.consumer.commit(offsets)
        self.stats.add(len(batch), result)
        self.stats.last_commit = time.time()
        if result.dead_letters:
            log.info("dead-lettered", count=len(result.dead_letters),
                     reasons=sorted({d.error_type for d in result.dead_letters}))

    async def _dead_letter(self, result: WriteResult) -> None:
        """Publish dead letters; those that came from the dead-letter topic itself are stored directly."""
        dlq = self.catalog.dead_letters.name
        loops = [d for d in result.dead_letters if d.source_topic == dlq]
        others = [d for d in result.dead_letters if d.source_topic != dlq]
        if others:
            await self.publisher.publish_many(others)
        if loops:
            columns, rows = dead_letter_rows(loops)
            await self.executor.run(self.executor.client.insert, "dead_letters", rows, columns)


class SinkService(Service):
    """Runs a :class:`WarehouseSink` as part of the Faust worker."""

    sink: WarehouseSink

    def __init__(self, sink: WarehouseSink, **kwargs) -> None:
        self.sink = sink
        super().__init__(**kwargs)

    @Service.task
    async def _run(self) -> None:
        await self.sink.run()

    async def on_stop(self) -> None:
        self.sink.stop()
