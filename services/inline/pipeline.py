"""The inline request path, composed from the pure cores: one embedding per request, then input
guardrails, the caches, retrieval and indirect-injection checks; and on the response, output guardrails
and cache admission. Pure: returns the events to publish, publishes nothing.

Order on a request: embed the query once -> input guardrails (a block stops here) -> cache lookup (a hit
stops here: no retrieval needed) -> hybrid retrieval in the tenant's index -> indirect-injection scan of
the retrieved passages. The request's context (query vector, passages, verdict) is kept per request id so
the response can be checked for grounding against exactly what was retrieved and admitted to the cache
only when it passed every guardrail.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from schemas.models import (CacheDecision, CacheWarmTrigger, Document, Event, GuardrailTrigger, InteractionRequest,
                            LlmResponse, Retrieval, RetrievedChunk, UserSignal)
from services.cache import Cache, CacheKind, HotKeyCounter, Scope, WarmTrigger, warm
from services.guardrails import DEFAULT_POLICY, Policy, Trigger, check_input, check_output, check_retrieved, verdict
from services.retrieval.index import HybridIndex

ENVELOPE = ("tenant_id", "app_id", "request_id", "session_id", "user_id")
DIMENSIONS = ("feature", "model", "prompt_version", "cohort")


def _envelope(event: Event) -> dict[str, Any]:
    """Envelope and dimensions of a request or response, carried by every decision event about it."""
    return {k: getattr(event, k) for k in ENVELOPE + DIMENSIONS}


@dataclass
class RequestContext:
    request: dict
    vector: np.ndarray
    passages: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    passage_vectors: np.ndarray | None = None  # the index's embeddings of the passages (grounding reuses them)
    blocked: bool = False


class IndexRegistry:
    """One :class:`HybridIndex` per (tenant, app): retrieval never crosses tenants."""

    def __init__(self, factory: Callable[[], HybridIndex], directory: Path | None = None) -> None:
        self.factory = factory
        self.directory = directory
        self._indexes: dict[tuple[str, str], HybridIndex] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str, app: str, create: bool = True) -> HybridIndex | None:
        with self._lock:
            index = self._indexes.get((tenant, app))
            if index is None and create:
                index = self._indexes[(tenant, app)] = self.factory()
            return index

    def items(self) -> list[tuple[tuple[str, str], HybridIndex]]:
        with self._lock:
            return list(self._indexes.items())

    def put(self, tenant: str, app: str, index: HybridIndex) -> None:
        with self._lock:
            self._indexes[(tenant, app)] = index


class InlinePipeline:
    """Decisions for requests and responses; see the module docstring."""

    def __init__(self, embed_one: Callable[[str], np.ndarray], indexes: IndexRegistry, cache: Cache,
                 policy_for: Callable[[str, str], Policy] = lambda tenant, app: DEFAULT_POLICY, top_k: int = 5,
                 hot_keys: HotKeyCounter | None = None, max_contexts: int = 50_000) -> None:
        self.embed_one = embed_one
        self.indexes = indexes
        self.cache = cache
        self.policy_for = policy_for
        self.top_k = top_k
        self.hot_keys = hot_keys
        self.max_contexts = max_contexts
        self._contexts: OrderedDict[str, RequestContext] = OrderedDict()
        self._lock = threading.Lock()

    # -- requests -----------------------------------------------------------------------------------
    def on_request(self, req: InteractionRequest) -> list[Event]:
        env = _envelope(req)
        base = {k: env[k] for k in ENVELOPE}  # for events without the dimension fields
        request = req.to_avro()
        request["event_id"] = str(req.event_id)
        vector = self.embed_one(req.query)
        policy = self.policy_for(req.tenant_id, req.app_id)
        out: list[Event] = []
        triggers = check_input(req.query, policy, query_vector=vector)
        out += self._trigger_events(env, triggers, req.event_id)
        ctx = RequestContext(request=request, vector=vector, blocked=verdict(triggers) == "block")
        self._remember(req.request_id or "", ctx)
        if ctx.blocked:
            return out
        lookup = self.cache.lookup(request, vector)
        out += [CacheDecision(**env, **d.to_event_fields()) for d in lookup.trail]
        if self.hot_keys is not None and not lookup.hit and lookup.decision.key:
            trig = self.hot_keys.observe(lookup.decision.key, kind=lookup.decision.kind,
                                         scope=Scope.from_request(request), cached=False, query=req.query,
                                         template_id=req.template_id, params=req.params)
            if trig is not None:
                out.append(CacheWarmTrigger(**{**base, **trig.to_event_fields(), "model": trig.scope.model or None,
                                                "prompt_version": trig.scope.prompt_version or None}))
        if lookup.hit:
            return out
        index = self.indexes.get(req.tenant_id, req.app_id, create=False)
        if index is None or len(index) == 0:
            return out
        t0 = time.perf_counter()
        results = index.search(req.query, self.top_k, "hybrid", query_vector=vector)
        latency = (time.perf_counter() - t0) * 1000
        ctx.passages = [r.text for r in results]
        ctx.doc_ids = [r.doc_id for r in results]
        ctx.passage_vectors = index.vectors([r.chunk_id for r in results])
        out.append(Retrieval(**base, query=req.query, method="hybrid", top_k=self.top_k, latency_ms=latency,
                             index_version=str(index.index_version),
                             results=[RetrievedChunk(**r.to_event()) for r in results]))
        # patterns + the word-piece classifier (observability only: a trigger here does not drop the passage);
        # 3 of 1,500 SciFact abstracts and none of the demo KB are flagged
        for passage_triggers in check_retrieved(ctx.passages, policy):
            out += self._trigger_events(env, passage_triggers, req.event_id)
        return out

    # -- responses ----------------------------------------------------------------------------------
    def on_response(self, resp: LlmResponse) -> list[Event]:
        env = _envelope(resp)
        ctx = self._context(resp.request_id or "")
        policy = self.policy_for(resp.tenant_id, resp.app_id)
        passages = ctx.passages if ctx else []
        triggers = check_output(resp.text, passages or None, policy,
                                passage_vectors=ctx.passage_vectors if passages else None)
        out = self._trigger_events(env, triggers, resp.event_id)
        if ctx is not None and not ctx.blocked and not resp.cached:
            answer = resp.to_avro()
            answer["event_id"] = str(resp.event_id)
            answer["doc_ids"] = sorted(set(ctx.doc_ids) | {c.doc_id for c in resp.citations})
            answer["blocked"] = verdict(triggers) == "block"
            answer["guardrail_flagged"] = bool(triggers)
            self.cache.admit(ctx.request, answer, vector=ctx.vector)
        return out

    # -- lifecycle ----------------------------------------------------------------------------------
    def on_document(self, doc: Document) -> str:
        """Apply a document version to its tenant's index; drop cached answers that used it."""
        index = self.indexes.get(doc.tenant_id, doc.app_id)
        assert index is not None
        if doc.deleted:
            result = index.delete_document(doc.doc_id, doc.version)
        else:
            result = index.upsert_document(doc.doc_id, doc.version, doc.title, doc.text,
                                           content_type=doc.content_type)
        if result.status not in ("stale", "unchanged", "absent"):
            self.cache.on_document(doc.doc_id)
        return result.status

    def on_warm_trigger(self, event: CacheWarmTrigger, generator: Callable[[dict], Any]) -> str:
        """Fill the cache for a hot, uncached key through ``generator`` (an LLM endpoint)."""
        trigger = WarmTrigger(kind=CacheKind(event.kind), key=event.key,
                              scope=Scope(event.tenant_id, event.app_id, event.model or "", event.prompt_version or ""),
                              request_count=event.request_count, window_s=event.window_s, reason=event.reason,
                              query=event.query, template_id=event.template_id, params=dict(event.params))
        vector = self.embed_one(event.query) if trigger.kind is CacheKind.SEMANTIC and event.query else None
        _, status = warm(trigger, generator, self.cache, vector=vector)
        return status

    def on_signal(self, signal: UserSignal) -> int:
        return len(self.cache.on_signal(signal.kind, request_id=signal.request_id,
                                        response_event_id=signal.response_event_id))

    # -- helpers ------------------------------------------------------------------------------------
    @staticmethod
    def _trigger_events(env: dict, triggers: Iterable[Trigger], subject: Any) -> list[Event]:
        return [GuardrailTrigger(**env, **t.to_event_fields(), subject_event_id=str(subject)) for t in triggers]

    def _remember(self, request_id: str, ctx: RequestContext) -> None:
        with self._lock:
            self._contexts[request_id] = ctx
            self._contexts.move_to_end(request_id)
            while len(self._contexts) > self.max_contexts:
                self._contexts.popitem(last=False)

    def _context(self, request_id: str) -> RequestContext | None:
        with self._lock:
            return self._contexts.get(request_id)
