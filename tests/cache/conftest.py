"""Shared fixtures for the cache tests: the real embedder (loaded once per session)."""

from __future__ import annotations

import pytest

from services.embeddings import get_embedder


@pytest.fixture(scope="session")
def embedder():
    return get_embedder()


@pytest.fixture(scope="session")
def embed(embedder):
    return embedder.embed_one
