"""Output moderation (layer ``safety``, code ``moderation``, ``label`` = category).

Two implementations behind one shape (a list of triggers):

* :class:`ModerationClient`: an OpenAI-compatible ``POST {base_url}/moderations`` endpoint
  (``{"model": ..., "input": text}`` -> ``{"results": [{"flagged", "categories", "category_scores"}]}``), called with
  aiohttp and a short timeout. This is the only true external boundary of the guardrails. When the call fails the
  client falls back to the lexicon and says so in ``detail`` (fail-open on the endpoint, never silent).
* :func:`moderate_lexicon`: the built-in fallback. Phrase lexicons per category (``violence``, ``self_harm``,
  ``hate``, ``sexual_minors``, ``weapons``, ``illicit_drugs``) matched on word boundaries over the folded text.
  It aims at clear instructions and threats ("how to build a pipe bomb", "kill yourself"), not at topics:
  news about violence or a medical question is not flagged. Severity: ``sexual_minors`` and ``self_harm``
  instructions are critical, the rest high.

Configure the endpoint with :class:`ModerationConfig` (e.g. from ``FLYWHEEL_MODERATION_URL`` /
``FLYWHEEL_MODERATION_API_KEY`` / ``FLYWHEEL_MODERATION_MODEL``).
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, replace
from typing import Any

from services.guardrails.normalize import fold
from services.guardrails.policy import make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger

_PERSON = (r"(?:someone|somebody|people|a person|a human|humans|a man|a woman|a kid|a child|children"
           r"|my (?:wife|husband|neighbou?r|boss|mother|father|mom|dad|partner|teacher|friend|coworker|ex))\b")

LEXICON: dict[str, tuple[str, ...]] = {
    "violence": (
        r"i(?:'m| am)? (?:going to|gonna|will) (?:kill|murder|shoot|stab|hurt) (?:you|him|her|them|everyone)",
        r"(?:kill|murder|shoot|stab) (?:all|every) (?:of )?(?:them|those|the) ?\w*",
        r"(?:how to|best way to|easiest way to|help me) (?:kill|murder|poison|strangle) " + _PERSON,
    ),
    "self_harm": (
        r"(?:you should|go) kill yourself", r"\bkys\b", r"how to (?:kill|hang|cut) (?:myself|yourself)",
        r"(?:best|painless|easiest) way to (?:die|commit suicide|end (?:my|your) life)",
        r"(?:lethal|fatal) dose of \w+ (?:to|for) (?:die|kill (?:myself|yourself))",
    ),
    "hate": (
        r"(?:all|those) (?:\w+ )?(?:people|immigrants|jews|muslims|christians|blacks|whites|gays) (?:are|should be) "
        r"(?:vermin|animals|subhuman|exterminated|killed|eradicated|wiped out)",
        r"(?:exterminate|eradicate|wipe out|gas) (?:the|all) (?:jews|muslims|immigrants|blacks|gays|\w+ people)",
        r"\bsubhuman (?:race|scum|filth)\b",
    ),
    "sexual_minors": (
        r"(?:sex|sexual|nude|naked|erotic)\w* (?:with|of|pictures of|photos of|images of) (?:a |an )?"
        r"(?:child|children|minor|minors|kid|kids|\d{1,2}[- ]year[- ]old)",
        r"\b(?:child|underage|minor) (?:porn|pornography|sexual abuse material)\b", r"\bcsam\b",
    ),
    "weapons": (
        r"how to (?:build|make|assemble|construct) (?:a |an )?(?:pipe bomb|bomb|ied|explosive device|nerve agent"
        r"|chemical weapon|bioweapon|dirty bomb|ghost gun|silencer)",
        r"(?:recipe|instructions|steps) (?:for|to make) (?:a |an )?(?:pipe bomb|nerve agent|sarin|ricin|napalm|thermite bomb)",
        r"(?:mix|combine) (?:\w+ ){0,3}(?:to make|for) (?:a )?(?:toxic gas|explosive|bomb)",
    ),
    "illicit_drugs": (
        r"how to (?:cook|make|synthesi[sz]e|manufacture) (?:meth|methamphetamine|fentanyl|heroin|crack|lsd|mdma)",
        r"(?:synthesis|recipe) (?:of|for) (?:meth|methamphetamine|fentanyl|heroin)",
    ),
}
_COMPILED = {cat: re.compile("|".join(f"(?:{p})" for p in pats), re.I) for cat, pats in LEXICON.items()}
CRITICAL = {"sexual_minors", "self_harm"}


def moderate_lexicon(text: str, *, stage: Stage = Stage.OUTPUT) -> list[Trigger]:
    """Built-in lexicon moderation: one trigger per category found (span of the first hit)."""
    folded, offsets = fold(text)
    out = []
    for cat, rx in _COMPILED.items():
        m = rx.search(folded)
        if not m:
            continue
        a, b = m.span()
        if offsets is not None and offsets:
            a, b = offsets[min(a, len(offsets) - 1)], offsets[min(b - 1, len(offsets) - 1)] + 1
        out.append(make_trigger(Layer.SAFETY, "moderation", Severity.CRITICAL if cat in CRITICAL else Severity.HIGH,
                                stage=stage, span=(a, b), label=cat, detail="lexicon match"))
    return out


@dataclass(frozen=True)
class ModerationConfig:
    """An OpenAI-compatible moderation endpoint (``base_url`` like ``https://api.openai.com/v1``)."""

    base_url: str
    api_key: str | None = None
    model: str = "omni-moderation-latest"
    timeout: float = 2.0
    min_score: float = 0.5  # a category scoring at least this is reported even if the endpoint did not flag it

    @classmethod
    def from_env(cls) -> "ModerationConfig | None":
        url = os.environ.get("FLYWHEEL_MODERATION_URL")
        if not url:
            return None
        return cls(base_url=url, api_key=os.environ.get("FLYWHEEL_MODERATION_API_KEY"),
                   model=os.environ.get("FLYWHEEL_MODERATION_MODEL", "omni-moderation-latest"))


def _category_severity(category: str) -> Severity:
    c = category.lower()
    if "minor" in c or "self-harm" in c or "self_harm" in c:
        return Severity.CRITICAL
    return Severity.HIGH


def triggers_from_response(payload: dict[str, Any], min_score: float = 0.5, *,
                           stage: Stage = Stage.OUTPUT) -> list[Trigger]:
    """Triggers from an OpenAI moderation response body."""
    out = []
    for result in payload.get("results") or []:
        cats = result.get("categories") or {}
        scores = result.get("category_scores") or {}
        for cat in sorted(set(cats) | set(scores)):
            score = float(scores.get(cat) or 0.0)
            if cats.get(cat) or score >= min_score:
                label = cat.replace("/", "_").replace("-", "_")
                out.append(make_trigger(Layer.SAFETY, "moderation", _category_severity(cat), stage=stage, label=label,
                                        detail=f"endpoint score={score:.2f}"))
    return out


class ModerationClient:
    """Async client for an OpenAI-compatible moderation endpoint; reuse one per process."""

    def __init__(self, config: ModerationConfig, session: Any | None = None) -> None:
        self.config = config
        self._session = session
        self._own = session is None

    async def _get_session(self) -> Any:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.config.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._own:
            await self._session.close()
            self._session = None

    async def moderate(self, text: str, *, stage: Stage = Stage.OUTPUT) -> list[Trigger]:
        """Endpoint verdict for ``text``; on any endpoint failure, the lexicon fallback (detail says so)."""
        import aiohttp

        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        url = self.config.base_url.rstrip("/") + "/moderations"
        try:
            session = await self._get_session()
            async with session.post(url, json={"model": self.config.model, "input": text}, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=self.config.timeout)) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                payload = await resp.json()
            return triggers_from_response(payload, self.config.min_score, stage=stage)
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError) as exc:
            fallback = moderate_lexicon(text, stage=stage)
            note = f"endpoint unavailable ({type(exc).__name__}); lexicon fallback"
            return [replace(t, detail=note) for t in fallback]
