"""Publish events to their topics: Avro-encoded, keyed as the topic spec says."""

from __future__ import annotations

import asyncio
from typing import Iterable, Sequence

from aiokafka import AIOKafkaProducer

from schemas.codec import Codec
from schemas.models import Event
from streams.topics import TopicCatalog


def producer_settings(idempotent: bool) -> dict:
    """aiokafka producer options. The embedded broker has no idempotent producer (see README), so there
    delivery is at-least-once and every sink deduplicates on event_id; real Kafka gets idempotence."""
    return {"acks": "all", "linger_ms": 5, "max_batch_size": 256 * 1024,
            "enable_idempotence": idempotent, "request_timeout_ms": 30_000}


class EventPublisher:
    """Owns one aiokafka producer; ``publish`` encodes a model and sends it to its event type's topic."""

    def __init__(self, bootstrap: str, catalog: TopicCatalog, codec: Codec, idempotent: bool = False) -> None:
        self.bootstrap = bootstrap
        self.catalog = catalog
        self.codec = codec
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **producer_settings(idempotent))
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self.producer.start()
            self._started = True

    async def stop(self) -> None:
        if self._started:
            await self.producer.stop()
            self._started = False

    def encode(self, event: Event) -> tuple[str, bytes | None, bytes]:
        """(topic, key, value) for ``event``."""
        spec = self.catalog.for_event(event.EVENT_TYPE)
        record = event.to_avro()
        return spec.name, spec.key_of(record), self.codec.encode(event.EVENT_TYPE, record, topic=spec.name)

    async def publish(self, event: Event) -> None:
        topic, key, value = self.encode(event)
        await self.producer.send_and_wait(topic, value, key=key)

    async def publish_many(self, events: Iterable[Event]) -> int:
        """Send all, then wait for every acknowledgement; raises if any send failed."""
        futures = [await self.producer.send(*self._args(e)) for e in events]
        if futures:
            await asyncio.gather(*futures)
        return len(futures)

    async def publish_raw(self, items: Sequence[tuple[str, bytes | None, bytes]]) -> int:
        futures = [await self.producer.send(topic, value, key=key) for topic, key, value in items]
        if futures:
            await asyncio.gather(*futures)
        return len(futures)

    def _args(self, event: Event) -> tuple:
        topic, key, value = self.encode(event)
        return (topic, value, key)
