"""Traffic first: replay logged requests through fresh caches and report the would-be hit rates.

Requests are replayed in ``event_time`` order. For each request every cache kind it qualifies for is
consulted independently (keyed kinds by :func:`~services.cache.keys.request_body`, the semantic cache by
its query embedding, with the real equivalence guard and TTLs measured in event time); a miss stores
the request's answer as if it had been generated. Queries are also grouped into clusters (greedy
leader clustering on embeddings) to show how concentrated traffic is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from services.cache.index import VectorIndex
from services.cache.keys import key_for, request_body
from services.cache.model import CacheKind, Scope
from services.cache.semantic import DEFAULT_THRESHOLD
from services.cache.service import Cache, CacheConfig
from services.cache.store import MemoryStore

EmbedBatch = Callable[[Sequence[str]], np.ndarray]


@dataclass
class KindStats:
    eligible: int = 0
    hits: int = 0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.eligible if self.eligible else 0.0


@dataclass
class Cluster:
    representative: str
    count: int
    share: float


@dataclass
class SimulationReport:
    total: int = 0
    per_kind: dict[str, KindStats] = field(default_factory=dict)
    any_hits: int = 0
    miss_reasons: dict[str, int] = field(default_factory=dict)
    clusters: list[Cluster] = field(default_factory=list)
    n_clusters: int = 0
    top_k_share: float = 0.0

    @property
    def any_hit_rate(self) -> float:
        return self.any_hits / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "hit_rate": round(self.any_hit_rate, 4),
            "per_kind": {k: {"eligible": v.eligible, "hits": v.hits, "hit_rate": round(v.hit_rate, 4)}
                         for k, v in self.per_kind.items()},
            "semantic_miss_reasons": dict(self.miss_reasons),
            "clusters": self.n_clusters,
            "top_clusters": [{"representative": c.representative, "count": c.count, "share": round(c.share, 4)}
                             for c in self.clusters],
            "top_clusters_share": round(self.top_k_share, 4),
        }

    def format_text(self) -> str:
        lines = [f"requests: {self.total}   would-be hit rate (any cache): {self.any_hit_rate:.1%}"]
        for k, v in self.per_kind.items():
            lines.append(f"  {k:<12} eligible {v.eligible:>7}   hits {v.hits:>7}   hit rate {v.hit_rate:6.1%}")
        if self.miss_reasons:
            lines.append("  semantic misses: " + ", ".join(f"{k}={v}" for k, v in
                                                          sorted(self.miss_reasons.items(), key=lambda kv: -kv[1])))
        lines.append(f"query clusters: {self.n_clusters}; top {len(self.clusters)} hold {self.top_k_share:.1%} of traffic")
        for c in self.clusters:
            lines.append(f"  {c.share:6.1%} {c.count:>6}  {c.representative[:80]}")
        return "\n".join(lines)


def _event_seconds(value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value) / 1000.0 if value > 1e11 else float(value)  # millis or seconds
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default


def simulate(requests: Iterable[Mapping[str, Any]], *, embed: EmbedBatch | None = None,
             threshold: float = DEFAULT_THRESHOLD, config: CacheConfig | None = None,
             cluster_threshold: float = 0.8, top_k: int = 10, batch_size: int = 256) -> SimulationReport:
    """Replay ``requests`` (InteractionRequest-shaped dicts; ``event_time`` in ms, s or ISO) and report
    would-be hit rates per cache kind and the share of traffic in the top ``top_k`` query clusters.

    ``embed`` embeds a batch of texts (default: the shared MiniLM embedder)."""
    reqs = [dict(r) for r in requests]
    order = sorted(range(len(reqs)), key=lambda i: (_event_seconds(reqs[i].get("event_time"), float(i)), i))
    reqs = [reqs[i] for i in order]
    report = SimulationReport(total=len(reqs))
    cfg = config or CacheConfig(threshold=threshold)
    cfg.threshold = threshold
    cache = Cache(MemoryStore(max_entries=max(1, len(reqs) * 2), max_bytes=1 << 40), cfg)

    queries = [str(r.get("query") or "") for r in reqs]
    with_query = [i for i, q in enumerate(queries) if q]
    vectors: dict[int, np.ndarray] = {}
    if with_query:
        if embed is None:
            from services.embeddings import get_embedder

            embed = get_embedder().embed
        for s in range(0, len(with_query), batch_size):
            idx = with_query[s:s + batch_size]
            vecs = embed([queries[i] for i in idx])
            for i, v in zip(idx, vecs):
                vectors[i] = v

    stats = {k.value: KindStats() for k in (CacheKind.STRUCTURED, CacheKind.ITEM, CacheKind.PAIR,
                                            CacheKind.SEMANTIC)}
    reasons: Counter[str] = Counter()
    for i, req in enumerate(reqs):
        now = _event_seconds(req.get("event_time"), float(i))
        scope = Scope.from_request(req)
        answer = str(req.get("response") or req.get("request_id") or f"answer-{i}")
        hit_any = False
        rb = request_body(req)
        if rb is not None:
            kind, body = rb
            key = key_for(kind, scope, body)
            st = stats[kind.value]
            st.eligible += 1
            if cache.get(kind, key, now=now).hit:
                st.hits += 1
                hit_any = True
            else:
                cache.put(kind, key, scope, answer, now=now)
        if i in vectors:
            st = stats[CacheKind.SEMANTIC.value]
            st.eligible += 1
            res = cache.semantic.lookup(scope, queries[i], vectors[i], now=now)
            if res.hit:
                st.hits += 1
                hit_any = True
            else:
                reasons[res.decision.reason] += 1
                cache.semantic.put(scope, queries[i], answer, vectors[i], now=now)
        report.any_hits += hit_any
    report.per_kind = {k: v for k, v in stats.items() if v.eligible}
    report.miss_reasons = dict(reasons)

    # clusters: greedy leader assignment in time order
    leaders = VectorIndex()
    counts: Counter[str] = Counter()
    for i in with_query:
        near = leaders.search(vectors[i], 1)
        if near and near[0][1] >= cluster_threshold:
            counts[near[0][0]] += 1
        else:
            leaders.add(queries[i] + f"\x00{i}", vectors[i])
            counts[queries[i] + f"\x00{i}"] += 1
    n_q = len(with_query)
    top = counts.most_common(top_k)
    report.n_clusters = len(counts)
    report.clusters = [Cluster(k.split("\x00")[0], c, c / n_q) for k, c in top]
    report.top_k_share = sum(c for _, c in top) / n_q if n_q else 0.0
    return report
