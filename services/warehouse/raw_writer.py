"""Write batches of Kafka messages (Avro events) into the raw ClickHouse tables, losing nothing.

Every message ends in exactly one of two places: its raw table, or a dead letter (a :class:`DeadLetter`
with the reason and the original bytes) that the caller publishes to the dead-letter topic.

Fast path, no per-event decoding in Python (fastavro manages ~40k records/s here): check each message's
header (magic + known writer fingerprint + the topic's event type), group the bodies by writer schema and
insert each group as one Avro object container. ClickHouse decodes it natively, maps fields to columns by
name (fields newer than the table are skipped, older writers fill defaults) and enforces the envelope rules
as CHECK constraints. If ClickHouse rejects a group, it is bisected: good halves are inserted, and a single
rejected message is decoded and validated with fastavro and the pydantic model to name the reason.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from pydantic import ValidationError

from schemas.binary import object_container
from schemas.codec import Codec, DecodeError, SchemaInfo
from schemas.models import EVENT_MODELS, DeadLetter
from services.warehouse.redaction import Redactor

UNKNOWN = "_unknown"
AVRO_INSERT_SETTINGS = {"input_format_avro_allow_missing_fields": 1}


@dataclass(slots=True)
class Message:
    """One consumed Kafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class Route:
    """Where a topic's events go: the event type it must carry and its raw table."""

    event_type: str
    table: str


@dataclass
class WriteResult:
    stored: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    dead_letters: list[DeadLetter] = field(default_factory=list)
    insert_seconds: float = 0.0
    redacted: int = 0  # messages whose free text had PII removed before storage

    @property
    def stored_total(self) -> int:
        return sum(self.stored.values())


def dead_letter(msg: Message, reason: str, error_type: str, tenant_id: str = UNKNOWN,
                app_id: str = UNKNOWN) -> DeadLetter:
    """A DeadLetter for ``msg``. Its event_id is derived from the message's position, so a replay of the
    same offset produces the same id and the dead_letters table deduplicates it like any event."""
    position = f"{msg.topic}/{msg.partition}/{msg.offset}"
    return DeadLetter(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, "flywheel-dead-letter:" + position),
        event_time=dt.datetime.now(dt.timezone.utc),
        tenant_id=tenant_id.strip() or UNKNOWN, app_id=app_id.strip() or UNKNOWN,
        source_topic=msg.topic, source_partition=msg.partition, source_offset=msg.offset,
        reason=reason[:2000], error_type=error_type, original_key=msg.key, original_value=msg.value,
    )


