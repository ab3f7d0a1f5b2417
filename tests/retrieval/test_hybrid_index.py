import numpy as np
import pytest

from services.retrieval.index import HybridIndex, IndexConfig
from services.retrieval.rerank import CrossEncoderReranker, Reranker, TermOverlapReranker

GUIDE_V1 = """# Router guide

## Setup

Connect the WAN port to the modem. Wait for the white light.

## Firmware

The AX-3000 runs firmware v2.3.1. Updates install at night.

## Support

Quote order code SKU-4471 when you call.
"""


@pytest.fixture()
def small_index(embedder):
    idx = HybridIndex(IndexConfig(max_tokens=64), embedder=embedder)
    idx.upsert_document("guide", 1, "Router guide", GUIDE_V1, "text/markdown")
    idx.upsert_document("cam", 1, "Camera", "# Camera\n\nThe NC-200 camera has infrared night vision.", "text/markdown")
    return idx


def test_upsert_reindexes_only_changed_chunks(small_index):
    before = {c.chunk_id for c in small_index.chunks_of("guide")}
    assert len(before) == 3
    v2 = GUIDE_V1.replace("Updates install at night.", "Updates install at 03:00.")
    res = small_index.upsert_document("guide", 2, "Router guide", v2, "text/markdown")
    assert (res.status, res.added, res.removed, res.kept, res.embedded) == ("indexed", 1, 1, 2, 1)
    after = {c.chunk_id for c in small_index.chunks_of("guide")}
    assert len(before & after) == 2
    hit = small_index.search("when do updates install", top_k=1)[0]
    assert "03:00" in hit.text


def test_inserted_section_reuses_vectors_of_shifted_chunks(small_index):
    v2 = GUIDE_V1.replace("## Setup", "## Safety\n\nKeep vents clear.\n\n## Setup")
    res = small_index.upsert_document("guide", 2, "Router guide", v2, "text/markdown")
    # ordinals shifted, so ids changed, but only the new section is embedded
    assert res.added == 4 and res.removed == 3 and res.embedded == 1 and res.reused == 3
    assert small_index.search("vents", top_k=1, method="bm25")[0].doc_id == "guide"


def test_versions_replays_and_deletes(small_index):
    assert small_index.upsert_document("guide", 1, "Router guide", "stale text", "text/plain").status == "stale"
    assert small_index.upsert_document("guide", 0, "x", "older", "text/plain").status == "stale"
    res = small_index.upsert_document("guide", 5, None, "", deleted=True)
    assert res.status == "deleted" and res.removed == 3
    assert all(r.doc_id != "guide" for r in small_index.search("SKU-4471 firmware", top_k=5))
    assert small_index.upsert_document("guide", 4, "Router guide", GUIDE_V1, "text/markdown").status == "stale"
    assert small_index.upsert_document("guide", 6, "Router guide", GUIDE_V1, "text/markdown").status == "indexed"
    assert small_index.delete_document("cam").status == "deleted"
    assert small_index.doc_count == 1 and small_index.doc_version("guide") == 6
    assert small_index.delete_document("never-seen").status == "absent"
    assert small_index.doc_version("never-seen") is None
    assert small_index.delete_document("never-seen-2", version=3).status == "absent"
    assert small_index.upsert_document("never-seen-2", 2, "t", "old").status == "stale"


def test_result_fields_and_shared_query_vector(small_index):
    q = "SKU-4471 order code"
    qv = small_index.embed_query(q)
    hybrid = small_index.search(q, top_k=3, method="hybrid", query_vector=qv)
    again = small_index.search(q, top_k=3, method="hybrid")
    assert [r.chunk_id for r in hybrid] == [r.chunk_id for r in again]
    top = hybrid[0]
    assert top.doc_id == "guide" and "SKU-4471" in top.text and top.title == "Router guide > Support"
    assert top.bm25_rank == 1 and top.dense_rank is not None and top.fused_rank == 1
    assert top.exact_rank == 1  # the rare exact token promoted BM25's first hit
    assert [r.fused_rank for r in hybrid] == [1, 2, 3]
    event = top.to_event()
    assert set(event) == {"chunk_id", "doc_id", "score", "bm25_rank", "dense_rank", "fused_rank", "rerank_score"}
    bm = small_index.search(q, top_k=3, method="bm25")
    assert all(r.dense_rank is None and r.bm25_rank == r.fused_rank for r in bm)
    dn = small_index.search(q, top_k=3, method="dense", query_vector=qv)
    assert all(r.bm25_rank is None and r.dense_rank == r.fused_rank for r in dn)
    with pytest.raises(ValueError):
        small_index.search(q, method="sparse")  # type: ignore[arg-type]


