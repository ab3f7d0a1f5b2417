import math

import numpy as np
import orjson
import pytest

from services.retrieval.embcache import EmbeddingCache, embed_cached
from services.retrieval.evaluate import evaluate, mrr_at, ndcg_at, recall_at, score_run, trec_order
from services.retrieval.fusion import FusionConfig

from .conftest import DATA


def test_trec_eval_tie_breaking_and_metrics():
    # equal scores: trec_eval ranks the larger doc id first
    assert trec_order({"d1": 1.0, "d3": 1.0, "d2": 2.0}) == ["d2", "d3", "d1"]
    rels = {"d1": 1, "d9": 1}
    ranked = trec_order({"d1": 1.0, "d3": 1.0, "d2": 2.0})
    assert ndcg_at(ranked, rels) == pytest.approx((1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert recall_at(ranked, rels) == 0.5 and mrr_at(ranked, rels) == pytest.approx(1 / 3)
    assert mrr_at(["x"] * 10 + ["d1"], rels) == 0.0  # beyond rank 10
    n, r, m = score_run({"q1": {"d1": 1.0}}, {"q1": {"d1": 1}, "q2": {"d5": 1}})
    assert (n, r, m) == (0.5, 0.5, 0.5)  # a query with no run counts as zero


def test_faq_hybrid_beats_each_single_method(faq_index, faq_queries, faq_qrels):
    reports = evaluate(faq_index, faq_queries, faq_qrels, warmup=0)
    hybrid, bm25, dense = reports["hybrid"].ndcg10, reports["bm25"].ndcg10, reports["dense"].ndcg10
    assert hybrid >= bm25 and hybrid >= dense, reports
    assert hybrid >= 0.85 and reports["hybrid"].recall100 >= reports["bm25"].recall100
    assert reports["hybrid"].queries == 36


def test_faq_rare_token_queries(faq_index, faq_queries, faq_qrels):
    """On queries that hinge on product codes, versions and error codes, the exact-match list brings hybrid
    close to BM25 and well above both dense and plain RRF."""
    rare = {q: r for q, r in faq_qrels.items() if int(q[1:]) <= 15}
    with_exact = evaluate(faq_index, faq_queries, rare, warmup=0)
    saved = faq_index.config
    try:
        import dataclasses

        faq_index.config = dataclasses.replace(saved, fusion=FusionConfig(exact_boost=False))
        plain = evaluate(faq_index, faq_queries, rare, methods=["hybrid"], warmup=0)["hybrid"].ndcg10
    finally:
        faq_index.config = saved
    hybrid = with_exact["hybrid"].ndcg10
    assert hybrid > plain and hybrid > with_exact["dense"].ndcg10 + 0.15
    assert hybrid >= with_exact["bm25"].ndcg10 - 0.03 and hybrid >= 0.9


def _cli_main(argv):
    """``flywheel`` with only this area's sub-commands (other areas' CLIs are not under test here)."""
    import argparse

    from services.retrieval.cli import register

    parser = argparse.ArgumentParser(prog="flywheel")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_json_on_shipped_corpus(capsys, tmp_path, monkeypatch):
    main = _cli_main

    monkeypatch.setenv("FLYWHEEL_CACHE_DIR", str(tmp_path))
    args = ["eval", "retrieval", "--corpus", str(DATA / "faq_corpus.jsonl"), "--queries",
            str(DATA / "faq_queries.jsonl"), "--qrels", str(DATA / "faq_qrels.tsv"), "--method", "all", "--json",
            "--chunk", "--limit-queries", "20"]
    assert main(args) == 0
    out = orjson.loads(capsys.readouterr().out)
    assert set(out) == {"bm25", "dense", "hybrid"}
    for m in out.values():
        assert set(m) == {"ndcg@10", "recall@100", "mrr@10", "p50_ms", "p99_ms"}
        assert 0.5 <= m["ndcg@10"] <= 1.0 and m["p99_ms"] >= m["p50_ms"] > 0
    assert main(args[:-4] + ["--method", "bm25"]) == 0
    assert "bm25" in capsys.readouterr().out
    assert main(args[:2] + ["--corpus", "/nonexistent", "--queries", "x", "--qrels", "y"]) == 1


def test_embedding_cache_roundtrip(embedder, tmp_path):
    cache = EmbeddingCache.for_embedder(embedder, root=tmp_path)
    texts = ["alpha passage", "beta passage", "alpha passage"]
    first = embed_cached(embedder, texts, cache)
    np.testing.assert_allclose(first[0], first[2])
    assert len(cache) == 2
    reopened = EmbeddingCache.for_embedder(embedder, root=tmp_path)
    got, missing = reopened.get_many(texts + ["gamma"])
    assert missing == [3]
    np.testing.assert_allclose(got[:3], first, atol=1e-6)
    # an interrupted append (vector without key) is healed on open
    with (reopened.dir / "vectors.f32").open("ab") as fh:
        fh.write(np.zeros(384, dtype=np.float32).tobytes())
    healed = EmbeddingCache(reopened.dir)
    assert len(healed) == 2 and (healed.dir / "vectors.f32").stat().st_size == 2 * 384 * 4
    assert str(tmp_path) in str(cache.dir)


def test_rare_token_query_generator(faq_corpus):
    from services.retrieval.synth import rare_token_queries
    from services.retrieval.tokenizer import query_terms, tokenize

    queries, qrels = rare_token_queries(faq_corpus, n=10, max_df=1)
    assert 5 <= len(queries) <= 10 and set(queries) == set(qrels)
    docs = {d["_id"]: d for d in faq_corpus}
    for qid, text in queries.items():
        (doc_id,) = qrels[qid]
        exact = [t.token for t in query_terms(text) if t.exact_shape]
        assert exact and exact[0] in tokenize(f"{docs[doc_id]['title']}\n{docs[doc_id]['text']}")
    assert rare_token_queries(faq_corpus, n=10, max_df=1) == (queries, qrels)  # deterministic
