"""Feedback agents: the retrain-trigger timer and the eval-candidate stream.

* ``feedback-retrain`` (timer, every ``FLYWHEEL_RETRAIN_INTERVAL_S``): runs
  :func:`services.feedback.triggers.plan` in the warehouse thread (rollups -> statistics -> decisions ->
  dataset snapshots) and publishes the RetrainTrigger events. Idempotent (deterministic event ids, checked
  against ``retrain_triggers``), so several workers or a restart never fire twice for the same decision.
* ``feedback-eval-candidates`` (agents on the user-signal and guardrail-trigger topics): every negative
  signal, correction and guardrail trigger becomes a candidate ``EvalItem`` event, classified with the
  taxonomy, on ``flywheel.eval-items`` (stored in the ``eval_items`` table by the sink).

Aggregates are not computed here: materialized views over the raw tables do it (services/feedback/README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import faust

from schemas.models import EvalItem
from services.feedback.labels import load as load_labels
from services.feedback.retrain import RetrainConfig
from services.feedback.schema import ensure_schema
from services.feedback.taxonomy import load as load_taxonomy
from services.feedback.triggers import plan
from services.logging import get_logger
from streams.agents import decode, event_topic

if TYPE_CHECKING:
    from streams.runtime import Runtime

log = get_logger("flywheel.agents.feedback")


def candidate_item(event, source: str, incident) -> EvalItem:
    """The candidate eval item of one failure event (a UserSignal or a GuardrailTrigger)."""
    common = dict(tenant_id=event.tenant_id, app_id=event.app_id, request_id=event.request_id,
                  session_id=event.session_id, user_id=event.user_id, item_id=str(event.event_id), source=source,
                  taxonomy_class=incident.cls, rule_id=incident.rule_id, what=incident.what, why=incident.why,
                  feature=event.feature, model=event.model, prompt_version=event.prompt_version, cohort=event.cohort,
                  subject_event_id=str(event.event_id))
    if source == "user_signals":
        correction = event.kind == "correction" and bool(event.correction_text)
        return EvalItem(**common, type="correction" if correction else "regression", trigger=event.kind,
                        expected_output=event.correction_text if correction else None)
    return EvalItem(**common, type="guardrail", trigger=f"{event.layer}/{event.code}")


def register(app: faust.App, runtime: "Runtime") -> None:
    if runtime.client is None or runtime.executor is None:
        return  # API-only process: no warehouse here
    applied = runtime.executor.call(ensure_schema, runtime.client)
    log.info("feedback schema ready", views=applied)
    cfg = RetrainConfig()
    data_dir = runtime.settings.flywheel_data_dir
    fired: set = set()

    if cfg.enabled:
        @app.timer(interval=cfg.interval_s, name="feedback-retrain")
        async def retrain_timer() -> None:
            try:
                events = await runtime.executor.run(plan, runtime.client, cfg, data_dir, fired)
                if events:
                    await runtime.publisher.start()
                    await runtime.publisher.publish_many(events)
                    fired.update(e.event_id for e in events)
                    for e in events:
                        log.info("retrain trigger", feature=e.feature, reason=e.reason, snapshot=e.snapshot_id,
                                 rows=e.dataset_rows, p_value=e.statistics.get("p_value"))
            except Exception as exc:  # a failed tick must not kill the worker; the next tick retries
                log.warning("retrain check failed", error=repr(exc))

    labels = load_labels()
    taxonomy = load_taxonomy()

    @app.agent(event_topic(app, runtime, "UserSignal"), name="feedback-eval-candidates-signals")
    async def signal_candidates(stream) -> None:
        async for value in stream:
            event = decode(runtime, value, "UserSignal")
            if event is None or labels.label(event.kind) != "negative":
                continue
            incident = taxonomy.classify("user_signals", event.model_dump())
            if incident is not None:
                await runtime.publish([candidate_item(event, "user_signals", incident)])

    @app.agent(event_topic(app, runtime, "GuardrailTrigger"), name="feedback-eval-candidates-guardrails")
    async def guardrail_candidates(stream) -> None:
        async for value in stream:
            event = decode(runtime, value, "GuardrailTrigger")
            if event is None:
                continue
            incident = taxonomy.classify("guardrail_triggers", event.model_dump())
            if incident is not None:
                await runtime.publish([candidate_item(event, "guardrail_triggers", incident)])
