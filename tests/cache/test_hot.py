"""Hot-key detection and cache warming."""

from __future__ import annotations

import pytest

from services.cache.hot import HotKeyCounter, warm
from services.cache.keys import structured_key
from services.cache.model import CacheKind, Scope
from services.cache.service import Cache

S = Scope("t", "a", "m", "v")
KEY = structured_key(S, "summarize_ticket", {"id": "1"})


def obs(h, t, cached=False, key=KEY):
    return h.observe(key, kind=CacheKind.STRUCTURED, scope=S, cached=cached, now=t, template_id="summarize_ticket",
                     params={"id": "1"})


def test_triggers_once_per_window_when_hot_and_uncached():
    h = HotKeyCounter(window_s=60, threshold=3)
    assert [obs(h, t) for t in (0, 1)] == [None, None]
    trig = obs(h, 2)
    assert trig is not None and trig.request_count == 3 and trig.window_s == 60
    assert trig.to_event_fields()["kind"] == "structured" and trig.to_event_fields()["params"] == {"id": "1"}
    assert [obs(h, t) for t in (3, 4, 50)] == [None, None, None]  # same window: once only
    assert obs(h, 63) is not None  # a window later, still hot and still uncached


def test_sliding_window_and_cached_keys():
    h = HotKeyCounter(window_s=10, threshold=3)
    assert obs(h, 0) is None and obs(h, 5) is None
    assert obs(h, 20) is None  # the first two fell out of the window
    assert h.count(KEY, now=20) == 1
    for t in (21, 22, 23):
        assert obs(h, t, cached=True) is None  # hot but cached: nothing to warm


def test_bounded_memory():
    h = HotKeyCounter(window_s=10, threshold=2, max_keys=5)
    for i in range(20):
        obs(h, i, key=f"k{i}")
    assert len(h) == 5


def test_bad_config():
    with pytest.raises(ValueError):
        HotKeyCounter(window_s=0)


def test_warm_fills_the_cache_and_refuses_bad_answers():
    h = HotKeyCounter(window_s=60, threshold=1)
    trig = obs(h, 0)
    cache = Cache()
    entry, why = warm(trig, lambda req: {"text": "flagged", "guardrail_flagged": True}, cache)
    assert entry is None and why == "guardrail_flagged"
    entry, why = warm(trig, lambda req: (_ for _ in ()).throw(RuntimeError("llm down")), cache)
    assert entry is None and why == "generator_error:RuntimeError"
    entry, why = warm(trig, lambda req: f"summary of {req['params']['id']}", cache)
    assert why == "ok" and cache.get(CacheKind.STRUCTURED, KEY).response == "summary of 1"
