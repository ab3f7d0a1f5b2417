"""Cache warming: detect hot keys that are not cached and fill them.

:class:`HotKeyCounter` keeps a sliding window of request timestamps per key. When a key reaches
``threshold`` requests within ``window_s`` and the caller reports it is not cached, it emits one
:class:`WarmTrigger` (mapping onto the ``CacheWarmTrigger`` Avro record); it will not emit again for
that key until a full window has passed. Memory is bounded by ``max_keys`` (least recently seen keys
are dropped first).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from services.cache.model import CacheKind, Entry, Scope


@dataclass(frozen=True)
class WarmTrigger:
    """A hot, uncached key; fields map onto ``CacheWarmTrigger``."""

    kind: CacheKind
    key: str
    scope: Scope
    request_count: int
    window_s: int
    reason: str = "hot_uncached"
    query: str | None = None
    template_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def to_event_fields(self) -> dict[str, Any]:
        return {"tenant_id": self.scope.tenant_id, "app_id": self.scope.app_id, "kind": self.kind.value,
                "key": self.key, "query": self.query, "template_id": self.template_id,
                "params": dict(self.params), "request_count": int(self.request_count),
                "window_s": int(self.window_s), "reason": self.reason}

    def as_request(self) -> dict[str, Any]:
        """An InteractionRequest-shaped dict a generator can answer."""
        return {**self.scope.to_dict(), "query": self.query or "", "template_id": self.template_id,
                "params": dict(self.params)}


class HotKeyCounter:
    """Sliding-window request counts per key with once-per-window trigger emission."""

    def __init__(self, window_s: float = 300.0, threshold: int = 5, max_keys: int = 100_000) -> None:
        if window_s <= 0 or threshold < 1 or max_keys < 1:
            raise ValueError("window_s > 0, threshold >= 1 and max_keys >= 1 are required")
        self.window_s = window_s
        self.threshold = threshold
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._emitted: dict[str, float] = {}

    def observe(self, key: str, *, kind: CacheKind, scope: Scope, cached: bool, now: float | None = None,
                query: str | None = None, template_id: str | None = None,
                params: Mapping[str, str] | None = None) -> WarmTrigger | None:
        """Record one request for ``key``; returns a trigger when it is hot, uncached and not yet
        triggered in the current window."""
        now = time.time() if now is None else now
        times = self._hits.get(key)
        if times is None:
            times = self._hits[key] = deque()
        self._hits.move_to_end(key)
        times.append(now)
        cutoff = now - self.window_s
        while times and times[0] <= cutoff:
            times.popleft()
        while len(self._hits) > self.max_keys:
            old, _ = self._hits.popitem(last=False)
            self._emitted.pop(old, None)
        if cached or len(times) < self.threshold:
            return None
        last = self._emitted.get(key)
        if last is not None and now - last < self.window_s:
            return None
        self._emitted[key] = now
        return WarmTrigger(kind=kind, key=key, scope=scope, request_count=len(times),
                           window_s=int(round(self.window_s)), query=query, template_id=template_id,
                           params={str(k): str(v) for k, v in (params or {}).items()})

    def count(self, key: str, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return sum(1 for t in self._hits.get(key, ()) if t > now - self.window_s)

    def __len__(self) -> int:
        return len(self._hits)


def warm(trigger: WarmTrigger, generator: Callable[[dict[str, Any]], Any], cache, *, vector=None,
         now: float | None = None) -> tuple[Entry | None, str]:
    """Answer the trigger's request with ``generator`` and store it under ``trigger.key``.

    ``cache`` is a :class:`~services.cache.service.Cache`. Semantic triggers need ``vector`` (or a cache
    built with ``embed``). Returns (entry, "ok") or (None, reason) when the answer is not cacheable or the
    generator failed.
    """
    from services.cache.policy import Generation, cacheable

    try:
        gen = Generation.coerce(generator(trigger.as_request()))
    except Exception as exc:  # a failed warm must never take the agent down
        return None, f"generator_error:{type(exc).__name__}"
    ok, why = cacheable(gen)
    if not ok:
        return None, why
    if trigger.kind is CacheKind.SEMANTIC:
        if not trigger.query:
            return None, "no_query"
        entry = cache.semantic.put(trigger.scope, trigger.query, gen.text, vector, doc_ids=gen.doc_ids, now=now,
                                   meta={"source": "warm"})
        return entry, "ok"
    entry = cache.put(trigger.kind, trigger.key, trigger.scope, gen.text, doc_ids=gen.doc_ids,
                      query=trigger.query, template_id=trigger.template_id, params=trigger.params, now=now,
                      meta={"source": "warm"})
    return entry, "ok"
