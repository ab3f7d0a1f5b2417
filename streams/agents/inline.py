"""Inline agents: requests -> guardrails/cache/retrieval decisions; responses -> output guardrails and cache
admission; signals -> cache invalidation; the documents topic -> every worker's full retrieval index.

Thin: decode, call :class:`services.inline.InlinePipeline`, publish. All pipeline calls run on one worker
thread (embedding and search release the GIL; one thread keeps the cores' state single-writer).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import socket
import time
from typing import TYPE_CHECKING, Any, Callable

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from services.cache import Cache, HotKeyCounter
from services.cache.replicated import ReplicatedStore
from services.embeddings import get_embedder
from services.guardrails.embedding import get_claim_embedder
from services.guardrails.injection_model import get_classifier
from services.inline import IndexRegistry, InlinePipeline
from services.llm import ChatGenerator
from services.logging import get_logger
from services.retrieval.bm25 import BM25Config
from services.retrieval.index import HybridIndex, IndexConfig
from streams.agents import decode, event_topic

if TYPE_CHECKING:
    from streams.runtime import Runtime

log = get_logger("flywheel.inline")
SAVE_EVERY_S = 30.0


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class InlineRuntime:
    """The pipeline, its thread and the on-disk index location of one worker."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime
        # per host: replicas may share one data volume (docker-compose), each keeps its own copy
        self.index_dir = runtime.settings.flywheel_data_dir / "index" / _safe(socket.gethostname())
        embedder = get_embedder()
        # load the guardrails' models now, not on the first request/response (the claim model's integer copy is
        # built on a fresh machine: ~2 s, once)
        get_claim_embedder()
        get_classifier()
        # BM25 compaction runs off the pipeline thread (see DocumentFollower), not inside an upsert
        config = IndexConfig(bm25=BM25Config(auto_compact=False))
        self.indexes = IndexRegistry(lambda: HybridIndex(config, embedder=embedder), self.index_dir)
        self._load_saved(embedder)
        st = runtime.settings
        # The cache is replicated: every local change is also a record on the compacted cache-entries topic,
        # which every worker applies (see CacheReplicator); a snapshot on disk covers a restart.
        self.changes: asyncio.Queue[tuple[bytes, bytes | None]] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.store = ReplicatedStore(self._emit, node_id=_safe(socket.gethostname()) + f"-{os.getpid()}")
        self.cache_snapshot = st.flywheel_data_dir / "cache" / f"{_safe(socket.gethostname())}.snapshot"
        if self.cache_snapshot.exists():
            self.store.load(self.cache_snapshot.read_bytes())
        self.pipeline = InlinePipeline(embedder.embed_one, self.indexes, Cache(self.store),
                                       top_k=st.flywheel_retrieval_top_k,
                                       hot_keys=HotKeyCounter(st.flywheel_cache_hot_window_s,
                                                              st.flywheel_cache_hot_threshold))
        self.generator = ChatGenerator(st.flywheel_generator_url, st.flywheel_generator_model,
                                       st.flywheel_generator_api_key) if st.flywheel_generator_url else None
        self.thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="inline")
        self.dirty = False
        # set once the follower has read the documents topic to its end: requests wait for it, so none is
        # answered from a half-built index after a start
        self.caught_up = asyncio.Event()

    def _load_saved(self, embedder: Any) -> None:
        if not self.index_dir.is_dir():
            return
        for path in sorted(self.index_dir.iterdir()):
            if (path / "manifest.json").exists() and "__" in path.name:
                tenant, app = path.name.split("__", 1)
                try:
                    self.indexes.put(tenant, app, HybridIndex.load(path, embedder=embedder))
                except (ValueError, OSError) as exc:
                    log.warning("saved index unusable; rebuilding from the documents topic", path=str(path),
                                error=str(exc))

    def _emit(self, key: bytes, value: bytes | None) -> None:
        """Called on the pipeline thread for every local cache change: hand it to the event loop."""
        if self.loop is not None and self.changes is not None:
            self.loop.call_soon_threadsafe(self.changes.put_nowait, (key, value))

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.thread, fn, *args)

    def save(self) -> None:
        for (tenant, app), index in self.indexes.items():
            index.save(self.index_dir / f"{_safe(tenant)}__{_safe(app)}")
        self.dirty = False

    def save_cache(self) -> None:
        self.cache_snapshot.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_snapshot.with_suffix(".tmp")
        tmp.write_bytes(self.store.snapshot())
        tmp.replace(self.cache_snapshot)