class RawEventWriter:
    """Inserts validated events into raw tables; returns the dead letters for the rest."""

    def __init__(self, client, routes: dict[str, Route], codec: Codec | None = None,
                 redactor: Redactor | None = None) -> None:
        self.client = client
        self.routes = routes
        self.codec = codec or Codec()
        self.redactor = redactor
        self._columns: dict[str, dict[str, list[str]]] = {}

    def table_columns(self, table: str) -> dict[str, list[str]]:
        """Top-level name -> the table's column names for it (a Nested field has one per member)."""
        if table not in self._columns:
            columns: dict[str, list[str]] = {}
            for row in self.client.rows(f"DESCRIBE TABLE {table}"):
                columns.setdefault(row[0].split(".", 1)[0], []).append(row[0])
            self._columns[table] = columns
        return self._columns[table]

    def write(self, messages: Iterable[Message]) -> WriteResult:
        result = WriteResult()
        groups: dict[tuple[str, bytes], tuple[SchemaInfo, list[tuple[Message, int]]]] = {}
        # (topic, header) -> the message's fate; the header (magic + writer fingerprint or registry id) decides
        # it, so the checks run once per writer schema and topic, not once per message
        fates: dict[tuple[str, bytes], tuple] = {}
        redactor = self.redactor
        for msg in messages:
            value = msg.value
            if not value:
                result.dead_letters.append(dead_letter(msg, "empty message", "undecodable"))
                continue
            fate = fates.get((msg.topic, value[:10]))
            if fate is None:
                fate = fates[(msg.topic, value[:10])] = self._fate(msg.topic, value, groups)
            if fate[0] == "dead":
                result.dead_letters.append(dead_letter(msg, fate[1], fate[2]))
                continue
            _, items, writer, start, redact = fate
            if redact and redactor.may_contain_pii(value, start):  # type: ignore[union-attr]
                try:
                    redaction = redactor.redact(writer, value)  # type: ignore[union-attr]
                except DecodeError as exc:
                    result.dead_letters.append(dead_letter(msg, str(exc), exc.error_type))
                    continue
                if redaction.changed:  # stored in its redacted form, re-encoded in the current schema
                    result.redacted += 1
                    msg = Message(msg.topic, msg.partition, msg.offset, msg.key, redaction.value)
                    new_writer, new_start = self.codec.writer_of(msg.value)
                    route = self.routes[msg.topic]
                    groups.setdefault((route.table, new_writer.fingerprint), (new_writer, []))[1].append(
                        (msg, new_start))
                    continue
            items.append((msg, start))
        t0 = time.perf_counter()
        for (table, _), (writer, items) in groups.items():
            if items:
                stored = self._insert_or_bisect(table, writer, items, result)
                result.stored[table] = result.stored.get(table, 0) + stored
        result.insert_seconds = time.perf_counter() - t0
        return result

    def _fate(self, topic: str, value: bytes, groups: dict) -> tuple:
        """("dead", reason, error_type), or ("ok", the group's item list, writer, body start, redact?)."""
        route = self.routes.get(topic)
        if route is None:
            return ("dead", f"no route for topic {topic}", "wrong_topic")
        try:
            writer, start = self.codec.writer_of(value)
        except DecodeError as exc:
            return ("dead", str(exc), exc.error_type)
        if writer.event_type != route.event_type:
            return ("dead", f"topic {topic} carries {route.event_type}, got {writer.event_type}", "wrong_type")
        items = groups.setdefault((route.table, writer.fingerprint), (writer, []))[1]
        redact = self.redactor is not None and self.redactor.applies_to(writer.event_type)
        return ("ok", items, writer, start, redact)

    def _insert(self, table: str, writer: SchemaInfo, items: Sequence[tuple[Message, int]]) -> None:
        present = self.table_columns(table)
        columns = [c for f in writer.raw["fields"] for c in present.get(f["name"], ())]
        container = object_container(writer.raw, [m.value[start:] for m, start in items])
        self.client.raw_insert(table, columns, container, "Avro", settings=AVRO_INSERT_SETTINGS)

    def _insert_or_bisect(self, table: str, writer: SchemaInfo, items: list[tuple[Message, int]],
                          result: WriteResult) -> int:
        """Insert ``items``; on rejection split them until the rejected messages are isolated. Returns the
        number stored. Raises when ClickHouse itself is failing (the caller retries the batch)."""
        try:
            self._insert(table, writer, items)
            return len(items)
        except Exception as exc:
            error = exc
        if not self.client.ping():
            raise error
        if len(items) == 1:
            msg, _ = items[0]
            letter = self._diagnose(msg, writer, error)
            if letter is None:
                raise error  # valid by every check we have, yet refused: not the message's fault
            result.dead_letters.append(letter)
            return 0
        mid = len(items) // 2
        return (self._insert_or_bisect(table, writer, items[:mid], result)
                + self._insert_or_bisect(table, writer, items[mid:], result))

    def _diagnose(self, msg: Message, writer: SchemaInfo, error: Exception) -> DeadLetter | None:
        """Why ClickHouse refused one message: decode it and validate it against its model."""
        try:
            _, record = self.codec.decode(msg.value, expected_type=writer.event_type)
        except DecodeError as exc:
            return dead_letter(msg, str(exc), exc.error_type)
        tenant, app = str(record.get("tenant_id", "")), str(record.get("app_id", ""))
        try:
            EVENT_MODELS[writer.event_type].from_avro(record)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in exc.errors())
            return dead_letter(msg, f"invalid {writer.event_type}: {problems}", "invalid", tenant, app)
        if "CONSTRAINT" in str(error).upper() or "Cannot parse" in str(error):
            return dead_letter(msg, f"rejected by the warehouse: {str(error)[:500]}", "invalid", tenant, app)
        return None


def dead_letter_rows(letters: Sequence[DeadLetter]) -> tuple[list[str], list[list]]:
    """Column names and rows to insert dead letters directly (used when the dead-letter topic itself
    carries something undecodable, so it cannot be republished)."""
    columns = list(DeadLetter.model_fields)
    rows = [[getattr(d, c) for c in columns] for d in letters]
    return columns, rows