def test_save_load_roundtrip(small_index, embedder, tmp_path):
    small_index.upsert_document("guide", 2, "Router guide", GUIDE_V1 + "\n## Extra\n\nDelta chunk text.", "text/markdown")
    small_index.save(tmp_path / "idx")
    small_index.save(tmp_path / "idx")  # overwriting an existing save works
    loaded = HybridIndex.load(tmp_path / "idx", embedder=embedder)
    assert loaded.stats()["chunks"] == small_index.stats()["chunks"] and loaded.doc_version("guide") == 2
    for q in ["infrared camera", "SKU-4471", "delta chunk"]:
        a = [(r.chunk_id, r.bm25_rank, r.dense_rank) for r in small_index.search(q, top_k=4)]
        b = [(r.chunk_id, r.bm25_rank, r.dense_rank) for r in loaded.search(q, top_k=4)]
        assert a == b
    assert loaded.upsert_document("guide", 1, "t", "replayed old version").status == "stale"
    assert loaded.upsert_document("cam", 2, "Camera", "NC-200 now with 4K video").status == "indexed"
    assert loaded.search("4K video", top_k=1)[0].doc_id == "cam"


def test_rerank_interface(small_index):
    class Reverse:
        """Scores passages by negative length: a deterministic, checkable reranker."""

        def score(self, query, passages):
            return np.array([-len(p) for p in passages], dtype=np.float32)

    assert isinstance(Reverse(), Reranker) and isinstance(TermOverlapReranker(), Reranker)
    small_index.reranker = Reverse()
    res = small_index.search("router camera firmware", top_k=4)
    assert all(r.rerank_score is not None for r in res)
    assert [r.rerank_score for r in res] == sorted((r.rerank_score for r in res), reverse=True)
    assert [r.fused_rank for r in res] == [1, 2, 3, 4]
    plain = small_index.search("router camera firmware", top_k=4, rerank=False)
    assert all(r.rerank_score is None for r in plain)
    small_index.reranker = TermOverlapReranker()
    assert small_index.search("infrared night vision", top_k=1)[0].doc_id == "cam"
    small_index.reranker = None
    with pytest.raises(ValueError):
        small_index.search("x", rerank=True)


def test_cross_encoder_never_downloads(tmp_path):
    with pytest.raises(FileNotFoundError):
        CrossEncoderReranker(tmp_path / "missing.onnx")


def test_cross_encoder_with_tiny_onnx_model(tmp_path):
    import onnx  # a dependency since the guardrails build their integer-kernel MiniLM copy with it
    from onnx import TensorProto, helper

    # logits = sum(input_ids) as float: a tiny model with the cross-encoder's inputs and output shape
    graph = helper.make_graph(
        [helper.make_node("Cast", ["input_ids"], ["f"], to=TensorProto.FLOAT),
         helper.make_node("ReduceSum", ["f", "axes"], ["logits"], keepdims=1)],
        "tiny", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [None, None]),
                 helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [None, None])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, 1])],
        initializer=[helper.make_tensor("axes", TensorProto.INT64, [1], [1])])
    path = tmp_path / "ce.onnx"
    # IR version 10: onnx writes its newest by default, which this onnxruntime may not read yet
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=10), str(path))
    scores = CrossEncoderReranker(path).score("q", ["short", "a much longer passage here"])
    assert scores.shape == (2,) and scores[1] > scores[0]
