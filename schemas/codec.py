"""Avro codec for flywheel events.

Two wire formats:

* **Single-object encoding** (default, Avro spec): ``C3 01`` + 8-byte little-endian CRC-64-AVRO fingerprint
  of the writer schema's Parsing Canonical Form + the Avro binary body. Self-describing without a registry.
* **Confluent wire format** (when a schema-registry URL is configured): ``00`` + 4-byte big-endian schema id
  + body. Schemas are registered under the subject ``<topic>-value``.

The decoder always resolves the *writer* schema (found by fingerprint or registry id) to the current
*reader* schema of the event type, so events written before a compatible schema change still decode.
Known writer schemas are the current ``.avsc`` files plus every released snapshot in
``schemas/snapshots/<version>/``.
"""

from __future__ import annotations

import io
import json
import struct
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import fastavro
from fastavro.schema import fingerprint as _fastavro_fingerprint
from fastavro.schema import to_parsing_canonical_form

AVRO_DIR = Path(__file__).with_name("avro")
SNAPSHOT_DIR = Path(__file__).with_name("snapshots")
NAMESPACE = "io.flywheel.events"
SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"


class DecodeError(ValueError):
    """A message that cannot be decoded. ``error_type`` names the class of failure for dead letters."""

    def __init__(self, message: str, error_type: str = "undecodable") -> None:
        super().__init__(message)
        self.error_type = error_type


def fingerprint64(schema: dict | str) -> bytes:
    """The 8 bytes (little-endian) of the CRC-64-AVRO fingerprint of ``schema``'s Parsing Canonical Form."""
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError:
            pass  # a bare type name such as int
    canonical = to_parsing_canonical_form(schema)
    return bytes.fromhex(_fastavro_fingerprint(canonical, "CRC-64-AVRO"))


def load_schema_file(path: Path) -> dict:
    return json.loads(path.read_text())


def short_name(schema: dict) -> str:
    return schema["name"].rsplit(".", 1)[-1]


@dataclass(frozen=True)
class SchemaInfo:
    """One schema version of one event type."""

    event_type: str
    raw: dict
    parsed: Any
    fingerprint: bytes
    origin: str  # "current" or "snapshot:<version>"


def _parse(raw: dict) -> Any:
    # With the write hint fastavro recognises the parsed schema and does not parse it again on every call.
    return fastavro.parse_schema(raw)


class SchemaRegistry:
    """The event types (current reader schemas) and every known writer schema, by fingerprint."""

    def __init__(self, avro_dir: Path = AVRO_DIR, snapshot_dir: Path | None = SNAPSHOT_DIR) -> None:
        self.current: dict[str, SchemaInfo] = {}
        self.by_fingerprint: dict[bytes, SchemaInfo] = {}
        for path in sorted(avro_dir.glob("*.avsc")):
            raw = load_schema_file(path)
            info = SchemaInfo(short_name(raw), raw, _parse(raw), fingerprint64(raw), "current")
            if info.event_type in self.current:
                raise ValueError(f"two schema files define {info.event_type}")
            self.current[info.event_type] = info
            self.by_fingerprint[info.fingerprint] = info
        if snapshot_dir and snapshot_dir.is_dir():
            for path in sorted(snapshot_dir.glob("*/*.avsc")):
                raw = load_schema_file(path)
                fp = fingerprint64(raw)
                if fp not in self.by_fingerprint and short_name(raw) in self.current:
                    self.by_fingerprint[fp] = SchemaInfo(short_name(raw), raw, _parse(raw), fp,
                                                         f"snapshot:{path.parent.name}")

    @property
    def event_types(self) -> list[str]:
        return sorted(self.current)

    def schema(self, event_type: str) -> SchemaInfo:
        try:
            return self.current[event_type]
        except KeyError:
            raise KeyError(f"unknown event type {event_type!r}; known: {', '.join(self.event_types)}") from None


_default_registry: SchemaRegistry | None = None
_registry_lock = threading.Lock()


def default_registry() -> SchemaRegistry:
    global _default_registry
    with _registry_lock:
        if _default_registry is None:
            _default_registry = SchemaRegistry()
        return _default_registry


def _write_body(parsed: Any, record: dict) -> bytes:
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed, record)
    return buf.getvalue()


