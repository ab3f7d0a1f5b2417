"""Topic definitions, read once from ``infra/topics.toml`` (the single spec), and topic creation."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from schemas.codec import default_registry

SPEC_PATH = Path(__file__).resolve().parent.parent / "infra" / "topics.toml"


@dataclass(frozen=True)
class TopicSpec:
    id: str  # short id, e.g. "user_signals"
    name: str  # Kafka topic name
    event: str  # Avro event type carried
    partitions: int
    key: str  # event field used as the Kafka key
    cleanup_policy: str  # delete | compact
    table: str  # ClickHouse raw table
    retention_ms: int | None
    replication_factor: int

    def configs(self) -> dict[str, str]:
        cfg = {"cleanup.policy": self.cleanup_policy}
        if self.cleanup_policy == "delete" and self.retention_ms:
            cfg["retention.ms"] = str(self.retention_ms)
        return cfg

    def key_of(self, record: dict) -> bytes | None:
        value = record.get(self.key)
        return None if value is None else str(value).encode()


@dataclass(frozen=True)
class InternalTopic:
    """A topic that replicates worker state (not events: no Avro, not stored by the sink)."""

    id: str
    name: str
    partitions: int
    cleanup_policy: str
    replication_factor: int

    def configs(self) -> dict[str, str]:
        return {"cleanup.policy": self.cleanup_policy}


@dataclass(frozen=True)
class TopicCatalog:
    topics: tuple[TopicSpec, ...]
    internal: tuple[InternalTopic, ...] = ()

    def internal_topic(self, topic_id: str) -> InternalTopic:
        for t in self.internal:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)

    def by_id(self, topic_id: str) -> TopicSpec:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)

    def for_event(self, event_type: str) -> TopicSpec:
        for t in self.topics:
            if t.event == event_type:
                return t
        raise KeyError(f"no topic carries {event_type}")

    def by_name(self, name: str) -> TopicSpec:
        for t in self.topics:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]

    @property
    def dead_letters(self) -> TopicSpec:
        return self.for_event("DeadLetter")


def load_catalog(path: Path = SPEC_PATH, prefix: str = "", replication_factor: int | None = None) -> TopicCatalog:
    """Parse and check the spec: every event type has exactly one topic, and every key is a field of it."""
    spec = tomllib.loads(path.read_text())
    defaults = spec.get("defaults", {})
    registry = default_registry()
    topics = []
    for topic_id, t in spec["topics"].items():
        fields = {f["name"] for f in registry.schema(t["event"]).raw["fields"]}
        if t["key"] not in fields:
            raise ValueError(f"topic {topic_id}: key {t['key']!r} is not a field of {t['event']}")
        if t["cleanup_policy"] not in ("delete", "compact"):
            raise ValueError(f"topic {topic_id}: cleanup_policy must be delete or compact")
        topics.append(TopicSpec(
            id=topic_id, name=prefix + t["name"], event=t["event"], partitions=int(t["partitions"]),
            key=t["key"], cleanup_policy=t["cleanup_policy"], table=t["table"],
            retention_ms=t.get("retention_ms", defaults.get("retention_ms")),
            replication_factor=replication_factor or int(defaults.get("replication_factor", 1)),
        ))
    events = [t.event for t in topics]
    missing = set(registry.event_types) - set(events)
    if missing or len(events) != len(set(events)):
        raise ValueError(f"every event type needs exactly one topic; missing: {sorted(missing)}")
    internal = tuple(
        InternalTopic(id=topic_id, name=prefix + t["name"], partitions=int(t["partitions"]),
                      cleanup_policy=t["cleanup_policy"],
                      replication_factor=replication_factor or int(defaults.get("replication_factor", 1)))
        for topic_id, t in spec.get("internal", {}).items())
    return TopicCatalog(tuple(topics), internal)


@lru_cache(maxsize=4)
def catalog(prefix: str = "") -> TopicCatalog:
    return load_catalog(prefix=prefix)


async def ensure_topics(bootstrap: str, cat: TopicCatalog, timeout_s: float = 30.0) -> list[str]:
    """Create the missing topics; returns the names created. Existing topics are left as they are."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(t.name, t.partitions, t.replication_factor, topic_configs=t.configs())
               for t in (*cat.topics, *cat.internal) if t.name not in existing]
        if new:
            response = await admin.create_topics(new)
            for name, code, message in [(e[0], e[1], e[2]) for e in getattr(response, "topic_errors", [])]:
                if code not in (0, 36):  # 36 = TOPIC_ALREADY_EXISTS (another worker won the race)
                    raise RuntimeError(f"creating topic {name} failed: error {code} {message}")
        return [t.name for t in new]
    finally:
        await admin.close()
