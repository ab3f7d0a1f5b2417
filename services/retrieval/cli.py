"""``flywheel eval retrieval``: evaluate BM25, dense and hybrid retrieval on BEIR-format files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson


def register(subparsers: Any) -> None:
    """Add ``eval`` (with the nested ``retrieval`` command) to the ``flywheel`` parser."""
    ev = subparsers.add_parser("eval", help="offline evaluations")
    ev_sub = ev.add_subparsers(dest="eval_command", metavar="TARGET")
    ev.set_defaults(func=lambda args: (ev.print_help(), 2)[1])
    p = ev_sub.add_parser(
        "retrieval", help="nDCG@10, Recall@100, MRR@10 and latency on BEIR-format files",
        description="Index a BEIR corpus (documents whole, title + text, unless --chunk) and evaluate the queries "
                    "present in the qrels. Ties are broken as trec_eval does (score desc, then doc id desc). "
                    "Corpus embeddings are cached under $FLYWHEEL_CACHE_DIR or $XDG_CACHE_HOME/flywheel.")
    p.add_argument("--corpus", required=True, help="corpus.jsonl with {_id, title, text}")
    p.add_argument("--queries", required=True, help="queries.jsonl with {_id, text}")
    p.add_argument("--qrels", required=True, help="qrels TSV with header: query-id, corpus-id, score")
    p.add_argument("--method", choices=["bm25", "dense", "hybrid", "all"], default="all")
    p.add_argument("--json", action="store_true", help="print one JSON object {method: metrics}")
    p.add_argument("--rerank-model", metavar="PATH", help="local cross-encoder ONNX file (never downloaded)")
    p.add_argument("--limit-queries", type=int, metavar="N", help="evaluate only the first N qrels queries")
    p.add_argument("--chunk", type=int, nargs="?", const=256, metavar="TOKENS",
                   help="chunk documents (default budget 256 tokens) instead of indexing them whole")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    p.add_argument("--plain-rrf", action="store_true",
                   help="hybrid without the exact-match list (plain weighted RRF), for comparison")
    p.add_argument("--rare-token-queries", type=int, metavar="N",
                   help="instead of --queries/--qrels, evaluate N generated queries that hinge on a rare exact "
                        "token of one document (gene symbol, code, acronym, number with unit)")
    p.add_argument("--rare-max-df", type=int, default=1, metavar="DF",
                   help="with --rare-token-queries: the token occurs in at most DF documents (default 1)")
    p.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from services.retrieval.evaluate import evaluate_files, format_table
    from services.retrieval.index import METHODS

    methods = list(METHODS) if args.method == "all" else [args.method]
    try:
        reports = evaluate_files(args.corpus, args.queries, args.qrels, methods=methods, chunk_tokens=args.chunk,
                                 limit_queries=args.limit_queries, rerank_model=args.rerank_model,
                                 use_cache=not args.no_cache, progress=not args.json and sys.stderr.isatty(),
                                 rare_token_queries=args.rare_token_queries, rare_max_df=args.rare_max_df,
                                 exact_boost=not args.plain_rrf)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(orjson.dumps({m: r.to_json() for m, r in reports.items()}).decode())
    else:
        print(format_table(reports))
    return 0
