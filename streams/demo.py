"""``flywheel up --demo``: publish the demo knowledge base (infra/demo/knowledge_base) and a sample request.

Event ids are derived from the content, so loading the demo again adds nothing new to the warehouse.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.models import Citation, Document, Event, InteractionRequest, LlmResponse, UserSignal
from services.logging import get_logger

if TYPE_CHECKING:
    from streams.runtime import Runtime

DEMO_KB = Path(__file__).resolve().parent.parent / "infra" / "demo" / "knowledge_base"
log = get_logger("flywheel.demo")


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "flywheel-demo:" + ":".join(parts))


def demo_events(tenant: str, app: str) -> list[Event]:
    events: list[Event] = []
    for path in sorted(DEMO_KB.glob("*.md")):
        text = path.read_text()
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        title = text.splitlines()[0].lstrip("# ").strip() if text else path.stem
        events.append(Document(event_id=_id("doc", path.stem, digest), tenant_id=tenant, app_id=app,
                               doc_id=path.stem, version=1, title=title, text=text,
                               source=f"demo/{path.name}", content_type="text/markdown"))
    request_id = "demo-request-1"
    common = dict(tenant_id=tenant, app_id=app, request_id=request_id, session_id="demo-session",
                  user_id="demo-user", feature="support_chat", model="demo-model", prompt_version="v1")
    response_id = _id("response", request_id)
    events += [
        InteractionRequest(event_id=_id("request", request_id), query="How long do I have to return headphones?",
                           locale="en-US", **common),
        LlmResponse(event_id=response_id, text="Electronics such as the Aurora X2 headphones can be returned "
                    "within 14 days of delivery.", citations=[Citation(doc_id="returns", score=0.92)],
                    confidence=0.86, latency_ms=412.0, prompt_tokens=380, completion_tokens=24,
                    finish_reason="stop", **common),
        UserSignal(event_id=_id("signal", request_id), kind="thumbs_up", dwell_ms=5400,
                   response_event_id=str(response_id), **common),
    ]
    return events


async def load_demo(runtime: "Runtime") -> None:
    """Publish the demo once: a warehouse that already holds its documents is left as it is (the documents
    themselves are republished at every start by the runtime)."""
    tenant, app = next(iter(runtime.settings.api_keys.values()), ("demo", "demo-app"))
    if runtime.client is not None and runtime.client.scalar(
            "SELECT count() FROM documents WHERE tenant_id = {t:String} AND app_id = {a:String}",
            {"t": tenant, "a": app}):
        log.info("demo already loaded", tenant_id=tenant, app_id=app)
        return
    events = demo_events(tenant, app)
    await runtime.publish_once(events)
    log.info("demo loaded", tenant_id=tenant, app_id=app, documents=sum(isinstance(e, Document) for e in events),
             events=len(events))
