"""Entry storage: the :class:`CacheStore` interface and a bounded in-memory LRU/TTL implementation.

The store is the source of truth for entries (keyed by ``entry.key``) and keeps secondary indexes by
``entry_id``, by document id and by request id, so invalidations are O(affected entries). Removals of
any cause (eviction, expiry, invalidation, overwrite) are reported to subscribers with a reason; the
semantic index subscribes to drop vectors. See ``README.md`` for the shared, restart-safe design that
backs this interface with a compacted topic.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Iterator, Protocol, runtime_checkable

from services.cache.model import Entry

RemovalListener = Callable[[Entry, str], None]
"""Called with (entry, reason); reason is ``evicted``, ``expired``, ``replaced``, ``doc_changed``,
``negative_feedback``, ``invalidated`` or ``deleted``."""


@runtime_checkable
class CacheStore(Protocol):
    """What the cache core needs from storage."""

    def fetch(self, key: str, *, now: float | None = None) -> tuple[Entry | None, str]:
        """(entry, "ok") or (None, "not_found" | "ttl_expired"). Expired entries are removed."""

    def peek(self, key: str) -> Entry | None:
        """The entry under ``key`` without touching recency or expiry."""

    def get_by_id(self, entry_id: str) -> Entry | None: ...

    def put(self, entry: Entry) -> None:
        """Insert or replace (by key); may evict other entries to stay within bounds."""

    def remove(self, key: str, reason: str = "deleted") -> Entry | None: ...

    def invalidate_entry(self, entry_id: str, reason: str = "invalidated") -> Entry | None: ...

    def invalidate_doc(self, doc_id: str) -> list[Entry]:
        """Remove every entry whose answer used ``doc_id`` (reason ``doc_changed``)."""

    def invalidate_request(self, request_id: str, reason: str = "negative_feedback") -> list[Entry]:
        """Remove entries created from ``request_id``."""

    def expire(self, now: float | None = None) -> list[Entry]:
        """Remove all expired entries."""

    def subscribe(self, listener: RemovalListener) -> None: ...

    def entries(self) -> Iterator[Entry]: ...

    def __len__(self) -> int: ...


class MemoryStore:
    """Thread-safe in-memory store bounded by entry count and approximate bytes, LRU eviction.

    ``fetch`` refreshes recency; ``peek`` does not. TTL is per entry (``expires_at``) and enforced
    lazily on access plus by :meth:`expire` (call it from a timer).
    """

    def __init__(self, max_entries: int = 100_000, max_bytes: int = 512 * 1024 * 1024) -> None:
        if max_entries <= 0 or max_bytes <= 0:
            raise ValueError("max_entries and max_bytes must be positive")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._by_id: dict[str, str] = {}
        self._by_doc: dict[str, set[str]] = {}
        self._by_request: dict[str, set[str]] = {}
        self._bytes = 0
        self._listeners: list[RemovalListener] = []
        self.evictions = 0

    # -- reads --------------------------------------------------------------------------------------

    def fetch(self, key: str, *, now: float | None = None) -> tuple[Entry | None, str]:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None, "not_found"
            if entry.expired(now):
                self._remove(key, "expired")
                return None, "ttl_expired"
            self._data.move_to_end(key)
            return entry, "ok"

    def peek(self, key: str) -> Entry | None:
        with self._lock:
            return self._data.get(key)

    def get_by_id(self, entry_id: str) -> Entry | None:
        with self._lock:
            key = self._by_id.get(entry_id)
            return self._data.get(key) if key is not None else None

    def entries(self) -> Iterator[Entry]:
        with self._lock:
            snapshot = list(self._data.values())
        return iter(snapshot)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def bytes_used(self) -> int:
        return self._bytes

    # -- writes -------------------------------------------------------------------------------------

    def put(self, entry: Entry) -> None:
        size = entry.size_bytes()
        if size > self.max_bytes:
            return  # larger than the whole budget: never cacheable
        with self._lock:
            if entry.key in self._data:
                self._remove(entry.key, "replaced")
            self._data[entry.key] = entry
            self._bytes += size
            self._by_id[entry.entry_id] = entry.key
            for d in entry.doc_ids:
                self._by_doc.setdefault(d, set()).add(entry.key)
            if entry.request_id:
                self._by_request.setdefault(entry.request_id, set()).add(entry.key)
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                oldest = next(iter(self._data))
                self._remove(oldest, "evicted")
                self.evictions += 1

    def remove(self, key: str, reason: str = "deleted") -> Entry | None:
        with self._lock:
            return self._remove(key, reason) if key in self._data else None

    def invalidate_entry(self, entry_id: str, reason: str = "invalidated") -> Entry | None:
        with self._lock:
            key = self._by_id.get(entry_id)
            return self._remove(key, reason) if key is not None else None

    def invalidate_doc(self, doc_id: str) -> list[Entry]:
        with self._lock:
            keys = list(self._by_doc.get(doc_id, ()))
            return [e for e in (self._remove(k, "doc_changed") for k in keys) if e is not None]

    def invalidate_request(self, request_id: str, reason: str = "negative_feedback") -> list[Entry]:
        with self._lock:
            keys = list(self._by_request.get(request_id, ()))
            return [e for e in (self._remove(k, reason) for k in keys) if e is not None]

    def expire(self, now: float | None = None) -> list[Entry]:
        now = time.time() if now is None else now
        with self._lock:
            dead = [k for k, e in self._data.items() if e.expired(now)]
            return [e for e in (self._remove(k, "expired") for k in dead) if e is not None]

    def subscribe(self, listener: RemovalListener) -> None:
        self._listeners.append(listener)

    def clear(self) -> None:
        with self._lock:
            for key in list(self._data):
                self._remove(key, "deleted")

    # -- internals ----------------------------------------------------------------------------------

    def _remove(self, key: str, reason: str) -> Entry | None:
        entry = self._data.pop(key, None)
        if entry is None:
            return None
        self._bytes -= entry.size_bytes()
        self._by_id.pop(entry.entry_id, None)
        for d in entry.doc_ids:
            keys = self._by_doc.get(d)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_doc[d]
        if entry.request_id:
            keys = self._by_request.get(entry.request_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_request[entry.request_id]
        for listener in self._listeners:
            listener(entry, reason)
        return entry
