"""HybridIndex: the live retrieval index the documents agent feeds and the request path queries.

Pure core: no Kafka, HTTP or ClickHouse. The agent calls :meth:`HybridIndex.upsert_document` for each
``Document`` event (``deleted=True`` removes it), :meth:`HybridIndex.search` per request, and
:meth:`HybridIndex.save` / :meth:`HybridIndex.load` to persist between runs.

* Versions: each document's highest version is recorded (also after a delete), so replayed or
  out-of-order older events are ignored (status ``"stale"``).
* Updates re-index only changed chunks: chunks whose id (doc id + ordinal + content hash) is unchanged
  are kept as they are; a new chunk whose content hash equals a removed chunk's reuses its vector instead
  of being re-embedded.
* Search runs BM25 (:mod:`~services.retrieval.bm25`) and dense (:mod:`~services.retrieval.dense`) top-N
  candidate lists, fuses them with RRF plus the exact-match list (:mod:`~services.retrieval.fusion`) and
  optionally reranks the head with a :class:`~services.retrieval.rerank.Reranker`. A precomputed query
  vector can be passed so one embedding serves retrieval and the semantic cache.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, Sequence

import numpy as np
import orjson

from services.retrieval.bm25 import BM25Config, LiveBM25
from services.retrieval.chunking import DEFAULT_MAX_TOKENS, Chunk, Chunker
from services.retrieval.dense import DenseIndex, HNSWConfig
from services.retrieval.fusion import FusionConfig, exact_match_list, rare_exact_tokens, rrf
from services.retrieval.rerank import Reranker
from services.retrieval.tokenizer import Analyzer, AnalyzerConfig

if TYPE_CHECKING:
    from services.embeddings import Embedder
    from services.retrieval.embcache import EmbeddingCache

Method = Literal["hybrid", "bm25", "dense"]
METHODS: tuple[str, ...] = ("bm25", "dense", "hybrid")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class IndexConfig:
    """Everything that shapes the index; saved with it."""

    max_tokens: int | None = DEFAULT_MAX_TOKENS  # None: one chunk per document
    overlap_sentences: int = 1
    candidates: int = 100
    rerank_depth: int = 50
    analyzer: AnalyzerConfig = field(default_factory=AnalyzerConfig)
    bm25: BM25Config = field(default_factory=BM25Config)
    hnsw: HNSWConfig = field(default_factory=HNSWConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fusion"]["weights"] = dict(self.fusion.weights)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "IndexConfig":
        return cls(max_tokens=d["max_tokens"], overlap_sentences=d["overlap_sentences"],
                   candidates=d["candidates"], rerank_depth=d["rerank_depth"],
                   analyzer=AnalyzerConfig(**d["analyzer"]), bm25=BM25Config(**d["bm25"]),
                   hnsw=HNSWConfig(**d["hnsw"]), fusion=FusionConfig(**d["fusion"]))


@dataclass
class Result:
    """One retrieved chunk (fields match the ``RetrievedChunk`` Avro record, plus the passage)."""

    chunk_id: str
    doc_id: str
    score: float
    bm25_rank: int | None
    dense_rank: int | None
    fused_rank: int
    rerank_score: float | None = None
    title: str = ""
    text: str = ""
    exact_rank: int | None = None

    def to_event(self) -> dict[str, Any]:
        """The ``RetrievedChunk`` record."""
        return {"chunk_id": self.chunk_id, "doc_id": self.doc_id, "score": float(self.score),
                "bm25_rank": self.bm25_rank, "dense_rank": self.dense_rank, "fused_rank": self.fused_rank,
                "rerank_score": self.rerank_score}


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert or delete did."""

    doc_id: str
    version: int
    status: Literal["indexed", "unchanged", "stale", "deleted", "absent"]
    added: int = 0
    removed: int = 0
    kept: int = 0
    embedded: int = 0
    reused: int = 0


@dataclass
class _DocState:
    version: int
    deleted: bool
    chunk_ids: list[str]


