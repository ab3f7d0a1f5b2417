import pytest

from services.embeddings import get_embedder
from services.guardrails.grounding import (GroundingContext, assess_claims, check_grounding, self_consistency,
                                          split_claims)
from ._data import grounding_accuracy

CTX = ["The Eiffel Tower was completed in 1889 and is 330 metres tall.",
       "It was designed by the company of Gustave Eiffel and has about 7 million visitors a year."]


@pytest.mark.parametrize("split", ["dev", "heldout", "final"])
def test_grounding_accuracy_bar(split):
    acc = grounding_accuracy(split)
    print(f"grounding[{split}] accuracy={acc:.3f}")
    assert acc >= 0.85


# Regression floors per blind set; first looks (the honest figures) and what was done after them:
# * grounding_blind (first look 0.769), blind2 (0.733), blind3 (0.762): ours, tuned on afterwards; floors at the
#   values after the quantity/role/condition round (1.000, 0.900, 0.857).
# * grounding_blind5 (54 rows, ours): written before the quantity/role/condition round, measured once after it:
#   0.685 (the code before the round: 0.519). Not tuned on.
# * grounding_blind4 (60 rows, independent author): first look 0.633; 0.733 after the rounds that looked at it
#   (number words, negation phrases, before/after, argument swaps, clause tie-break).
# * grounding_blind6 (69 rows, second independent author): first look 0.667; 0.754 after digitising number words
#   and lowering the embedding support 0.62 -> 0.58 (chosen on blind4-6 together); 0.783 with negation phrases,
#   clause splits, before/after and argument swaps (all looked at on blind4-7).
# * grounding_blind7 (85 rows, third independent author): measured once after the digitising round: 0.718.
# * grounding_blind8 (72 rows, fourth independent author): measured once after the negation-phrase, clause,
#   before/after, argument-swap and tie-break rounds: 0.653 (entity substitutions 0/4, swaps 0/5 caught; paraphrases
#   26/34 accepted). Its errors then led to weight pounds, 'dollar-for-dollar', negation-equivalent words (waived,
#   unpaid, excluded...), names as argument-swap pivots and predicates said of another named item: 0.778 (seen).
# * grounding_blind9 (106 rows, fifth independent author): measured once with the final rules: 0.613 (swaps 7/14,
#   negations 3/9, antonyms 0/3 caught; paraphrases 21/32 accepted). Not tuned on.
# * Claims embedded by the integer-kernel copy of MiniLM (services/embeddings/quantize.py) moved three borderline
#   similarities across a threshold: blind2 0.900 -> 0.867 and blind4 0.733 -> 0.717 (one case each), blind8
#   0.778 -> 0.792. The floors of blind2 and blind4 follow by one case.
# * grounding_blind10 (106 rows, sixth independent author): first look 0.557 with the second look at a claim's closest
#   sentence (swaps 0/12, antonyms 1/5, conversions 2/9 caught/accepted; paraphrases 22/30). Its swaps led to the
#   value-swap rule (a value the context states of another item): 0.623 (seen).
# * grounding_blind11 (109 rows, seventh independent author): first look 0.505 with the value-swap rule (paraphrases
#   14/30 accepted). Halving the new-word margin (0.05 -> 0.025 per step) then gave 0.523 (seen), blind10 0.642,
#   and let one hallucination of grounding_blind through ("PostgreSQL 16 removed support for logical replication").
# * grounding_blind12 (105 rows, eighth independent author): measured once with the final code: 0.714 (the code of
#   the morning of 2026-11-26: 0.686; swaps 3/12, negations 4/10 caught; paraphrases 24/30 accepted). Its errors
#   led to the zero minutes of whole hours ('3 p.m.' = '15:00'): 0.724 (seen).
# * grounding_blind13 (105 rows, ninth independent author): measured once with the final code: 0.648 (the code of
#   that morning: 0.638; swaps 2/12, negations 4/10, antonyms 2/6 caught; paraphrases 25/30 accepted). Its one wrong
#   value swap (a fee table) led to table cells and value lists in that rule: 0.657 (seen).
@pytest.mark.parametrize("name,floor", [
    ("grounding_blind.jsonl", 0.97), ("grounding_blind2.jsonl", 0.86), ("grounding_blind3.jsonl", 0.85),
    ("grounding_blind5.jsonl", 0.68), ("grounding_blind4.jsonl", 0.71), ("grounding_blind6.jsonl", 0.78),
    ("grounding_blind7.jsonl", 0.71), ("grounding_blind8.jsonl", 0.77), ("grounding_blind9.jsonl", 0.65),
    ("grounding_blind10.jsonl", 0.64), ("grounding_blind11.jsonl", 0.52), ("grounding_blind12.jsonl", 0.72),
    ("grounding_blind13.jsonl", 0.65),
])
def test_blind_grounding_regression_floors(name, floor):
    acc = grounding_accuracy(None, name)
    print(f"grounding[{name}] accuracy={acc:.3f}")
    assert acc >= floor


