"""The Faust app: settings for the embedded broker or real Kafka, the sink and API services, the agents."""

from __future__ import annotations

from typing import TYPE_CHECKING

import faust
from aiohttp import web
from mode import Service

from services.logging import get_logger
from streams.agents import register_all
from streams.sink import SinkService

if TYPE_CHECKING:
    from streams.runtime import Runtime

log = get_logger("flywheel.app")


def faust_settings(runtime: "Runtime") -> dict:
    s = runtime.settings
    cfg = {
        "broker": f"kafka://{runtime.bootstrap}",
        "store": "memory://",
        "topic_replication_factor": s.flywheel_replication_factor,
        "topic_partitions": 8,
        "consumer_auto_offset_reset": "earliest",
        # Short timeouts: a rebalance waits about half the session timeout (30 s with Faust's default).
        "broker_session_timeout": 10.0,
        "broker_heartbeat_interval": 1.0,
        # the aiohttp API below is the worker's web server (no legacy faust.web); a plain worker serves nothing
        "web_enabled": s.flywheel_role == "all",
        "datadir": str(s.flywheel_data_dir / "faust"),
    }
    if runtime.broker is not None:
        # The embedded broker reports a stale "latest offset" for batched topics, which makes Faust tables
        # lose updates on recovery; one record per batch avoids it (README: embedded broker).
        cfg["producer_max_batch_size"] = 1
    return cfg


class ApiService(Service):
    """Serves the aiohttp API on FLYWHEEL_API_HOST:FLYWHEEL_API_PORT inside the worker."""

    def __init__(self, application: web.Application, host: str, port: int, **kwargs) -> None:
        self.application = application
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        super().__init__(**kwargs)

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def on_start(self) -> None:
        self._runner = web.AppRunner(self.application, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("api listening", url=self.web_url)

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def create_faust_app(runtime: "Runtime") -> faust.App:
    s = runtime.settings
    app = faust.App(s.flywheel_consumer_group, **faust_settings(runtime))

    class PublisherLifecycle(Service):
        """Registered first, so it stops last: the shared producer outlives everything that publishes."""

        async def on_stop(self) -> None:
            await runtime.publisher.stop()

    app.service(PublisherLifecycle)
    if s.flywheel_role in ("all", "worker"):
        register_all(app, runtime)
    if s.flywheel_role in ("all", "worker"):

        class Sink(SinkService):
            def __init__(self, **kwargs) -> None:
                super().__init__(runtime.make_sink(), **kwargs)

        app.service(Sink)
    if s.flywheel_role == "all":
        app.web_server(ApiService(runtime.api_application(), s.flywheel_api_host, s.flywheel_api_port))
    return app
