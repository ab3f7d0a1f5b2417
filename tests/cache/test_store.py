"""Bounded LRU/TTL store, invalidation and entry serialisation."""

from __future__ import annotations

import numpy as np

from services.cache.model import CacheKind, Entry, Scope
from services.cache.slots import extract_slots
from services.cache.store import CacheStore, MemoryStore

S = Scope("t", "a", "m", "p")


def mk(key: str, **kw) -> Entry:
    return Entry(kind=CacheKind.STRUCTURED, key=key, scope=S, response=kw.pop("response", "r"), **kw)


def test_lru_bound_by_entries():
    st = MemoryStore(max_entries=2)
    removed = []
    st.subscribe(lambda e, why: removed.append((e.key, why)))
    st.put(mk("a")), st.put(mk("b"))
    st.fetch("a")  # a is now most recent
    st.put(mk("c"))
    assert st.peek("b") is None and st.peek("a") and st.peek("c")
    assert removed == [("b", "evicted")]


def test_bound_by_bytes():
    st = MemoryStore(max_entries=100, max_bytes=3000)
    for i in range(10):
        st.put(mk(f"k{i}", response="x" * 800))
    assert st.bytes_used <= 3000 and len(st) < 10 and st.peek("k9") is not None


def test_ttl():
    st = MemoryStore()
    st.put(mk("a", created_at=0, expires_at=100))
    assert st.fetch("a", now=50)[1] == "ok"
    assert st.fetch("a", now=150) == (None, "ttl_expired")
    assert st.fetch("a", now=150) == (None, "not_found")
    st.put(mk("b", expires_at=10)), st.put(mk("c", expires_at=None))
    assert [e.key for e in st.expire(now=20)] == ["b"] and len(st) == 1


def test_invalidation_by_doc_request_and_entry():
    st = MemoryStore()
    st.put(mk("a", doc_ids=("d1", "d2"), request_id="r1"))
    st.put(mk("b", doc_ids=("d2",)))
    st.put(mk("c", entry_id="e3"))
    assert {e.key for e in st.invalidate_doc("d2")} == {"a", "b"}
    assert st.invalidate_doc("d1") == [] and st.invalidate_request("r1") == []
    assert st.invalidate_entry("e3").key == "c" and len(st) == 0


def test_replace_same_key_keeps_indexes_consistent():
    st = MemoryStore()
    st.put(mk("a", doc_ids=("d1",)))
    st.put(mk("a", doc_ids=("d2",)))
    assert st.invalidate_doc("d1") == [] and len(st.invalidate_doc("d2")) == 1


def test_entry_serialisation_roundtrip():
    v = np.random.default_rng(0).standard_normal(384).astype(np.float32)
    e = Entry(kind=CacheKind.SEMANTIC, key="semantic|x|q", scope=S, response="ans", query="Refund $50?",
              vector=v, slots=extract_slots("Refund $50?"), doc_ids=("d1",), request_id="r", params={"a": "1"},
              expires_at=123.0)
    back = Entry.from_bytes(e.to_bytes())
    assert back.to_dict() == e.to_dict()
    assert np.array_equal(back.vector, v) and back.slots == e.slots


def test_protocol():
    assert isinstance(MemoryStore(), CacheStore)
