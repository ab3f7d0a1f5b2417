"""The inline pipeline without a broker: real embedding model, real cores; the LLM endpoint is the only
stand-in (a local HTTP server speaking the OpenAI chat-completions protocol)."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from schemas.models import CacheWarmTrigger, Document, InteractionRequest, LlmResponse, UserSignal
from services.cache import Cache, HotKeyCounter
from services.embeddings import get_embedder
from services.inline import IndexRegistry, InlinePipeline
from services.llm import ChatGenerator, GeneratorError
from services.retrieval.index import HybridIndex

ENV = dict(tenant_id="t1", app_id="app1", model="m1", prompt_version="v1")


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


@pytest.fixture
def pipeline(embedder):
    indexes = IndexRegistry(lambda: HybridIndex(embedder=embedder))
    p = InlinePipeline(embedder.embed_one, indexes, Cache(), hot_keys=HotKeyCounter(60, 3))
    for doc_id, text in {"returns": "# Returns\nHeadphones SKU-4471 can be returned within 14 days.",
                         "billing": "# Billing\nThe Team plan costs $49 per month."}.items():
        assert p.on_document(Document(tenant_id="t1", app_id="app1", doc_id=doc_id, version=1, text=text,
                                      content_type="text/markdown")) == "indexed"
    return p


@pytest.fixture
def llm_endpoint():
    calls = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append((self.path, self.headers.get("Authorization"), body))
            answer = {"model": body["model"], "choices": [
                {"message": {"role": "assistant", "content": "Within 14 days."}, "finish_reason": "stop"}]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", calls
    server.shutdown()


def test_tenant_isolation_of_retrieval(pipeline):
    other = InteractionRequest(tenant_id="t2", app_id="app1", request_id="x", query="return SKU-4471")
    assert not [e for e in pipeline.on_request(other) if e.EVENT_TYPE == "Retrieval"]


def test_answer_is_admitted_then_served_and_negative_feedback_evicts(pipeline):
    q = "How many days do I have to return SKU-4471?"
    first = pipeline.on_request(InteractionRequest(**ENV, request_id="r1", query=q))
    assert [e.EVENT_TYPE for e in first].count("Retrieval") == 1
    out = pipeline.on_response(LlmResponse(**ENV, request_id="r1", latency_ms=5,
                                           text="SKU-4471 can be returned within 14 days."))
    assert not [t for t in out if t.code == "ungrounded"]
    again = pipeline.on_request(InteractionRequest(**ENV, request_id="r2", query=q))
    hits = [e for e in again if e.EVENT_TYPE == "CacheDecision" and e.outcome == "hit"]
    assert hits and not [e for e in again if e.EVENT_TYPE == "Retrieval"]  # a hit needs no retrieval
    assert pipeline.on_signal(UserSignal(**ENV, request_id="r2", kind="thumbs_down")) >= 1
    third = pipeline.on_request(InteractionRequest(**ENV, request_id="r3", query=q))
    assert not [e for e in third if e.EVENT_TYPE == "CacheDecision" and e.outcome == "hit"]


def test_ungrounded_answer_is_flagged_and_never_cached(pipeline):
    q = "What does the Team plan cost?"
    pipeline.on_request(InteractionRequest(**ENV, request_id="r1", query=q))
    out = pipeline.on_response(LlmResponse(**ENV, request_id="r1", latency_ms=5, text="The Team plan costs $99."))
    assert [t.code for t in out if t.code == "ungrounded"]
    again = pipeline.on_request(InteractionRequest(**ENV, request_id="r2", query=q))
    assert not [e for e in again if e.EVENT_TYPE == "CacheDecision" and e.outcome == "hit"]


def test_hot_uncached_key_triggers_a_warm_that_fills_the_cache(pipeline, llm_endpoint):
    url, calls = llm_endpoint
    q = "Can I return headphones after two weeks?"
    triggers = []
    for i in range(3):
        triggers += [e for e in pipeline.on_request(InteractionRequest(**ENV, request_id=f"h{i}", query=q))
                     if isinstance(e, CacheWarmTrigger)]
    assert len(triggers) == 1 and triggers[0].request_count == 3 and triggers[0].model == "m1"
    status = pipeline.on_warm_trigger(triggers[0], ChatGenerator(url, "gpt-test", api_key="sk-test"))
    assert status == "ok"
    path, auth, body = calls[0]
    assert path == "/v1/chat/completions" and auth == "Bearer sk-test" and body["messages"][-1]["content"] == q
    served = pipeline.on_request(InteractionRequest(**ENV, request_id="h9", query=q))
    assert [e for e in served if e.EVENT_TYPE == "CacheDecision" and e.outcome == "hit"]


def test_generator_errors_are_clear():
    with pytest.raises(GeneratorError, match="generator call failed"):
        ChatGenerator("http://127.0.0.1:9/v1", "m", timeout_s=1)({"query": "hi"})
