"""Unlabelled cross pairs: every ordered pair of distinct queries of all labelled splits that the semantic
cache would serve (put ``a``, look up ``b``), excluding pairs labelled together. A change to the guard
should only add paraphrases here; a new near-miss is a false hit the labelled pairs did not catch.

    .venv/bin/python tests/cache/cross_pairs.py [--threshold 0.75] > cross.txt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.cache.semantic import ANCHORED_THRESHOLD, DEFAULT_THRESHOLD  # noqa: E402
from services.cache.slots import compare_slots, extract_slots, normalize_text, same_content  # noqa: E402
from tests.cache.eval_pairs import SPLITS, load_pairs  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = ap.parse_args(argv)
    rows = [r for s in SPLITS if s != "all" for r in load_pairs(s)]
    labelled = {frozenset((normalize_text(r["a"]), normalize_text(r["b"]))) for r in rows}
    queries = sorted({q for r in rows for q in (r["a"], r["b"])})
    from services.embeddings import get_embedder

    vecs = np.asarray(get_embedder().embed(queries), dtype=np.float32)
    sims = vecs @ vecs.T
    slots = [extract_slots(q) for q in queries]
    hits = []
    for i in range(len(queries)):
        for j in np.nonzero(sims[i] >= ANCHORED_THRESHOLD)[0]:
            if i == j or normalize_text(queries[i]) == normalize_text(queries[j]):
                continue
            if frozenset((normalize_text(queries[i]), normalize_text(queries[j]))) in labelled:
                continue
            s = float(sims[i, j])
            if s < args.threshold and not same_content(slots[j], slots[i]):
                continue
            if compare_slots(slots[j], slots[i], similarity=s) is None:
                hits.append((s, queries[i], queries[j]))
    for s, a, b in sorted(hits, reverse=True):
        print(f"{s:.3f}\t{a}\t{b}")
    print(f"{len(hits)} cross hits over {len(queries)} queries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