class Codec:
    """Encode and decode events in single-object encoding (no registry needed)."""

    def __init__(self, registry: SchemaRegistry | None = None) -> None:
        self.registry = registry or default_registry()

    # -- encoding -------------------------------------------------------------------------------------
    def encode(self, event_type: str, record: dict, topic: str | None = None) -> bytes:
        info = self.registry.schema(event_type)
        return SINGLE_OBJECT_MAGIC + info.fingerprint + _write_body(info.parsed, record)

    # -- decoding -------------------------------------------------------------------------------------
    def writer_of(self, data: bytes) -> tuple[SchemaInfo, int]:
        """The writer schema of ``data`` and the offset where the body starts."""
        if len(data) < 10 or data[:2] != SINGLE_OBJECT_MAGIC:
            if data[:1] == CONFLUENT_MAGIC and len(data) >= 5:
                raise DecodeError("Confluent wire format but no schema registry is configured", "unknown_schema")
            raise DecodeError("not Avro single-object encoding (missing C3 01 header)", "undecodable")
        info = self.registry.by_fingerprint.get(data[2:10])
        if info is None:
            raise DecodeError(f"unknown schema fingerprint {data[2:10].hex()}", "unknown_schema")
        return info, 10

    def decode(self, data: bytes, expected_type: str | None = None) -> tuple[str, dict]:
        """Decode one message into (event_type, record) in the *current* reader schema of its type."""
        writer, start = self.writer_of(data)
        return writer.event_type, self._read(writer, data, start, expected_type)

    def _read(self, writer: SchemaInfo, data: bytes, start: int, expected_type: str | None) -> dict:
        if expected_type is not None and writer.event_type != expected_type:
            raise DecodeError(f"expected {expected_type}, got {writer.event_type}", "wrong_type")
        reader = self.registry.current[writer.event_type]
        buf = io.BytesIO(data)
        buf.seek(start)
        try:
            if reader.fingerprint == writer.fingerprint:
                record = fastavro.schemaless_reader(buf, writer.parsed, None)
            else:
                record = fastavro.schemaless_reader(buf, writer.parsed, reader.parsed)
        except Exception as exc:  # fastavro raises many types on truncated or corrupt bodies
            raise DecodeError(f"corrupt Avro body for {writer.event_type}: {type(exc).__name__}: {exc}") from exc
        if buf.tell() != len(data):
            raise DecodeError(f"{len(data) - buf.tell()} trailing bytes after the {writer.event_type} body")
        return record  # type: ignore[return-value]


class SchemaNotFound(LookupError):
    """The registry answered 404 for a schema id."""


class SchemaRegistryClient:
    """Minimal Confluent Schema Registry REST client (register, fetch by id), with caches."""

    def __init__(self, url: str, timeout: float = 5.0,
                 opener: Callable[[urllib.request.Request, float], Any] | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._open = opener or (lambda req, t: urllib.request.urlopen(req, timeout=t))
        self._ids: dict[tuple[str, bytes], int] = {}
        self._schemas: dict[int, dict] = {}
        self._lock = threading.Lock()

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
        try:
            with self._open(req, self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise SchemaNotFound(f"schema registry {method} {path}: not found") from exc
            raise RuntimeError(f"schema registry {method} {path}: HTTP {exc.code} {exc.read()[:200]!r}") from exc

    def register(self, subject: str, schema: dict) -> int:
        key = (subject, fingerprint64(schema))
        with self._lock:
            if key in self._ids:
                return self._ids[key]
        result = self._call("POST", f"/subjects/{subject}/versions", {"schema": json.dumps(schema)})
        with self._lock:
            self._ids[key] = int(result["id"])
            self._schemas[int(result["id"])] = schema
        return int(result["id"])

    def get(self, schema_id: int) -> dict:
        with self._lock:
            if schema_id in self._schemas:
                return self._schemas[schema_id]
        result = self._call("GET", f"/schemas/ids/{schema_id}")
        schema = json.loads(result["schema"])
        with self._lock:
            self._schemas[schema_id] = schema
        return schema


class ConfluentCodec(Codec):
    """Confluent wire format (magic 0 + schema id). Still decodes single-object messages, so topics may mix."""

    def __init__(self, client: SchemaRegistryClient, registry: SchemaRegistry | None = None) -> None:
        super().__init__(registry)
        self.client = client
        self._by_id: dict[int, SchemaInfo] = {}

    def encode(self, event_type: str, record: dict, topic: str | None = None) -> bytes:
        info = self.registry.schema(event_type)
        subject = f"{topic or event_type}-value"
        schema_id = self.client.register(subject, info.raw)
        return CONFLUENT_MAGIC + struct.pack(">I", schema_id) + _write_body(info.parsed, record)

    def writer_of(self, data: bytes) -> tuple[SchemaInfo, int]:
        if data[:1] != CONFLUENT_MAGIC or len(data) < 5:
            return super().writer_of(data)
        schema_id = struct.unpack(">I", data[1:5])[0]
        info = self._by_id.get(schema_id)
        if info is None:
            try:
                raw = self.client.get(schema_id)
            except SchemaNotFound as exc:  # an outage is not the message's fault: it propagates and is retried
                raise DecodeError(f"schema id {schema_id} not found in registry: {exc}", "unknown_schema") from exc
            if not isinstance(raw, dict) or raw.get("type") != "record":
                raise DecodeError(f"schema id {schema_id} is not a record schema", "unknown_schema")
            fp = fingerprint64(raw)
            info = self.registry.by_fingerprint.get(fp)
            if info is None:
                if short_name(raw) not in self.registry.current:
                    raise DecodeError(f"schema id {schema_id} is {raw.get('name')}, not a flywheel event",
                                      "unknown_schema")
                info = SchemaInfo(short_name(raw), raw, _parse(raw), fp, f"registry:{schema_id}")
            self._by_id[schema_id] = info
        return info, 5


def make_codec(schema_registry_url: str | None = None) -> Codec:
    """The codec the settings ask for: Confluent when a registry URL is configured, else single-object."""
    if schema_registry_url:
        return ConfluentCodec(SchemaRegistryClient(schema_registry_url))
    return Codec()


def iter_schema_files(directory: Path = AVRO_DIR) -> Iterable[Path]:
    return sorted(directory.glob("*.avsc"))
