"""``flywheel up`` as a newcomer runs it: real subprocesses, the embedded broker, the embedded engine."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from infra.broker import free_port
from schemas.codec import Codec
from schemas.models import UserSignal
from streams.publisher import EventPublisher
from streams.topics import load_catalog

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key"


def _env(tmp: Path, port: int, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP", "CLICKHOUSE_URL")}
    env.update(FLYWHEEL_DATA_DIR=str(tmp / "data"), FLYWHEEL_API_PORT=str(port), FLYWHEEL_API_KEYS=f"{KEY}=t1/app1",
               FLYWHEEL_LOG_FORMAT="json", FLYWHEEL_SINK_FLUSH_MS="100", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def _start(tmp: Path, port: int, *args: str, **extra: str) -> subprocess.Popen:
    log = open(tmp / f"worker-{port}.log", "ab")
    return subprocess.Popen([sys.executable, "-m", "streams.cli", "up", *args], cwd=tmp, env=_env(tmp, port, **extra),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _get(port: int, path: str) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {KEY}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _post(port: int, events: list) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events", data=json.dumps(events).encode(),
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())


def _wait(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited with {proc.returncode} while waiting for {what}")
        try:
            last = predicate()
            if last:
                return last
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def _count(port: int, table: str) -> int:
    status, body = _get(port, "/v1/stats")
    return body["tables"][table]["events"] if status == 200 else -1


def test_up_demo_post_and_restart_keeps_the_record(tmp_path):
    port = free_port()
    proc = _start(tmp_path, port, "--demo")
    try:
        _wait(lambda: _get(port, "/readyz")[0] == 200, 90, "readiness", proc)
        _wait(lambda: _count(port, "documents") == 4, 90, "the demo documents", proc)
        status, body = _post(port, [{"type": "UserSignal", "request_id": f"r{i}", "kind": "accept"} for i in range(3)])
        assert status == 200 and body["accepted"] == 3
        _wait(lambda: _count(port, "user_signals") == 4, 90, "the posted signals", proc)  # 1 demo + 3
        assert _stop(proc) == 0
        log = (tmp_path / f"worker-{port}.log").read_text()
        assert '"embedded broker stopped"' in log

        proc = _start(tmp_path, port)  # no --demo: the warehouse on disk is the record
        _wait(lambda: _get(port, "/readyz")[0] == 200, 90, "readiness after restart", proc)
        assert _count(port, "user_signals") == 4 and _count(port, "documents") == 4
        log = (tmp_path / f"worker-{port}.log").read_text()
        republished = [json.loads(line) for line in log.splitlines()
                       if line.startswith("{") and "documents republished" in line]
        assert republished[-1]["documents"] == 4
    finally:
        if proc.poll() is None:
            _stop(proc)


def test_two_workers_share_partitions_through_the_consumer_group(tmp_path, broker, topic_prefix):
    ports = [free_port(), free_port()]
    extra = dict(KAFKA_BOOTSTRAP=broker.bootstrap, FLYWHEEL_TOPIC_PREFIX=topic_prefix,
                 FLYWHEEL_CONSUMER_GROUP=f"{topic_prefix}group", FLYWHEEL_PRODUCER_IDEMPOTENCE="false")
    procs = []
    for i, port in enumerate(ports):
        (tmp_path / f"w{i}").mkdir()
        procs.append(_start(tmp_path / f"w{i}", port, **extra))
    try:
        catalog = load_catalog(prefix=topic_prefix)
        total_partitions = sum(t.partitions for t in catalog.topics)

        def both_assigned():
            parts = [_get(p, "/readyz")[1].get("worker", {}).get("sink", {}).get("partitions", 0) for p in ports]
            return all(parts) and sum(parts) == total_partitions and parts

        parts = _wait(both_assigned, 120, "both workers to own partitions")
        assert all(_get(p, "/readyz")[0] == 200 for p in ports)
        n = 400

        async def produce() -> None:
            pub = EventPublisher(broker.bootstrap, catalog, Codec())
            await pub.start()
            await pub.publish_many([UserSignal(tenant_id="t1", app_id="app1", request_id=f"req-{i}", kind="copy")
                                    for i in range(n)])
            await pub.stop()

        asyncio.run(produce())
        counts = _wait(lambda: (c := [_count(p, "user_signals") for p in ports]) and sum(c) == n and c, 60,
                       "all signals stored")
        assert all(c > 0 for c in counts), f"one worker stored everything: {counts} (partitions {parts})"
    finally:
        for p in procs:
            if p.poll() is None:
                _stop(p)
