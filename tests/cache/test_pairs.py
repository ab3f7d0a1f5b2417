"""The quality bar on our own labelled pairs: zero false hits on every split, and a paraphrase hit rate no lower
than the one measured on each split (``.venv/bin/python tests/cache/eval_pairs.py --split <split>``).

heldout3 was written before the canonicalisation work and its misses then motivated the idiom/verb/wh work,
so it is seen. heldout5 was written and committed before that work and scored once after it (first look:
0/47 false hits, 30/34 paraphrases); its two documented misses ("once" / "after", "how many days" / "how
long") were then fixed, so it is seen too. heldout4 was written by a separate author who never saw the code
(first look: 0/79 false hits, 29/52 paraphrases); its misses motivated the comparative-bound, same-content
and rephrasing work, so it is seen as well. heldout6 (104 near-miss / 56 paraphrase pairs, an independent
author) scored 4 false hits and 37/56 paraphrases at its first look; those four false hits motivated the
clause-negation, bit/byte case, quantifier-scope, participant-order, tense and modality checks, so it is seen
too. Its paraphrase rate is below the 80% bar: asserted as a floor at what was measured, not at the bar.
heldout7 (120 near-miss / 62 paraphrase pairs, an independent author) scored 1 false hit and 33/62 = 53.2%
paraphrases at its first look; the false hit (the question word's role: "Who reports to Dana Kim?" / "Who does
Dana Kim report to?") and its miss classes (one-sided time orders and minimum/maximum, "every evening",
"401(k)", "5mg", "every other week", "Christmas Day", "12-month", "the company" as the default employer)
motivated the next round, so it is seen too; its floor is what was measured after that round, below the bar.
heldout8 (110 single-token near-miss / 60 paraphrase pairs, a fourth independent author) was measured once after
that round (first look: 0/110 false hits, 38/60 = 63.3% paraphrases); its misses then motivated the heldout8
round (within/up to bounds, "Dec. 24th", "two more", "how come", lowest fare, code labels, promo code = coupon,
2FA, "can you track", "check the status", "the last day to" = deadline, "convert X to <currency>"), so it is seen too: now 0/110, 49/60.
heldout9 (122 near-miss / 70 paraphrase pairs, a fifth independent author) was measured once after that round and
not worked on: 0/122 false hits, 45/70 = 64.3% paraphrases (16 of its 25 misses are below the 0.75 similarity
threshold). It was then no longer worked on by itself, but the heldout10/11 round lifted it to 46/70.
heldout10 and heldout11 (110 near-miss / 60 and 62 paraphrase pairs, a sixth and seventh independent author, written
at the same time) were measured once with the code that had not seen them (first look: 0/110 and 0/110 false hits,
33/60 = 55.0% and 35/62 = 56.5% paraphrases). heldout10's misses then motivated a round (ordinal words, chat
shorthand, "tell me", recased multi-word names, "work laptop", "power on", plural negative-prefixed words); heldout11
was measured again after it (35/62, unchanged), then its own misses were worked on (ordinal words, synonyms inside
a direction, "form", "procedure for filing"), so both are seen. On all three newest sets at most 72.9-75.0% of the paraphrases reach the 0.75 threshold at all
(``eval_pairs.py`` prints this ceiling): zero false hits holds on fresh data, the 80% paraphrase bar does not.
heldout12-15 (40-50 near-miss / 80-90 paraphrase pairs each, four more independent authors asked for freely reworded
paraphrases) were measured once with the final code of that round and not worked on (0 false hits on all four;
16/90, 15/90, 35/80, 23/90 paraphrases; only 23-63% of their paraphrases reach the threshold at all). They are the
clean held-outs, and they show how far freely reworded questions are from the bar."""

from __future__ import annotations

import pytest

from tests.cache.eval_pairs import load_pairs, score

SPLITS = ("tune", "dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8",
          "heldout9", "heldout10", "heldout11", "heldout12", "heldout13", "heldout14", "heldout15")
# paraphrase hits measured at DEFAULT_THRESHOLD (hits, pairs)
PARAPHRASE_FLOOR = {"tune": (48, 55), "dev": (25, 30), "heldout": (25, 27), "heldout2": (27, 30),
                    "heldout3": (40, 46), "heldout4": (44, 52), "heldout5": (32, 34),
                    "heldout6": (40, 56), "heldout7": (49, 62), "heldout8": (49, 60), "heldout9": (46, 70),
                    "heldout10": (38, 60), "heldout11": (41, 62), "heldout12": (16, 90), "heldout13": (15, 90),
                    "heldout14": (35, 80), "heldout15": (23, 90)}
# measured below the 80% target: the floor is the measurement
BELOW_BAR = {"heldout6": 0.66, "heldout7": 0.66, "heldout9": 0.65, "heldout10": 0.63, "heldout11": 0.66,
             "heldout12": 0.17, "heldout13": 0.16, "heldout14": 0.43, "heldout15": 0.25}


@pytest.fixture(scope="module")
def scores(embedder):
    return {split: score(load_pairs(split), embed=embedder.embed) for split in SPLITS}


@pytest.mark.parametrize("split", SPLITS)
def test_no_false_hits(scores, split):
    s = scores[split]
    assert s.n_near_miss >= 30
    assert s.false_hits == [], [(r["a"], r["b"]) for r in s.false_hits]


@pytest.mark.parametrize("split", SPLITS)
def test_paraphrases_hit(scores, split):
    s = scores[split]
    hits, n = PARAPHRASE_FLOOR[split]
    assert s.n_paraphrase == n >= 25
    assert s.paraphrase_hit_rate >= BELOW_BAR.get(split, 0.80)
    assert s.n_paraphrase - len(s.paraphrase_misses) >= hits, \
        [(r["a"], r["b"], r["reason"]) for r in s.paraphrase_misses]


def test_every_near_miss_category_is_covered():
    cats = {r["category"] for r in load_pairs("all") if r["label"] == "near_miss"}
    assert {"number", "unit", "negation", "entity", "date", "code", "role", "direction", "comparative"} <= cats
