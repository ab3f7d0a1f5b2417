"""Retrieval evaluation on BEIR-format data: nDCG@10, Recall@100, MRR@10 and query latency.

Files: ``corpus.jsonl`` (``{"_id", "title", "text"}``), ``queries.jsonl`` (``{"_id", "text"}``) and a qrels TSV
with a header (``query-id  corpus-id  score``). Only queries that appear in the qrels are evaluated.

Metric conventions follow trec_eval (and pytrec_eval): a run is ordered by score descending, ties broken by
document id descending; nDCG uses linear gains and ``log2(rank + 1)`` discounts with the ideal ranking taken
from all judged-relevant documents; Recall@100 divides by the number of relevant documents; MRR@10 is the
reciprocal rank of the first relevant document within the top 10 (0 if none).

Documents are indexed whole (title + text) unless ``chunk_tokens`` is set; a document's score is the
maximum over its chunks. Latency is the wall time of one :meth:`HybridIndex.search` call per query,
including the query embedding for dense and hybrid.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np
import orjson

from services.retrieval.fusion import FusionConfig
from services.retrieval.index import METHODS, HybridIndex, IndexConfig

if TYPE_CHECKING:
    from services.embeddings import Embedder
    from services.retrieval.rerank import Reranker

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]


# ------------------------------------------------------------------------------------------ loading

def load_jsonl(path: str | Path) -> list[dict]:
    with Path(path).open("rb") as fh:
        return [orjson.loads(line) for line in fh if line.strip()]


def load_corpus(path: str | Path) -> list[dict]:
    """Documents as dicts with ``_id``, ``title``, ``text``."""
    return [{"_id": str(d["_id"]), "title": d.get("title") or "", "text": d.get("text") or "",
             "content_type": d.get("content_type") or "text/plain"} for d in load_jsonl(path)]


def load_queries(path: str | Path) -> dict[str, str]:
    return {str(q["_id"]): q["text"] for q in load_jsonl(path)}


def load_qrels(path: str | Path) -> Qrels:
    """``{query_id: {doc_id: relevance}}`` from a BEIR qrels TSV (header line skipped)."""
    qrels: Qrels = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for i, row in enumerate(reader):
            if not row or (i == 0 and not row[-1].strip().lstrip("-").isdigit()):
                continue
            qid, did, score = row[0].strip(), row[1].strip(), int(row[2])
            qrels.setdefault(qid, {})[did] = score
    return qrels


# ------------------------------------------------------------------------------------------ metrics

def trec_order(scores: Mapping[str, float]) -> list[str]:
    """Doc ids in trec_eval order: score descending, then doc id descending."""
    return [d for d, _ in sorted(scores.items(), key=lambda x: (x[1], x[0]), reverse=True)]


def ndcg_at(ranked: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if rels.get(d, 0) > 0)
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], rels: Mapping[str, int], k: int = 100) -> float:
    relevant = {d for d, r in rels.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr_at(ranked: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


@dataclass
class MethodReport:
    ndcg10: float
    recall100: float
    mrr10: float
    p50_ms: float
    p99_ms: float
    queries: int

    def to_json(self) -> dict[str, float]:
        return {"ndcg@10": round(self.ndcg10, 4), "recall@100": round(self.recall100, 4),
                "mrr@10": round(self.mrr10, 4), "p50_ms": round(self.p50_ms, 3), "p99_ms": round(self.p99_ms, 3)}


def score_run(run: Run, qrels: Qrels) -> tuple[float, float, float]:
    """Mean nDCG@10, Recall@100, MRR@10 over the queries of ``qrels`` (a missing run counts as 0)."""
    n, r, m = [], [], []
    for qid, rels in qrels.items():
        ranked = trec_order(run.get(qid, {}))
        n.append(ndcg_at(ranked, rels, 10))
        r.append(recall_at(ranked, rels, 100))
        m.append(mrr_at(ranked, rels, 10))
    k = max(len(n), 1)
    return sum(n) / k, sum(r) / k, sum(m) / k


# ------------------------------------------------------------------------------------------ running

def build_index(corpus: Iterable[Mapping], config: IndexConfig | None = None, embedder: "Embedder | None" = None,
                reranker: "Reranker | None" = None, use_cache: bool = True, progress: bool = False) -> HybridIndex:
    """Index a BEIR corpus (cached embeddings unless ``use_cache`` is false)."""
    cache = None
    index = HybridIndex(config or IndexConfig(max_tokens=None), embedder=embedder, reranker=reranker)
    if use_cache:
        from services.retrieval.embcache import EmbeddingCache

        cache = EmbeddingCache.for_embedder(index.embedder)
    index.embedding_cache = cache
    index.add_documents(({"doc_id": d["_id"], "title": d.get("title"), "text": d.get("text", ""),
                          "content_type": d.get("content_type", "text/plain")} for d in corpus), progress=progress)
    return index


def run_queries(index: HybridIndex, queries: Mapping[str, str], method: str, depth: int = 100,
                rerank: bool = False) -> tuple[Run, list[float]]:
    """Doc-level run (max over chunks) and per-query latencies in ms."""
    run: Run = {}
    lat: list[float] = []
    chunk_depth = depth if index.config.max_tokens is None else depth * 4
    for qid, text in queries.items():
        t0 = time.perf_counter()
        results = index.search(text, top_k=chunk_depth, method=method, rerank=rerank,  # type: ignore[arg-type]
                               candidates=chunk_depth)
        lat.append((time.perf_counter() - t0) * 1000.0)
        docs: dict[str, float] = {}
        for r in results:
            # after a rerank only the final order is comparable across head and tail: score by rank
            s = 1.0 / r.fused_rank if rerank else r.score
            if r.doc_id not in docs or s > docs[r.doc_id]:
                docs[r.doc_id] = s
        run[qid] = dict(sorted(docs.items(), key=lambda x: -x[1])[:depth])
    return run, lat


def evaluate(index: HybridIndex, queries: Mapping[str, str], qrels: Qrels, methods: Sequence[str] = METHODS,
             rerank: bool = False, warmup: int = 5) -> dict[str, MethodReport]:
    """Evaluate ``methods`` on the queries present in ``qrels``."""
    qs = {q: queries[q] for q in qrels if q in queries}
    out: dict[str, MethodReport] = {}
    for method in methods:
        for text in list(qs.values())[:warmup]:
            index.search(text, top_k=10, method=method)  # type: ignore[arg-type]
        run, lat = run_queries(index, qs, method, rerank=rerank)
        n, r, m = score_run(run, {q: qrels[q] for q in qs})
        arr = np.asarray(lat) if lat else np.zeros(1)
        out[method] = MethodReport(n, r, m, float(np.percentile(arr, 50)), float(np.percentile(arr, 99)), len(qs))
    return out


def evaluate_files(corpus: str | Path, queries: str | Path, qrels: str | Path, methods: Sequence[str] = METHODS,
                   chunk_tokens: int | None = None, limit_queries: int | None = None,
                   rerank_model: str | Path | None = None, use_cache: bool = True,
                   progress: bool = False, rare_token_queries: int | None = None,
                   rare_max_df: int = 1, exact_boost: bool = True) -> dict[str, MethodReport]:
    """Load BEIR files, build the index, evaluate.

    With ``rare_token_queries=N``, the queries and qrels files are ignored and N synthetic rare-exact-token
    queries are generated from the corpus instead (see :func:`services.retrieval.synth.rare_token_queries`).
    """
    reranker = None
    if rerank_model:
        from services.retrieval.rerank import CrossEncoderReranker

        reranker = CrossEncoderReranker(rerank_model)
    docs = load_corpus(corpus)
    if rare_token_queries:
        from services.retrieval.synth import rare_token_queries as make_rare

        q, rel = make_rare(docs, n=rare_token_queries, max_df=rare_max_df)
    else:
        q = load_queries(queries)
        rel = load_qrels(qrels)
    if limit_queries:
        rel = dict(list(rel.items())[:limit_queries])
    config = IndexConfig(max_tokens=chunk_tokens, fusion=FusionConfig(exact_boost=exact_boost))
    index = build_index(docs, config, reranker=reranker,
                        use_cache=use_cache, progress=progress)
    return evaluate(index, q, rel, methods, rerank=reranker is not None)


def format_table(reports: Mapping[str, MethodReport]) -> str:
    lines = [f"{'method':<10} {'nDCG@10':>8} {'R@100':>7} {'MRR@10':>7} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}"]
    for name, r in reports.items():
        lines.append(f"{name:<10} {r.ndcg10:>8.4f} {r.recall100:>7.4f} {r.mrr10:>7.4f} {r.p50_ms:>8.2f} "
                     f"{r.p99_ms:>8.2f} {r.queries:>8d}")
    return "\n".join(lines)
