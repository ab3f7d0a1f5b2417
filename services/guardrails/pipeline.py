"""Inline API: what the streams agent, the warehouse sink and the batch CLI call.

All functions are pure (no Kafka, no HTTP server, no ClickHouse) and return triggers whose ``action`` already
follows the app's :class:`~services.guardrails.policy.Policy`. Each trigger maps onto one ``GuardrailTrigger``
event (:meth:`Trigger.to_event_fields`).

* :func:`check_input` on ``InteractionRequest.prompt``: prompt injection + PII. Pass ``query_vector`` (the request
  embedding retrieval and the cache already computed) so the injection classifier uses it for free.
* :func:`check_retrieved` on retrieved passages: indirect prompt injection (``stage = retrieval``).
* :func:`check_output` on ``LlmResponse.text``: PII, grounding against the passages (when given), the lexicon
  moderation fallback, self-consistency (when ``samples`` are given) and, when asked, JSON / SQL / URL / code.
  :func:`check_output_async` is the same with the configured moderation endpoint.
* :func:`redact_pii` for the warehouse sink (re-exported from :mod:`services.guardrails.pii`).
* :func:`guard` runs the checks of one batch record kind (``text`` / ``sql`` / ``url`` / ``json`` / ``code``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from services.guardrails.code import check_python
from services.guardrails.grounding import EmbedderLike, GroundingContext, check_grounding, self_consistency
from services.guardrails.injection import check_injection
from services.guardrails.moderation import ModerationClient, moderate_lexicon
from services.guardrails.pii import apply_redactions, pii_triggers, redact_pii
from services.guardrails.policy import DEFAULT_POLICY, Policy, verdict
from services.guardrails.sql import check_sql
from services.guardrails.structural import SchemaLike, check_json
from services.guardrails.triggers import Action, Stage, Trigger
from services.guardrails.urls import check_url, check_url_reachable

__all__ = ["GuardResult", "check_input", "check_output", "check_output_async", "check_retrieved", "guard",
           "guard_async", "redact_pii", "verdict"]

KINDS = ("text", "sql", "url", "json", "code")


def check_input(text: str, policy: Policy = DEFAULT_POLICY, query_vector: np.ndarray | None = None, *,
                use_embedding: bool = True, stage: Stage = Stage.INPUT) -> list[Trigger]:
    """Prompt injection + PII on a user input.

    ``query_vector``: the request's MiniLM embedding if already computed. With ``use_embedding=False`` and no
    vector, the patterns and the word-piece-only classifier run (no model inference).
    """
    triggers = check_injection(text, policy, query_vector, stage=stage, use_embedding=use_embedding)
    triggers += pii_triggers(text, policy, stage=stage)
    return policy.apply(triggers)


def check_retrieved(passages: Sequence[str], policy: Policy = DEFAULT_POLICY,
                    passage_vectors: np.ndarray | None = None) -> list[list[Trigger]]:
    """Indirect prompt injection in retrieved passages: one trigger list per passage (``stage = retrieval``).

    Passages are scanned with the patterns and the classifier; its embedding head is used only when
    ``passage_vectors`` (the chunk embeddings the index already holds) are given, because embedding long passages
    here would be slow.
    """
    out = []
    for i, passage in enumerate(passages):
        vec = passage_vectors[i] if passage_vectors is not None else None
        out.append(policy.apply(check_injection(passage, policy, vec, stage=Stage.RETRIEVAL,
                                                use_embedding=False)))
    return out


def _structured_checks(text: str, *, kind: str, stage: Stage, policy: Policy, schema: SchemaLike | None,
                       dialect: str | None) -> list[Trigger]:
    if kind == "json":
        return check_json(text, schema, stage=stage)
    if kind == "sql":
        return check_sql(text, dialect, stage=stage)
    if kind == "url":
        return check_url(text, policy, stage=stage)
    if kind == "code":
        return check_python(text, stage=stage)
    return []


def check_output(text: str, context_passages: Sequence[str] | GroundingContext | None = None,
                 policy: Policy = DEFAULT_POLICY, *, passage_vectors: np.ndarray | None = None,
                 samples: Sequence[str] | None = None, schema: SchemaLike | None = None, kind: str = "text",
                 dialect: str | None = None, moderation: bool = True, embedder: EmbedderLike | None = None,
                 embedder_threads: int | None = None, stage: Stage = Stage.OUTPUT) -> list[Trigger]:
    """Checks on a model output.

    ``kind="text"``: PII, grounding (when ``context_passages`` are given; ``passage_vectors`` are their embeddings
    if available), lexicon moderation, self-consistency (when ``samples`` holds other sampled answers; ``text``
    is included). Claims that lexical/number/entity support cannot settle are embedded in one batch (64 word
    pieces each) by ``embedder`` (default: the guardrails claim embedder with ``embedder_threads`` threads);
    passage vectors not passed in come from an LRU keyed by passage text. Other kinds (``json`` with ``schema``, ``sql`` with ``dialect``, ``url``, ``code``) run only
    their own check.
    """
    if kind != "text":
        return policy.apply(_structured_checks(text, kind=kind, stage=stage, policy=policy, schema=schema,
                                               dialect=dialect))
    triggers = pii_triggers(text, policy, stage=stage)
    if context_passages is not None and (isinstance(context_passages, GroundingContext) or len(context_passages)):
        triggers += check_grounding(text, context_passages, policy, passage_vectors=passage_vectors,
                                    embedder=embedder, embedder_threads=embedder_threads, stage=stage)
    if moderation:
        triggers += moderate_lexicon(text, stage=stage)
    if samples:
        if embedder is None:
            from services.guardrails.embedding import get_claim_embedder

            embedder = get_claim_embedder(embedder_threads)
        _, inconsistent = self_consistency([text, *samples], policy, embedder=embedder, stage=stage)
        triggers += inconsistent
    return policy.apply(triggers)


async def check_output_async(text: str, context_passages: Sequence[str] | GroundingContext | None = None,
                             policy: Policy = DEFAULT_POLICY, *, moderation_client: ModerationClient | None = None,
                             **kwargs: Any) -> list[Trigger]:
    """:func:`check_output` with the moderation endpoint (when a client is given) instead of the lexicon."""
    triggers = check_output(text, context_passages, policy, moderation=moderation_client is None, **kwargs)
    if moderation_client is not None and kwargs.get("kind", "text") == "text":
        triggers += policy.apply(await moderation_client.moderate(text, stage=kwargs.get("stage", Stage.OUTPUT)))
    return triggers


@dataclass(frozen=True)
class GuardResult:
    """Verdict of one checked text; ``redacted`` is set when PII was redacted."""

    verdict: str
    triggers: list[Trigger] = field(default_factory=list)
    redacted: str | None = None

    def to_json(self, record_id: Any = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record_id, "verdict": self.verdict,
                               "triggers": [t.to_summary() for t in self.triggers]}
        if self.redacted is not None:
            out["redacted"] = self.redacted
        return out


def _result(text: str, triggers: list[Trigger]) -> GuardResult:
    redacted = None
    if any(t.action == Action.REDACT for t in triggers):
        redacted = apply_redactions(text, [t for t in triggers if t.action == Action.REDACT])
    return GuardResult(verdict(triggers), triggers, redacted)


def guard(text: str, *, kind: str = "text", stage: Stage | str = Stage.INPUT, policy: Policy = DEFAULT_POLICY,
          context: Sequence[str] | None = None, schema: Mapping[str, Any] | None = None, dialect: str | None = None,
          query_vector: np.ndarray | None = None, use_embedding: bool = True) -> GuardResult:
    """Run the checks for one record kind (the batch CLI's contract) and compute its verdict.

    ``text`` input: injection + PII. ``text`` output: PII + grounding (with ``context``) + lexicon moderation.
    ``sql``: SQL checks in ``dialect``. ``url``: URL checks. ``json``: structural (``schema`` when given).
    ``code``: Python syntax.
    """
    stage = Stage(stage)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "text" and stage == Stage.INPUT:
        triggers = check_input(text, policy, query_vector, use_embedding=use_embedding, stage=stage)
    elif kind == "text" and stage == Stage.RETRIEVAL:
        triggers = check_retrieved([text], policy)[0] + policy.apply(pii_triggers(text, policy, stage=stage))
    elif kind == "text":
        triggers = check_output(text, context, policy, stage=stage)
    else:
        triggers = policy.apply(_structured_checks(text, kind=kind, stage=stage, policy=policy, schema=schema,
                                                   dialect=dialect))
    return _result(text, triggers)


async def guard_async(text: str, *, kind: str = "text", policy: Policy = DEFAULT_POLICY, **kwargs: Any) -> GuardResult:
    """:func:`guard` plus the optional network checks: URL reachability when ``policy.url_reachability``."""
    result = guard(text, kind=kind, policy=policy, **kwargs)
    if kind == "url" and policy.url_reachability and result.verdict == "pass":
        extra = policy.apply(await check_url_reachable(text, stage=Stage(kwargs.get("stage", Stage.INPUT))))
        return _result(text, result.triggers + extra)
    return result
