"""Semantic cache behaviour with the real embedder, and the Decision <-> CacheDecision mapping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from services.cache.index import VectorIndex
from services.cache.model import CacheKind, Outcome, Scope
from services.cache.semantic import SemanticCache
from services.cache.store import MemoryStore

S = Scope("t", "app", "m", "v1")
AVSC = Path(__file__).resolve().parents[2] / "schemas" / "avro" / "cache_decision.avsc"


def test_hit_and_exact(embed):
    c = SemanticCache()
    c.put(S, "How do I cancel my subscription?", "Go to Settings", embed("How do I cancel my subscription?"))
    r = c.lookup(S, "How can I stop my subscription?", embed("How can I stop my subscription?"))
    assert r.hit and r.response == "Go to Settings" and r.decision.reason == "similar"
    r = c.lookup(S, "how do I cancel my subscription", embed("x"))
    assert r.hit and r.decision.reason == "exact" and r.decision.similarity == 1.0


def test_reversal_never_hits(embed):
    """GPTCache #694: a query and its exact reversal must not share an answer."""
    c = SemanticCache()
    for q in ("flights from Paris to London", "Is A better than B?", "Convert 100 USD to EUR"):
        c.put(S, q, "answer to " + q, embed(q))
    for q in ("flights from London to Paris", "Is B better than A?", "Convert 100 EUR to USD"):
        r = c.lookup(S, q, embed(q))
        assert not r.hit and r.decision.reason.startswith("slot_mismatch:"), (q, r.decision)
        assert r.decision.similarity > 0.9


def test_guard_rejected_neighbour_does_not_hide_an_equivalent_one(embed):
    c = SemanticCache(threshold=0.7)
    near_but_wrong = "What is the refund policy for orders under $50?"
    right = "Refund policy for orders above fifty dollars?"
    c.put(S, near_but_wrong, "wrong", embed(near_but_wrong))
    c.put(S, right, "right", embed(right))
    q = "What is the refund policy for orders over $50?"
    v = embed(q)
    assert float(v @ embed(near_but_wrong)) > float(v @ embed(right))  # the wrong one is nearest
    r = c.lookup(S, q, v)
    assert r.hit and r.response == "right"


def test_miss_reasons(embed):
    c = SemanticCache()
    q = "Cancel my appointment on Monday"
    assert c.lookup(S, q, embed(q)).decision.reason == "empty"
    c.put(S, q, "done", embed(q))
    other = "How do I reset my password?"
    d = c.lookup(S, other, embed(other)).decision
    assert d.outcome is Outcome.MISS and d.reason == "below_threshold" and d.entry_id is not None
    d = c.lookup(S, "Cancel my appointment on Tuesday", embed("Cancel my appointment on Tuesday")).decision
    assert d.reason == "slot_mismatch:date" and d.similarity > 0.9
    assert c.lookup(S, "something", None).decision.outcome is Outcome.BYPASS


def test_scopes_are_isolated(embed):
    c = SemanticCache()
    q = "How do I export my data?"
    c.put(S, q, "a", embed(q))
    for other in (Scope("t2", "app", "m", "v1"), Scope("t", "app", "m", "v2"), Scope("t", "app", "m2", "v1")):
        assert not c.lookup(other, q, embed(q)).hit


def test_ttl_and_removal_from_index(embed):
    store = MemoryStore(max_entries=2)
    c = SemanticCache(store, ttl_s=60)
    q = "What is the baggage allowance for economy?"
    c.put(S, q, "23kg", embed(q), now=1000)
    assert c.lookup(S, q, embed(q), now=1030).hit
    assert c.lookup(S, q, embed(q), now=1061).decision.reason == "ttl_expired"
    assert len(c) == 0
    for i, t in enumerate(["alpha question one", "beta question two", "gamma question three"]):
        c.put(S, t, str(i), embed(t))
    assert len(store) == 2 and len(c) == 2  # eviction removed the vector too


