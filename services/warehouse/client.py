"""ClickHouse clients through clickhouse-connect: the embedded engine (chdb) or an HTTP server.

The embedded engine has limits (see README): one process owns a data directory and one path per process,
and the client is synchronous; callers from asyncio use :class:`WarehouseExecutor` (one writer thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlparse

T = TypeVar("T")

_embedded: dict[str, Any] = {}
_embedded_lock = threading.Lock()


def connect(url: str | None, database: str, path: Path | None = None, create_database: bool = True) -> Any:
    """A clickhouse-connect client with ``database`` as its default database.

    ``url`` None selects the embedded engine at ``path`` (one client per path per process, reused).
    """
    import clickhouse_connect

    if url is None:
        if path is None:
            raise ValueError("the embedded engine needs a data directory")
        key = str(Path(path).resolve())
        with _embedded_lock:
            if _embedded and key not in _embedded:
                raise RuntimeError(f"this process already runs the embedded engine at {next(iter(_embedded))}; "
                                   "chdb allows one data directory per process")
            if key not in _embedded:
                Path(key).mkdir(parents=True, exist_ok=True)
                _embedded[key] = clickhouse_connect.get_client(interface="chdb", path=key)
            client = _embedded[key]
    else:
        parsed = urlparse(url)
        client = clickhouse_connect.get_client(
            host=parsed.hostname or "localhost", port=parsed.port or (8443 if parsed.scheme == "https" else 8123),
            username=parsed.username or "default", password=parsed.password or "",
            secure=parsed.scheme == "https")
    if create_database:
        client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    client.database = database
    return DatabaseClient(client, database)


class DatabaseClient:
    """A client whose unqualified table names resolve in ``database``, with a few conveniences."""

    def __init__(self, client: Any, database: str) -> None:
        self.raw = client
        self.database = database

    def command(self, sql: str, settings: dict | None = None) -> Any:
        return self.raw.command(sql, settings=settings)

    def query(self, sql: str, parameters: dict | None = None, settings: dict | None = None) -> Any:
        return self.raw.query(sql, parameters=parameters, settings=settings)

    def rows(self, sql: str, parameters: dict | None = None) -> list[tuple]:
        return list(self.query(sql, parameters).result_rows)

    def scalar(self, sql: str, parameters: dict | None = None) -> Any:
        rows = self.rows(sql, parameters)
        return rows[0][0] if rows else None

    def raw_insert(self, table: str, columns: list[str], data: bytes, fmt: str, settings: dict | None = None) -> None:
        self.raw.raw_insert(table, columns, insert_block=data, fmt=fmt, settings=settings or None)

    def insert(self, table: str, rows: list, column_names: list[str]) -> None:
        self.raw.insert(table, rows, column_names=column_names)

    def ping(self) -> bool:
        try:
            return self.raw.command("SELECT 1") == 1
        except Exception:
            return False


class WarehouseExecutor:
    """One thread owns all warehouse calls (the embedded client is not thread-safe); await them from asyncio."""

    def __init__(self, client: DatabaseClient) -> None:
        self.client = client
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._pool.submit(fn, *args).result()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def claim_embedded_dir(path: Path) -> None:
    """Claim an embedded engine's data directory for this process, or stop with a clear message when a live
    process holds it (chdb allows one process per data directory; a dead holder's claim is taken over)."""
    path.mkdir(parents=True, exist_ok=True)
    lock = path / ".flywheel.pid"
    if lock.exists():
        try:
            pid = int(lock.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, PermissionError):
            pass
        else:
            if pid != os.getpid():
                raise SystemExit(f"{path} is in use by process {pid}: the embedded ClickHouse engine allows one "
                                 "process per data directory (set FLYWHEEL_DATA_DIR or CLICKHOUSE_URL)")
    lock.write_text(str(os.getpid()))
