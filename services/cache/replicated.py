"""ReplicatedStore: a :class:`MemoryStore` whose mutations are change records, for a cache shared by all
worker processes (every worker holds a full replica) that survives a worker restart.

Pure: the transport is injected. Every local mutation is applied locally *and* handed to
``emit(key: bytes, value: bytes | None)``; the lead wires ``emit`` to a producer on a compacted topic
keyed by ``key`` and feeds every consumed record (the worker's own included; re-applying is a no-op) to
:meth:`ReplicatedStore.apply`. On start, a worker replays the compacted topic (or :meth:`load`s a local
:meth:`snapshot` and replays from its offset).

Change record (``value``, orjson): ``{"v": [clock, node], "op": "put", "entry": {...}}`` or
``{"v": [clock, node], "op": "del", "reason": "..."}``. ``v`` is a Lamport timestamp: every replica
keeps ``clock = max(clock, seen) + 1`` on its own writes, and ``node`` breaks ties, so versions are totally
ordered and every replica picks the same winner per key whatever order the records arrive in:

* a record older than or equal to the key's current version (live entry *or* tombstone) is ignored,
  so duplicates and re-deliveries are idempotent and a delete wins over every older put;
* deletes are versioned tombstones kept per key (bounded, oldest dropped first), so a put that was
  overtaken by a delete stays dead when it arrives late. ``value=None`` (a Kafka tombstone, produced by
  :meth:`purge_tombstones` once a delete is old enough for the topic to forget it) removes the key
  unconditionally.

Bounds: ``max_entries`` / ``max_bytes`` per replica; eviction removes the *lowest version* first (oldest
write, not least recently read), so replicas that applied the same records evict the same entries.
Evictions are local (no record): the compacted topic keeps the evicted entry, and a rebuild re-applies
the same bound. Limit: when a delete later removes a newer entry, a replica that had evicted an older one
holds fewer entries than one that had not, until its next rebuild; it never holds a deleted or
superseded entry.

TTL expiry on read is local (every replica sees the same ``expires_at``); :meth:`expire` (the periodic
sweep) emits tombstones so the topic forgets expired entries.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from typing import Any, Callable, Iterator

import orjson

from services.cache.model import Entry
from services.cache.store import MemoryStore, RemovalListener

Emit = Callable[[bytes, "bytes | None"], None]
Version = tuple[int, str]
AddListener = Callable[[Entry], None]


class ReplicatedStore:
    """A :class:`~services.cache.store.CacheStore` replica; see the module docstring."""

    def __init__(self, emit: Emit | None = None, *, node_id: str | None = None, max_entries: int = 100_000,
                 max_bytes: int = 512 * 1024 * 1024, max_tombstones: int | None = None) -> None:
        self.node_id = node_id or uuid.uuid4().hex[:12]
        self.emit: Emit = emit or (lambda key, value: None)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_tombstones = max_tombstones if max_tombstones is not None else max(1024, 4 * max_entries)
        # the inner store never evicts on its own: this class evicts by version first
        self._inner = MemoryStore(max_entries=max_entries + 1, max_bytes=max_bytes * 2 + 1)
        self._lock = threading.RLock()
        self._clock = 0
        self._versions: dict[str, Version] = {}                 # live keys
        self._tombstones: OrderedDict[str, Version] = OrderedDict()
        self._added: list[AddListener] = []
        self.evictions = 0
        self.applied = 0
        self.ignored = 0

    # -- reads (CacheStore) ---------------------------------------------------------------------------

    def fetch(self, key: str, *, now: float | None = None) -> tuple[Entry | None, str]:
        return self._inner.fetch(key, now=now)

    def peek(self, key: str) -> Entry | None:
        return self._inner.peek(key)

    def get_by_id(self, entry_id: str) -> Entry | None:
        return self._inner.get_by_id(entry_id)

    def entries(self) -> Iterator[Entry]:
        return self._inner.entries()

    def __len__(self) -> int:
        return len(self._inner)

    @property
    def bytes_used(self) -> int:
        return self._inner.bytes_used

    def version(self, key: str) -> Version | None:
        """Current version of ``key``: of its live entry or of its tombstone."""
        with self._lock:
            return self._versions.get(key) or self._tombstones.get(key)

    def subscribe(self, listener: RemovalListener) -> None:
        self._inner.subscribe(listener)

    def subscribe_added(self, listener: AddListener) -> None:
        """Called for every entry that becomes live, local or replicated (vector indexes follow it)."""
        self._added.append(listener)

    # -- local writes (CacheStore): apply, then emit ------------------------------------------------------

    def put(self, entry: Entry) -> None:
        with self._lock:
            v = self._tick()
            value = _encode({"v": list(v), "op": "put", "entry": entry.to_dict()})
            if self._apply_put(entry.key, entry, v):
                self.emit(entry.key.encode(), value)

    def remove(self, key: str, reason: str = "deleted") -> Entry | None:
        with self._lock:
            return self._delete_local(key, reason)

    def invalidate_entry(self, entry_id: str, reason: str = "invalidated") -> Entry | None:
        with self._lock:
            e = self._inner.get_by_id(entry_id)
            return self._delete_local(e.key, reason) if e is not None else None

    def invalidate_doc(self, doc_id: str) -> list[Entry]:
        with self._lock:
            keys = list(self._inner._by_doc.get(doc_id, ()))  # noqa: SLF001 - same package
            return [e for e in (self._delete_local(k, "doc_changed") for k in keys) if e is not None]

    def invalidate_request(self, request_id: str, reason: str = "negative_feedback") -> list[Entry]:
        with self._lock:
            keys = list(self._inner._by_request.get(request_id, ()))  # noqa: SLF001
            return [e for e in (self._delete_local(k, reason) for k in keys) if e is not None]

    def expire(self, now: float | None = None) -> list[Entry]:
        now = time.time() if now is None else now
        with self._lock:
            dead = [e.key for e in self._inner.entries() if e.expired(now)]
            return [e for e in (self._delete_local(k, "expired") for k in dead) if e is not None]

    def clear(self) -> None:
        with self._lock:
            for e in list(self._inner.entries()):
                self._delete_local(e.key, "deleted")

    # -- replication --------------------------------------------------------------------------------

    def apply(self, key: bytes | str, value: bytes | None) -> bool:
        """Apply one change record (from any worker, this one included). Returns whether it changed the
        replica; stale and duplicate records are ignored."""
        k = key.decode() if isinstance(key, (bytes, bytearray)) else key
        with self._lock:
            if value is None:  # Kafka tombstone: the topic has forgotten the key
                self._tombstones.pop(k, None)
                self._versions.pop(k, None)
                changed = self._inner.remove(k, "replicated_delete") is not None
                self._count(changed)
                return changed
            rec = orjson.loads(value)
            v: Version = (int(rec["v"][0]), str(rec["v"][1]))
            self._clock = max(self._clock, v[0])
            if rec["op"] == "put":
                changed = self._apply_put(k, Entry.from_dict(rec["entry"]), v)
            else:
                changed = self._apply_delete(k, v, rec.get("reason") or "replicated_delete")
            self._count(changed)
            return changed

    def purge_tombstones(self, older_than_clock: int) -> int:
        """Forget tombstones with a clock below ``older_than_clock`` and emit Kafka tombstones (``None``)
        for them, so compaction can drop the key from the topic. Returns how many were purged."""
        with self._lock:
            old = [k for k, v in self._tombstones.items() if v[0] < older_than_clock]
            for k in old:
                del self._tombstones[k]
                self.emit(k.encode(), None)
            return len(old)

    # -- restart ------------------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The whole replica (entries with their versions, tombstones, clock) as bytes."""
        with self._lock:
            return _encode({
                "format": 1, "node": self.node_id, "clock": self._clock,
                "entries": [[list(self._versions[e.key]), e.to_dict()] for e in self._inner.entries()],
                "tombstones": [[k, list(v)] for k, v in self._tombstones.items()],
            })

    def load(self, data: bytes) -> int:
        """Merge a :meth:`snapshot` into this replica (idempotent, version rules as for :meth:`apply`);
        returns the number of entries and tombstones that changed the replica."""
        snap = orjson.loads(data)
        n = 0
        with self._lock:
            self._clock = max(self._clock, int(snap.get("clock", 0)))
            for k, v in snap.get("tombstones", []):
                n += self._apply_delete(k, (int(v[0]), str(v[1])), "replicated_delete")
            for v, d in snap.get("entries", []):
                e = Entry.from_dict(d)
                n += self._apply_put(e.key, e, (int(v[0]), str(v[1])))
        return n

    def changes(self) -> Iterator[tuple[bytes, bytes]]:
        """The replica as change records (live entries and tombstones), e.g. to seed a new topic."""
        with self._lock:
            recs = [(e.key.encode(), _encode({"v": list(self._versions[e.key]), "op": "put", "entry": e.to_dict()}))
                    for e in self._inner.entries()]
            recs += [(k.encode(), _encode({"v": list(v), "op": "del", "reason": "replicated_delete"}))
                     for k, v in self._tombstones.items()]
        return iter(recs)

    # -- internals ------------------------------------------------------------------------------------

    def _tick(self) -> Version:
        self._clock += 1
        return (self._clock, self.node_id)

    def _count(self, changed: bool) -> None:
        if changed:
            self.applied += 1
        else:
            self.ignored += 1

    def _current(self, key: str) -> Version | None:
        return self._versions.get(key) or self._tombstones.get(key)

    def _apply_put(self, key: str, entry: Entry, v: Version) -> bool:
        cur = self._current(key)
        if cur is not None and v <= cur:
            return False
        size = entry.size_bytes()
        if size > self.max_bytes:
            return False
        # would this put be the lowest version once bounds apply? then it is evicted at once: skip it
        if len(self._versions) + (0 if key in self._versions else 1) > self.max_entries and self._versions:
            lowest = min(self._versions.values())
            if v < lowest and key not in self._versions:
                self.evictions += 1
                return False
        self._tombstones.pop(key, None)
        self._inner.put(entry)
        self._versions[key] = v
        self._evict()
        if key in self._versions:
            for fn in self._added:
                fn(entry)
        return True

    def _evict(self) -> None:
        while self._versions and (len(self._versions) > self.max_entries or self._inner.bytes_used > self.max_bytes):
            key = min(self._versions, key=self._versions.__getitem__)
            del self._versions[key]
            self._inner.remove(key, "evicted")
            self.evictions += 1

    def _apply_delete(self, key: str, v: Version, reason: str) -> bool:
        cur = self._current(key)
        if cur is not None and v <= cur:
            return False
        self._versions.pop(key, None)
        self._tombstones[key] = v
        self._tombstones.move_to_end(key)
        while len(self._tombstones) > self.max_tombstones:
            self._tombstones.popitem(last=False)
        self._inner.remove(key, reason)
        return True

    def _delete_local(self, key: str, reason: str) -> Entry | None:
        entry = self._inner.peek(key)
        if entry is None:
            return None  # nothing here to delete: another replica's record, if any, already did
        v = self._tick()
        if self._apply_delete(key, v, reason):
            self.emit(key.encode(), _encode({"v": list(v), "op": "del", "reason": reason}))
        return entry


def _encode(obj: dict[str, Any]) -> bytes:
    return orjson.dumps(obj)
