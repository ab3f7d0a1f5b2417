"""The integer-kernel copy of the MiniLM model (services/embeddings/quantize.py) that the guardrails use for
claims: really integer, built once, and close to the shipped model's vectors."""

from __future__ import annotations

import collections
import tempfile
from pathlib import Path

import numpy as np
import onnx

from services.embeddings.model import Embedder, shipped_model_path
from services.embeddings.quantize import dynamic_int8_model
from services.guardrails.embedding import ClaimEmbedder, claim_model_path
from tests.cache.eval_pairs import load_pairs

TEXTS = [r[k] for r in load_pairs("tune")[:120] for k in ("a", "b")] + [
    "Every night at 02:00 UTC the system creates the invoices, and they are archived for 7 years.",
    "For €29 monthly, the Pro tier covers a team of up to 10 people.",
    "Refunds are issued to the original payment method within 14 days of the return arriving at our warehouse.",
]


def test_copy_multiplies_in_int8_and_is_built_once(tmp_path):
    path = dynamic_int8_model(shipped_model_path(), tmp_path)
    ops = collections.Counter(n.op_type for n in onnx.load(str(path)).graph.node)
    shipped = collections.Counter(n.op_type for n in onnx.load(str(shipped_model_path())).graph.node)
    assert shipped["MatMulInteger"] == 0 and shipped["MatMul"] >= 36  # the shipped file multiplies in float32
    assert ops["MatMulInteger"] >= 36 and ops["DynamicQuantizeLinear"] >= 6  # 6 layers x (q, k, v, out, ffn x2)
    stamp = path.stat().st_mtime_ns
    assert dynamic_int8_model(shipped_model_path(), tmp_path) == path and path.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left behind


def test_vectors_agree_with_the_shipped_model(tmp_path):
    fast = Embedder(model_path=dynamic_int8_model(shipped_model_path(), tmp_path), threads=1).embed(TEXTS)
    ref = Embedder(threads=1).embed(TEXTS)
    cos = (fast * ref).sum(axis=1)
    assert cos.mean() >= 0.99 and cos.min() >= 0.98, (cos.mean(), cos.min())
    # similarities between texts (what grounding compares): measured median 0.007, p99 0.029
    upper = np.triu_indices(len(TEXTS), 1)
    drift = np.abs(fast @ fast.T - ref @ ref.T)[upper]
    assert np.percentile(drift, 50) < 0.012 and np.percentile(drift, 99) < 0.04


def test_claim_embedder_model_choice(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_MODEL_CACHE", str(tmp_path))
    assert claim_model_path("shipped") == shipped_model_path()
    assert claim_model_path().parent == tmp_path  # the default is the integer copy
    monkeypatch.setenv("FLYWHEEL_GUARDRAILS_EMBEDDING_MODEL", "shipped")
    assert ClaimEmbedder(threads=1).model_path == shipped_model_path()


def test_claim_embedder_falls_back_to_the_shipped_model(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("FLYWHEEL_MODEL_CACHE", str(blocker))
    assert claim_model_path("dynint8") == shipped_model_path()


def test_model_cache_falls_back_to_the_temp_dir_when_the_cache_root_cannot_be_written(tmp_path, monkeypatch):
    from services.embeddings.quantize import cache_dir

    blocker = tmp_path / "a-file"
    blocker.write_text("the cache root cannot be a directory here")
    monkeypatch.delenv("FLYWHEEL_MODEL_CACHE", raising=False)
    monkeypatch.setenv("FLYWHEEL_CACHE_DIR", str(blocker))
    assert cache_dir().name == "flywheel-models" and cache_dir().parent == Path(tempfile.gettempdir())
    monkeypatch.setenv("FLYWHEEL_CACHE_DIR", str(tmp_path / "root"))
    assert cache_dir() == tmp_path / "root" / "models"  # the same root as the embedding cache
