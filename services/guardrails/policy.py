"""Per-app guardrail policy: which action each ``(layer, code)`` takes, plus the knobs of the checks.

Checks emit triggers with the *default* action of their code; :meth:`Policy.apply` rewrites the action
from the app's policy. The verdict of a set of triggers is the strongest action among them
(``block > redact > flag > pass``; a ``repair`` trigger is reported as ``flag`` in the verdict because the
repair has been applied and the content may go on).

A policy can be loaded from a plain dict (e.g. a per-app JSON config)::

    Policy.from_dict({"actions": {"safety/pii": "flag", "semantic/ungrounded": "flag"},
                      "url_allowed_schemes": ["https"]})
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Mapping

from services.guardrails.triggers import ACTION_STRENGTH, Action, Layer, Severity, Stage, Trigger

# Default action per (layer, code), as specified for the batch CLI and the inline agent.
DEFAULT_ACTIONS: dict[tuple[Layer, str], Action] = {
    (Layer.STRUCTURAL, "json_invalid"): Action.BLOCK,
    (Layer.STRUCTURAL, "schema_violation"): Action.BLOCK,
    (Layer.SYNTACTIC, "sql_syntax"): Action.BLOCK,
    (Layer.SYNTACTIC, "sql_write"): Action.BLOCK,
    (Layer.SYNTACTIC, "url_scheme"): Action.BLOCK,
    (Layer.SYNTACTIC, "url_private"): Action.BLOCK,
    (Layer.SYNTACTIC, "url_userinfo"): Action.BLOCK,
    (Layer.SYNTACTIC, "url_malformed"): Action.BLOCK,
    (Layer.SYNTACTIC, "url_unreachable"): Action.FLAG,
    (Layer.SYNTACTIC, "code_syntax"): Action.BLOCK,
    (Layer.SEMANTIC, "ungrounded"): Action.BLOCK,
    (Layer.SEMANTIC, "inconsistent"): Action.FLAG,
    (Layer.SAFETY, "prompt_injection"): Action.BLOCK,
    (Layer.SAFETY, "pii"): Action.REDACT,
    (Layer.SAFETY, "moderation"): Action.FLAG,
}
FALLBACK_ACTION = Action.FLAG


def _key(layer: Layer | str, code: str) -> tuple[Layer, str]:
    return (Layer(layer), code)


@dataclass(frozen=True)
class Policy:
    """An app's guardrail policy. Immutable; derive variants with :func:`dataclasses.replace`.

    Attributes:
        actions: ``(layer, code) -> action`` overrides on top of :data:`DEFAULT_ACTIONS`.
        url_allowed_schemes: URL schemes that pass the ``url_scheme`` check.
        url_reachability: run the async reachability probe (never on the default path).
        pii_types: PII kinds to detect (subset of ``email, phone, credit_card, iban, ssn, ip``).
        phone_regions: regions used to parse phone numbers written without a ``+`` country code.
        redact_before_store: the warehouse sink redacts PII before writing text to ClickHouse.
        injection_threshold: score at or above which an input is a prompt injection.
        injection_model_threshold: classifier logit (``injection_model.py``) that counts as an attack on its own.
        injection_model_weak_threshold: classifier logit that tips a weak pattern hit (score >= 0.5) over.
        injection_model_veto: classifier logit at or below which one pattern hit (score < 2) is overruled.
        grounding_lexical_support: token-recall to a passage sentence that supports a claim lexically.
        grounding_embedding_support: cosine claim/passage that supports a claim when lexical support is partial.
        consistency_threshold: self-consistency agreement below which the answer is flagged.
    """

    actions: Mapping[tuple[Layer, str], Action] = field(default_factory=dict)
    url_allowed_schemes: tuple[str, ...] = ("http", "https")
    url_reachability: bool = False
    pii_types: tuple[str, ...] = ("email", "phone", "credit_card", "iban", "ssn", "ip")
    phone_regions: tuple[str, ...] = ("US",)
    redact_before_store: bool = True
    injection_threshold: float = 1.0
    injection_model_threshold: float = 1.5
    injection_model_weak_threshold: float = 0.0
    injection_model_veto: float = -1.5
    grounding_lexical_support: float = 0.75
    grounding_embedding_support: float = 0.58
    consistency_threshold: float = 0.70

    def action_for(self, layer: Layer | str, code: str) -> Action:
        key = _key(layer, code)
        return self.actions.get(key) or DEFAULT_ACTIONS.get(key, FALLBACK_ACTION)

    def apply(self, triggers: Iterable[Trigger]) -> list[Trigger]:
        """The triggers with their action taken from this policy."""
        return [t.with_action(self.action_for(t.layer, t.code)) for t in triggers]

    def with_actions(self, overrides: Mapping[tuple[Layer | str, str], Action | str]) -> "Policy":
        merged = dict(self.actions)
        merged.update({_key(layer, code): Action(a) for (layer, code), a in overrides.items()})
        return replace(self, actions=merged)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        """Build from a JSON-like dict; ``actions`` keys are ``"layer/code"`` strings."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown policy keys: {sorted(unknown)}")
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name == "actions":
                acts: dict[tuple[Layer, str], Action] = {}
                for k, v in value.items():
                    layer, _, code = k.partition("/")
                    if not code:
                        raise ValueError(f"action key must be 'layer/code', got {k!r}")
                    acts[_key(layer, code)] = Action(v)
                kwargs[name] = acts
            elif isinstance(value, list):
                kwargs[name] = tuple(value)
            else:
                kwargs[name] = value
        return cls(**kwargs)


DEFAULT_POLICY = Policy()


def verdict(triggers: Iterable[Trigger]) -> str:
    """``block`` | ``redact`` | ``flag`` | ``pass``: the strongest action among ``triggers``."""
    best = 0
    for t in triggers:
        best = max(best, ACTION_STRENGTH[t.action])
    if best >= ACTION_STRENGTH[Action.BLOCK]:
        return "block"
    if best >= ACTION_STRENGTH[Action.REDACT]:
        return "redact"
    if best > 0:
        return "flag"
    return "pass"


def make_trigger(layer: Layer, code: str, severity: Severity, *, stage: Stage | None = None,
                 span: tuple[int, int] | None = None, label: str | None = None, detail: str | None = None) -> Trigger:
    """A trigger with the default action of its code (a policy rewrites it later) and stage ``input``."""
    start, end = span if span is not None else (None, None)
    return Trigger(stage=stage or Stage.INPUT, layer=layer, code=code, severity=severity,
                   action=DEFAULT_ACTIONS.get((layer, code), FALLBACK_ACTION),
                   span_start=start, span_end=end, label=label, detail=detail)