class HybridIndex:
    """Live hybrid (BM25 + dense) chunk index; see the module docstring."""

    def __init__(self, config: IndexConfig | None = None, embedder: "Embedder | None" = None,
                 reranker: Reranker | None = None, embedding_cache: "EmbeddingCache | None" = None) -> None:
        self.config = config or IndexConfig()
        self._embedder = embedder
        self.reranker = reranker
        self.embedding_cache = embedding_cache
        self.analyzer = Analyzer(self.config.analyzer)
        self.chunker = Chunker(self.config.max_tokens, self.config.overlap_sentences)
        self._bm25 = LiveBM25(self.analyzer, self.config.bm25)
        self._dense = DenseIndex(self.config.hnsw)
        self._docs: dict[str, _DocState] = {}
        self._chunks: dict[str, Chunk] = {}
        self._lock = threading.RLock()
        self._update_lock = threading.RLock()
        self._generation = 0

    # ------------------------------------------------------------------ basics
    @property
    def embedder(self) -> "Embedder":
        if self._embedder is None:
            from services.embeddings import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    def __len__(self) -> int:
        return len(self._chunks)

    @property
    def doc_count(self) -> int:
        return sum(1 for s in self._docs.values() if not s.deleted)

    @property
    def index_version(self) -> str:
        """Changes whenever the index content changes (for the Retrieval event's ``index_version``)."""
        return f"g{self._generation}-d{self.doc_count}-c{len(self._chunks)}"

    def doc_version(self, doc_id: str) -> int | None:
        s = self._docs.get(doc_id)
        return None if s is None else s.version

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        s = self._docs.get(doc_id)
        return [] if s is None else [self._chunks[c] for c in s.chunk_ids]

    def get_chunk(self, chunk_id: str) -> Chunk | None:
        return self._chunks.get(chunk_id)

    def embed_query(self, query: str) -> np.ndarray:
        """The query vector (compute once, pass to :meth:`search` and to the cache)."""
        return self.embedder.embed_one(query)

    def _embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if self.embedding_cache is not None:
            from services.retrieval.embcache import embed_cached

            return embed_cached(self.embedder, texts, self.embedding_cache, progress=progress)
        return self.embedder.embed(list(texts))

    # ------------------------------------------------------------------ updates
    def upsert_document(self, doc_id: str, version: int, title: str | None, text: str,
                        content_type: str | None = "text/plain", deleted: bool = False) -> UpsertResult:
        """Index (or delete, with ``deleted``) one document version; older or equal versions are ignored."""
        with self._update_lock:  # updates are serialised; searches only wait for the short swap below
            with self._lock:
                state = self._docs.get(doc_id)
                if state is not None and version <= state.version:
                    return UpsertResult(doc_id, version, "stale")
                if deleted:
                    return self._delete_locked(doc_id, version)
                old_ids = list(state.chunk_ids) if state else []
            chunks = self.chunker.chunk(doc_id, title, text, content_type)
            return self._apply(doc_id, version, chunks, old_ids)

    def _apply(self, doc_id: str, version: int, chunks: list[Chunk], old_ids: list[str]) -> UpsertResult:
        old_set = set(old_ids)
        new_ids = [c.chunk_id for c in chunks]
        new_set = set(new_ids)
        to_remove = [c for c in old_ids if c not in new_set]
        to_add = [c for c in chunks if c.chunk_id not in old_set]
        # reuse vectors of removed chunks with the same content (e.g. ordinals shifted by an insertion)
        by_hash = {self._chunks[c].content_hash: c for c in to_remove if c in self._chunks}
        reuse_src = [by_hash.get(c.content_hash) for c in to_add]
        vectors = np.zeros((len(to_add), self._dense.dim), dtype=np.float32)
        reuse_rows = [i for i, s in enumerate(reuse_src) if s is not None and s in self._dense]
        if reuse_rows:
            vectors[reuse_rows] = self._dense.get_vectors([reuse_src[i] for i in reuse_rows])
        embed_rows = [i for i in range(len(to_add)) if i not in set(reuse_rows)]
        if embed_rows:
            vectors[embed_rows] = self._embed([to_add[i].passage for i in embed_rows])
        with self._lock:
            state = self._docs.get(doc_id)
            if state is not None and version <= state.version:
                return UpsertResult(doc_id, version, "stale")  # a newer version landed while we embedded
            current = list(state.chunk_ids) if state else []
            for cid in current:
                if cid not in new_set:
                    self._remove_chunk(cid)
            for c in to_add:
                self._chunks[c.chunk_id] = c
            self._dense.add([c.chunk_id for c in to_add], vectors)
            for c in to_add:
                self._bm25.add(c.chunk_id, c.passage)
            self._docs[doc_id] = _DocState(version, False, new_ids)
            self._generation += 1
        status = "indexed" if (to_add or to_remove or state is None) else "unchanged"
        return UpsertResult(doc_id, version, status, added=len(to_add), removed=len(to_remove),
                            kept=len(chunks) - len(to_add), embedded=len(embed_rows), reused=len(reuse_rows))

    def _remove_chunk(self, chunk_id: str) -> None:
        self._chunks.pop(chunk_id, None)
        self._bm25.delete(chunk_id)
        self._dense.delete(chunk_id)

    def delete_document(self, doc_id: str, version: int | None = None) -> UpsertResult:
        """Remove a document. With ``version``, a delete older than the indexed version is ignored, and the
        version is remembered so replays of older upserts stay ignored."""
        with self._lock:
            state = self._docs.get(doc_id)
            if version is not None and state is not None and version <= state.version:
                return UpsertResult(doc_id, version, "stale")
            if version is None:
                if state is None:
                    return UpsertResult(doc_id, 0, "absent")  # nothing to remember without a version
                version = state.version
            return self._delete_locked(doc_id, version)

    def _delete_locked(self, doc_id: str, version: int) -> UpsertResult:
        state = self._docs.get(doc_id)
        removed = 0
        if state is not None:
            for cid in state.chunk_ids:
                self._remove_chunk(cid)
                removed += 1
        self._docs[doc_id] = _DocState(version, True, [])
        self._generation += 1
        return UpsertResult(doc_id, version, "deleted" if state is not None and not state.deleted else "absent",
                            removed=removed)

    def add_documents(self, docs: Iterable[Mapping[str, Any]], progress: bool = False,
                      vectors: np.ndarray | None = None) -> int:
        """Bulk-load documents (dicts with ``doc_id``/``_id``, ``title``, ``text``, optional ``version``,
        ``content_type``): chunks all, embeds in batches (or uses ``vectors``, one row per chunk in order),
        and builds the BM25 main segment once. Returns the number of chunks added."""
        all_chunks: list[Chunk] = []
        versions: dict[str, int] = {}
        for d in docs:
            doc_id = str(d.get("doc_id", d.get("_id")))
            version = int(d.get("version", 0))
            state = self._docs.get(doc_id)
            if state is not None and version <= state.version:
                continue
            if state is not None and not state.deleted:
                self.upsert_document(doc_id, version, d.get("title"), d.get("text", ""),
                                     d.get("content_type", "text/plain"))
                continue
            versions[doc_id] = version
            all_chunks.extend(self.chunker.chunk(doc_id, d.get("title"), d.get("text") or "",
                                                 d.get("content_type", "text/plain")))
        if vectors is None:
            vectors = self._embed([c.passage for c in all_chunks], progress=progress)
        return self.add_chunks(all_chunks, vectors, versions)

    def add_chunks(self, all_chunks: Sequence[Chunk], vectors: np.ndarray, versions: Mapping[str, int]) -> int:
        """Bulk-load pre-chunked, pre-embedded *new* documents (``versions``: doc id -> version).

        For loaders and benchmarks that chunk and embed themselves; documents already indexed must go
        through :meth:`upsert_document` instead."""
        if len(vectors) != len(all_chunks):
            raise ValueError(f"got {len(vectors)} vectors for {len(all_chunks)} chunks")
        clash = [d for d in versions if d in self._docs and not self._docs[d].deleted]
        if clash:
            raise ValueError(f"documents already indexed: {clash[:5]}")
        with self._lock:
            by_doc: dict[str, list[str]] = {d: [] for d in versions}
            for c in all_chunks:
                self._chunks[c.chunk_id] = c
                by_doc[c.doc_id].append(c.chunk_id)
            for doc_id, ids in by_doc.items():
                self._docs[doc_id] = _DocState(versions[doc_id], False, ids)
            self._dense.add([c.chunk_id for c in all_chunks], vectors)
            self._bm25.add_many(((c.chunk_id, c.passage) for c in all_chunks), compact=True)
            self._generation += 1
        return len(all_chunks)

    def compact(self) -> None:
        """Rebuild the BM25 main segment now (e.g. from a worker thread after a burst of updates)."""
        self._bm25.compact()

    def vectors(self, chunk_ids: Sequence[str]) -> np.ndarray | None:
        """The stored embeddings of ``chunk_ids`` (of each chunk's passage), or None if one is gone."""
        try:
            return self._dense.get_vectors(chunk_ids)
        except KeyError:
            return None

    def needs_compaction(self) -> bool:
        """Whether the BM25 delta or tombstones have grown enough that :meth:`compact` pays off."""
        return self._bm25.needs_compaction()

    # ------------------------------------------------------------------ search
    def search(self, query: str, top_k: int = 10, method: Method = "hybrid",
               query_vector: np.ndarray | None = None, rerank: bool | None = None,
               candidates: int | None = None) -> list[Result]:
        """Top ``top_k`` chunks for ``query``.

        ``method``: ``hybrid`` (RRF of BM25, dense and exact-match lists), ``bm25`` or ``dense``.
        ``query_vector``: the query's embedding if already computed (dense/hybrid only).
        ``rerank``: rerank the head with the configured reranker (default: when one is configured).
        ``candidates``: depth of each retriever's list (default ``config.candidates``, at least ``top_k``).
        """
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
        depth = max(candidates or self.config.candidates, top_k)
        use_rerank = self.reranker is not None if rerank is None else rerank
        if use_rerank and self.reranker is None:
            raise ValueError("rerank requested but no reranker is configured")
        bm: list[tuple[str, float]] = []
        dn: list[tuple[str, float]] = []
        if method in ("bm25", "hybrid"):
            bm = self._bm25.search(query, depth)
        if method in ("dense", "hybrid"):
            qv = query_vector if query_vector is not None else self.embed_query(query)
            dn = self._dense.search(qv, depth)
        bm_rank = {k: r for r, (k, _) in enumerate(bm, start=1)}
        dn_rank = {k: r for r, (k, _) in enumerate(dn, start=1)}
        ranked: list[tuple[str, float, int | None]]
        if method == "bm25":
            ranked = [(k, s, None) for k, s in bm]
        elif method == "dense":
            ranked = [(k, s, None) for k, s in dn]
        else:
            lists: dict[str, list[str]] = {"bm25": [k for k, _ in bm], "dense": [k for k, _ in dn]}
            fcfg = self.config.fusion
            if fcfg.exact_boost:
                exact = self._exact_list(query, lists["bm25"][:fcfg.exact_top])
                if exact:
                    lists["exact"] = exact
            fused = rrf(lists, fcfg.k, fcfg.weights)
            ranked = [(f.key, f.score, f.ranks.get("exact")) for f in fused]
        ranked = [r for r in ranked if r[0] in self._chunks]  # a chunk removed mid-query
        results = [
            Result(k, self._chunks[k].doc_id, float(s), bm_rank.get(k), dn_rank.get(k), i,
                   title=self._chunks[k].title, text=self._chunks[k].text, exact_rank=ex)
            for i, (k, s, ex) in enumerate(ranked[:max(top_k, self.config.rerank_depth if use_rerank else 0)],
                                           start=1)
        ]
        if use_rerank and results:
            assert self.reranker is not None
            head = results[:self.config.rerank_depth]
            scores = self.reranker.score(query, [self._chunks[r.chunk_id].passage for r in head])
            for r, s in zip(head, scores):
                r.rerank_score = float(s)
            head.sort(key=lambda r: (-(r.rerank_score or 0.0), r.fused_rank, r.chunk_id))
            results = head + results[len(head):]
            for i, r in enumerate(results, start=1):
                r.fused_rank = i
        return results[:top_k]

    def _exact_list(self, query: str, bm25_keys: Sequence[str]) -> list[str]:
        terms = [(t.token, t.exact_shape) for t in self.analyzer.query_terms(query)]
        rare = rare_exact_tokens(terms, self._bm25.df, len(self._bm25), self.config.fusion)
        if not rare:
            return []
        holders = {t: self._bm25.keys_containing(t) for t in rare}
        return exact_match_list(bm25_keys, rare, lambda key, t: key in holders[t])

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> None:
        """Write the index to ``directory`` (replaced atomically as a whole)."""
        target = Path(directory)
        tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        with self._lock:
            from services.embeddings.model import model_fingerprint

            manifest = {
                "format": FORMAT_VERSION,
                "saved_at": time.time(),
                "generation": self._generation,
                "config": self.config.to_dict(),
                "model": model_fingerprint(self.embedder.model_path),
                "docs": {d: [s.version, s.deleted, s.chunk_ids] for d, s in self._docs.items()},
            }
            with (tmp / "chunks.jsonl").open("wb") as fh:
                for c in self._chunks.values():
                    fh.write(orjson.dumps([c.chunk_id, c.doc_id, c.ordinal, c.title, c.text, c.content_hash,
                                           list(c.kinds)]) + b"\n")
            self._bm25.save(tmp / "bm25")
            self._dense.save(tmp / "dense")
            (tmp / "manifest.json").write_bytes(orjson.dumps(manifest))
        old = target.with_name(target.name + f".old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        if old.exists():
            shutil.rmtree(old)

    @classmethod
    def load(cls, directory: str | Path, embedder: "Embedder | None" = None, reranker: Reranker | None = None,
             check_model: bool = True) -> "HybridIndex":
        """Load an index saved by :meth:`save`. Raises if it was built with another embedding model."""
        d = Path(directory)
        manifest = orjson.loads((d / "manifest.json").read_bytes())
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported index format {manifest.get('format')!r}")
        self = cls(IndexConfig.from_dict(manifest["config"]), embedder=embedder, reranker=reranker)
        if check_model:
            from services.embeddings.model import model_fingerprint

            have = model_fingerprint(self.embedder.model_path)
            if have != manifest["model"]:
                raise ValueError(f"index built with model {manifest['model']}, embedder is {have}")
        with (d / "chunks.jsonl").open("rb") as fh:
            for line in fh:
                if line.strip():
                    cid, doc, ordinal, title, text, h, kinds = orjson.loads(line)
                    self._chunks[cid] = Chunk(cid, doc, ordinal, title, text, h, tuple(kinds))
        self._docs = {doc: _DocState(int(v), bool(dl), list(ids)) for doc, (v, dl, ids) in manifest["docs"].items()}
        self._bm25 = LiveBM25.load(d / "bm25", self.config.bm25)
        self.analyzer = self._bm25.analyzer
        self._dense = DenseIndex.load(d / "dense", self.config.hnsw)
        self._generation = int(manifest.get("generation", 0))
        return self

    # ------------------------------------------------------------------ introspection
    def stats(self) -> dict[str, Any]:
        return {
            "documents": self.doc_count,
            "chunks": len(self._chunks),
            "bm25_main": self._bm25.main_size,
            "bm25_delta": self._bm25.delta_size,
            "bm25_tombstones": self._bm25.tombstones,
            "bm25_compactions": self._bm25.compactions,
            "hnsw_capacity": self._dense.capacity,
            "index_version": self.index_version,
        }
