"""Leave-one-file-out cross-validation of the learned grounding combiner against the hand-set rules.

    .venv/bin/python bench/grounding_cv.py            # CV table
    .venv/bin/python bench/grounding_cv.py --write    # also train on all six files, write data/grounding_combiner.json
    .venv/bin/python bench/grounding_cv.py --no-verbatim   # without the synthetic verbatim positives

For each of the six labelled grounding files the combiner (hard-override selection + logistic regression) is
trained on the other five and scored on the held-out one; the rules need no training, so their figure is their
plain accuracy on the file. The rules were tuned on grounding.jsonl and grounding_blind{,2,3} (and looked at on
blind5), so the rules' figures on those are not first looks; blind4 and blind5 are the least tuned.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.guardrails import grounding_combiner as gc  # noqa: E402
from services.guardrails.grounding import check_grounding  # noqa: E402

DATA = ROOT / "tests" / "guardrails" / "data"
FILES = ("grounding", "grounding_blind", "grounding_blind2", "grounding_blind3", "grounding_blind4",
         "grounding_blind5")


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


GRID = tuple((l2, minp, bal) for l2 in (0.3, 1.0, 3.0) for minp in (0.9, 0.0) for bal in (False, True))


def fit(train: list, cfg: tuple) -> gc.Combiner:
    l2, minp, bal = cfg
    return gc.train(train, l2=l2, min_precision=minp, balance_sources=bal)


def score(comb: gc.Combiner, rows: list[dict], exs: list, base: int) -> int:
    pred = gc.predict_answers(comb, exs)
    return sum(pred.get(base + k, True) == r["grounded"] for k, r in enumerate(rows))


def select(files: list[str], rows: dict, exs: dict, offsets: dict, verb: dict) -> tuple[tuple, float]:
    """The grid setting with the best pooled leave-one-file-out accuracy over ``files`` only."""
    best, best_acc = GRID[0], -1.0
    n = sum(len(rows[f]) for f in files)
    for cfg in GRID:
        ok = sum(score(fit([e for h in files if h != f for e in exs[h] + verb[h]], cfg), rows[f], exs[f], offsets[f])
                 for f in files)
        if ok / n > best_acc + 1e-9:
            best, best_acc = cfg, ok / n
    return best, best_acc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="train on all files and write the weights")
    ap.add_argument("--ship", action="store_true", help="mark the written weights as the default decision")
    ap.add_argument("--no-verbatim", action="store_true",
                    help="train without the synthetic verbatim positives (still scored on them)")
    ap.add_argument("--errors", action="store_true", help="print the combiner's held-out errors")
    args = ap.parse_args()
    t0 = time.time()
    rows, exs, offsets, offset = {}, {}, {}, 0
    for f in FILES:
        rows[f] = load(f)
        offsets[f] = offset
        exs[f] = gc.examples(rows[f], start_id=offset, source=f)
        offset += len(rows[f])
    verb, voff = {}, 10 ** 6
    for f in FILES:  # synthetic positives: each file's context sentences restated word for word
        verb[f] = gc.verbatim_examples(rows[f], start_id=voff, source=f)
        voff += len(verb[f])
    tverb = {f: [] for f in FILES} if args.no_verbatim else verb
    print(f"features for {offset} answers in {time.time() - t0:.1f} s")
    print("combiner setting (l2, override min precision, per-file balance) chosen inside each training fold by "
          "leave-one-file-out over its five files; the held-out file is never seen")
    print(f"{'held-out file':<18} {'n':>4} {'rules':>6} {'fixed':>6} {'nested':>7}  verbatim flagged (nested) / "
          "setting / hard overrides")
    tot = {"rules": 0, "fixed": 0, "nested": 0}
    per: dict[str, dict[str, float]] = {}
    vflag: dict[str, tuple[int, int]] = {}
    for f in FILES:
        others = [h for h in FILES if h != f]
        train = [e for h in others for e in exs[h] + tverb[h]]
        fixed = fit(train, (1.0, 0.9, False))  # the setting fixed before any figure was seen
        cfg, _ = select(others, rows, exs, offsets, tverb)
        comb = fit(train, cfg)
        ok = {"rules": sum((not check_grounding(r["answer"], r["context"], combiner=False)) == r["grounded"]
                           for r in rows[f]),
              "fixed": score(fixed, rows[f], exs[f], offsets[f]), "nested": score(comb, rows[f], exs[f], offsets[f])}
        if args.errors:
            pred = gc.predict_answers(comb, exs[f])
            for k, r in enumerate(rows[f]):
                if pred.get(offsets[f] + k, True) != r["grounded"]:
                    print(f"    [{f}] gold={r['grounded']} kind={r.get('kind')} answer={r['answer'][:110]!r}")
        vpred = gc.predict_answers(comb, verb[f])
        vflag[f] = (sum(not p for p in vpred.values()), len(vpred))
        n = len(rows[f])
        per[f] = {k: v / n for k, v in ok.items()}
        for k in tot:
            tot[k] += ok[k]
        print(f"{f:<18} {n:>4} {per[f]['rules']:>6.3f} {per[f]['fixed']:>6.3f} {per[f]['nested']:>7.3f}  "
              f"{vflag[f][0]:>2}/{vflag[f][1]:<3} {cfg} "
              f"{', '.join(sorted(comb.hard))}")
    n = sum(len(rows[f]) for f in FILES)
    print(f"{'pooled':<18} {n:>4} {tot['rules'] / n:>6.3f} {tot['fixed'] / n:>6.3f} {tot['nested'] / n:>7.3f}")
    b45 = ("grounding_blind4", "grounding_blind5")
    n45 = sum(len(rows[f]) for f in b45)
    print(f"{'blind4+blind5':<18} {n45:>4} " + " ".join(
        f"{sum(per[f][k] * len(rows[f]) for f in b45) / n45:>{w}.3f}" for k, w in (("rules", 6), ("fixed", 6),
                                                                                    ("nested", 7))))
    vf = sum(v[0] for v in vflag.values()), sum(v[1] for v in vflag.values())
    print(f"held-out context sentences restated verbatim, flagged by the nested combiner: {vf[0]}/{vf[1]} "
          "(the rules flag none)")
    beats = all(per[f]["nested"] > per[f]["rules"] for f in b45)
    print(f"combiner beats the rules on blind4 and on blind5: {beats}")
    if args.write:
        cfg, acc = select(list(FILES), rows, exs, offsets, tverb)
        comb = fit([e for f in FILES for e in exs[f] + tverb[f]], cfg)
        comb.meta = {"ship": bool(args.ship), "trained_on": [f"{f}.jsonl" for f in FILES] + [
                         "their context sentences restated verbatim (synthetic positives)"],
                     "setting": {"l2": cfg[0], "override_min_precision": cfg[1], "balance_files": cfg[2]},
                     "cv_leave_one_file_out": {f: {k: round(v, 3) for k, v in per[f].items()} for f in FILES},
                     "cv_pooled": {k: round(v / n, 3) for k, v in tot.items()}}
        text = json.dumps(comb.to_json(), separators=(",", ":"))
        gc.WEIGHTS_PATH.write_text(text.replace(',"', ',\n"') + "\n", encoding="utf-8")
        print(f"wrote {gc.WEIGHTS_PATH.relative_to(ROOT)} (ship={args.ship}, setting {cfg}); "
              f"hard overrides: {sorted(comb.hard)}")


def offset_of(name: str, rows: dict[str, list[dict]]) -> int:
    off = 0
    for f in FILES:
        if f == name:
            return off
        off += len(rows[f])
    raise KeyError(name)


if __name__ == "__main__":
    main()
