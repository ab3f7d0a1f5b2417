"""Score the semantic cache on the labelled pairs and print the similarity distributions.

    .venv/bin/python tests/cache/eval_pairs.py [--threshold 0.75] [--split tune|dev|heldout|heldout2..heldout15|all] [-v]

Each pair is judged exactly as production judges it: put ``a`` into a fresh :class:`SemanticCache`,
look up ``b``. A near-miss that hits is a false hit (must be 0); paraphrases should hit (>= 80%).
``pairs_tune.jsonl`` was used to calibrate the threshold and the slot lexicons;
``pairs_heldout.jsonl`` (every third pair, split before any tuning) was not.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.cache.model import Scope  # noqa: E402
from services.cache.semantic import DEFAULT_THRESHOLD, SemanticCache  # noqa: E402
from services.cache.store import MemoryStore  # noqa: E402

DATA = Path(__file__).with_name("data")
SPLITS = {"tune": ["pairs_tune.jsonl"], "dev": ["pairs_dev.jsonl"], "heldout": ["pairs_heldout.jsonl"],
          "heldout2": ["pairs_heldout2.jsonl"], "heldout3": ["pairs_heldout3.jsonl"],
          "heldout4": ["pairs_heldout4.jsonl"], "heldout5": ["pairs_heldout5.jsonl"], "heldout6": ["pairs_heldout6.jsonl"], "heldout7": ["pairs_heldout7.jsonl"], "heldout8": ["pairs_heldout8.jsonl"], "heldout9": ["pairs_heldout9.jsonl"],
          "heldout10": ["pairs_heldout10.jsonl"], "heldout11": ["pairs_heldout11.jsonl"],
          "heldout12": ["pairs_heldout12.jsonl"], "heldout13": ["pairs_heldout13.jsonl"],
          "heldout14": ["pairs_heldout14.jsonl"], "heldout15": ["pairs_heldout15.jsonl"],
          "all": ["pairs_tune.jsonl", "pairs_dev.jsonl", "pairs_heldout.jsonl", "pairs_heldout2.jsonl"]}


@dataclass
class PairScore:
    threshold: float
    false_hits: list[dict] = field(default_factory=list)
    paraphrase_misses: list[dict] = field(default_factory=list)
    n_near_miss: int = 0
    n_paraphrase: int = 0
    sims: dict[str, list[float]] = field(default_factory=lambda: {"near_miss": [], "paraphrase": []})

    @property
    def paraphrase_hit_rate(self) -> float:
        return 1 - len(self.paraphrase_misses) / self.n_paraphrase if self.n_paraphrase else 0.0


def load_pairs(split: str) -> list[dict]:
    rows: list[dict] = []
    for name in SPLITS[split]:
        with open(DATA / name, encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def score(rows: list[dict], threshold: float = DEFAULT_THRESHOLD, embed=None) -> PairScore:
    if embed is None:
        from services.embeddings import get_embedder

        embed = get_embedder().embed
    va = embed([r["a"] for r in rows])
    vb = embed([r["b"] for r in rows])
    out = PairScore(threshold)
    scope = Scope("eval", "pairs")
    for r, a, b in zip(rows, va, vb):
        cache = SemanticCache(MemoryStore(max_entries=4), threshold=threshold, ttl_s=None)
        cache.put(scope, r["a"], "answer", a)
        d = cache.lookup(scope, r["b"], b).decision
        rec = {**r, "similarity": round(float(a @ b), 4), "reason": d.reason}
        out.sims[r["label"]].append(float(a @ b))
        if r["label"] == "near_miss":
            out.n_near_miss += 1
            if d.hit:
                out.false_hits.append(rec)
        else:
            out.n_paraphrase += 1
            if not d.hit:
                out.paraphrase_misses.append(rec)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--split", choices=sorted(SPLITS), default="tune")
    ap.add_argument("--sweep", action="store_true", help="also score thresholds 0.60..0.95")
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses and false hits")
    args = ap.parse_args(argv)
    rows = load_pairs(args.split)
    from services.embeddings import get_embedder

    emb = get_embedder().embed
    s = score(rows, args.threshold, emb)
    print(f"split={args.split} pairs={len(rows)} threshold={args.threshold}")
    for label, xs in s.sims.items():
        q = np.percentile(xs, [0, 10, 25, 50, 75, 90, 100]) if xs else []
        print(f"  cosine {label:<10} n={len(xs):>3}  min/p10/p25/p50/p75/p90/max = "
              + "/".join(f"{v:.3f}" for v in q))
    above = sum(x >= args.threshold for x in s.sims["paraphrase"])
    print(f"  paraphrases at or above the threshold: {above}/{s.n_paraphrase} = {above / max(s.n_paraphrase, 1):.1%} "
          f"(below it only the anchored band can serve)")
    print(f"  false hits: {len(s.false_hits)}/{s.n_near_miss}")
    print(f"  paraphrase hits: {s.n_paraphrase - len(s.paraphrase_misses)}/{s.n_paraphrase} "
          f"= {s.paraphrase_hit_rate:.1%}")
    if args.sweep:
        for t in np.arange(0.60, 0.96, 0.05):
            st = score(rows, float(t), emb)
            print(f"  threshold {t:.2f}: false hits {len(st.false_hits)}, paraphrase hits {st.paraphrase_hit_rate:.1%}")
    if args.verbose:
        for r in s.false_hits:
            print(f"  FALSE HIT  {r['similarity']:.3f} [{r['category']}] {r['a']!r} / {r['b']!r}")
        for r in s.paraphrase_misses:
            print(f"  MISS       {r['similarity']:.3f} {r['reason']:<26} {r['a']!r} / {r['b']!r}")
    return 0 if not s.false_hits else 1


if __name__ == "__main__":
    sys.exit(main())
