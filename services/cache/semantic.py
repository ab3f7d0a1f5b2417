"""Semantic cache: nearest-neighbour lookup on query embeddings with an equivalence guard.

A lookup takes the *precomputed* query vector (the embedding is shared with retrieval). It first tries
the exact normalised text, then the top-N neighbours in the request's scope, best first: a candidate
hits only if its similarity clears the threshold **and** :func:`~services.cache.slots.compare_slots`
finds no mismatching slot. Checking several candidates means a guard-rejected nearest neighbour
("$500") does not hide an equivalent second one ("50 dollars").

Miss reasons: ``empty`` (nothing cached in scope), ``below_threshold`` (best candidate too far),
``slot_mismatch:<slot>`` (the best candidate above threshold differs in that slot), ``ttl_expired``.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from services.cache.index import VectorIndex
from services.cache.keys import semantic_key
from services.cache.model import CacheKind, Decision, Entry, Lookup, Outcome, Scope
from services.cache.slots import SLOTS_VERSION, compare_slots, extract_slots, normalize_text, same_content
from services.cache.store import CacheStore, MemoryStore

DEFAULT_THRESHOLD = 0.75
"""Calibrated on tests/cache/data/pairs_tune.jsonl (see tests/cache/eval_pairs.py): all-MiniLM-L6-v2
similarities of true paraphrases have a 10th percentile of ~0.77; near-misses sit at 0.45-1.0, so the
threshold only filters unrelated queries and the slot guard separates near-misses."""
ANCHORED_THRESHOLD = 0.60
"""Below DEFAULT_THRESHOLD, a candidate still hits when it has the same typed values (a number, date or
code) and the same content words as the query (:func:`~services.cache.slots.same_content`) and the guard
passes: surface forms ("£500" / "500 GBP", "for two" / "for 2 people") pull paraphrases down to
0.62-0.71. Checked against every unlabelled cross pair of the labelled queries (README)."""
DEFAULT_TOP_N = 5
DEFAULT_TTL_S = 24 * 3600.0

VectorFn = Callable[[str], np.ndarray]


class SemanticCache:
    """Per-scope vector indexes over a :class:`CacheStore`; see the module docstring."""

    def __init__(self, store: CacheStore | None = None, *, threshold: float = DEFAULT_THRESHOLD,
                 top_n: int = DEFAULT_TOP_N, ttl_s: float | None = DEFAULT_TTL_S,
                 embed: VectorFn | None = None, exact_limit: int = 4096,
                 anchored_threshold: float | None = ANCHORED_THRESHOLD) -> None:
        self.store: CacheStore = store if store is not None else MemoryStore()
        self.threshold = threshold
        # never above the main threshold; None disables the anchored path
        self.anchored_threshold = threshold if anchored_threshold is None else min(anchored_threshold, threshold)
        self.top_n = top_n
        self.ttl_s = ttl_s
        self.embed = embed
        self.exact_limit = exact_limit
        self._indexes: dict[str, VectorIndex] = {}
        self.store.subscribe(self._on_removed)
        if hasattr(self.store, "subscribe_added"):  # a replicated store: entries arrive from other workers
            self.store.subscribe_added(self._index_entry)
        for entry in self.store.entries():  # a store restored from its changelog
            self._index_entry(entry)

    # -- public API ---------------------------------------------------------------------------------

    def lookup(self, scope: Scope, query: str, vector: np.ndarray | None = None, *,
               now: float | None = None) -> Lookup:
        """Find a cached answer equivalent to ``query`` in ``scope``."""
        t0 = time.perf_counter()
        key = semantic_key(scope, query)
        entry, status = self.store.fetch(key, now=now)
        if entry is not None:
            return self._result(t0, key, Outcome.HIT, "exact", 1.0, entry)
        expired_exact = status == "ttl_expired"
        if vector is None:
            if self.embed is None:
                return self._result(t0, key, Outcome.BYPASS, "no_vector", None, None)
            vector = self.embed(query)
        index = self._indexes.get(scope.key())
        candidates = index.search(vector, self.top_n) if index is not None else []
        if not candidates:
            return self._result(t0, key, Outcome.MISS, "ttl_expired" if expired_exact else "empty", None, None)
        best_sim, best_id = candidates[0][1], None
        first_reason: str | None = None
        q_slots = None
        for cand_key, sim in candidates:
            if sim < self.anchored_threshold:
                break
            above = sim >= self.threshold
            cand, cstatus = self.store.fetch(cand_key, now=now)
            if cand is None:
                if above:
                    first_reason = first_reason or ("ttl_expired" if cstatus == "ttl_expired" else None)
                continue
            if best_id is None and above:
                best_id, best_sim = cand.entry_id, sim
            if q_slots is None:
                q_slots = extract_slots(query)
            c_slots = self._slots(cand)
            if not above and not same_content(q_slots, c_slots):
                continue  # below the threshold only the same typed values and words can hit
            mismatch = compare_slots(q_slots, c_slots, similarity=sim)
            if mismatch is None:
                return self._result(t0, key, Outcome.HIT, "similar", sim, cand)
            if above:
                first_reason = first_reason or f"slot_mismatch:{mismatch}"
        if best_id is None:
            peek = self.store.peek(candidates[0][0])
            best_id = peek.entry_id if peek is not None else None
        reason = first_reason or ("ttl_expired" if expired_exact else "below_threshold")
        return self._result(t0, key, Outcome.MISS, reason, best_sim, None, entry_id=best_id)

    def put(self, scope: Scope, query: str, response: str, vector: np.ndarray | None = None, *,
            doc_ids: tuple[str, ...] | list[str] = (), request_id: str | None = None,
            response_event_id: str | None = None, ttl_s: float | None = -1.0, now: float | None = None,
            kind: CacheKind = CacheKind.SEMANTIC, meta: dict[str, str] | None = None) -> Entry:
        """Cache ``response`` for ``query``; ``ttl_s=-1`` means the cache default, ``None`` no expiry."""
        if vector is None:
            if self.embed is None:
                raise ValueError("a query vector is required (or construct the cache with embed=...)")
            vector = self.embed(query)
        now = time.time() if now is None else now
        ttl = self.ttl_s if ttl_s == -1.0 else ttl_s
        entry = Entry(kind=kind, key=semantic_key(scope, query), scope=scope, response=response, query=query,
                      vector=np.asarray(vector, dtype=np.float32).reshape(-1), slots=extract_slots(query),
                      doc_ids=tuple(doc_ids), request_id=request_id, response_event_id=response_event_id,
                      created_at=now, expires_at=None if ttl is None else now + ttl, meta=dict(meta or {}))
        self.store.put(entry)
        if self.store.peek(entry.key) is entry:
            self._index_entry(entry)
        return entry

    def load(self, entries: list[Entry]) -> None:
        """Bulk-insert entries (e.g. replayed from the shared changelog on worker start): store first,
        then one batched index build per scope."""
        by_scope: dict[str, list[Entry]] = {}
        for e in entries:
            self.store.put(e)
            if e.vector is not None and e.query is not None and self.store.peek(e.key) is e \
                    and e.key.startswith(CacheKind.SEMANTIC.value + "|"):
                by_scope.setdefault(e.scope.key(), []).append(e)
        for skey, items in by_scope.items():
            index = self._indexes.get(skey)
            if index is None:
                index = self._indexes[skey] = VectorIndex(exact_limit=self.exact_limit)
            index.add_many([e.key for e in items], np.stack([e.vector for e in items]))

    def scopes(self) -> dict[str, int]:
        """Live vectors per scope key."""
        return {k: len(v) for k, v in self._indexes.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self._indexes.values())

    # -- internals ----------------------------------------------------------------------------------

    def _index_entry(self, entry: Entry) -> None:
        if entry.vector is None or entry.query is None or not entry.key.startswith(CacheKind.SEMANTIC.value + "|"):
            return
        index = self._indexes.get(entry.scope.key())
        if index is None:
            index = self._indexes[entry.scope.key()] = VectorIndex(exact_limit=self.exact_limit)
        index.add(entry.key, entry.vector)

    def _on_removed(self, entry: Entry, reason: str) -> None:
        index = self._indexes.get(entry.scope.key())
        if index is not None:
            index.remove(entry.key)
            if len(index) == 0:
                del self._indexes[entry.scope.key()]

    @staticmethod
    def _slots(entry: Entry):
        if entry.slots is None or entry.slots.version != SLOTS_VERSION:
            entry.slots = extract_slots(entry.query or "")
        return entry.slots

    @staticmethod
    def _result(t0: float, key: str, outcome: Outcome, reason: str, sim: float | None, entry: Entry | None,
                entry_id: str | None = None) -> Lookup:
        d = Decision(kind=CacheKind.SEMANTIC, key=key, outcome=outcome, reason=reason,
                     similarity=None if sim is None else round(float(sim), 6),
                     entry_id=entry.entry_id if entry is not None else entry_id,
                     latency_ms=(time.perf_counter() - t0) * 1000.0)
        return Lookup(decision=d, entry=entry, trail=(d,))


def is_equivalent(a: str, b: str) -> bool:
    """Slot-level equivalence of two queries (ignores embeddings); exposed for tests and tooling."""
    return normalize_text(a) == normalize_text(b) or compare_slots(extract_slots(a), extract_slots(b)) is None
