"""Semantic-cache lookup latency at 100k entries (excluding the query embedding). Prints figures.

    .venv/bin/python bench/cache.py [--entries 100000] [--queries 2000]

The index is filled with synthetic unit vectors (embedding 100k texts is too slow on a laptop) arranged
in tight clusters of 5, so every lookup finds 5 candidates above the threshold and the equivalence guard
runs for real on each: entries carry real query texts and slots ("... orders over $N ..."). Two cases:

* worst case: the query's slots differ from all 5 candidates (5 guard comparisons, then a miss);
* hit: the first candidate is slot-equivalent.

Latency covers the whole :meth:`SemanticCache.lookup` (exact-key probe, ANN search, store fetches,
query slot extraction, guard) and nothing else.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.cache.model import CacheKind, Entry, Scope  # noqa: E402
from services.cache.semantic import DEFAULT_THRESHOLD, SemanticCache  # noqa: E402
from services.cache.slots import extract_slots  # noqa: E402
from services.cache.store import MemoryStore  # noqa: E402
from services.embeddings import DIM  # noqa: E402

TEMPLATES = [
    "What is the refund policy for orders over ${n}?",
    "Show my transactions from the last {n} days",
    "What's the status of order ORD-{n}?",
    "Can I book a table for {n} people tonight?",
    "Transfer ${n} from checking to savings",
]


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def pct(xs: list[float]) -> str:
    a = np.array(xs)
    return (f"p50 {np.percentile(a, 50):.3f} ms  p95 {np.percentile(a, 95):.3f} ms  "
            f"p99 {np.percentile(a, 99):.3f} ms  max {a.max():.3f} ms")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    scope = Scope("bench", "app", "model", "v1")
    n_clusters = args.entries // 5

    # a pool of real texts with precomputed slots (slot extraction of 100k texts would dominate set-up)
    pool = [t.format(n=1000 + i) for i in range(400) for t in TEMPLATES]
    pool_slots = [extract_slots(t) for t in pool]

    t0 = time.perf_counter()
    centres = unit(rng.standard_normal((n_clusters, DIM)))
    vecs = unit(np.repeat(centres, 5, axis=0) + 0.03 * rng.standard_normal((n_clusters * 5, DIM)))
    entries = []
    for i in range(n_clusters * 5):
        p = i % len(pool)
        entries.append(Entry(kind=CacheKind.SEMANTIC, key=f"semantic|{scope.key()}|synthetic-{i}", scope=scope,
                             response=f"answer {i}", query=pool[p], vector=vecs[i], slots=pool_slots[p],
                             expires_at=None))
    cache = SemanticCache(MemoryStore(max_entries=args.entries + 10, max_bytes=1 << 40), ttl_s=None)
    cache.load(entries)
    print(f"filled {len(cache):,} entries ({n_clusters:,} clusters of 5) in {time.perf_counter() - t0:.1f} s; "
          f"threshold {DEFAULT_THRESHOLD}, top_n {cache.top_n}")

    miss_lat, hit_lat, outcomes = [], [], {"miss": {}, "hit": {}}
    for case in ("miss", "hit"):
        for _ in range(args.queries):
            c = int(rng.integers(n_clusters))
            q = unit(centres[c] + 0.02 * rng.standard_normal(DIM))
            first = c * 5
            if case == "hit":
                # the query text is the same question as the nearest candidate, reworded
                text = entries[int(np.argmax(vecs[first:first + 5] @ q)) + first].query.replace("What is", "What's")
            else:
                text = "What is the refund policy for orders over $7?"  # slot-mismatches every candidate
            t = time.perf_counter()
            res = cache.lookup(scope, text, q)
            (hit_lat if case == "hit" else miss_lat).append((time.perf_counter() - t) * 1000)
            outcomes[case][res.decision.reason] = outcomes[case].get(res.decision.reason, 0) + 1
    print(f"lookup, guard rejects all 5 candidates: {pct(miss_lat)}   reasons {outcomes['miss']}")
    print(f"lookup, hit:                           {pct(hit_lat)}   reasons {outcomes['hit']}")
    p99 = max(np.percentile(miss_lat, 99), np.percentile(hit_lat, 99))
    print(f"target p99 < 3 ms at {len(cache):,} entries: {'met' if p99 < 3 else 'MISSED'} (worst p99 {p99:.3f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
