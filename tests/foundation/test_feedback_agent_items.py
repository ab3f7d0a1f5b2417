"""Candidate eval items are EvalItem events built from failures (the feedback agent's mapping)."""

from __future__ import annotations

from schemas.codec import Codec
from schemas.models import GuardrailTrigger, UserSignal
from services.feedback.taxonomy import load as load_taxonomy
from streams.agents.feedback import candidate_item


def test_correction_and_guardrail_become_eval_items_that_encode():
    taxonomy = load_taxonomy()
    dims = dict(tenant_id="t", app_id="a", request_id="r1", feature="support", model="m", cohort="c1")
    signal = UserSignal(**dims, kind="correction", correction_text="Use the JSON format.")
    item = candidate_item(signal, "user_signals", taxonomy.classify("user_signals", signal.model_dump()))
    assert item.type == "correction" and item.expected_output == "Use the JSON format."
    assert item.feature == "support" and item.subject_event_id == str(signal.event_id)
    trigger = GuardrailTrigger(**dims, stage="output", layer="semantic", code="ungrounded", severity="high",
                               action="block")
    g = candidate_item(trigger, "guardrail_triggers", taxonomy.classify("guardrail_triggers", trigger.model_dump()))
    assert g.type == "guardrail" and g.trigger == "semantic/ungrounded" and g.taxonomy_class == "ungrounded"
    codec = Codec()
    for event in (item, g):
        assert codec.decode(codec.encode("EvalItem", event.to_avro()))[1]["item_id"] == event.item_id
