"""The trigger: one finding of one check, mapping 1:1 onto the ``GuardrailTrigger`` Avro event.

A :class:`Trigger` carries exactly the guardrail-specific fields of ``schemas/avro/guardrail_trigger.avsc``
(``stage, layer, code, severity, action, span_start, span_end, label, detail``); the envelope fields
(``event_id``, ``tenant_id``, ``request_id`` ...) are added by the streams agent that publishes it.
``detail`` is human readable and never contains the raw PII value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import Enum
from typing import Any


class Stage(str, Enum):
    """What was checked (Avro ``GuardrailStage``)."""

    INPUT = "input"
    OUTPUT = "output"
    RETRIEVAL = "retrieval"


class Layer(str, Enum):
    """Guardrail layer (Avro ``GuardrailLayer``)."""

    STRUCTURAL = "structural"
    SYNTACTIC = "syntactic"
    SEMANTIC = "semantic"
    SAFETY = "safety"


class Severity(str, Enum):
    """Severity (Avro ``Severity``), ordered from ``info`` to ``critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Action(str, Enum):
    """What the policy does with a trigger (Avro ``GuardrailAction``)."""

    BLOCK = "block"
    REDACT = "redact"
    FLAG = "flag"
    REPAIR = "repair"


# Verdict strength: block > redact > flag (> repair, which is applied and then reported as a flag) > pass.
ACTION_STRENGTH: dict[Action, int] = {Action.BLOCK: 4, Action.REDACT: 3, Action.FLAG: 2, Action.REPAIR: 1}


@dataclass(frozen=True, slots=True)
class Trigger:
    """One guardrail finding. Field names and values match the Avro ``GuardrailTrigger`` record."""

    stage: Stage
    layer: Layer
    code: str
    severity: Severity
    action: Action
    span_start: int | None = None
    span_end: int | None = None
    label: str | None = None
    detail: str | None = None

    @property
    def span(self) -> tuple[int, int] | None:
        if self.span_start is None or self.span_end is None:
            return None
        return (self.span_start, self.span_end)

    def with_stage(self, stage: Stage) -> "Trigger":
        return self if self.stage == stage else replace(self, stage=stage)

    def with_action(self, action: Action) -> "Trigger":
        return self if self.action == action else replace(self, action=action)

    def shifted(self, offset: int) -> "Trigger":
        """The same trigger with its span moved by ``offset`` characters (for checks run on a substring)."""
        if offset == 0 or self.span_start is None or self.span_end is None:
            return self
        return replace(self, span_start=self.span_start + offset, span_end=self.span_end + offset)

    def to_event_fields(self) -> dict[str, Any]:
        """The guardrail fields of a ``GuardrailTrigger`` Avro record (enums as their symbols)."""
        d = asdict(self)
        for key in ("stage", "layer", "severity", "action"):
            d[key] = d[key].value
        return d

    def to_summary(self) -> dict[str, Any]:
        """The compact form printed by ``flywheel guard``."""
        return {
            "layer": self.layer.value,
            "code": self.code,
            "severity": self.severity.value,
            "action": self.action.value,
            "span": [self.span_start, self.span_end] if self.span is not None else None,
            "label": self.label,
        }
