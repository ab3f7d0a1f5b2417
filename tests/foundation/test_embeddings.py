"""The shared embedder (real int8 MiniLM ONNX model)."""

from __future__ import annotations

import numpy as np

from services.embeddings import DIM, get_embedder


def test_unit_vectors_that_rank_paraphrases_above_unrelated_text():
    e = get_embedder()
    v = e.embed(["How do I reset my password?", "I forgot my password, how can I change it?",
                 "The weather in Paris is sunny.", ""])
    assert v.shape == (4, DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.8 > 0.2 > v[0] @ v[2]


def test_batch_order_and_single_agree():
    e = get_embedder()
    texts = ["short", "a somewhat longer sentence about refunds and returns", "mid length text"]
    batch = e.embed(texts)
    for t, row in zip(texts, batch):
        assert np.allclose(e.embed_one(t), row, atol=1e-4)


def test_count_tokens_is_not_truncated():
    assert get_embedder().count_tokens("word " * 600) == 600
