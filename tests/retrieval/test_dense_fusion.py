import numpy as np

from services.retrieval.dense import DenseIndex, HNSWConfig
from services.retrieval.fusion import FusionConfig, exact_match_list, rare_exact_tokens, rrf


def _unit(rng, n, d=384):
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_dense_add_search_delete_resize_save_load(tmp_path):
    rng = np.random.default_rng(0)
    vecs = _unit(rng, 300)
    idx = DenseIndex(HNSWConfig(initial_capacity=16))
    idx.add([f"k{i}" for i in range(300)], vecs)
    assert len(idx) == 300 and idx.capacity >= 300  # grew from 16
    hits = idx.search(vecs[42], 5)
    assert hits[0][0] == "k42" and hits[0][1] > 0.999
    assert idx.delete("k42") and not idx.delete("k42")
    assert "k42" not in [k for k, _ in idx.search(vecs[42], 10)]
    # a deleted slot is reused instead of growing the index
    cap = idx.capacity
    idx.add(["new"], vecs[42:43])
    assert idx.capacity == cap and idx.search(vecs[42], 1)[0][0] == "new"
    # replacing a key's vector
    idx.add(["k7"], vecs[8:9])
    assert {k for k, _ in idx.search(vecs[8], 2)} == {"k7", "k8"}
    np.testing.assert_allclose(idx.get_vectors(["k7"])[0], vecs[8], atol=1e-5)
    idx.save(tmp_path)
    loaded = DenseIndex.load(tmp_path)
    assert len(loaded) == len(idx)
    for i in (0, 100, 299):
        assert loaded.search(vecs[i], 3) == idx.search(vecs[i], 3)
    assert "k42" not in [k for k, _ in loaded.search(vecs[42], 10)]
    loaded.add(["after-load"], vecs[5:6] * -1)
    assert loaded.search(-vecs[5], 1)[0][0] == "after-load"


def test_dense_search_with_more_k_than_items():
    idx = DenseIndex()
    rng = np.random.default_rng(1)
    idx.add(["a", "b"], _unit(rng, 2))
    assert len(idx.search(_unit(rng, 1)[0], 10)) == 2
    assert DenseIndex().search(_unit(rng, 1)[0], 5) == []


def test_rrf_formula_weights_and_ranks():
    fused = rrf({"bm25": ["a", "b", "c"], "dense": ["c", "a"]}, k=60, weights={"bm25": 1.0, "dense": 2.0})
    scores = {f.key: f.score for f in fused}
    assert scores["a"] == 1 / 61 + 2 / 62
    assert scores["c"] == 1 / 63 + 2 / 61
    assert scores["b"] == 1 / 62
    assert [f.key for f in fused] == ["c", "a", "b"]
    assert fused[0].ranks == {"bm25": 3, "dense": 1}
    assert fused[2].ranks == {"bm25": 2}


def test_rrf_is_deterministic_with_ties_broken_by_key():
    lists = {"bm25": ["x", "y"], "dense": ["y", "x"]}
    a = rrf(lists)
    b = rrf(dict(reversed(list(lists.items()))))
    assert [f.key for f in a] == [f.key for f in b] == ["x", "y"]
    assert a[0].score == a[1].score


def test_rare_exact_tokens_and_exact_list():
    df = {"sku-4471": 1, "router": 40, "brca1": 3, "hiv": 500}.get
    terms = [("sku-4471", True), ("router", False), ("brca1", True), ("hiv", True), ("missing", True)]
    cfg = FusionConfig(exact_min_df=5, exact_max_df_ratio=0.0)
    rare = rare_exact_tokens(terms, lambda t: df(t) or 0, 1000, cfg)
    assert rare == ["sku-4471", "brca1"]  # rare and present; common or absent tokens are not
    holders = {"sku-4471": {"d2"}, "brca1": {"d2", "d3"}}
    ranked = exact_match_list(["d1", "d3", "d2"], rare, lambda key, t: key in holders[t])
    assert ranked == ["d2", "d3"]  # most rare tokens first, then BM25 order
