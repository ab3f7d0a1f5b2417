"""The Cache facade: keyed lookups, admission policy and invalidation."""

from __future__ import annotations

from services.cache.keys import structured_key
from services.cache.model import CacheKind, Outcome, Scope
from services.cache.service import Cache, CacheConfig

REQ = {"tenant_id": "t", "app_id": "support", "model": "m", "prompt_version": "v1", "request_id": "r1"}


def test_structured_then_semantic(embed):
    c = Cache(embed=embed)
    req = {**REQ, "template_id": "summarize_ticket", "params": {"id": "4471"}, "query": "summarize ticket 4471"}
    first = c.lookup(req, embed(req["query"]))
    assert not first.hit and [d.kind for d in first.trail] == [CacheKind.STRUCTURED, CacheKind.PRECOMPUTED,
                                                               CacheKind.SEMANTIC]
    stored, why = c.admit(req, {"text": "Ticket 4471: printer jam", "citations": [{"doc_id": "kb-1"}]},
                          vector=embed(req["query"]))
    assert why == "ok" and {e.kind for e in stored} == {CacheKind.STRUCTURED, CacheKind.SEMANTIC}
    again = c.lookup({**req, "request_id": "r2", "params": {"id": " 4471"}}, embed(req["query"]))
    assert again.hit and again.decision.kind is CacheKind.STRUCTURED and again.decision.reason == "exact"
    other = c.lookup({**req, "params": {"id": "4472"}, "query": "summarize ticket 4472"},
                     embed("summarize ticket 4472"))
    assert not other.hit and other.decision.reason == "slot_mismatch:number"


def test_uncacheable_answers_are_refused(embed):
    c = Cache(embed=embed)
    req = {**REQ, "query": "What is the refund policy?"}
    for resp, why in [({"text": "x", "error": "timeout"}, "error"), ({"text": "x", "blocked": True}, "blocked"),
                      ({"text": "x", "guardrail_flagged": True}, "guardrail_flagged"),
                      ({"text": "x", "finish_reason": "content_filter"}, "finish_reason:content_filter"),
                      ({"text": "  "}, "empty")]:
        assert c.admit(req, resp) == ([], why)
    assert len(c.store) == 0


def test_document_change_invalidates(embed):
    c = Cache(embed=embed)
    req = {**REQ, "query": "What is the refund window?"}
    c.admit(req, {"text": "30 days", "citations": [{"doc_id": "policy-7"}]})
    assert c.lookup(req, embed(req["query"])).hit
    assert len(c.on_document("policy-7")) == 1
    assert not c.lookup(req, embed(req["query"])).hit


def test_negative_feedback_invalidates_producer_and_served(embed):
    c = Cache(embed=embed)
    q = "How do I reset my password?"
    c.admit({**REQ, "query": q}, "Use the link")
    assert c.on_signal("thumbs_up", request_id="r1") == []
    served = c.lookup({**REQ, "request_id": "r9", "query": q}, embed(q))
    assert served.hit
    assert [e.entry_id for e in c.on_signal("thumbs_down", request_id="r9")] == [served.entry.entry_id]
    assert not c.lookup({**REQ, "request_id": "r10", "query": q}, embed(q)).hit
    c.admit({**REQ, "request_id": "r11", "query": q}, "Use the new link")
    assert len(c.on_signal("correction", request_id="r11")) == 1


def test_disabled_kind_bypasses_and_ttl_per_kind():
    cfg = CacheConfig(enabled=frozenset({CacheKind.STRUCTURED}))
    cfg.ttl_s[CacheKind.STRUCTURED] = 10
    c = Cache(config=cfg)
    s = Scope.from_request(REQ)
    k = structured_key(s, "t", {"a": 1})
    c.put(CacheKind.STRUCTURED, k, s, "x", now=0)
    assert c.get(CacheKind.STRUCTURED, k, now=5).hit
    assert c.get(CacheKind.STRUCTURED, k, now=11).decision.reason == "ttl_expired"
    assert c.get(CacheKind.ITEM, "item|x", now=0).decision.outcome is Outcome.BYPASS
    res = c.lookup({**REQ, "query": "hello"})
    assert res.decision.outcome is Outcome.BYPASS and res.decision.reason == "disabled"
