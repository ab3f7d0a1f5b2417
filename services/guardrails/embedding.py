"""Embeddings for the output checks: short-capped claim batches and an LRU of passage vectors.

Grounding embeds at most a handful of short claims per answer, and only the ones lexical, number and entity
support could not settle. Two things keep that cheap on small, shared CPUs:

* :class:`ClaimEmbedder` runs MiniLM in its own onnxruntime session with a chosen thread count. By default
  (``FLYWHEEL_GUARDRAILS_EMBEDDING_MODEL=dynint8``) it runs the integer-kernel copy of the shipped model
  (:mod:`services.embeddings.quantize`): 2.3x faster on short texts; similarities between texts move by
  0.007 (median, 0.03 at p99), and grounding accuracy on the labelled files is unchanged within noise (478
  vs 479 of 612 cases: three borderline similarities crossed a threshold, two of them the wrong way).
  ``shipped`` runs the model retrieval uses; a path runs that file. Thread spinning follows
  ``FLYWHEEL_EMBEDDING_SPIN`` like the shared embedder: on contended cores a spinning pool fights the other
  processes, so ``FLYWHEEL_EMBEDDING_SPIN=0`` turns it off. Claims are truncated to ``claim_tokens`` (64) word
  pieces, passages to 256 (the model's own limit, as retrieval embeds them).
* :func:`passage_vectors` caches passage embeddings by a hash of the passage text (LRU, per model file), so a
  passage that was seen before (the same retrieved chunk answers many questions) costs nothing.

Passage vectors passed in from retrieval (the shipped model) may be compared with claim vectors of the integer
copy: such mixed similarities differ from the shipped model's by 0.005 (median, 0.02 at p99).

Any object with ``embed(texts) -> np.ndarray`` can be passed instead (e.g. the shared embedder).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from services.embeddings.model import DIM, Embedder, shipped_model_path
from services.logging import get_logger

log = get_logger("flywheel.guardrails")

CLAIM_TOKENS = 64
PASSAGE_TOKENS = 256


class EmbedderLike(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class ClaimEmbedder(Embedder):
    """The shared MiniLM embedder in a session of its own, with a short token cap for claims.

    ``threads``: onnxruntime intra-op threads (``None``: ``FLYWHEEL_GUARDRAILS_EMBEDDING_THREADS``, else
    ``FLYWHEEL_EMBEDDING_THREADS``, else all cores). ``model``: ``"dynint8"``, ``"shipped"`` or a file
    (``None``: ``FLYWHEEL_GUARDRAILS_EMBEDDING_MODEL``, else ``"dynint8"``). Texts are capped at
    ``passage_tokens`` by :meth:`embed` and at ``claim_tokens`` by :meth:`embed_claims`.
    """

    def __init__(self, threads: int | None = None, claim_tokens: int = CLAIM_TOKENS,
                 passage_tokens: int = PASSAGE_TOKENS, model: str | None = None) -> None:
        if threads is None:
            env = os.environ.get("FLYWHEEL_GUARDRAILS_EMBEDDING_THREADS") or os.environ.get(
                "FLYWHEEL_EMBEDDING_THREADS")
            threads = int(env) if env else 0
        super().__init__(model_path=claim_model_path(model), threads=threads, max_tokens=passage_tokens)
        self.threads = threads
        self.dim = DIM
        self.claim_tokens = claim_tokens
        self.passage_tokens = passage_tokens
        self._tokenizer(claim_tokens)  # made now, not on the first (latency-measured) claim batch

    def embed_claims(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts, max_tokens=self.claim_tokens)


def claim_model_path(model: str | None = None) -> Path:
    """The model file for ``model`` (see :class:`ClaimEmbedder`). If the integer copy cannot be built, the
    shipped model is used and a warning logged: slower output checks, same verdicts within noise."""
    model = model or os.environ.get("FLYWHEEL_GUARDRAILS_EMBEDDING_MODEL") or "dynint8"
    if model == "shipped":
        return shipped_model_path()
    if model != "dynint8":
        return Path(model)
    from services.embeddings.quantize import dynamic_int8_model

    try:
        return dynamic_int8_model(shipped_model_path())
    except Exception as exc:  # noqa: BLE001 - any failure leaves the (slower) shipped model working
        log.warning("claim_model_fallback", reason=f"{type(exc).__name__}: {exc}", model=str(shipped_model_path()))
        return shipped_model_path()


_claim_embedders: dict[int | None, ClaimEmbedder] = {}
_claim_lock = threading.Lock()


def get_claim_embedder(threads: int | None = None) -> ClaimEmbedder:
    """The process-wide :class:`ClaimEmbedder` for ``threads`` (loaded once, on first use)."""
    with _claim_lock:
        emb = _claim_embedders.get(threads)
        if emb is None:
            emb = _claim_embedders[threads] = ClaimEmbedder(threads)
        return emb


def embed_claims(embedder: EmbedderLike, texts: Sequence[str]) -> np.ndarray:
    """Claims in one batch, capped at 64 word pieces (~300 characters for an embedder without a token cap)."""
    if isinstance(embedder, ClaimEmbedder):
        return embedder.embed_claims(texts)
    return embedder.embed([t[:320] for t in texts])


class PassageCache:
    """LRU of passage embeddings keyed by (model, blake2b of the passage text)."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[tuple[str, bytes], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def vectors(self, passages: Sequence[str], embedder: EmbedderLike) -> np.ndarray:
        model = str(getattr(embedder, "model_path", type(embedder).__name__))
        keys = [(model, hashlib.blake2b(p.encode("utf-8"), digest_size=16).digest()) for p in passages]
        found: dict[int, np.ndarray] = {}
        with self._lock:
            for i, k in enumerate(keys):
                v = self._data.get(k)
                if v is not None:
                    self._data.move_to_end(k)
                    found[i] = v
            self.hits += len(found)
            self.misses += len(keys) - len(found)
        todo = [i for i in range(len(keys)) if i not in found]
        if todo:
            fresh = embedder.embed([passages[i] for i in todo])
            with self._lock:
                for i, v in zip(todo, fresh):
                    found[i] = v
                    self._data[keys[i]] = v
                    self._data.move_to_end(keys[i])
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)
        if not keys:
            return np.zeros((0, 384), np.float32)
        return np.stack([found[i] for i in range(len(keys))]).astype(np.float32, copy=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


PASSAGE_CACHE = PassageCache()
