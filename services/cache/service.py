"""The facade the stream agents call: keyed caches + semantic cache + lifecycle over one store.

Typical agent flow (the agent owns Kafka; this object owns no I/O)::

    cache = Cache(store)                                   # one per worker, store shared (see README)
    res = cache.lookup(request, vector)                    # InteractionRequest dict + query embedding
    for d in res.trail: publish CacheDecision(**d.to_event_fields(), ...)
    if res.hit: serve res.entry.response
    ...
    cache.admit(request, llm_response, vector=vector)      # on LlmResponse (+ guardrail verdict)
    cache.on_document(doc_id)                              # on Document change
    cache.on_signal(signal_kind, request_id=..., response_event_id=...)   # on UserSignal
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from services.cache.keys import key_for, query_body, request_body
from services.cache.model import CacheKind, Decision, Entry, Lookup, Outcome, Scope
from services.cache.policy import NEGATIVE_SIGNALS, Generation, cacheable
from services.cache.semantic import DEFAULT_THRESHOLD, DEFAULT_TOP_N, SemanticCache
from services.cache.store import CacheStore, MemoryStore

HOUR = 3600.0
DEFAULT_TTLS: dict[CacheKind, float | None] = {
    CacheKind.STRUCTURED: 24 * HOUR,
    CacheKind.ITEM: 24 * HOUR,
    CacheKind.PAIR: 24 * HOUR,
    CacheKind.PRECOMPUTED: 7 * 24 * HOUR,
    CacheKind.SEMANTIC: 6 * HOUR,
}


@dataclass
class CacheConfig:
    """Tunables; ``ttl_s`` per kind (``None`` = no expiry), ``enabled`` kinds (others bypass)."""

    ttl_s: dict[CacheKind, float | None] = field(default_factory=lambda: dict(DEFAULT_TTLS))
    enabled: frozenset[CacheKind] = frozenset(CacheKind)
    threshold: float = DEFAULT_THRESHOLD
    top_n: int = DEFAULT_TOP_N
    served_memory: int = 100_000  # request_id -> entry_id pairs remembered for feedback invalidation


class Cache:
    """All cache kinds over one :class:`CacheStore`."""

    def __init__(self, store: CacheStore | None = None, config: CacheConfig | None = None,
                 embed=None) -> None:
        self.config = config or CacheConfig()
        self.store: CacheStore = store if store is not None else MemoryStore()
        self.semantic = SemanticCache(self.store, threshold=self.config.threshold, top_n=self.config.top_n,
                                      ttl_s=self.config.ttl_s.get(CacheKind.SEMANTIC), embed=embed)
        self._served: OrderedDict[str, str] = OrderedDict()

    # -- lookups ------------------------------------------------------------------------------------

    def get(self, kind: CacheKind, key: str, *, now: float | None = None) -> Lookup:
        """Exact lookup in a keyed cache (``key`` from :mod:`services.cache.keys`)."""
        t0 = time.perf_counter()
        if kind not in self.config.enabled:
            return _lookup(t0, kind, key, Outcome.BYPASS, "disabled", None)
        entry, status = self.store.fetch(key, now=now)
        if entry is None:
            return _lookup(t0, kind, key, Outcome.MISS, status, None)
        return _lookup(t0, kind, key, Outcome.HIT, "exact", entry)

    def lookup(self, request: Mapping[str, Any], vector: np.ndarray | None = None, *,
               now: float | None = None) -> Lookup:
        """Consult the caches a request qualifies for, cheapest first: its keyed kind
        (structured/item/pair), the precomputed answers (same body, then the normalised query), then
        the semantic cache. Returns the deciding lookup with the whole ``trail``."""
        scope = Scope.from_request(request)
        trail: list[Decision] = []
        bodies: list[tuple[CacheKind, str]] = []
        rb = request_body(request)
        if rb is not None:
            bodies += [rb, (CacheKind.PRECOMPUTED, rb[1])]
        query = str(request.get("query") or "")
        if query:
            bodies.append((CacheKind.PRECOMPUTED, query_body(query)))
        for kind, body in bodies:
            res = self.get(kind, key_for(kind, scope, body), now=now)
            if kind is CacheKind.PRECOMPUTED and not res.hit and trail and trail[-1].kind is CacheKind.PRECOMPUTED:
                trail[-1] = res.decision  # one precomputed decision per request
            else:
                trail.append(res.decision)
            if res.hit:
                return self._served_hit(request, Lookup(res.decision, res.entry, tuple(trail)))
        if query and CacheKind.SEMANTIC in self.config.enabled:
            res = self.semantic.lookup(scope, query, vector, now=now)
        else:
            t0 = time.perf_counter()
            res = _lookup(t0, CacheKind.SEMANTIC, "", Outcome.BYPASS, "disabled" if query else "no_query", None)
        trail.append(res.decision)
        final = Lookup(res.decision, res.entry, tuple(trail))
        return self._served_hit(request, final) if final.hit else final

    # -- writes -------------------------------------------------------------------------------------

    def put(self, kind: CacheKind, key: str, scope: Scope, response: str, *, doc_ids=(),
            request_id: str | None = None, response_event_id: str | None = None, query: str | None = None,
            template_id: str | None = None, params: Mapping[str, str] | None = None,
            now: float | None = None, meta: dict[str, str] | None = None) -> Entry:
        """Store an answer in a keyed cache with the kind's TTL."""
        now = time.time() if now is None else now
        ttl = self.config.ttl_s.get(kind)
        entry = Entry(kind=kind, key=key, scope=scope, response=response, query=query, doc_ids=tuple(doc_ids),
                      request_id=request_id, response_event_id=response_event_id, template_id=template_id,
                      params={str(k): str(v) for k, v in (params or {}).items()}, created_at=now,
                      expires_at=None if ttl is None else now + ttl, meta=dict(meta or {}))
        self.store.put(entry)
        return entry

    def admit(self, request: Mapping[str, Any], response: Any, *, vector: np.ndarray | None = None,
              now: float | None = None) -> tuple[list[Entry], str]:
        """Cache a fresh answer to ``request`` if policy allows: under its keyed kind (if any) and in the
        semantic cache (if it has a query). ``response`` is an LlmResponse-shaped mapping, a
        :class:`Generation` or a string. Returns (entries stored, "ok" or the refusal reason)."""
        gen = Generation.coerce(response)
        ok, why = cacheable(gen)
        if not ok:
            return [], why
        if isinstance(response, Mapping) and response.get("cached"):
            return [], "already_cached"
        scope = Scope.from_request(request)
        rid = request.get("request_id")
        reid = response.get("event_id") if isinstance(response, Mapping) else None
        stored: list[Entry] = []
        rb = request_body(request)
        if rb is not None and rb[0] in self.config.enabled:
            stored.append(self.put(rb[0], key_for(rb[0], scope, rb[1]), scope, gen.text, doc_ids=gen.doc_ids,
                                   request_id=rid, response_event_id=reid, query=request.get("query"),
                                   template_id=request.get("template_id"), params=request.get("params"),
                                   now=now))
        query = request.get("query")
        if query and CacheKind.SEMANTIC in self.config.enabled and (vector is not None or self.semantic.embed):
            stored.append(self.semantic.put(scope, str(query), gen.text, vector, doc_ids=gen.doc_ids,
                                            request_id=rid, response_event_id=reid, now=now))
        return stored, "ok" if stored else "no_key"

    # -- lifecycle ----------------------------------------------------------------------------------

    def on_document(self, doc_id: str) -> list[Entry]:
        """A document changed or was deleted: drop every answer that used it."""
        return self.store.invalidate_doc(doc_id)

    def on_signal(self, kind: str, *, request_id: str | None = None, response_event_id: str | None = None,
                  entry_id: str | None = None) -> list[Entry]:
        """Negative feedback (thumbs_down, correction) drops the entry that produced the answer, or that
        served it from cache to ``request_id``. Other signal kinds are ignored."""
        if kind not in NEGATIVE_SIGNALS:
            return []
        dropped: list[Entry] = []
        ids = {entry_id} if entry_id else set()
        if request_id:
            dropped += self.store.invalidate_request(request_id)
            served = self._served.pop(request_id, None)
            if served:
                ids.add(served)
        if response_event_id:
            for e in list(self.store.entries()):
                if e.response_event_id == response_event_id:
                    ids.add(e.entry_id)
        for eid in ids:
            e = self.store.invalidate_entry(eid, reason="negative_feedback")
            if e is not None:
                dropped.append(e)
        return dropped

    def expire(self, now: float | None = None) -> list[Entry]:
        return self.store.expire(now)

    def _served_hit(self, request: Mapping[str, Any], res: Lookup) -> Lookup:
        rid = request.get("request_id")
        if rid and res.entry is not None:
            self._served[str(rid)] = res.entry.entry_id
            self._served.move_to_end(str(rid))
            while len(self._served) > self.config.served_memory:
                self._served.popitem(last=False)
        return res


def _lookup(t0: float, kind: CacheKind, key: str, outcome: Outcome, reason: str, entry: Entry | None) -> Lookup:
    d = Decision(kind=kind, key=key, outcome=outcome, reason=reason, similarity=None,
                 entry_id=entry.entry_id if entry is not None else None,
                 latency_ms=(time.perf_counter() - t0) * 1000.0)
    return Lookup(decision=d, entry=entry, trail=(d,))
