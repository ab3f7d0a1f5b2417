"""Nearest-neighbour index over L2-normalised vectors (inner product = cosine similarity).

Small indexes are exact (one numpy mat-vec); past ``exact_limit`` live vectors the index migrates to
hnswlib (M=16, ef=max(64, 4k)), which keeps a lookup well under a millisecond at 100k entries.
Deletions are O(1): rows are freed (exact) or marked deleted and reused (hnswlib
``allow_replace_deleted``).
"""

from __future__ import annotations

import numpy as np

from services.embeddings import DIM


class VectorIndex:
    """Maps string keys to unit vectors; :meth:`search` returns (key, similarity) best first."""

    def __init__(self, dim: int = DIM, *, exact_limit: int = 4096, m: int = 16, ef_construction: int = 100,
                 ef_search: int = 64, initial_capacity: int = 1024) -> None:
        self.dim = dim
        self.exact_limit = exact_limit
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._key_to_label: dict[str, int] = {}
        self._label_to_key: dict[int, str] = {}
        self._free: list[int] = []
        self._next_label = 0
        self._vecs = np.zeros((initial_capacity, dim), dtype=np.float32)
        self._alive = np.zeros(initial_capacity, dtype=bool)
        self._hnsw = None  # hnswlib.Index once migrated

    def __len__(self) -> int:
        return len(self._key_to_label)

    def __contains__(self, key: str) -> bool:
        return key in self._key_to_label

    @property
    def approximate(self) -> bool:
        return self._hnsw is not None

    def add(self, key: str, vector: np.ndarray) -> None:
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if v.shape[0] != self.dim:
            raise ValueError(f"expected a vector of dimension {self.dim}, got {v.shape[0]}")
        if key in self._key_to_label:
            self.remove(key)
        if self._hnsw is not None:
            self._hnsw_add(key, v)
            return
        label = self._free.pop() if self._free else self._alloc()
        self._vecs[label] = v
        self._alive[label] = True
        self._key_to_label[key] = label
        self._label_to_key[label] = key
        if len(self._key_to_label) > self.exact_limit:
            self._migrate()

    def add_many(self, keys: list[str], vectors: np.ndarray) -> None:
        """Bulk insert (restart rebuilds, benchmarks): one hnswlib batch call past ``exact_limit``."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(keys), self.dim)
        if self._hnsw is None and len(self._key_to_label) + len(keys) <= self.exact_limit:
            for k, v in zip(keys, vectors):
                self.add(k, v)
            return
        for k in keys:
            if k in self._key_to_label:
                self.remove(k)
        if self._hnsw is None:
            self._migrate(extra=len(keys))
        index = self._hnsw
        need = len(self._key_to_label) + len(keys)
        if index.get_current_count() + len(keys) > index.get_max_elements():
            index.resize_index(max(2 * need, index.get_current_count() + len(keys)))
        labels = np.arange(self._next_label, self._next_label + len(keys), dtype=np.int64)
        self._next_label += len(keys)
        index.set_num_threads(0)  # all cores for the batch
        index.add_items(vectors, labels)
        index.set_num_threads(1)
        for k, lbl in zip(keys, labels):
            self._key_to_label[k] = int(lbl)
            self._label_to_key[int(lbl)] = k

    def remove(self, key: str) -> bool:
        label = self._key_to_label.pop(key, None)
        if label is None:
            return False
        del self._label_to_key[label]
        if self._hnsw is not None:
            self._hnsw.mark_deleted(label)
        else:
            self._alive[label] = False
            self._free.append(label)
        return True

    def search(self, vector: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        n = len(self._key_to_label)
        if n == 0 or k <= 0:
            return []
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        k = min(k, n)
        if self._hnsw is None:
            top = self._next_label
            sims = self._vecs[:top] @ q
            sims[~self._alive[:top]] = -np.inf
            idx = np.argpartition(-sims, k - 1)[:k] if k < top else np.arange(top)
            idx = idx[np.argsort(-sims[idx])]
            return [(self._label_to_key[int(i)], float(sims[i])) for i in idx if np.isfinite(sims[i])][:k]
        self._hnsw.set_ef(max(self.ef_search, 4 * k))
        while k > 0:
            try:
                labels, dists = self._hnsw.knn_query(q, k=k)
                break
            except RuntimeError:  # fewer reachable live elements than k
                k -= 1
        else:
            return []
        return [(self._label_to_key[int(lbl)], 1.0 - float(d)) for lbl, d in zip(labels[0], dists[0])
                if int(lbl) in self._label_to_key]

    # -- internals ----------------------------------------------------------------------------------

    def _alloc(self) -> int:
        label = self._next_label
        if label >= self._vecs.shape[0]:
            cap = self._vecs.shape[0] * 2
            vecs = np.zeros((cap, self.dim), dtype=np.float32)
            vecs[: label] = self._vecs[: label]
            alive = np.zeros(cap, dtype=bool)
            alive[: label] = self._alive[: label]
            self._vecs, self._alive = vecs, alive
        self._next_label += 1
        return label

    def _migrate(self, extra: int = 0) -> None:
        import hnswlib

        labels = np.array(sorted(self._label_to_key), dtype=np.int64)
        capacity = max(2 * (len(labels) + extra), 1024)
        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=capacity, M=self.m, ef_construction=self.ef_construction,
                         allow_replace_deleted=True)
        index.set_num_threads(1)
        if len(labels):
            index.add_items(self._vecs[labels], labels)
        self._hnsw = index
        self._vecs = np.zeros((0, self.dim), dtype=np.float32)  # vectors now live in hnswlib
        self._alive = np.zeros(0, dtype=bool)
        self._free = []

    def _hnsw_add(self, key: str, v: np.ndarray) -> None:
        index = self._hnsw
        label = self._next_label
        self._next_label += 1
        replace = index.get_current_count() >= index.get_max_elements()
        if replace and len(self._key_to_label) >= index.get_max_elements() // 2:
            index.resize_index(index.get_max_elements() * 2)
            replace = False
        index.add_items(v.reshape(1, -1), np.array([label]), replace_deleted=replace)
        self._key_to_label[key] = label
        self._label_to_key[label] = key
