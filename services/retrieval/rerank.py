"""Second-stage reranking: an interface and a local cross-encoder ONNX implementation (off by default).

A :class:`Reranker` scores (query, passage) pairs; higher is more relevant. :class:`CrossEncoderReranker`
runs a BERT-style cross-encoder exported to ONNX (for example ms-marco-MiniLM-L-6-v2) from a *local file*
given by path -- nothing is ever downloaded. Its tokenizer is ``tokenizer.json`` beside the model file if
there is one, else the shared MiniLM tokenizer (same uncased BERT vocabulary as the MiniLM cross-encoders).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Reranker(Protocol):
    """Scores passages for a query (higher is better); returns one float per passage."""

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray: ...


class CrossEncoderReranker:
    """Cross-encoder over ONNX Runtime: ``[CLS] query [SEP] passage [SEP]`` -> one relevance logit."""

    def __init__(self, model_path: str | Path, tokenizer_path: str | Path | None = None, max_length: int = 512,
                 batch_size: int = 16, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"cross-encoder ONNX model not found: {self.model_path} (models are never downloaded)")
        if tokenizer_path is None:
            beside = self.model_path.with_name("tokenizer.json")
            if beside.is_file():
                tokenizer_path = beside
            else:
                from services.embeddings.model import TOKENIZER_PATH

                tokenizer_path = TOKENIZER_PATH
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        if threads is None:
            env = os.environ.get("FLYWHEEL_EMBEDDING_THREADS")
            threads = int(env) if env else 0
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(self.model_path), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(passages), dtype=np.float32)
        for start in range(0, len(passages), self.batch_size):
            batch = passages[start:start + self.batch_size]
            enc = self.tokenizer.encode_batch([(query, p) for p in batch])
            width = max(len(e.ids) for e in enc)
            ids = np.zeros((len(enc), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for r, e in enumerate(enc):
                ids[r, :len(e.ids)] = e.ids
                mask[r, :len(e.ids)] = 1
                types[r, :len(e.ids)] = e.type_ids
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = types
            feed = {k: v for k, v in feed.items() if k in self._inputs}
            logits = np.asarray(self.session.run(None, feed)[0], dtype=np.float32)
            if logits.ndim == 2:
                logits = logits[:, -1]  # one logit, or the "relevant" class of two
            out[start:start + len(batch)] = logits.reshape(-1)
        return out


class TermOverlapReranker:
    """A tiny dependency-free reranker (fraction of query tokens found in the passage).

    Useful as a baseline and to exercise the rerank path without a model; not a quality reranker.
    """

    def __init__(self) -> None:
        from services.retrieval.tokenizer import default_analyzer

        self._analyzer = default_analyzer()

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        q = set(self._analyzer.tokenize(query))
        if not q:
            return np.zeros(len(passages), dtype=np.float32)
        return np.array([len(q & set(self._analyzer.tokenize(p))) / len(q) for p in passages], dtype=np.float32)
