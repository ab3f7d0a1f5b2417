"""Shared fixtures: the real embedder and an index over the shipped product-FAQ corpus (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.embeddings import get_embedder
from services.retrieval.evaluate import build_index, load_corpus, load_qrels, load_queries
from services.retrieval.index import HybridIndex, IndexConfig

DATA = Path(__file__).resolve().parents[2] / "services" / "retrieval" / "data"


@pytest.fixture(scope="session")
def embedder():
    return get_embedder()


@pytest.fixture(scope="session")
def faq_corpus() -> list[dict]:
    return load_corpus(DATA / "faq_corpus.jsonl")


@pytest.fixture(scope="session")
def faq_queries() -> dict[str, str]:
    return load_queries(DATA / "faq_queries.jsonl")


@pytest.fixture(scope="session")
def faq_qrels() -> dict[str, dict[str, int]]:
    return load_qrels(DATA / "faq_qrels.tsv")


@pytest.fixture(scope="session")
def faq_index(embedder, faq_corpus) -> HybridIndex:
    """Chunked (256-token budget) index of the FAQ corpus; treat as read-only."""
    return build_index(faq_corpus, IndexConfig(max_tokens=256), embedder=embedder, use_cache=False)
