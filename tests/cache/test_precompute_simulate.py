"""Offline precomputation and traffic simulation."""

from __future__ import annotations

import json

from services.cache.model import CacheKind
from services.cache.precompute import precompute
from services.cache.service import Cache
from services.cache.simulate import simulate

BASE = {"tenant_id": "t", "app_id": "shop", "model": "m", "prompt_version": "v1"}


def test_precompute_then_lookup():
    lines = [
        json.dumps({**BASE, "template_id": "describe", "params": {"sku": "A1"}}),
        json.dumps({**BASE, "task": "compare", "entities": ["A1", "B2"]}),
        json.dumps({**BASE, "query": "What is your return policy?"}),
        json.dumps({**BASE, "query": "boom"}),
        json.dumps({**BASE, "query": "flagged"}),
        "{not json",
        json.dumps({**BASE}),
        "",
    ]

    def gen(req):
        if req.get("query") == "boom":
            raise RuntimeError("model unavailable")
        if req.get("query") == "flagged":
            return {"text": "x", "guardrail_flagged": True}
        return f"answer:{req.get('template_id') or req.get('task') or req['query']}"

    cache = Cache()
    rep = precompute(lines, gen, cache, progress=False)
    assert (rep.total, rep.stored, rep.skipped, len(rep.errors)) == (7, 3, {"guardrail_flagged": 1}, 3)
    hit = cache.lookup({**BASE, "template_id": "describe", "params": {"SKU": "a1"}})
    assert hit.hit and hit.decision.kind is CacheKind.PRECOMPUTED and hit.response == "answer:describe"
    assert cache.lookup({**BASE, "task": "compare", "entities": ["b2", "a1"]}).response == "answer:compare"
    assert cache.lookup({**BASE, "query": "what is your return policy"}).response.startswith("answer:What")


def test_simulate_counts_would_be_hits(embedder):
    reqs = []
    t = 1_700_000_000_000
    qs = ["How do I cancel my subscription?", "How can I stop my subscription?", "Cancel my subscription",
          "What is the refund policy for orders over $50?", "What is the refund policy for orders over $500?",
          "Where is my order ORD-1?", "Where is my order ORD-2?", "How do I cancel my subscription?"]
    for i, q in enumerate(qs):
        reqs.append({**BASE, "event_time": t + i * 1000, "query": q, "request_id": f"r{i}"})
    reqs.append({**BASE, "event_time": t + 100, "template_id": "summarize", "params": {"id": "1"}})
    reqs.append({**BASE, "event_time": t + 200, "template_id": "summarize", "params": {"id": "1"}})
    rep = simulate(list(reversed(reqs)), embed=embedder.embed)  # input order must not matter
    assert rep.total == 10
    assert rep.per_kind["structured"].eligible == 2 and rep.per_kind["structured"].hits == 1
    sem = rep.per_kind["semantic"]
    assert sem.eligible == 8 and 2 <= sem.hits <= 4  # paraphrases/repeats hit; $500 and ORD-2 must not
    assert rep.miss_reasons.get("slot_mismatch:number", 0) + rep.miss_reasons.get("slot_mismatch:code", 0) >= 2
    assert rep.clusters[0].count >= 3 and "subscription" in rep.clusters[0].representative
    assert 0 < rep.top_k_share <= 1 and json.dumps(rep.to_dict()) and "hit rate" in rep.format_text()
