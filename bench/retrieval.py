"""Retrieval speed benchmark (prints figures; not a test).

    .venv/bin/python bench/retrieval.py [DATASET_DIR] [--chunks 100000] [--real-embed 1024] [--queries 300]

Builds a ~100k-chunk hybrid index from SciFact (chunked, 256-token budget) plus synthetic Markdown support
articles, then reports:

* embedding throughput (chunks/s) measured on ``--real-embed`` real chunks;
* index build time and memory (BM25 arrays, HNSW graph, process RSS);
* hybrid / BM25 / dense query latency p50/p99 over SciFact test queries plus generated rare-token queries,
  *including* the real query embedding for dense and hybrid, with a 1-thread and a ``--threads`` embedder
  (wall time; with 1 thread also the caller thread's CPU time, which other processes on a shared machine
  do not inflate);
* BM25 per-query speed against rank-bm25 ``get_scores`` on the same corpus and tokens.

Embedding 100k chunks for real takes hours on 2 cores, so only chunks whose vectors are in the on-disk
embedding cache, plus ``--real-embed`` freshly embedded ones, have real vectors; every other chunk gets a
SYNTHETIC vector (a real chunk vector plus Gaussian noise, renormalised), which keeps the HNSW graph's
geometry realistic. Query vectors are always real. The printed output says how many vectors were synthetic.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.embeddings import Embedder  # noqa: E402
from services.retrieval.chunking import Chunker  # noqa: E402
from services.retrieval.dense import HNSWConfig  # noqa: E402
from services.retrieval.embcache import EmbeddingCache, embed_cached  # noqa: E402
from services.retrieval.evaluate import load_corpus, load_qrels, load_queries  # noqa: E402
from services.retrieval.index import HybridIndex, IndexConfig  # noqa: E402
from services.retrieval.synth import rare_token_queries, synthetic_documents  # noqa: E402


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def compare_bm25(index: HybridIndex, chunks: list, sample: list[str], BM25Okapi: type) -> None:
    """Per-query BM25 time: our bm25s segment (top-100) vs rank-bm25 get_scores on the same tokens."""
    cfg = index.config
    live = index._bm25
    t0 = time.perf_counter()
    oracle = BM25Okapi([live._tokens[c.chunk_id] for c in chunks], k1=cfg.bm25.k1, b=cfg.bm25.b)
    print(f"rank-bm25 index build: {time.perf_counter() - t0:.1f} s")
    ours, theirs = [], []
    for q in sample:
        toks = live.analyzer.tokenize(q)
        t = time.perf_counter()
        live.search(q, 100)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        oracle.get_scores(toks)
        theirs.append(time.perf_counter() - t)
    o, r = np.mean(ours) * 1000, np.mean(theirs) * 1000
    print(f"BM25 per query on {len(chunks):,} chunks: ours (bm25s segment, top-100) {o:.2f} ms vs rank-bm25 "
          f"get_scores {r:.1f} ms -> {r / o:.0f}x faster ({len(sample)} queries)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", default="../shared/datasets/scifact")
    ap.add_argument("--chunks", type=int, default=100_000, help="target index size in chunks")
    ap.add_argument("--real-embed", type=int, default=1024, help="chunks to embed for real (throughput)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("FLYWHEEL_EMBEDDING_THREADS", "2")))
    ap.add_argument("--oracle-queries", type=int, default=20, help="queries timed with rank-bm25 (slow)")
    args = ap.parse_args()
    data = Path(args.dataset)
    rng = np.random.default_rng(0)

    print(f"== retrieval bench: target {args.chunks:,} chunks, {args.threads} embedding threads, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (other processes skew latency)")
    embedder = Embedder(threads=args.threads)
    cache = EmbeddingCache.for_embedder(embedder)

    # ---------------------------------------------------------------- corpus
    t0 = time.perf_counter()
    chunker = Chunker(256)
    corpus = load_corpus(data / "corpus.jsonl")
    chunks = []
    versions: dict[str, int] = {}
    for d in corpus:
        versions[d["_id"]] = 1
        chunks.extend(chunker.chunk(d["_id"], d["title"], d["text"], "text/plain"))
    n_sci = len(chunks)
    for d in synthetic_documents(10**7, seed=7):
        if len(chunks) >= args.chunks:
            break
        versions[d["_id"]] = 1
        chunks.extend(chunker.chunk(d["_id"], d["title"], d["text"], "text/markdown"))
    t_chunk = time.perf_counter() - t0
    print(f"chunked {len(corpus):,} SciFact docs -> {n_sci:,} chunks, + synthetic docs -> {len(chunks):,} chunks "
          f"in {t_chunk:.1f} s ({len(chunks) / t_chunk:,.0f} chunks/s)")

    # ---------------------------------------------------------------- vectors
    passages = [c.passage for c in chunks]
    vectors, missing = cache.get_many(passages)
    cached = len(passages) - len(missing)
    real_idx = random.Random(1).sample(missing, min(args.real_embed, len(missing))) if missing else []
    t0 = time.perf_counter()
    if real_idx:
        vectors[real_idx] = embed_cached(embedder, [passages[i] for i in real_idx], cache)
    t_embed = time.perf_counter() - t0
    real = set(real_idx) | (set(range(len(passages))) - set(missing))
    if real_idx:
        toks = sum(chunker.count_tokens(passages[i]) for i in real_idx) / len(real_idx)
        print(f"embedding throughput: {len(real_idx) / t_embed:.1f} chunks/s "
              f"({len(real_idx)} real chunks, mean {toks:.0f} word pieces, {args.threads} threads)")
    real_list = sorted(real)
    synth = [i for i in range(len(passages)) if i not in real]
    if synth:
        base = vectors[rng.choice(real_list, size=len(synth))]
        noisy = base + rng.normal(0, 0.35 / np.sqrt(base.shape[1]) * 4, size=base.shape).astype(np.float32)
        vectors[synth] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    print(f"vectors: {cached:,} from the embedding cache, {len(real_idx):,} embedded now, "
          f"{len(synth):,} SYNTHETIC (real vector + noise; not model output)")

    # ---------------------------------------------------------------- index
    rss0 = rss_mb()
    cfg = IndexConfig(hnsw=HNSWConfig(threads=args.threads))
    index = HybridIndex(cfg, embedder=embedder)
    t0 = time.perf_counter()
    index.add_chunks(chunks, vectors, versions)
    t_build = time.perf_counter() - t0
    bm = index._bm25._main
    bm25_mb = (bm.data.nbytes + bm.indices.nbytes + bm.indptr.nbytes) / 2**20
    hnsw_mb = index._dense.memory_bytes() / 2**20
    print(f"index build: {t_build:.1f} s for {len(index):,} chunks (BM25 + HNSW M={cfg.hnsw.M} "
          f"ef_construction={cfg.hnsw.ef_construction}, {args.threads} threads)")
    print(f"index memory: BM25 matrix {bm25_mb:.0f} MiB, HNSW ~{hnsw_mb:.0f} MiB, "
          f"process RSS +{rss_mb() - rss0:.0f} MiB (incl. chunk texts and token lists), total RSS {rss_mb():.0f} MiB")

    # ---------------------------------------------------------------- queries
    queries = load_queries(data / "queries.jsonl")
    qrels = load_qrels(data / "qrels" / "test.tsv")
    qtexts = [queries[q] for q in qrels if q in queries][:args.queries]
    rare_q, _ = rare_token_queries(corpus, n=50)
    all_q = qtexts + list(rare_q.values())
    embedders = {args.threads: embedder}
    for threads in sorted({1, args.threads}):
        embedders.setdefault(threads, Embedder(threads=threads))
    for threads, e in sorted(embedders.items()):
        index._embedder = e
        for q in all_q[:20]:
            index.search(q, top_k=10)  # warm-up
        for method in ("bm25", "dense", "hybrid"):
            if method == "bm25" and threads != args.threads:
                continue
            lat, cpu = [], []
            for q in all_q:
                t, c = time.perf_counter(), time.thread_time()
                index.search(q, top_k=10, method=method)  # type: ignore[arg-type]
                lat.append((time.perf_counter() - t) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
            extra = f" (incl. query embedding, {threads} thread{'s' if threads > 1 else ''})" if method != "bm25" else ""
            cpu_note = (f"; caller-thread CPU p50 {pct(cpu, 50):.2f} ms, p99 {pct(cpu, 99):.2f} ms"
                        if threads == 1 or method == "bm25" else "")
            print(f"{method:>6} latency over {len(all_q)} queries{extra}: p50 {pct(lat, 50):.2f} ms, "
                  f"p99 {pct(lat, 99):.2f} ms{cpu_note}")
        emb_lat = []
        for q in all_q:
            t = time.perf_counter()
            e.embed_one(q)
            emb_lat.append((time.perf_counter() - t) * 1000)
        print(f"query embedding alone ({threads} thread{'s' if threads > 1 else ''}): p50 {pct(emb_lat, 50):.2f} ms, "
              f"p99 {pct(emb_lat, 99):.2f} ms")
    index._embedder = embedder
    qvecs = embedder.embed(all_q)
    lat = []
    for q, v in zip(all_q, qvecs):
        t = time.perf_counter()
        index.search(q, top_k=10, method="hybrid", query_vector=v)
        lat.append((time.perf_counter() - t) * 1000)
    print(f"hybrid latency with a precomputed query vector (retrieval + fusion only): p50 {pct(lat, 50):.2f} ms, "
          f"p99 {pct(lat, 99):.2f} ms")
    print(f"load average now {os.getloadavg()[0]:.2f}")

    # ---------------------------------------------------------------- BM25 vs rank-bm25
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        print("rank-bm25 not installed: skipping the BM25 speed comparison")
        BM25Okapi = None
    if BM25Okapi is not None:
        compare_bm25(index, chunks, all_q[:args.oracle_queries], BM25Okapi)

    # ---------------------------------------------------------------- persistence and live updates
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        index.save(Path(tmp) / "index")
        t_save = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").rglob("*") if f.is_file()) / 2**20
        t0 = time.perf_counter()
        loaded = HybridIndex.load(Path(tmp) / "index", embedder=embedder)
        t_load = time.perf_counter() - t0
    print(f"save {t_save:.1f} s ({size:.0f} MiB on disk), load {t_load:.1f} s ({len(loaded):,} chunks)")
    del loaded
    docs = list(synthetic_documents(200, seed=99))
    t0 = time.perf_counter()
    for i, d in enumerate(docs):
        index.upsert_document(f"live-{i}", 1, d["title"], d["text"], "text/markdown")
    t_up = time.perf_counter() - t0
    lat = []
    for q in all_q[:100]:
        t = time.perf_counter()
        index.search(q, top_k=10, method="bm25")
        lat.append((time.perf_counter() - t) * 1000)
    print(f"live upserts: {len(docs) / t_up:.1f} docs/s incl. embedding; BM25 delta now "
          f"{index.stats()['bm25_delta']} chunks, BM25 latency with delta p50 {pct(lat, 50):.2f} ms")

    return 0


if __name__ == "__main__":
    sys.exit(main())