CTX_Q = ["Standard shipping costs €4.95 and takes 3 to 5 working days; express shipping costs €9.95 and arrives the "
         "next day. Orders over €50 ship free.",
         "The pool opens at 6:30 and closes at 22:00 on weekdays. At weekends it is open from 8:00 to 18:00.",
         "The first dose is given at 2 months and the second dose at 4 months. The warranty lasts 24 months.",
         "Overdue items are charged 20p per day, except children's books, which have no late fees.",
         "Collins stayed in orbit while Armstrong and Aldrin walked on the Moon. The lake is shallow near the beach."]


@pytest.mark.parametrize("answer,label", [
    ("The warranty lasts 2 years.", None),  # 24 months = 2 years
    ("On weekdays the pool closes at 10 pm.", None),  # 22:00 = 10 pm
    ("At weekends the pool closes at 6 pm.", None),
    ("The lake isn't deep near the beach.", None),  # negated antonym restates the context
    ("Express shipping costs $9.95.", "unsupported_currency"),  # the 9.95 is in euros
    ("Standard shipping takes 3 to 5 weeks.", "unsupported_number"),  # same numbers, other unit
    ("Standard shipping costs €9.95.", "contradiction"),  # the amount belongs to express shipping
    ("The second dose is given at 2 months.", "contradiction"),
    ("At weekends the pool closes at 10 pm.", "contradiction"),
    ("Overdue children's books are charged 20p per day.", "contradiction"),  # the context excepts them
    ("Aldrin stayed in orbit.", "contradiction"),  # said of Collins
    ("Every order ships free.", "unsupported"),  # the condition (over €50) is left out
    ("The lake is deep near the beach.", "contradiction"),
])
def test_quantities_roles_and_conditions(answer, label):
    out = check_grounding(answer, CTX_Q)
    assert [t.label for t in out] == ([label] if label else []), [t.detail for t in out]


def test_ungrounded_claim_span_and_precomputed_vectors():
    answer = "The Eiffel Tower is 330 metres tall. It opened in 1901."
    vecs = get_embedder().embed(CTX)
    (t,) = check_grounding(answer, CTX, passage_vectors=vecs)
    assert answer[t.span_start:t.span_end] == "It opened in 1901."
    assert t.code == "ungrounded" and t.label == "unsupported_number"


def test_claims_skip_questions_and_pleasantries():
    claims = split_claims("Sure! The U.S. economy grew 2.5% in 2023. Want more? I hope this helps!")
    assert [c.text for c in claims] == ["The U.S. economy grew 2.5% in 2023."]


def test_self_consistency():
    same = ["The capital of Australia is Canberra.", "Canberra is Australia's capital city.",
            "Australia's capital is Canberra."]
    diff = ["The capital of Australia is Canberra.", "The capital of Australia is Sydney.",
            "Melbourne is the capital of Australia."]
    s_same, t_same = self_consistency(same)
    s_diff, t_diff = self_consistency(diff)
    print(f"self-consistency agree={s_same:.2f} disagree={s_diff:.2f}")
    assert s_same > s_diff and not t_same and t_diff and t_diff[0].code == "inconsistent"


