"""Data model of the cache core: kinds, scopes, entries and the Decision every lookup returns."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import numpy as np
import orjson

from services.cache.slots import SLOTS_VERSION, Slots


class CacheKind(str, Enum):
    """Mirrors the Avro enum ``io.flywheel.events.CacheKind``."""

    STRUCTURED = "structured"
    ITEM = "item"
    PAIR = "pair"
    PRECOMPUTED = "precomputed"
    SEMANTIC = "semantic"


class Outcome(str, Enum):
    """Mirrors the Avro enum ``io.flywheel.events.CacheOutcome``."""

    HIT = "hit"
    MISS = "miss"
    BYPASS = "bypass"


@dataclass(frozen=True)
class Scope:
    """Isolation unit: entries never answer across tenants, apps, models or prompt versions."""

    tenant_id: str
    app_id: str
    model: str = ""
    prompt_version: str = ""

    def key(self) -> str:
        return "/".join(_esc(x) for x in (self.tenant_id, self.app_id, self.model, self.prompt_version))

    @classmethod
    def from_request(cls, request: Mapping[str, Any]) -> "Scope":
        """Scope of an InteractionRequest/LlmResponse-shaped mapping."""
        return cls(str(request.get("tenant_id") or ""), str(request.get("app_id") or ""),
                   str(request.get("model") or ""), str(request.get("prompt_version") or ""))

    def to_dict(self) -> dict[str, str]:
        return {"tenant_id": self.tenant_id, "app_id": self.app_id, "model": self.model,
                "prompt_version": self.prompt_version}


def _esc(s: str) -> str:
    return (s or "").replace("%", "%25").replace("/", "%2F").replace("|", "%7C")


@dataclass(frozen=True)
class Decision:
    """One cache lookup; fields map 1:1 onto the ``CacheDecision`` Avro record.

    ``reason`` is one of: ``exact`` / ``similar`` (hits); ``not_found``, ``empty``, ``below_threshold``,
    ``ttl_expired``, ``slot_mismatch:<slot>`` (misses); ``disabled``, ``no_vector``, ``no_key`` (bypass).
    """

    kind: CacheKind
    key: str
    outcome: Outcome
    reason: str
    similarity: float | None = None
    entry_id: str | None = None
    latency_ms: float | None = None

    @property
    def hit(self) -> bool:
        return self.outcome is Outcome.HIT

    def to_event_fields(self) -> dict[str, Any]:
        """The CacheDecision payload fields (the agent adds event_id, event_time, tenant/app/request ids)."""
        return {"kind": self.kind.value, "key": self.key, "outcome": self.outcome.value, "reason": self.reason,
                "similarity": None if self.similarity is None else float(self.similarity),
                "entry_id": self.entry_id,
                "latency_ms": None if self.latency_ms is None else float(self.latency_ms)}


@dataclass
class Entry:
    """A cached answer. Serialisable with :meth:`to_bytes` / :meth:`from_bytes` (orjson)."""

    kind: CacheKind
    key: str
    scope: Scope
    response: str
    entry_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    query: str | None = None
    vector: np.ndarray | None = None
    slots: Slots | None = None
    doc_ids: tuple[str, ...] = ()
    request_id: str | None = None
    response_event_id: str | None = None
    template_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)
    expires_at: float | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (time.time() if now is None else now) >= self.expires_at

    def size_bytes(self) -> int:
        """Approximate memory footprint, used for the store's byte bound."""
        n = 200 + len(self.key) + len(self.response) + len(self.query or "")
        n += sum(len(d) + 8 for d in self.doc_ids) + sum(len(k) + len(v) for k, v in self.params.items())
        if self.vector is not None:
            n += self.vector.nbytes
        return n

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id, "kind": self.kind.value, "key": self.key, "scope": self.scope.to_dict(),
            "response": self.response, "query": self.query,
            "vector": None if self.vector is None else base64.b64encode(
                np.asarray(self.vector, dtype="<f4").tobytes()).decode("ascii"),
            "slots": None if self.slots is None else self.slots.to_dict(),
            "doc_ids": list(self.doc_ids), "request_id": self.request_id,
            "response_event_id": self.response_event_id, "template_id": self.template_id,
            "params": dict(self.params), "created_at": self.created_at, "expires_at": self.expires_at,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Entry":
        vec = d.get("vector")
        slots = d.get("slots")
        parsed_slots = Slots.from_dict(slots) if slots and slots.get("version") == SLOTS_VERSION else None
        return cls(
            kind=CacheKind(d["kind"]), key=d["key"], scope=Scope(**d["scope"]), response=d["response"],
            entry_id=d["entry_id"], query=d.get("query"),
            vector=None if vec is None else np.frombuffer(base64.b64decode(vec), dtype="<f4").astype(np.float32),
            slots=parsed_slots, doc_ids=tuple(d.get("doc_ids") or ()), request_id=d.get("request_id"),
            response_event_id=d.get("response_event_id"), template_id=d.get("template_id"),
            params=dict(d.get("params") or {}), created_at=float(d.get("created_at") or 0.0),
            expires_at=d.get("expires_at"), meta=dict(d.get("meta") or {}),
        )

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes) -> "Entry":
        return cls.from_dict(orjson.loads(data))


@dataclass(frozen=True)
class Lookup:
    """Result of a lookup: the decision to publish and, on a hit, the entry to serve.

    ``trail`` lists every decision taken on the way (e.g. structured miss, then semantic hit); the agent
    publishes one CacheDecision per element.
    """

    decision: Decision
    entry: Entry | None = None
    trail: tuple[Decision, ...] = ()

    @property
    def hit(self) -> bool:
        return self.decision.hit

    @property
    def response(self) -> str | None:
        return self.entry.response if self.entry is not None and self.decision.hit else None
