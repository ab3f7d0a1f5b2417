"""Shared fixtures: the real embedded broker and the real embedded ClickHouse engine.

chdb allows one data directory per process, so the whole test session shares one engine directory and
each test that needs the warehouse gets a database of its own.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

from infra.broker import EmbeddedBroker

_CHDB_DIR = Path(tempfile.mkdtemp(prefix="flywheel-test-chdb-"))


@pytest.fixture(scope="session")
def broker():
    """One Tansu broker for the session (tests use topic prefixes of their own)."""
    b = EmbeddedBroker(log_path=Path(tempfile.mkdtemp(prefix="flywheel-test-broker-")) / "broker.log").start()
    yield b
    b.stop()


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture
def warehouse():
    """A fresh, migrated ClickHouse database in the session's embedded engine."""
    from services.warehouse.client import connect
    from services.warehouse.migrations import migrate_up

    database = f"test_{uuid.uuid4().hex[:10]}"
    client = connect(os.environ.get("CLICKHOUSE_URL"), database, _CHDB_DIR)
    migrate_up(client, {"raw_ttl_days": 365, "dead_letter_ttl_days": 90})
    yield client
    client.command(f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture(scope="session")
def chdb_dir() -> Path:
    return _CHDB_DIR
