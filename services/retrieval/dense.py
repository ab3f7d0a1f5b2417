"""Dense retrieval: an hnswlib cosine index over string keys, with incremental add, delete and persistence.

hnswlib addresses vectors by integer labels; this wrapper maps chunk ids to labels (never reused), grows the
index geometrically when full (``resize_index``), deletes with ``mark_deleted`` and reuses the slots of
deleted vectors for new ones (``allow_replace_deleted``), so a long-lived index fed by document updates does
not grow without bound.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import hnswlib
import numpy as np
import orjson

from services.embeddings import DIM


@dataclass(frozen=True)
class HNSWConfig:
    M: int = 32
    ef_construction: int = 200
    ef: int = 128
    initial_capacity: int = 1024
    threads: int = 1
    seed: int = 100


class DenseIndex:
    """Cosine kNN over unit vectors keyed by string (chunk ids)."""

    def __init__(self, config: HNSWConfig | None = None, dim: int = DIM) -> None:
        self.config = config or HNSWConfig()
        self.dim = dim
        self._lock = threading.RLock()
        self._index = self._new_index(self.config.initial_capacity)
        self._label: dict[str, int] = {}
        self._key: dict[int, str] = {}
        self._next_label = 0
        self._deleted = 0

    def _new_index(self, capacity: int) -> hnswlib.Index:
        idx = hnswlib.Index(space="cosine", dim=self.dim)
        idx.init_index(max_elements=max(capacity, 16), M=self.config.M,
                       ef_construction=self.config.ef_construction, random_seed=self.config.seed,
                       allow_replace_deleted=True)
        idx.set_ef(self.config.ef)
        idx.set_num_threads(self.config.threads)
        return idx

    def __len__(self) -> int:
        return len(self._label)

    def __contains__(self, key: object) -> bool:
        return key in self._label

    @property
    def capacity(self) -> int:
        return self._index.get_max_elements()

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Insert or replace vectors (rows of ``vectors``, unit length) under ``keys``."""
        if len(keys) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(keys), self.dim)
        with self._lock:
            for k in keys:
                if k in self._label:
                    self._delete_locked(k)
            # replace_deleted fills tombstoned slots first; only grow for what cannot be reused
            needed = self._index.get_current_count() - self._deleted + len(keys)
            if needed > self.capacity:
                self._index.resize_index(max(needed, 2 * self.capacity))
            labels = np.arange(self._next_label, self._next_label + len(keys), dtype=np.int64)
            self._next_label += len(keys)
            reuse = min(self._deleted, len(keys))
            self._index.add_items(vectors, labels, num_threads=self.config.threads,
                                  replace_deleted=reuse > 0)
            self._deleted -= reuse
            for k, lab in zip(keys, labels.tolist()):
                self._label[k] = lab
                self._key[lab] = k

    def delete(self, key: str) -> bool:
        with self._lock:
            if key not in self._label:
                return False
            self._delete_locked(key)
            return True

    def _delete_locked(self, key: str) -> None:
        lab = self._label.pop(key)
        del self._key[lab]
        self._index.mark_deleted(lab)
        self._deleted += 1

    def get_vectors(self, keys: Sequence[str]) -> np.ndarray:
        """Stored vectors of ``keys`` (as inserted, unit length)."""
        with self._lock:
            labels = [self._label[k] for k in keys]
            if not labels:
                return np.zeros((0, self.dim), dtype=np.float32)
            return np.asarray(self._index.get_items(labels), dtype=np.float32)

    def search(self, query_vector: np.ndarray, k: int = 100, ef: int | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (key, cosine similarity), similarity descending, ties by key ascending."""
        with self._lock:
            n = len(self._label)
            k = min(k, n)
            if k <= 0:
                return []
            self._index.set_ef(max(ef or self.config.ef, k))
            q = np.asarray(query_vector, dtype=np.float32).reshape(1, self.dim)
            while True:
                try:
                    labels, dist = self._index.knn_query(q, k=k, num_threads=1)
                    break
                except RuntimeError:  # fewer reachable live elements than k (many deletions)
                    if k <= 1:
                        return []
                    k = max(1, k // 2)
            pairs = [(self._key[int(lab)], 1.0 - float(d)) for lab, d in zip(labels[0], dist[0])
                     if int(lab) in self._key]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._index.save_index(str(d / "hnsw.bin"))
            meta = {"dim": self.dim, "next_label": self._next_label, "deleted": self._deleted,
                    "labels": self._label, "config": vars(self.config)}
        (d / "hnsw_meta.json").write_bytes(orjson.dumps(meta))

    @classmethod
    def load(cls, directory: str | Path, config: HNSWConfig | None = None) -> "DenseIndex":
        d = Path(directory)
        meta = orjson.loads((d / "hnsw_meta.json").read_bytes())
        cfg = config or HNSWConfig(**meta["config"])
        self = cls(cfg, dim=meta["dim"])
        idx = hnswlib.Index(space="cosine", dim=self.dim)
        idx.load_index(str(d / "hnsw.bin"), allow_replace_deleted=True)
        idx.set_ef(cfg.ef)
        idx.set_num_threads(cfg.threads)
        self._index = idx
        self._label = {k: int(v) for k, v in meta["labels"].items()}
        self._key = {v: k for k, v in self._label.items()}
        self._next_label = int(meta["next_label"])
        self._deleted = int(meta["deleted"])
        return self

    def memory_bytes(self) -> int:
        """Approximate resident size of the graph and vectors."""
        c = self.capacity
        per = self.dim * 4 + self.config.M * 2 * 4 + 8 + 16
        return c * per
