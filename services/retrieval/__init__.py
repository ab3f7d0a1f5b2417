"""Hybrid retrieval core: structure-aware chunking, live BM25 (bm25s), hnswlib dense search, RRF fusion with
exact-token awareness, optional cross-encoder rerank, persistence and BEIR evaluation.

Pure library: no Kafka, HTTP or ClickHouse imports. The documents agent (in ``streams/``) drives
:class:`HybridIndex`::

    index = HybridIndex.load(path) if exists else HybridIndex()
    index.upsert_document(doc_id, version, title, text, content_type, deleted)   # per Document event
    qv = index.embed_query(query)                                                # shared with the cache
    results = index.search(query, top_k=10, method="hybrid", query_vector=qv)   # list[Result]
    index.save(path)
"""

from services.retrieval.chunking import Chunk, Chunker, chunk_document
from services.retrieval.fusion import FusionConfig, rrf
from services.retrieval.index import METHODS, HybridIndex, IndexConfig, Result, UpsertResult
from services.retrieval.rerank import CrossEncoderReranker, Reranker
from services.retrieval.tokenizer import Analyzer, tokenize

__all__ = [
    "METHODS", "Analyzer", "Chunk", "Chunker", "CrossEncoderReranker", "FusionConfig", "HybridIndex", "IndexConfig",
    "Reranker", "Result", "UpsertResult", "chunk_document", "rrf", "tokenize",
]
