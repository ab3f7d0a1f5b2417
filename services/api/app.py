"""HTTP API (edge adapter, aiohttp): event ingestion, health, readiness, stats and the dashboard page.

Kafka and ClickHouse are not imported here: the runtime injects ``publish`` (sends validated events),
readiness ``checks`` and a ``stats`` provider, so the API is tested against the real ones or in isolation.

``POST /v1/events`` takes a JSON batch of mixed events, ``[{"type": "UserSignal", ...}, ...]`` or
``{"events": [...]}``. Each is validated against its model; the answer lists every event's outcome (never a
silent drop). An API key (``Authorization: Bearer KEY`` or ``X-API-Key``) grants one tenant and app: an event
naming another app or tenant makes the whole batch fail with 403 and nothing is published; events that omit
them get the key's. Status: 200 all accepted, 207 some rejected, 422 none accepted, 503 the broker refused.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping, Sequence

import orjson
from aiohttp import web
from pydantic import ValidationError

from schemas.models import EVENT_MODELS, Event
from services.logging import get_logger

log = get_logger("flywheel.api")

PublishFn = Callable[[Sequence[Event]], Awaitable[Any]]
CheckFn = Callable[[], Awaitable[bool]]
StatsFn = Callable[[str, str], Awaitable[dict]]
DASHBOARD = Path(__file__).with_name("dashboard.html")


@dataclass
class ApiConfig:
    api_keys: Mapping[str, tuple[str, str]]  # key -> (tenant_id, app_id)
    max_batch: int = 1000
    checks: dict[str, CheckFn] = field(default_factory=dict)
    stats: StatsFn | None = None
    status: Callable[[], dict] | None = None  # this worker's own counters (e.g. the sink's), shown by /readyz


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status)


def _api_key(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("X-API-Key")


def _errors(exc: ValidationError) -> list[dict]:
    return [{"loc": ".".join(map(str, e["loc"])) or "event", "msg": e["msg"]} for e in exc.errors()]


def validate_batch(items: list, tenant: str, app: str) -> tuple[list[dict], list[Event], list[int]]:
    """Validate raw JSON events for a key of (tenant, app).

    Returns (per-event results, valid events in order, indexes of events naming another tenant/app).
    """
    results: list[dict] = []
    valid: list[Event] = []
    forbidden: list[int] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results.append({"index": index, "status": "rejected",
                            "errors": [{"loc": "event", "msg": "must be a JSON object"}]})
            continue
        data = dict(item)
        event_type = data.pop("type", None)
        model = EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
        if model is None:
            results.append({"index": index, "status": "rejected", "errors": [
                {"loc": "type", "msg": f"unknown event type {event_type!r}; one of {sorted(EVENT_MODELS)}"}]})
            continue
        if data.setdefault("tenant_id", tenant) != tenant or data.setdefault("app_id", app) != app:
            forbidden.append(index)
            results.append({"index": index, "status": "forbidden", "errors": [
                {"loc": "app_id", "msg": f"this API key is for tenant {tenant!r} app {app!r}"}]})
            continue
        try:
            event = model.model_validate(data)
        except ValidationError as exc:
            results.append({"index": index, "status": "rejected", "errors": _errors(exc)})
            continue
        valid.append(event)
        results.append({"index": index, "status": "accepted", "type": event_type, "event_id": str(event.event_id)})
    return results, valid, forbidden


def create_app(config: ApiConfig, publish: PublishFn) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)

    def authenticate(request: web.Request) -> tuple[str, str] | web.Response:
        key = _api_key(request)
        if not key:
            return _error(401, "missing API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
        scope = config.api_keys.get(key)
        if scope is None:
            return _error(401, "unknown API key")
        return scope

    async def post_events(request: web.Request) -> web.Response:
        scope = authenticate(request)
        if isinstance(scope, web.Response):
            return scope
        tenant, app_id = scope
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError as exc:
            return _error(400, f"body is not JSON: {exc}")
        items = body.get("events") if isinstance(body, dict) else body
        if not isinstance(items, list):
            return _error(400, "expected a JSON array of events or {\"events\": [...]}")
        if not items:
            return _error(400, "empty batch")
        if len(items) > config.max_batch:
            return _error(413, f"batch of {len(items)} events exceeds FLYWHEEL_API_MAX_BATCH={config.max_batch}")
        results, valid, forbidden = validate_batch(items, tenant, app_id)
        if forbidden:
            return _json({"error": "events for another tenant or app; nothing was published",
                          "forbidden": forbidden, "results": results}, 403)
        if valid:
            try:
                await publish(valid)
            except Exception as exc:
                log.error("publish failed", error=str(exc), events=len(valid))
                return _error(503, f"could not publish to Kafka: {exc}; nothing is lost by retrying "
                                   "the same events (sinks deduplicate on event_id)")
        accepted = len(valid)
        status = 200 if accepted == len(items) else (207 if accepted else 422)
        return _json({"accepted": accepted, "rejected": len(items) - accepted, "results": results}, status)

    async def healthz(_: web.Request) -> web.Response:
        return _json({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        async def run(check: CheckFn) -> bool:
            try:
                return bool(await asyncio.wait_for(check(), timeout=5))
            except Exception:
                return False
        names = list(config.checks)
        outcomes = await asyncio.gather(*(run(config.checks[n]) for n in names))
        detail = {n: "ok" if ok else "unreachable" for n, ok in zip(names, outcomes)}
        ready = all(outcomes)
        body = {"status": "ready" if ready else "not ready", "checks": detail}
        if config.status is not None:
            body["worker"] = config.status()
        return _json(body, 200 if ready else 503)

    async def stats(request: web.Request) -> web.Response:
        scope = authenticate(request)
        if isinstance(scope, web.Response):
            return scope
        if config.stats is None:
            return _error(404, "stats are not available in this role")
        t0 = time.perf_counter()
        data = await config.stats(*scope)
        data["query_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return _json(data)

    async def dashboard(_: web.Request) -> web.Response:
        return web.Response(text=DASHBOARD.read_text(), content_type="text/html")

    app.router.add_post("/v1/events", post_events)
    app.router.add_get("/v1/stats", stats)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", dashboard)
    return app
