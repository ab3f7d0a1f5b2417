"""The output-check cost paths: claims settled without the model, one capped batch for the rest, passage LRU."""

import numpy as np

from services.embeddings import get_embedder
from services.guardrails import check_output
from services.guardrails.embedding import CLAIM_TOKENS, PassageCache, get_claim_embedder
from services.guardrails.grounding import GroundingContext, assess_claims, check_grounding

PASSAGES = ["Refunds are possible within 30 days of purchase and are issued to the original payment method.",
            "Support is available Monday to Friday from 9:00 to 17:00 CET by email and chat."]


class CountingEmbedder:
    """Wraps the shared embedder and records every ``embed`` call."""

    model_path = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.inner = get_embedder()

    def embed(self, texts):
        self.calls.append(list(texts))
        return self.inner.embed(texts)


def test_lexically_settled_answer_embeds_nothing():
    emb = CountingEmbedder()
    out = check_output("You can get a refund within 30 days. Support answers by email and chat on weekdays.",
                       PASSAGES, embedder=emb)
    assert out == [] and emb.calls == []


def test_pending_claims_are_embedded_in_one_batch_and_passages_come_from_the_lru():
    from services.guardrails.embedding import PASSAGE_CACHE

    PASSAGE_CACHE.clear()
    emb = CountingEmbedder()
    answer = ("Purchases can be refunded for 30 days, back to the card you used. "
              "Help is offered on workdays through chat and email between 9:00 and 17:00 CET.")
    assess_claims(answer, GroundingContext(PASSAGES), embedder=emb)
    claim_calls = [c for c in emb.calls if c != PASSAGES]
    assert len(claim_calls) <= 1  # all undecided claims in one batch
    assert PASSAGES in emb.calls  # passages embedded once ...
    emb.calls.clear()
    assess_claims(answer, GroundingContext(PASSAGES), embedder=emb)
    assert PASSAGES not in emb.calls  # ... and served from the LRU afterwards
    assert PASSAGE_CACHE.hits >= len(PASSAGES)


def test_passage_cache_evicts_least_recent():
    class Fake:
        model_path = "fake"

        def __init__(self):
            self.n = 0

        def embed(self, texts):
            self.n += len(texts)
            return np.ones((len(texts), 384), np.float32)

    cache, fake = PassageCache(maxsize=2), Fake()
    cache.vectors(["a", "b"], fake)
    cache.vectors(["a"], fake)  # a is now most recent
    cache.vectors(["c"], fake)  # evicts b
    assert fake.n == 3
    cache.vectors(["a", "c"], fake)
    assert fake.n == 3
    cache.vectors(["b"], fake)
    assert fake.n == 4


def test_claim_embedder_caps_tokens_and_is_close_to_the_shared_model():
    ce = get_claim_embedder(1)
    long_claim = "The refund policy covers " + "many different products and services " * 40
    assert len(ce._tokenizers[CLAIM_TOKENS].encode(long_claim).ids) == CLAIM_TOKENS
    short = "Refunds are possible within 30 days."
    assert ce.model_path != get_embedder().model_path  # the integer-kernel copy, not the shipped file
    assert float(ce.embed_claims([short])[0] @ get_embedder().embed_one(short)) > 0.98
    assert ce.threads == 1


def test_check_output_accepts_embedder_threads():
    out = check_output("Purchases can be refunded for 90 days.", PASSAGES, embedder_threads=1)
    assert [t.label for t in out] == ["unsupported_number"]


def test_paraphrase_tools_keep_wrong_facts_flagged():
    ctx = ["Sick leave requires a doctor's note from the third day of absence.",
           "Pets are allowed with a one-time fee of $200, but dogs over 25 kg are not permitted.",
           "Members can bring one guest per month for free."]
    assert not check_grounding("A note from a doctor is needed once you have been absent for three days.", ctx)
    assert not check_grounding("Having a pet costs a one-time fee of $200.", ctx)  # the 'not' is in another clause
    assert not check_grounding("Each month, members may bring a guest at no cost.", ctx)  # 'no cost' is not a negation
    assert check_grounding("Dogs over 25 kg are allowed.", ctx)[0].label == "contradiction"
    assert check_grounding("A doctor's note is needed from the fifth day of absence.", ctx)
    assert check_grounding("Pets are allowed with a one-time fee of $300.", ctx)[0].label == "unsupported_number"


def test_quantity_role_and_condition_checks_need_no_embedding():
    emb = CountingEmbedder()
    ctx = ["Standard shipping costs €4.95; express shipping costs €9.95. Orders over €50 ship free.",
           "Refunds are possible within 30 days of purchase."]
    labels = [t.label for t in check_grounding("Standard shipping costs €9.95. Every order ships free. "
                                               "Express shipping costs $9.95. You can get a refund within 30 days.",
                                               ctx, embedder=emb)]
    assert labels == ["contradiction", "unsupported", "unsupported_currency"] and emb.calls == []
