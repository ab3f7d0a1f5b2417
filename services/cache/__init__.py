"""Cache core: keyed (structured, item, pair, precomputed) and semantic caches with an equivalence guard.

Pure: no Kafka/Faust, HTTP or ClickHouse imports. Stream agents call :class:`Cache` and publish the
returned :class:`Decision` objects as CacheDecision events. See ``README.md`` for the design.
"""

from services.cache.hot import HotKeyCounter, WarmTrigger, warm
from services.cache.keys import (canonical_params, item_key, pair_key, precomputed_key, request_body,
                                 semantic_key, structured_key)
from services.cache.model import CacheKind, Decision, Entry, Lookup, Outcome, Scope
from services.cache.policy import NEGATIVE_SIGNALS, Generation, cacheable
from services.cache.precompute import PrecomputeReport, precompute
from services.cache.replicated import ReplicatedStore
from services.cache.semantic import DEFAULT_THRESHOLD, SemanticCache
from services.cache.service import Cache, CacheConfig
from services.cache.simulate import SimulationReport, simulate
from services.cache.slots import Slots, compare_slots, extract_slots
from services.cache.store import CacheStore, MemoryStore

__all__ = [
    "Cache", "CacheConfig", "CacheKind", "CacheStore", "DEFAULT_THRESHOLD", "Decision", "Entry", "Generation",
    "HotKeyCounter", "Lookup", "MemoryStore", "NEGATIVE_SIGNALS", "Outcome", "PrecomputeReport", "ReplicatedStore", "Scope",
    "SemanticCache", "SimulationReport", "Slots", "WarmTrigger", "cacheable", "canonical_params",
    "compare_slots", "extract_slots", "item_key", "pair_key", "precompute", "precomputed_key", "request_body",
    "semantic_key", "simulate", "structured_key", "warm",
]