def test_restart_rebuilds_index_from_store(embed):
    store = MemoryStore()
    q = "How do I enable two-factor authentication?"
    SemanticCache(store).put(S, q, "Settings > Security", embed(q))
    restored = MemoryStore()
    for e in store.entries():
        restored.put(type(e).from_bytes(e.to_bytes()))
    c2 = SemanticCache(restored)
    assert c2.lookup(S, "How can I turn on two-factor authentication?",
                     embed("How can I turn on two-factor authentication?")).hit


def test_decision_maps_onto_avro_schema(embed):
    schema = json.loads(AVSC.read_text())
    fields = {f["name"]: f for f in schema["fields"]}
    c = SemanticCache()
    d = c.lookup(S, "hi", embed("hi")).decision
    ev = d.to_event_fields()
    assert set(ev) <= set(fields) and {"kind", "key", "outcome", "reason", "similarity", "entry_id",
                                        "latency_ms"} == set(ev)
    assert ev["kind"] in fields["kind"]["type"]["symbols"]
    assert ev["outcome"] in fields["outcome"]["type"]["symbols"]
    assert {k.value for k in CacheKind} == set(fields["kind"]["type"]["symbols"])
    assert {o.value for o in Outcome} == set(fields["outcome"]["type"]["symbols"])
    assert isinstance(ev["latency_ms"], float)


def test_vector_index_exact_and_hnsw_agree():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((600, 384)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    exact, approx = VectorIndex(exact_limit=10_000), VectorIndex(exact_limit=100)
    for i, v in enumerate(x):
        exact.add(f"k{i}", v), approx.add(f"k{i}", v)
    assert approx.approximate and not exact.approximate
    for i in range(0, 600, 7):
        approx.remove(f"k{i}"), exact.remove(f"k{i}")
    q = x[1] + 0.05 * rng.standard_normal(384).astype(np.float32)
    assert exact.search(q, 3)[0][0] == approx.search(q, 3)[0][0] == "k1"
    assert all(k != "k0" for k, _ in approx.search(x[0], 5))
    for i in range(0, 600, 7):  # refill reuses deleted slots
        approx.add(f"n{i}", x[i])
    assert len(approx) == 600 and approx.search(x[14], 1)[0][0] == "n14"


def test_bulk_load_matches_incremental(embed):
    texts = ["How do I export my data?", "Cancel my appointment on Monday", "Convert 100 USD to EUR"]
    src = SemanticCache()
    for t in texts:
        src.put(S, t, "a:" + t, embed(t))
    entries = [type(e).from_bytes(e.to_bytes()) for e in src.store.entries()]
    dst = SemanticCache(MemoryStore(), exact_limit=1)  # forces the hnswlib path
    dst.load(entries)
    assert len(dst) == 3
    r = dst.lookup(S, "Cancel my appointment on Monday please", embed("Cancel my appointment on Monday please"))
    assert r.hit and r.response == "a:Cancel my appointment on Monday"
    assert not dst.lookup(S, "Convert 100 EUR to USD", embed("Convert 100 EUR to USD")).hit


def test_same_values_and_words_hit_below_the_threshold(embed):
    """"£500" / "500 GBP" and "two" / "2 people" pull a paraphrase under 0.75: with the same typed values
    and the same content words it still hits; a changed word or value does not."""
    c = SemanticCache()
    for q in ("Send 500 GBP to my sister", "Book a table for 2 people at 7pm"):
        c.put(S, q, "answer to " + q, embed(q))
    for q in ("Transfer £500 to my sister", "Can you reserve a table for two at 7 pm?"):
        r = c.lookup(S, q, embed(q))
        assert r.hit and r.decision.similarity < 0.75, (q, r.decision)
    for q in ("Transfer £600 to my sister", "Transfer £500 to my brother", "Cancel a table for two at 7 pm",
              "Can you reserve a table for two at 8 pm?"):
        r = c.lookup(S, q, embed(q))
        assert not r.hit, (q, r.decision)
    strict = SemanticCache(anchored_threshold=None)
    strict.put(S, "Send 500 GBP to my sister", "a", embed("Send 500 GBP to my sister"))
    r = strict.lookup(S, "Transfer £500 to my sister", embed("Transfer £500 to my sister"))
    assert not r.hit and r.decision.reason == "below_threshold"