@pytest.mark.parametrize("text,expected", [
    ("more than six hundred requests", "more than 600 requests"),
    ("up to ten thousand songs", "up to 10000 songs"),
    ("one hundred and twenty", "120"),
    ("between three and five working days", "between 3 and 5 working days"),
    ("a day and a half of leave", "1.5 day of leave"),
    ("one and a half days", "1.5 days"),
    ("after half a minute", "after 0.5 minute"),
    ("takes 1 hour 40 minutes", "takes 100 minutes"),
    ("a decade", "10 years"),
    ("one of the twenty-five rooms", "one of the 25 rooms"),
])
def test_digitise(text, expected):
    from services.guardrails.grounding_quantities import digitise

    assert digitise(text) == expected


def test_weight_pounds_and_negation_equivalent_words():
    ctx = ["Economy passengers may check one bag weighing up to 23 kg (50 lb) at no charge."]
    assert check_grounding("In economy you can check one bag of up to 50 pounds for free.", ctx) == []
    ctx = ["The account has no monthly maintenance fee if you receive at least one direct deposit per month."]
    assert check_grounding("One direct deposit a month waives the monthly maintenance fee.", ctx) == []


def _combiner():
    import json

    from services.guardrails import grounding_combiner as gc
    return gc, gc.Combiner.from_json(json.loads(gc.WEIGHTS_PATH.read_text(encoding="utf-8")))


def test_learned_combiner_is_not_the_default():
    # bench/grounding_cv.py: leave-one-file-out over the six files, the combiner did not beat the rules on both
    # blind4 and blind5 (the least-tuned files) once trained with verbatim restatements as positives (without them it
    # did, by 1-2 answers, while flagging ~5% of context sentences restated word for word). The rules stay the default.
    gc, comb = _combiner()
    assert gc.default_combiner() is False
    cv = comb.meta["cv_leave_one_file_out"]
    assert not all(cv[f]["nested"] > cv[f]["rules"] for f in ("grounding_blind4", "grounding_blind5"))


@pytest.mark.parametrize("answer,label", [
    ("Express shipping costs $9.95.", "unsupported_currency"),  # hard overrides keep the rules' word
    ("Standard shipping takes 3 to 5 weeks.", "unsupported_number"),
    ("Every order ships free.", "unsupported"),
    ("Overdue items are charged 20p per day, except children's books, which have no late fees.", None),  # verbatim
])
def test_learned_combiner_keeps_hard_overrides(answer, label):
    _, comb = _combiner()
    out = check_grounding(answer, CTX_Q, combiner=comb)
    assert [t.label for t in out] == ([label] if label else []), [t.detail for t in out]


@pytest.mark.parametrize("name,floor", [("grounding_blind4.jsonl", 0.78), ("grounding_blind5.jsonl", 0.74)])
def test_learned_combiner_training_fit(name, floor):
    # TRAINING-SET FIT, not a generalisation figure: the shipped weights were trained on these files (measured 0.800
    # and 0.759). Held-out (leave-one-file-out) figures are in data/grounding_combiner.json: blind4 0.633-0.683,
    # blind5 0.648-0.722 depending on the setting and run (the rules: 0.633 and 0.685).
    from ._data import load
    _, comb = _combiner()
    rows = load(name)
    acc = sum((not check_grounding(r["answer"], r["context"], combiner=comb)) == r["grounded"] for r in rows) / len(rows)
    print(f"combiner training fit [{name}] {acc:.3f}")
    assert acc >= floor


def test_second_look_at_the_closest_sentence():
    # in a long passage the claim's sentence is diluted (passage cosine 0.45); against that sentence it is 0.67
    ctx = ["Members can borrow up to 12 books at a time. Loans last three weeks and can be renewed twice online. "
           "Overdue items cost 20 cents per day. The reading room is closed on public holidays."]
    v = assess_claims("You can extend a loan twice on the website.", GroundingContext(ctx))[0]
    assert v.supported and v.reason == "semantic" and v.semantic > 0.6
    assert check_grounding("You can extend a loan four times on the website.", ctx)[0].label == "unsupported_number"
    assert check_grounding("Members can renew their parking permit twice at the front desk.", ctx)


