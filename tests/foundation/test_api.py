"""The HTTP API with the real publisher and broker: validation, auth, per-event results, readiness."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaConsumer

from schemas.codec import Codec
from services.api.app import ApiConfig, create_app
from streams.publisher import EventPublisher
from streams.topics import ensure_topics, load_catalog

pytestmark = pytest.mark.integration
KEYS = {"k-shop": ("acme", "shop"), "k-blog": ("acme", "blog")}


@pytest.fixture
async def api(broker, topic_prefix):
    catalog = load_catalog(prefix=topic_prefix)
    await ensure_topics(broker.bootstrap, catalog)
    publisher = EventPublisher(broker.bootstrap, catalog, Codec())
    await publisher.start()

    async def kafka_ok() -> bool:
        await publisher.producer.client.fetch_all_metadata()
        return True

    async def down() -> bool:
        raise ConnectionError("warehouse down")

    app = create_app(ApiConfig(api_keys=KEYS, max_batch=5, checks={"kafka": kafka_ok, "clickhouse": down}),
                     publisher.publish_many)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, catalog
    await client.close()
    await publisher.stop()


async def _read(bootstrap: str, topic: str, n: int, polls: int = 40) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"api-{uuid.uuid4().hex[:6]}")
    await consumer.start()
    out = []
    try:
        for _ in range(polls):
            for records in (await consumer.getmany(timeout_ms=250)).values():
                out += records
            if len(out) >= n:
                break
    finally:
        await consumer.stop()
    return out


async def test_mixed_batch_reports_each_event_and_publishes_the_valid_ones(api, broker):
    client, catalog = api
    batch = [
        {"type": "UserSignal", "request_id": "r1", "kind": "thumbs_up"},
        {"type": "UserSignal", "request_id": "r1", "kind": "loved_it"},
        {"type": "LlmResponse", "request_id": "r1", "text": "hi", "latency_ms": 12.5, "confidence": 0.4},
        {"type": "Nope"},
        "not an object",
    ]
    resp = await client.post("/v1/events", json=batch, headers={"Authorization": "Bearer k-shop"})
    body = await resp.json()
    assert resp.status == 207
    assert body["accepted"] == 2 and body["rejected"] == 3
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["accepted", "rejected", "accepted", "rejected", "rejected"]
    assert body["results"][1]["errors"][0]["loc"] == "kind"
    assert "unknown event type" in body["results"][3]["errors"][0]["msg"]
    signals = await _read(broker.bootstrap, catalog.for_event("UserSignal").name, 1)
    assert len(signals) == 1 and signals[0].key == b"r1"
    event_type, record = Codec().decode(signals[0].value)
    assert event_type == "UserSignal" and record["tenant_id"] == "acme" and record["app_id"] == "shop"
    assert str(record["event_id"]) == body["results"][0]["event_id"]


async def test_all_valid_is_200_and_none_valid_is_422(api):
    client, _ = api
    ok = await client.post("/v1/events", json={"events": [{"type": "UserSignal", "request_id": "r", "kind": "copy"}]},
                           headers={"X-API-Key": "k-shop"})
    assert ok.status == 200 and (await ok.json())["accepted"] == 1
    bad = await client.post("/v1/events", json=[{"type": "UserSignal", "kind": "copy"}],
                            headers={"X-API-Key": "k-shop"})
    body = await bad.json()
    assert bad.status == 422 and "request_id" in body["results"][0]["errors"][0]["msg"]


async def test_another_apps_event_is_forbidden_and_nothing_is_published(api, broker):
    client, catalog = api
    batch = [{"type": "UserSignal", "request_id": "ok", "kind": "copy"},
             {"type": "UserSignal", "request_id": "x", "kind": "copy", "app_id": "blog"}]
    resp = await client.post("/v1/events", json=batch, headers={"Authorization": "Bearer k-shop"})
    assert resp.status == 403 and (await resp.json())["forbidden"] == [1]
    assert await _read(broker.bootstrap, catalog.for_event("UserSignal").name, 1, polls=12) == []


@pytest.mark.parametrize("headers,status", [({}, 401), ({"Authorization": "Bearer wrong"}, 401)])
async def test_missing_or_unknown_key_is_401(api, headers, status):
    client, _ = api
    resp = await client.post("/v1/events", json=[], headers=headers)
    assert resp.status == status


async def test_malformed_empty_and_oversized_batches(api):
    client, _ = api
    h = {"X-API-Key": "k-shop"}
    assert (await client.post("/v1/events", data=b"{not json", headers=h)).status == 400
    assert (await client.post("/v1/events", json=[], headers=h)).status == 400
    assert (await client.post("/v1/events", json={"x": 1}, headers=h)).status == 400
    six = [{"type": "UserSignal", "request_id": "r", "kind": "copy"}] * 6
    resp = await client.post("/v1/events", json=six, headers=h)
    assert resp.status == 413 and "FLYWHEEL_API_MAX_BATCH" in (await resp.json())["error"]


async def test_health_and_readiness(api):
    client, _ = api
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    body = await ready.json()
    assert ready.status == 503 and body["checks"] == {"kafka": "ok", "clickhouse": "unreachable"}


async def test_broker_down_is_503_not_a_silent_drop(broker):
    async def failing_publish(events):
        raise ConnectionError("broker unreachable")

    app = create_app(ApiConfig(api_keys=KEYS), failing_publish)
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/v1/events", json=[{"type": "UserSignal", "request_id": "r", "kind": "copy"}],
                                 headers={"X-API-Key": "k-shop"})
        assert resp.status == 503 and "retrying" in (await resp.json())["error"]
    await asyncio.sleep(0)
