"""On-disk cache of passage embeddings, so repeated evaluations and benchmarks do not re-embed a corpus.

Layout: ``<root>/<model-fingerprint>/keys.txt`` (one text hash a line) and ``vectors.f32`` (raw float32
rows of dimension :data:`~services.embeddings.DIM`, in the same order). Both files are append-only; vectors
are written before their keys, so an interrupted write leaves at most some orphan rows that are ignored.

The model fingerprint is the SHA-256 of the ONNX model file plus its size, so a different model never reads
another model's vectors. The root defaults to ``$FLYWHEEL_CACHE_DIR`` or ``$XDG_CACHE_HOME/flywheel`` or
``~/.cache/flywheel`` -- never inside the repository.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from services.embeddings import DIM
from services.embeddings.model import default_cache_root, model_fingerprint

if TYPE_CHECKING:
    from services.embeddings import Embedder

def text_key(text: str) -> str:
    """Stable key of one passage text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class EmbeddingCache:
    """Append-only text-hash -> vector store for one model."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._keys_path = self.dir / "keys.txt"
        self._vec_path = self.dir / "vectors.f32"
        self._lock = threading.Lock()
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, DIM), dtype=np.float32)
        self._load()

    @classmethod
    def for_embedder(cls, embedder: "Embedder", root: str | Path | None = None) -> "EmbeddingCache":
        base = Path(root) if root is not None else default_cache_root()
        return cls(base / "embeddings" / model_fingerprint(embedder.model_path))

    def _load(self) -> None:
        if not self._keys_path.exists() or not self._vec_path.exists():
            return
        keys = self._keys_path.read_text(encoding="ascii").split()
        n_rows = self._vec_path.stat().st_size // (DIM * 4)
        n = min(len(keys), n_rows)
        if n == 0:
            return
        self._vectors = np.fromfile(self._vec_path, dtype=np.float32, count=n * DIM).reshape(n, DIM)
        self._index = {k: i for i, k in enumerate(keys[:n])}
        if n_rows != len(keys):  # heal an interrupted append so later rows stay aligned with keys
            with self._vec_path.open("r+b") as fh:
                fh.truncate(n * DIM * 4)
            self._keys_path.write_text("".join(k + "\n" for k in keys[:n]), encoding="ascii")

    def __len__(self) -> int:
        return len(self._index)

    def get_many(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Cached vectors for ``texts`` (zero rows where missing) and the positions that were missing."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: list[int] = []
        for i, t in enumerate(texts):
            row = self._index.get(text_key(t))
            if row is None:
                missing.append(i)
            else:
                out[i] = self._vectors[row]
        return out, missing

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Append vectors for texts not cached yet."""
        with self._lock:
            new_keys: list[str] = []
            rows: list[np.ndarray] = []
            for t, v in zip(texts, vectors):
                k = text_key(t)
                if k in self._index or k in new_keys:
                    continue
                new_keys.append(k)
                rows.append(np.asarray(v, dtype=np.float32))
            if not new_keys:
                return
            block = np.stack(rows).astype(np.float32, copy=False)
            with self._vec_path.open("ab") as fh:
                fh.write(block.tobytes())
            with self._keys_path.open("a", encoding="ascii") as fh:
                fh.write("".join(k + "\n" for k in new_keys))
            start = len(self._vectors)
            self._vectors = np.concatenate([self._vectors, block]) if start else block.copy()
            for j, k in enumerate(new_keys):
                self._index[k] = start + j


def embed_cached(embedder: "Embedder", texts: Sequence[str], cache: EmbeddingCache | None = None,
                 batch: int = 256, progress: bool = False) -> np.ndarray:
    """Embed ``texts``, reading and filling ``cache`` (``None``: no cache). Writes every ``batch`` texts."""
    if cache is None:
        return embedder.embed(list(texts))
    out, missing = cache.get_many(texts)
    if not missing:
        return out
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc="embedding", unit="text")
    for start in range(0, len(missing), batch):
        idx = missing[start:start + batch]
        chunk = [texts[i] for i in idx]
        vecs = embedder.embed(chunk)
        out[idx] = vecs
        cache.put_many(chunk, vecs)
        if bar is not None:
            bar.update(len(idx))
    if bar is not None:
        bar.close()
    return out