class DocumentFollower(Service):
    """Reads every partition of the documents topic (not a consumer-group share: every worker holds the
    full index) from the beginning; versions make already-indexed documents no-ops, and the index saved on
    disk means nothing is embedded twice across restarts."""

    def __init__(self, inline: InlineRuntime, **kwargs: Any) -> None:
        self.inline = inline
        self.indexed = 0
        super().__init__(**kwargs)

    @Service.task
    async def _follow(self) -> None:
        rt = self.inline.runtime
        spec = rt.catalog.for_event("Document")
        consumer = AIOKafkaConsumer(bootstrap_servers=rt.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(spec.name) or set(range(spec.partitions))
            tps = [TopicPartition(spec.name, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            last_save = time.monotonic()
            while not self.should_stop:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                if not batch:
                    await self._compact_if_needed()
                    if not self.inline.caught_up.is_set():
                        self.inline.caught_up.set()  # read until empty (the broker's end offsets can be stale)
                        log.info("documents caught up", indexed=self.indexed)
                for records in batch.values():
                    for record in records:
                        doc = decode(rt, record.value, "Document")
                        if doc is None:
                            continue
                        status = await self.inline.call(self.inline.pipeline.on_document, doc)
                        if status in ("indexed", "deleted"):
                            self.indexed += 1
                            self.inline.dirty = True
                if self.inline.dirty and time.monotonic() - last_save > SAVE_EVERY_S:
                    await self.inline.call(self.inline.save)
                    last_save = time.monotonic()
        finally:
            await consumer.stop()
            if self.inline.dirty:
                await self.inline.call(self.inline.save)


    async def _compact_if_needed(self) -> None:
        """Rebuild BM25 main segments on a thread of their own: searches go on meanwhile."""
        for _, index in self.inline.indexes.items():
            if index.needs_compaction():
                await asyncio.to_thread(index.compact)


class CacheReplicator(Service):
    """Publishes this worker's cache changes to the compacted cache-entries topic and applies every
    worker's changes (its own included: a no-op) from all of its partitions, from the beginning."""

    def __init__(self, inline: InlineRuntime, **kwargs: Any) -> None:
        self.inline = inline
        self.applied = 0
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self.inline.loop = asyncio.get_running_loop()
        self.inline.changes = asyncio.Queue()

    @Service.task
    async def _publish(self) -> None:
        rt = self.inline.runtime
        topic = rt.catalog.internal_topic("cache_entries").name
        await rt.publisher.start()
        assert self.inline.changes is not None
        while not self.should_stop:
            try:
                key, value = await asyncio.wait_for(self.inline.changes.get(), timeout=1.0)
            except asyncio.TimeoutError:
                continue
            await rt.publisher.producer.send(topic, value, key=key)

    @Service.task
    async def _apply(self) -> None:
        rt = self.inline.runtime
        topic = rt.catalog.internal_topic("cache_entries").name
        consumer = AIOKafkaConsumer(bootstrap_servers=rt.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        last_save = time.monotonic()
        try:
            partitions = consumer.partitions_for_topic(topic) or {0}
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            while not self.should_stop:
                batch = await consumer.getmany(timeout_ms=500, max_records=1000)
                records = [(r.key, r.value) for rs in batch.values() for r in rs]
                if records:
                    self.applied += sum(await self.inline.call(
                        lambda: [self.inline.store.apply(k, v) for k, v in records]))
                if time.monotonic() - last_save > SAVE_EVERY_S:
                    await self.inline.call(self.inline.save_cache)
                    last_save = time.monotonic()
        finally:
            await consumer.stop()
            await self.inline.call(self.inline.save_cache)


def register(app: faust.App, runtime: "Runtime") -> None:
    inline = InlineRuntime(runtime)
    runtime.inline = inline  # for readiness/status and tests
    publish = runtime.publish

    def relay(event_type: str, name: str, handle: Callable[[Any], list]) -> None:
        """An agent that decodes ``event_type``, calls ``handle`` on the pipeline thread, publishes the result."""

        @app.agent(event_topic(app, runtime, event_type), name=name)
        async def agent(stream):
            await inline.caught_up.wait()
            async for value in stream:
                event = decode(runtime, value, event_type)
                if event is not None:
                    events = await inline.call(handle, event)
                    if events:
                        await publish(events)

    pipeline = inline.pipeline
    relay("InteractionRequest", "inline-requests", pipeline.on_request)
    relay("LlmResponse", "inline-responses", pipeline.on_response)
    relay("UserSignal", "inline-signals", lambda signal: pipeline.on_signal(signal) and [])

    @app.agent(event_topic(app, runtime, "CacheWarmTrigger"), name="cache-warmer")
    async def warmer(stream):
        async for value in stream:
            trigger = decode(runtime, value, "CacheWarmTrigger")
            if trigger is None:
                continue
            if inline.generator is None:
                log.info("cache warm trigger without a generator (set FLYWHEEL_GENERATOR_URL)", key=trigger.key)
                continue
            status = await inline.call(inline.pipeline.on_warm_trigger, trigger, inline.generator)
            log.info("cache warmed" if status == "ok" else "cache warm skipped", key=trigger.key, status=status)

    class Follower(DocumentFollower):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(inline, **kwargs)

    class Replicator(CacheReplicator):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(inline, **kwargs)

    app.service(Follower)
    app.service(Replicator)
