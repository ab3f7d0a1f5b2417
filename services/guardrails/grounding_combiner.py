"""Learned final decision for grounding: logistic regression over what the rules derive for a claim.

The hand-set rules of :mod:`.grounding` (missing numbers/dates/entities, negation, antonyms, conditions, role swaps)
are precise when they fire; the rules marked ``hard`` in the weights file stay overrides (the claim is ungrounded
whatever the rest says). Every other claim is decided by a logistic regression on per-claim features (lexical
recall, embedding cosine, share of new content words, order agreement, rule flags that are not overrides ...),
trained with numpy on the labelled grounding files (``bench/grounding_cv.py`` trains, cross-validates leave one
file out and writes ``data/grounding_combiner.json``).

Labels are per answer (an answer is grounded when every claim is): claims of grounded answers are positives; in an
ungrounded answer no override explains, the claim the current model finds least supported is the negative
(multiple-instance, a few rounds), its other claims are left out.

The features are linear in the embedding cosine, so the logit is ``base + slope * cos``: a claim is embedded only
when its verdict differs between the lowest and highest cosine seen for claims like it (``cos_range``).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from services.guardrails import grounding as g
from services.guardrails.embedding import EmbedderLike, embed_claims, get_claim_embedder
from services.guardrails.grounding_quantities import _UNITS

WEIGHTS_PATH = Path(__file__).with_name("data") / "grounding_combiner.json"

RULES = ("missing_number", "wrong_unit", "wrong_currency", "missing_date", "missing_currency", "missing_entity",
         "entities_apart", "negation", "antonym", "overgeneral", "number_swap", "entity_swap", "exception")
# Words an answer adds that make a claim stronger than its source ("only", "always", "guaranteed", "best").
_RISKY = frozenset("""only all every always never none guaranteed guarantee best worst most least first largest
smallest biggest fastest cheapest highest lowest entire entirely completely fully unlimited any anyone everyone
immediately instantly automatically permanently forever must required mandatory sole solely exclusively""".split())

NO_COS = ("lex", "sent_lex", "clause", "novel_share", "novel_n", "log_len", "has_number", "anchored", "has_entity",
          "polarity_differs", "antonym_raw", "order", "risky", "novel_long", "novel_prefix", "lexical_rule", "dropped", "func_flip",
          "polarity_any", "novel_unit", "negated_prefix")
COS = ("cos", "cos_lex", "cos_novel")
# Relational function words (stopwords for overlap) whose opposite in the closest sentence reverses a claim.
_FUNC_OPPOSITE = {}
for _a, _b in (("before", "after"), ("above", "below"), ("over", "under"), ("more", "less"), ("more", "fewer"),
               ("older", "younger"), ("earlier", "later"), ("higher", "lower"), ("first", "last"), ("inside", "outside"),
               ("with", "without"), ("from", "to"), ("minimum", "maximum"), ("least", "most")):
    _FUNC_OPPOSITE.setdefault(_a, set()).add(_b)
    _FUNC_OPPOSITE.setdefault(_b, set()).add(_a)
FEATURES = NO_COS + COS + tuple(f"rule_{r}" for r in RULES)


def _ordered_tokens(text: str) -> list[str]:
    return [t for t in (next(iter(g.content_tokens(w)), None) for w in g._TOKEN.findall(text)) if t]


def _order_agreement(claim: str, sentence: str) -> float:
    """Share of pairs of shared content words that keep their order ("A pays B" vs "B pays A" -> 0)."""
    a = _ordered_tokens(claim)
    pos: dict[str, int] = {}
    for i, t in enumerate(_ordered_tokens(sentence)):
        pos.setdefault(t, i)
    seq = [pos[t] for t in dict.fromkeys(a) if t in pos]
    pairs = same = 0
    for i in range(len(seq)):
        for j in range(i + 1, len(seq)):
            pairs += 1
            same += seq[i] < seq[j]
    return same / pairs if pairs else 1.0


@dataclass(slots=True)
class ClaimFeatures:
    base: dict[str, float]  # features that do not depend on the cosine
    fired: list[tuple[str, str, str]]
    lex: float
    rules: g.ClaimRules

    def vector(self, cos: float) -> np.ndarray:
        novel = self.base["novel_share"]
        d = dict(self.base, cos=cos, cos_lex=cos * self.lex, cos_novel=cos * novel)
        fired = {r for r, _, _ in self.fired}
        for r in RULES:
            d[f"rule_{r}"] = float(r in fired)
        return np.array([d[f] for f in FEATURES], dtype=np.float64)


def claim_features(claim: g.Claim, ctx: g.GroundingContext, lexical_support: float = 0.75) -> ClaimFeatures:
    r = g.claim_rules(claim, ctx, all_rules=True)
    toks = r.toks
    n = max(1, len(toks))
    novel = toks - ctx.all_tokens
    sent = ctx.sentences[r.sent_idx] if r.sent_idx >= 0 else ""
    sent_lex = len(toks & ctx.sentence_tokens[r.sent_idx]) / n if r.sent_idx >= 0 else 0.0
    words = set(re.findall(r"[a-z]+", claim.text.lower()))
    ctx_words = set(ctx.words)
    prefixes = {t[:4] for t in ctx.all_tokens if len(t) >= 4}
    facts = g.extract_facts(claim.text)
    base = {
        "lex": r.lex, "sent_lex": sent_lex, "clause": r.sent_overlap, "novel_share": len(novel) / n,
        "novel_n": min(len(novel), 4) / 4, "log_len": math.log1p(len(toks)),
        "has_number": float(bool(facts.numbers)), "anchored": float(g._number_anchored(claim, ctx)),
        "has_entity": float(bool(facts.entities)), "polarity_differs": float(r.polarity_differs),
        "antonym_raw": float(r.antonym_raw), "order": _order_agreement(claim.text, sent) if sent else 0.0,
        "risky": min(len((words & _RISKY) - ctx_words), 2) / 2,
        "novel_long": min(sum(len(t) >= 7 for t in novel), 2) / 2,
        "novel_prefix": (sum(t[:4] in prefixes for t in novel) / len(novel)) if novel else 1.0,
        "lexical_rule": float(r.lex >= lexical_support),
        "dropped": (len(ctx.sentence_tokens[r.sent_idx] - toks) / max(1, len(ctx.sentence_tokens[r.sent_idx])))
        if r.sent_idx >= 0 else 1.0,
        "func_flip": float(_func_flip(words, set(re.findall(r"[a-z]+", sent.lower())))),
        "polarity_any": float(_polarity_any(claim.text, toks, ctx)),
        "novel_unit": float(bool((words & _UNIT_WORDS) - ctx_words)),
        "negated_prefix": float(_negated_prefix(claim.text, ctx)),
    }
    return ClaimFeatures(base, r.fired, r.lex, r)


_UNIT_WORDS = frozenset(_UNITS) | frozenset("""gallon gallons mile miles pound pounds lb lbs ounce ounces oz inch
inches foot feet ft yard yards acre acres hectare hectares pint pints quart quarts gb mb tb kb ghz mhz kw kwh watt
watts volt volts celsius fahrenheit""".split())
_NEG_PREFIX = re.compile(r"\b(non|un|in|dis|im|ir|il)-?([a-z]{4,})\b")


def _polarity_any(claim: str, toks: frozenset[str], ctx: g.GroundingContext) -> bool:
    """Some context clause sharing at least half the claim's words has the opposite polarity (the best-matching
    sentence may be another clause)."""
    if not toks:
        return False
    pol = g._polarity(claim)
    for sent, st in zip(ctx.sentences, ctx.sentence_tokens):
        if len(toks & st) / len(toks) < 0.5:
            continue
        for c in g._CLAUSE.split(sent):
            if c and c.strip() and len(toks & g.content_tokens(c)) / len(toks) >= 0.4 and g._polarity(c) != pol:
                return True
    return False


def _negated_prefix(claim: str, ctx: g.GroundingContext) -> bool:
    """"non-members" / "unlimited" where the context only has "members" / "limited"."""
    low = ctx.raw_lower
    for m in _NEG_PREFIX.finditer(claim.lower()):
        if m.group(0) not in low and re.search(r"\b" + re.escape(m.group(2)), low):
            return True
    return False


def _func_flip(claim_words: set[str], sent_words: set[str]) -> bool:
    return any(o in sent_words and o not in claim_words for w in claim_words - sent_words
               for o in _FUNC_OPPOSITE.get(w, ()))


@dataclass(slots=True)
class Combiner:
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    hard: frozenset[str]
    cos_range: tuple[tuple[float, float], ...] = ((0.0, 1.0),) * 4  # per lexical-recall quarter
    threshold: float = 0.0
    meta: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return True

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": [round(float(w), 6) for w in self.weights],
                "bias": round(self.bias, 6), "mean": [round(float(m), 6) for m in self.mean],
                "scale": [round(float(s), 6) for s in self.scale], "hard_overrides": sorted(self.hard),
                "cos_range": [[round(c, 4) for c in r] for r in self.cos_range], "threshold": self.threshold, **self.meta}

    @classmethod
    def from_json(cls, d: dict) -> "Combiner":
        if list(d["features"]) != list(FEATURES):
            raise ValueError("grounding combiner weights were trained on other features; retrain")
        return cls(np.array(d["weights"]), float(d["bias"]), np.array(d["mean"]), np.array(d["scale"]),
                   frozenset(d["hard_overrides"]), tuple(tuple(r) for r in d["cos_range"]), float(d.get("threshold", 0.0)),
                   {k: v for k, v in d.items() if k not in ("features", "weights", "bias", "mean", "scale",
                                                             "hard_overrides", "cos_range", "threshold")})


@functools.lru_cache(maxsize=1)
def default_combiner() -> Combiner | bool:
    """The shipped combiner, or ``False`` (hand-set rules) when no weights file is shipped or it says not to."""
    if not WEIGHTS_PATH.exists():
        return False
    d = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    return Combiner.from_json(d) if d.get("ship") else False


def assess_with_combiner(answer: str, ctx: g.GroundingContext, comb: Combiner,
                         embedder: EmbedderLike | None = None, *,
                         embedder_threads: int | None = None) -> list[g.ClaimVerdict]:
    verdicts: list[g.ClaimVerdict | None] = []
    pending: list[tuple[int, g.Claim, ClaimFeatures]] = []
    for claim in g.split_claims(answer):
        f = claim_features(claim, ctx)
        hard = [fr for fr in f.fired if fr[0] in comb.hard]
        if hard:
            _, reason, note = hard[0]
            verdicts.append(g.ClaimVerdict(claim, False, reason, f.lex, None, note))
            continue
        lo, hi = comb.cos_range[_lex_bucket(f.lex)]
        a, b = float(comb.logit(f.vector(lo))), float(comb.logit(f.vector(hi)))
        if min(a, b) >= comb.threshold:
            verdicts.append(g.ClaimVerdict(claim, True, "lexical", f.lex, None, f"combiner logit>={min(a, b):.2f}"))
        elif max(a, b) < comb.threshold:
            verdicts.append(g.ClaimVerdict(claim, False, _reason(f), f.lex, None, _note(f, max(a, b))))
        else:
            pending.append((len(verdicts), claim, f))
            verdicts.append(None)
    if pending:
        if embedder is None:
            embedder = get_claim_embedder(embedder_threads)
        cvecs = embed_claims(embedder, [c.text for _, c, _ in pending])
        sims = claim_cosines(cvecs, ctx, embedder)
        for (i, claim, f), sim in zip(pending, sims):
            z = float(comb.logit(f.vector(float(sim))))
            ok = z >= comb.threshold
            verdicts[i] = g.ClaimVerdict(claim, ok, "semantic" if ok else _reason(f), f.lex, float(sim),
                                         "" if ok else _note(f, z))
    return [v for v in verdicts if v is not None]


def _lex_bucket(lex: float) -> int:
    return min(3, int(lex * 4))


def claim_cosines(cvecs: np.ndarray, ctx: g.GroundingContext, embedder: EmbedderLike) -> np.ndarray:
    """Each claim's best cosine against one context sentence (sentences, not passages: a passage mixes the
    sentence a claim restates with others, which dilutes the match)."""
    svecs = ctx.ensure_sentence_vectors(embedder)
    return (cvecs @ svecs.T).max(axis=1) if len(svecs) else np.zeros(len(cvecs))


def _reason(f: ClaimFeatures) -> str:
    return f.fired[0][1] if f.fired else "unsupported"


def _note(f: ClaimFeatures, z: float) -> str:
    return (f.fired[0][2] + "; " if f.fired else "") + f"combiner logit={z:.2f}"


# ---------------------------------------------------------------- training (numpy only)

@dataclass(slots=True)
class Example:
    """One claim of a labelled answer: its features and cosine (computed once, reused by every fold)."""
    answer_id: int
    grounded: bool
    feats: ClaimFeatures
    cos: float
    source: str = ""


def examples(rows: Iterable[dict], embedder: EmbedderLike | None = None, start_id: int = 0,
             source: str = "") -> list[Example]:
    embedder = embedder or get_claim_embedder()
    out: list[Example] = []
    for k, r in enumerate(rows, start_id):
        ctx = g.GroundingContext(r["context"])
        claims = g.split_claims(r["answer"])
        if not claims:
            continue
        cvecs = embed_claims(embedder, [c.text for c in claims])
        sims = claim_cosines(cvecs, ctx, embedder)
        for c, s in zip(claims, sims):
            out.append(Example(k, bool(r["grounded"]), claim_features(c, ctx), float(s), source))
    return out


def verbatim_examples(rows: Iterable[dict], embedder: EmbedderLike | None = None, start_id: int = 0,
                      source: str = "") -> list[Example]:
    """Synthetic positives: every context sentence (one claim long) restated word for word is grounded. The labelled
    files hold many near-copies that are wrong, so without these the model learns to distrust close restatements."""
    embedder = embedder or get_claim_embedder()
    out: list[Example] = []
    seen: set[tuple[str, ...]] = set()
    k = start_id
    for r in rows:
        key = tuple(r["context"])
        if key in seen:
            continue
        seen.add(key)
        ctx = g.GroundingContext(r["context"])
        for sent in ctx.sentences:
            claims = g.split_claims(sent)
            if len(claims) != 1:
                continue
            cvecs = embed_claims(embedder, [claims[0].text])
            out.append(Example(k, True, claim_features(claims[0], ctx), float(claim_cosines(cvecs, ctx, embedder)[0]),
                               source))
            k += 1
    return out


def hard_rules(train: Sequence[Example], min_precision: float = 0.9, min_fires: int = 3) -> frozenset[str]:
    """Rules that stay overrides: all but those that fired on at least ``min_fires`` answers of ``train`` and meant an
    ungrounded answer less than ``min_precision`` of the time (a rule the data barely tests keeps its word)."""
    hard = set()
    for rule in RULES:
        answers = {e.answer_id: e.grounded for e in train if any(fr[0] == rule for fr in e.feats.fired)}
        if len(answers) < min_fires or sum(not gr for gr in answers.values()) / len(answers) >= min_precision:
            hard.add(rule)
    return frozenset(hard)


def _fit_lr(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, iters: int = 200) -> tuple[np.ndarray, float]:
    """Weighted L2-regularised logistic regression by Newton steps (standardised features, bias unpenalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(xb @ beta)))
        grad = xb.T @ (w * (p - y)) + reg * beta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def train(train_set: Sequence[Example], *, l2: float = 1.0, rounds: int = 3, min_precision: float = 0.9,
          min_fires: int = 3, balance_sources: bool = False) -> Combiner:
    """Hard overrides: rules with precision >= ``min_precision`` on ``train_set`` (0 = every rule). Positives and
    negatives weigh the same in total; with ``balance_sources`` each labelled file does too (a small file written
    by another author is not drowned by a large one)."""
    hard = hard_rules(train_set, min_precision, min_fires)
    overridden = {e.answer_id for e in train_set if any(fr[0] in hard for fr in e.feats.fired)}
    # claims of grounded answers (positives) and of ungrounded answers no override explains (MIL negatives)
    pos = [e for e in train_set if e.grounded]
    neg_groups: dict[int, list[Example]] = {}
    for e in train_set:
        if not e.grounded and e.answer_id not in overridden:
            neg_groups.setdefault(e.answer_id, []).append(e)
    xs_all = np.array([e.feats.vector(e.cos) for e in train_set])
    mean, scale = xs_all.mean(axis=0), xs_all.std(axis=0)
    scale[scale < 1e-6] = 1.0
    # negatives start as each group's claim with the least lexical support, then the model's least supported claim
    neg = [min(grp, key=lambda e: e.feats.lex + e.cos) for grp in neg_groups.values()]
    comb = None
    for _ in range(rounds):
        data = pos + neg
        x = (np.array([e.feats.vector(e.cos) for e in data]) - mean) / scale
        y = np.array([1.0] * len(pos) + [0.0] * len(neg))
        wts = np.where(y == 1, len(data) / (2 * max(1, len(pos))), len(data) / (2 * max(1, len(neg))))
        if balance_sources:
            src = np.array([e.source for e in data])
            for name in set(src):
                wts[src == name] *= len(src) / (len(set(src)) * (src == name).sum())
        wv, b = _fit_lr(x, y, wts, l2)
        comb = Combiner(wv, b, mean, scale, hard)
        neg = [min(grp, key=lambda e: float(comb.logit(e.feats.vector(e.cos)))) for grp in neg_groups.values()]
    assert comb is not None
    # the cosine a claim can have, by how much of it the context states word for word (training range + margin)
    ranges = []
    for q in range(4):
        cos = np.array([e.cos for e in train_set if _lex_bucket(e.feats.lex) == q] or [0.0, 1.0])
        ranges.append((max(-1.0, float(cos.min()) - 0.05), min(1.0, float(cos.max()) + 0.05)))
    comb.cos_range = tuple(ranges)
    return comb


def predict_answers(comb: Combiner | bool, exs: Sequence[Example]) -> dict[int, bool]:
    """Answer id -> grounded (every claim supported), from precomputed examples."""
    out: dict[int, bool] = {}
    for e in exs:
        if comb:
            ok = (not any(fr[0] in comb.hard for fr in e.feats.fired)
                  and float(comb.logit(e.feats.vector(e.cos))) >= comb.threshold)
        else:
            raise ValueError("predict_answers needs a combiner")
        out[e.answer_id] = out.get(e.answer_id, True) and ok
    return out
