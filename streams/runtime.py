"""``flywheel up``: start (or join) Kafka and ClickHouse, migrate, create topics, run the worker.

Embedded mode (``KAFKA_BOOTSTRAP`` unset): the Tansu broker runs as a child process on a free loopback port
and lives and dies with this process; it keeps everything in memory. The on-disk ClickHouse store is then
the record: on start the latest version of every document is republished from ClickHouse into the fresh
broker. ``CLICKHOUSE_URL`` unset: the embedded engine at ``$FLYWHEEL_DATA_DIR/warehouse``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Sequence

from aiohttp import web

from infra.broker import EmbeddedBroker
from schemas.codec import make_codec
from schemas.models import Document, Event
from services.api.app import ApiConfig, create_app
from services.config import Settings
from services.logging import get_logger
from services.warehouse.client import DatabaseClient, WarehouseExecutor, claim_embedded_dir, connect
from services.warehouse.migrations import apply_raw_ttls, apply_system_log_ttls, migrate_up
from services.warehouse.queries import tenant_stats
from streams.docs_cli import broker_file
from streams.publisher import EventPublisher
from streams.sink import WarehouseSink
from streams.topics import TopicCatalog, ensure_topics, load_catalog

log = get_logger("flywheel.runtime")


def migration_params(settings: Settings) -> dict[str, object]:
    return {"raw_ttl_days": settings.flywheel_raw_ttl_days,
            "dead_letter_ttl_days": settings.flywheel_dead_letter_ttl_days}


class Runtime:
    """Everything a worker process holds: connections, codec, topic catalog, publisher."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.broker: EmbeddedBroker | None = None
        self.bootstrap = settings.kafka_bootstrap or ""
        self.client: DatabaseClient | None = None
        self.executor: WarehouseExecutor | None = None
        self.codec = make_codec(settings.schema_registry_url)
        self.catalog: TopicCatalog = load_catalog(prefix=settings.flywheel_topic_prefix,
                                                  replication_factor=settings.flywheel_replication_factor)
        self._publisher: EventPublisher | None = None
        self.sink: WarehouseSink | None = None
        self.inline = None  # streams.agents.inline.InlineRuntime, set when the inline agents register

    # -- start-up ---------------------------------------------------------------------------------------
    def start_infrastructure(self) -> None:
        s = self.settings
        if s.embedded_broker:
            s.flywheel_data_dir.mkdir(parents=True, exist_ok=True)
            self.broker = EmbeddedBroker(log_path=s.flywheel_data_dir / "broker.log").start()
            self.bootstrap = self.broker.bootstrap
            broker_file(s.flywheel_data_dir).write_text(json.dumps({"bootstrap": self.bootstrap, "pid": os.getpid()}))
            log.info("embedded broker started", bootstrap=self.bootstrap)
        if s.flywheel_role != "api" or not s.embedded_clickhouse:
            if s.embedded_clickhouse:
                claim_embedded_dir(s.warehouse_path)
            self.client = connect(s.clickhouse_url, s.clickhouse_database, s.warehouse_path)
            self.executor = WarehouseExecutor(self.client)
            applied = migrate_up(self.client, migration_params(s))
            apply_raw_ttls(self.client, {t.table: s.flywheel_dead_letter_ttl_days if t.event == "DeadLetter"
                                         else s.flywheel_raw_ttl_days for t in self.catalog.topics})
            if s.embedded_clickhouse:
                apply_system_log_ttls(self.client)
            log.info("warehouse ready", embedded=s.embedded_clickhouse,
                     location=str(s.warehouse_path) if s.embedded_clickhouse else s.clickhouse_url,
                     migrations_applied=applied)

    async def prepare_topics(self) -> None:
        created = await ensure_topics(self.bootstrap, self.catalog)
        log.info("topics ready", created=created)
        if self.broker is not None and self.client is not None:
            n = await self.republish_documents()
            log.info("documents republished from the warehouse", documents=n)

    async def republish_documents(self) -> int:
        """Publish the latest version of every document stored in ClickHouse (embedded broker starts empty)."""
        assert self.client is not None
        rows = self.client.query(
            "SELECT * EXCEPT _ingested_at FROM documents FINAL "
            "ORDER BY tenant_id, app_id, doc_id, version DESC, event_time DESC "
            "LIMIT 1 BY tenant_id, app_id, doc_id")
        docs = [Document.model_validate(dict(zip(rows.column_names, r))) for r in rows.result_rows]
        return await self.publish_once(docs)

    async def publish_once(self, events: Sequence[Event]) -> int:
        """Publish with a producer of its own (for start-up steps that run before the worker's event loop)."""
        if not events:
            return 0
        publisher = EventPublisher(self.bootstrap, self.catalog, self.codec,
                                   idempotent=self.settings.idempotent_producer)
        await publisher.start()
        try:
            return await publisher.publish_many(events)
        finally:
            await publisher.stop()

    def stop_infrastructure(self) -> None:
        if self.executor is not None:
            self.executor.shutdown()
        if self.broker is not None:
            broker_file(self.settings.flywheel_data_dir).unlink(missing_ok=True)
            self.broker.stop()
            log.info("embedded broker stopped")

    # -- parts the Faust app is built from --------------------------------------------------------------
    @property
    def publisher(self) -> EventPublisher:
        if self._publisher is None:
            self._publisher = EventPublisher(self.bootstrap, self.catalog, self.codec,
                                             idempotent=self.settings.idempotent_producer)
        return self._publisher

    async def publish(self, events: Sequence[Event]) -> None:
        await self.publisher.start()
        await self.publisher.publish_many(events)

    def make_sink(self) -> WarehouseSink:
        assert self.executor is not None, "the sink needs the warehouse"
        self.sink = WarehouseSink(self.bootstrap, f"{self.settings.flywheel_consumer_group}-warehouse-sink",
                             self.catalog, self.executor, self.publisher,
                             batch_rows=self.settings.flywheel_sink_batch_rows,
                             flush_ms=self.settings.flywheel_sink_flush_ms,
                             redact_pii=self.settings.flywheel_redact_pii)
        return self.sink

    def api_application(self) -> web.Application:
        checks = {"kafka": self._broker_ready}
        stats = None
        if self.executor is not None:
            checks["clickhouse"] = self._warehouse_ready
            tables = [t.table for t in self.catalog.topics]
            executor = self.executor

            async def stats(tenant: str, app: str) -> dict:
                return await executor.run(tenant_stats, executor.client, tenant, app, tables)

        config = ApiConfig(api_keys=self.settings.api_keys, max_batch=self.settings.flywheel_api_max_batch,
                           checks=checks, stats=stats, status=self.worker_status)
        return create_app(config, self.publish)

    def worker_status(self) -> dict:
        if self.sink is None:
            return {"sink": None}
        st = self.sink.stats
        return {"sink": {"partitions": len(self.sink.consumer.assignment()), "consumed": st.consumed,
                         "stored": st.stored, "dead_lettered": st.dead_lettered, "redacted": st.redacted,
                         "batches": st.batches}}

    async def _broker_ready(self) -> bool:
        await self.publisher.start()
        await self.publisher.producer.client.fetch_all_metadata()
        return True

    async def _warehouse_ready(self) -> bool:
        assert self.executor is not None
        return await self.executor.run(self.executor.client.ping)


def run(settings: Settings, demo: bool = False) -> int:
    """Run until SIGINT/SIGTERM. Returns the exit code."""
    from faust.worker import Worker

    from streams.app import create_faust_app

    runtime = Runtime(settings)
    try:
        runtime.start_infrastructure()
        asyncio.run(runtime.prepare_topics())
        if demo:
            from streams.demo import load_demo

            asyncio.run(load_demo(runtime))
        if settings.flywheel_role == "api":
            return _run_api_only(runtime)
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = create_faust_app(runtime)
        worker = Worker(app, loglevel=settings.flywheel_log_level.upper(), override_logging=False,
                        redirect_stdouts=False, quiet=True, daemon=True)
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0
    finally:
        runtime.stop_infrastructure()


def _run_api_only(runtime: Runtime) -> int:
    s = runtime.settings

    async def main() -> None:
        runner = web.AppRunner(runtime.api_application(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, s.flywheel_api_host, s.flywheel_api_port).start()
        log.info("api listening", host=s.flywheel_api_host, port=s.flywheel_api_port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()
        await runtime.publisher.stop()

    asyncio.run(main())
    return 0
