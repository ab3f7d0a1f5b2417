"""What may be cached, and which feedback invalidates a cached answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

NEGATIVE_SIGNALS = frozenset({"thumbs_down", "correction"})
"""UserSignal kinds that invalidate the entry that produced (or served) the answer."""

UNCACHEABLE_FINISH_REASONS = frozenset({"error", "content_filter", "length", "tool_calls"})


@dataclass
class Generation:
    """A generated answer as the cache sees it (an LlmResponse plus guardrail verdicts)."""

    text: str
    doc_ids: tuple[str, ...] = ()
    error: str | None = None
    finish_reason: str | None = None
    blocked: bool = False
    flagged: bool = False
    meta: dict[str, str] = field(default_factory=dict)

    @classmethod
    def coerce(cls, value: Any) -> "Generation":
        """Accept a Generation, a string, or an LlmResponse-shaped mapping (``text``, ``citations``,
        ``error``, ``finish_reason``; optional ``blocked``/``flagged``/``guardrail_flagged``/``doc_ids``)."""
        if isinstance(value, Generation):
            return value
        if isinstance(value, str):
            return cls(text=value)
        if isinstance(value, Mapping):
            docs = list(value.get("doc_ids") or [])
            for c in value.get("citations") or []:
                d = c.get("doc_id") if isinstance(c, Mapping) else None
                if d and d not in docs:
                    docs.append(d)
            return cls(text=str(value.get("text") or value.get("response") or ""), doc_ids=tuple(docs),
                       error=value.get("error"), finish_reason=value.get("finish_reason"),
                       blocked=bool(value.get("blocked")),
                       flagged=bool(value.get("flagged") or value.get("guardrail_flagged")))
        raise TypeError(f"cannot interpret {type(value).__name__} as a generation")


def cacheable(gen: Generation) -> tuple[bool, str]:
    """(True, "ok") or (False, reason): errors, blocked or guardrail-flagged outputs, truncated or
    filtered completions and empty answers are never cached."""
    if gen.error:
        return False, "error"
    if gen.blocked:
        return False, "blocked"
    if gen.flagged:
        return False, "guardrail_flagged"
    if gen.finish_reason and gen.finish_reason in UNCACHEABLE_FINISH_REASONS:
        return False, f"finish_reason:{gen.finish_reason}"
    if not gen.text.strip():
        return False, "empty"
    return True, "ok"
