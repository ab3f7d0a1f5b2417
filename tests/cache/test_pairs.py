"""The quality bar on our own labelled pairs: zero false hits on every split, >= 80% paraphrase hits on the
splits used for tuning (tune, dev). Paraphrase recall on the held-out splits is printed by
``eval_pairs.py``. heldout3 was written before the canonicalisation work; its one false hit (router/modem)
was then fixed, so it is no longer untouched: it is asserted for false hits like the others."""

from __future__ import annotations

import pytest

from tests.cache.eval_pairs import load_pairs, score


@pytest.fixture(scope="module")
def scores(embedder):
    return {split: score(load_pairs(split), embed=embedder.embed) for split in ("tune", "dev", "heldout", "heldout2", "heldout3")}


@pytest.mark.parametrize("split", ["tune", "dev", "heldout", "heldout2", "heldout3"])
def test_no_false_hits(scores, split):
    s = scores[split]
    assert s.n_near_miss >= 30
    assert s.false_hits == [], [(r["a"], r["b"]) for r in s.false_hits]


@pytest.mark.parametrize("split", ["tune", "dev"])
def test_paraphrases_hit(scores, split):
    s = scores[split]
    assert s.n_paraphrase >= 25
    assert s.paraphrase_hit_rate >= 0.80, [(r["a"], r["b"], r["reason"]) for r in s.paraphrase_misses]


def test_every_near_miss_category_is_covered():
    cats = {r["category"] for r in load_pairs("all") if r["label"] == "near_miss"}
    assert {"number", "unit", "negation", "entity", "date", "code", "role", "direction", "comparative"} <= cats