RATE_LIMIT = ["The limit is 600 requests per minute; exceeding it returns HTTP 429."]
TRAIN = ["The direct train from Lyon to Marseille takes 1 hour 40 minutes."]
ACME = ["Acme Corp acquired Bluefin Analytics in 2021 for $40 million."]
HOTELS = ["The Harbor View Hotel offers free parking for guests. The Bayside Inn charges $20 per night for parking."]
SHIPPING = ["Standard shipping uses ground couriers and costs $4.25.",
            "Express shipping goes by air freight, costs $9.50 and arrives the next business day.",
            "Parcels to Canada take 10 days by road; parcels to Mexico take 5 days by sea.",
            "Adult tickets cost $12, and concession tickets for students cost $8."]
FEES = ["Fee schedule — Late payment: $25 | Returned payment: $35 | Lease break: 2 months' rent",
        "Flu vaccinations for children aged 2 and 3 are given at their GP practice, usually as a nasal spray."]
HOURS = ["Check-in begins at 3 p.m. and check-out is by 11 a.m.",
         "The counter resets at midnight UTC. Lunch is served at noon."]


@pytest.mark.parametrize("answer, context, grounded", [
    # number words and composite quantities
    ("Sending more than six hundred requests a minute gets you a 429.", RATE_LIMIT, True),
    ("Sending more than seven hundred requests a minute gets you a 429.", RATE_LIMIT, False),
    ("The direct train takes 100 minutes.", TRAIN, True),
    ("The direct train takes 110 minutes.", TRAIN, False),
    ("At 5,895 m, Kilimanjaro is the tallest mountain in Africa.",
     ["Mount Kilimanjaro is Africa's highest peak at 5,895 metres."], True),
    # argument swaps
    ("Bluefin Analytics acquired Acme Corp in 2021.", ACME, False),
    ("Acme Corp acquired Bluefin Analytics in 2021.", ACME, True),
    ("Bluefin Analytics was acquired by Acme Corp in 2021.", ACME, True),
    ("Acme Corp was acquired by Bluefin Analytics in 2021.", ACME, False),
    # a predicate the context says of another named item
    ("The Bayside Inn offers free parking for guests.", HOTELS, False),
    ("The Harbor View Hotel offers free parking for guests.", HOTELS, True),
    ("Parking at the Bayside Inn costs $20 per night.", HOTELS, True),
    # a value said of another item (the value-swap rule, or the older role-word rule where an antonym pair exists)
    ("Standard shipping with ground couriers costs $9.50.", SHIPPING, False),
    ("Express shipping by air freight costs $9.50.", SHIPPING, True),
    ("Air freight express shipping is $4.25.", SHIPPING, False),
    ("Standard shipping uses ground couriers and costs $4.25.", SHIPPING, True),
    ("For parcels to Canada going by road, delivery takes 10 days.", SHIPPING, True),  # qualifier joins the next part
    ("Parcels to Canada travel by road and take 5 days.", SHIPPING, False),  # the other half of the same sentence
    ("Parcels to Canada take 10 days, while parcels to Mexico take 5 days by sea.", SHIPPING, True),
    ("Students pay $12 for a concession ticket.", SHIPPING, False),  # no antonym pair: only the value's place tells
    ("A concession ticket for students costs $8.", SHIPPING, True),
    ("A returned payment costs you a $35 fee.", FEES, True),  # table cells
    ("A late payment costs you a $35 fee.", FEES, False),
    ("Flu vaccines for children aged 2 and 3 are given at the GP practice.", FEES, True),  # a list of values
    # whole hours offer their zero minutes; midnight and noon their clock numbers
    ("Check-in starts at 15:00 and check-out is by 11:00.", HOURS, True),
    ("The counter resets at 00:00 UTC.", HOURS, True),
    ("Lunch is served at 12:00.", HOURS, True),
    ("Check-in starts at 16:00.", HOURS, False),
    ("The counter resets at 01:00 UTC.", HOURS, False),
])
def test_grounded_against_context(answer, context, grounded):
    assert (not check_grounding(answer, context)) == grounded
