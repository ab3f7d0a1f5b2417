"""ReplicatedStore: change records, convergence in any order, tombstones, bounds, snapshot/load, and a
SemanticCache following entries replicated from another worker."""

from __future__ import annotations

import random

import numpy as np

from services.cache.model import CacheKind, Entry, Scope
from services.cache.replicated import ReplicatedStore
from services.cache.semantic import SemanticCache
from services.cache.store import CacheStore

S = Scope("t", "a", "m", "p")


def mk(key: str, response: str = "r", **kw) -> Entry:
    return Entry(kind=CacheKind.STRUCTURED, key=key, scope=S, response=response, created_at=1.0, **kw)


class Log:
    def __init__(self) -> None:
        self.records: list[tuple[bytes, bytes | None]] = []

    def __call__(self, key: bytes, value: bytes | None) -> None:
        self.records.append((key, value))


def state(st: ReplicatedStore) -> dict[str, tuple[str, tuple]]:
    return {e.key: (e.response, st.version(e.key)) for e in st.entries()}


def test_is_a_cache_store_and_emits_bytes():
    log = Log()
    st = ReplicatedStore(log, node_id="w1")
    assert isinstance(st, CacheStore)
    st.put(mk("k1", doc_ids=("d1",)))
    st.put(mk("k2", request_id="r2"))
    st.invalidate_doc("d1")
    st.invalidate_request("r2")
    st.remove("missing")  # nothing to delete: no record
    assert [k for k, _ in log.records] == [b"k1", b"k2", b"k1", b"k2"]
    assert all(isinstance(v, bytes) for _, v in log.records)
    assert len(st) == 0


def _two_workers_history():
    la, lb = Log(), Log()
    a, b = ReplicatedStore(la, node_id="a"), ReplicatedStore(lb, node_id="b")
    for i in range(6):
        a.put(mk(f"k{i}", response=f"a{i}", doc_ids=(f"d{i % 2}",)))
    for i in range(3, 9):
        b.put(mk(f"k{i}", response=f"b{i}"))  # k3..k5 written by both: the higher version wins
    a.invalidate_doc("d1")                      # tombstones k1, k3, k5 (a's versions)
    b.remove("k7")
    return la.records, lb.records


def test_replicas_converge_whatever_the_delivery_order():
    ra, rb = _two_workers_history()
    states = []
    for seed in range(5):
        recs = ra + rb
        random.Random(seed).shuffle(recs)
        st = ReplicatedStore(node_id=f"r{seed}")
        for k, v in recs + recs[:5]:  # duplicates are no-ops
            st.apply(k, v)
        states.append(state(st))
    assert all(s == states[0] for s in states)
    # the two writers themselves converge once fed each other's records (own records re-applied too)
    a, b = ReplicatedStore(node_id="a"), ReplicatedStore(node_id="b")
    for k, v in ra + rb:
        a.apply(k, v)
    for k, v in reversed(rb + ra):
        b.apply(k, v)
    assert state(a) == state(b) == states[0]


def test_tombstone_wins_over_older_put_delivered_late():
    log = Log()
    w = ReplicatedStore(log, node_id="w")
    w.put(mk("k", response="old"))
    w.remove("k")
    put, delete = log.records
    r = ReplicatedStore(node_id="r")
    assert r.apply(*delete) is True
    assert r.apply(*put) is False  # older than the tombstone
    assert r.peek("k") is None
    # a newer put after the delete brings the key back everywhere
    w.put(mk("k", response="new"))
    for rec in reversed(log.records):
        r.apply(*rec)
    assert r.peek("k").response == "new" and w.peek("k").response == "new"


def test_kafka_tombstone_removes_unconditionally_and_purge_emits_them():
    log = Log()
    w = ReplicatedStore(log, node_id="w")
    w.put(mk("k"))
    w.remove("k")
    assert w.purge_tombstones(older_than_clock=10) == 1
    assert log.records[-1] == (b"k", None)
    r = ReplicatedStore(node_id="r")
    r.apply(*log.records[0])
    assert r.apply(b"k", None) is True and r.peek("k") is None


def test_eviction_bound_is_by_version_and_identical_across_orders():
    log = Log()
    w = ReplicatedStore(log, node_id="w", max_entries=3)
    for i in range(8):
        w.put(mk(f"k{i}"))
        assert len(w) <= 3
    assert sorted(e.key for e in w.entries()) == ["k5", "k6", "k7"]
    for seed in range(4):
        recs = list(log.records)
        random.Random(seed).shuffle(recs)
        r = ReplicatedStore(node_id="r", max_entries=3)
        for rec in recs:
            r.apply(*rec)
            assert len(r) <= 3
        assert state(r) == state(w)


def test_bytes_bound_holds():
    big = "x" * 1000
    st = ReplicatedStore(node_id="w", max_entries=100, max_bytes=3500)
    for i in range(10):
        st.put(mk(f"k{i}", response=big))
        assert st.bytes_used <= 3500
    assert 1 <= len(st) < 10


def test_snapshot_load_survives_restart():
    log = Log()
    w = ReplicatedStore(log, node_id="w")
    for i in range(4):
        w.put(mk(f"k{i}"))
    w.remove("k0")
    snap = w.snapshot()
    restarted = ReplicatedStore(node_id="w")
    restarted.load(snap)
    assert state(restarted) == state(w)
    assert restarted.apply(*log.records[0]) is False  # the put of k0 stays dead after the restart
    assert restarted.load(snap) == 0                   # idempotent
    restarted.put(mk("k9"))                            # the clock continues past the snapshot
    assert restarted.version("k9") > max(w.version(f"k{i}") for i in range(1, 4))


def test_semantic_cache_follows_replicated_entries():
    log = Log()
    writer = SemanticCache(ReplicatedStore(log, node_id="a"), ttl_s=None)
    reader = SemanticCache(ReplicatedStore(node_id="b"), ttl_s=None)
    v = np.zeros(384, dtype=np.float32)
    v[0] = 1.0
    writer.put(S, "How do I reset my password?", "Use the reset link.", v)
    for rec in log.records:
        reader.store.apply(*rec)
    res = reader.lookup(S, "How can I reset my password?", v)
    assert res.hit and res.entry.response == "Use the reset link."
    writer.store.remove(res.entry.key)
    for rec in log.records[1:]:
        reader.store.apply(*rec)
    assert len(reader) == 0 and not reader.lookup(S, "How can I reset my password?", v).hit
