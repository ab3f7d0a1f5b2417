"""Guardrails: a pure core of checks that return triggers (no Kafka, HTTP server or ClickHouse here).

Layers and codes (see ``README.md`` in this package):

* structural: ``json_invalid``, ``schema_violation`` (:mod:`.structural`; also :func:`response_format`)
* syntactic: ``sql_syntax``, ``sql_write`` (:mod:`.sql`); ``url_scheme``, ``url_private``, ``url_userinfo``,
  ``url_malformed``, ``url_unreachable`` (:mod:`.urls`); ``code_syntax`` (:mod:`.code`)
* semantic: ``ungrounded``, ``inconsistent`` (:mod:`.grounding`)
* safety: ``prompt_injection`` (:mod:`.injection`), ``pii`` (:mod:`.pii`), ``moderation`` (:mod:`.moderation`)

Entry points for the streams agent and the warehouse sink: :func:`check_input`, :func:`check_output`,
:func:`check_output_async`, :func:`check_retrieved`, :func:`redact_pii`, :func:`guard`.
"""

from services.guardrails.pipeline import (GuardResult, check_input, check_output, check_output_async,
                                          check_retrieved, guard, guard_async)
from services.guardrails.pii import redact_pii
from services.guardrails.policy import DEFAULT_POLICY, Policy, verdict
from services.guardrails.structural import response_format
from services.guardrails.triggers import Action, Layer, Severity, Stage, Trigger

__all__ = [
    "Action", "DEFAULT_POLICY", "GuardResult", "Layer", "Policy", "Severity", "Stage", "Trigger", "check_input",
    "check_output", "check_output_async", "check_retrieved", "guard", "guard_async", "redact_pii",
    "response_format", "verdict",
]
