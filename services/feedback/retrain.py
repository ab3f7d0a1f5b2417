"""Retrain triggers: when to fire (pure decisions over rollup numbers) and the fine-tuning dataset snapshot.

Two reasons, per (tenant, app, feature, model, prompt_version, cohort) segment:

* ``acceptance_drop``: the acceptance rate of the current window ([W - current_minutes, W), W = the app's
  event-time watermark) is significantly below the baseline window (``baseline_hours`` ending at the hour
  before the current window), by a one-sided two-proportion z-test (or Wilson intervals), with a minimum
  sample on both sides. Fires once per (segment, reason, baseline window): the event id is a uuid5 of those.
* ``corrections_threshold``: >= ``corrections_threshold`` corrections for a feature since the previous
  corrections trigger of that feature. Fires once per (feature, since).

The dataset teaches behaviour (format, tone, schema, routing), never facts: only corrections whose incident
class is a behaviour class are used, and a correction that introduces numbers or names absent from the query
and the original answer is dropped (it would teach a fact). Everything is PII-redacted.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Iterable, Literal, Mapping

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.feedback.stats import acceptance_drop

NAMESPACE = uuid.UUID("5b0f3c2e-8d7a-4e7e-9a51-6f1b2c3d4e5f")
SEGMENT_DIMS = ("feature", "model", "prompt_version", "cohort")


class RetrainConfig(BaseSettings):
    """``FLYWHEEL_RETRAIN_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FLYWHEEL_RETRAIN_", extra="ignore")

    enabled: bool = True
    interval_s: float = Field(30.0, gt=0)
    corrections_threshold: int = Field(50, ge=1)
    alpha: float = Field(0.01, gt=0, lt=0.5)
    min_samples: int = Field(200, ge=1)
    min_drop: float = Field(0.02, ge=0, le=1)
    method: Literal["ztest", "wilson"] = "ztest"
    current_minutes: int = Field(60, ge=1)
    baseline_hours: int = Field(24, ge=1)
    dataset_days: int = Field(30, ge=1)
    dataset_max_rows: int = Field(5000, ge=1)
    behaviour_classes: tuple[str, ...] = ("format_error", "refusal", "other")
    system_prompt: str = "You are the {feature} assistant. Answer in the product's format, tone and schema."


@dataclass(frozen=True)
class Segment:
    tenant_id: str
    app_id: str
    feature: str
    model: str = ""
    prompt_version: str = ""
    cohort: str = ""

    def label(self) -> str:
        parts = [f"{k}={getattr(self, k)}" for k in SEGMENT_DIMS if getattr(self, k)]
        return ",".join(parts)


@dataclass(frozen=True)
class Windows:
    current: tuple[dt.datetime, dt.datetime]
    baseline: tuple[dt.datetime, dt.datetime]


def windows(watermark: dt.datetime, cfg: RetrainConfig) -> Windows:
    cur_start = watermark - dt.timedelta(minutes=cfg.current_minutes)
    base_end = cur_start.replace(minute=0, second=0, microsecond=0)
    return Windows((cur_start, watermark), (base_end - dt.timedelta(hours=cfg.baseline_hours), base_end))


@dataclass
class Decision:
    segment: Segment
    reason: str  # acceptance_drop | corrections_threshold
    statistics: dict[str, float]
    key: tuple  # what makes it unique: (segment, reason, baseline window or since)
    window: tuple[dt.datetime, dt.datetime]  # the data the dataset snapshot draws from

    @property
    def event_id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, "|".join(str(k) for k in self.key))

    @property
    def snapshot_id(self) -> str:
        feat = re.sub(r"[^A-Za-z0-9_-]+", "_", self.segment.feature or "all")
        return f"{feat}-{self.reason}-{self.event_id.hex[:12]}"

    @property
    def reason_text(self) -> str:
        extra = [f"{k}={getattr(self.segment, k)}" for k in ("cohort",) if getattr(self.segment, k)]
        return self.reason + (f" ({', '.join(extra)})" if extra else "")


def decide_drops(current: Mapping[Segment, tuple[int, int]], baseline: Mapping[Segment, tuple[int, int]],
                 w: Windows, cfg: RetrainConfig) -> list[Decision]:
    """Segments whose acceptance dropped. Inputs: segment -> (accepted, shown)."""
    out = []
    for seg, (x2, n2) in sorted(current.items(), key=lambda kv: tuple(vars(kv[0]).values())):
        if seg not in baseline:
            continue
        x1, n1 = baseline[seg]
        d = acceptance_drop(x1, n1, x2, n2, alpha=cfg.alpha, min_samples=cfg.min_samples, min_drop=cfg.min_drop,
                            method=cfg.method)
        if not d.significant:
            continue
        stats = dict(d.statistics)
        stats.update(_ms("baseline_start_ms", w.baseline[0]), **_ms("baseline_end_ms", w.baseline[1]),
                     **_ms("current_start_ms", w.current[0]), **_ms("current_end_ms", w.current[1]))
        key = (*vars(seg).values(), "acceptance_drop", w.baseline[0].isoformat(), w.baseline[1].isoformat())
        out.append(Decision(seg, "acceptance_drop", stats, key, (w.baseline[0], w.current[1])))
    return out


def decide_corrections(counts: Mapping[Segment, tuple[int, dt.datetime]], until: dt.datetime,
                       cfg: RetrainConfig) -> list[Decision]:
    """Features with enough new corrections. Input: feature segment -> (corrections since, since)."""
    out = []
    for seg, (n, since) in sorted(counts.items(), key=lambda kv: tuple(vars(kv[0]).values())):
        if n < cfg.corrections_threshold:
            continue
        stats = {"corrections": float(n), "threshold": float(cfg.corrections_threshold),
                 **_ms("since_ms", since), **_ms("until_ms", until)}
        key = (*vars(seg).values(), "corrections_threshold", since.isoformat())
        out.append(Decision(seg, "corrections_threshold", stats, key, (since, until)))
    return out


def _ms(name: str, t: dt.datetime) -> dict[str, float]:
    return {name: float(int(t.timestamp() * 1000))}


# ------------------------------------------------------------------------------------------ dataset
_FACT = re.compile(r"\d+(?:[.,]\d+)*|\b[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)*")


def introduces_facts(corrected: str, *context: str) -> bool:
    """True when ``corrected`` has a number or a capitalised name that none of ``context`` contains.

    Sentence-initial capitalised words are ignored (they are usually not names)."""
    known = " ".join(c for c in context if c).lower()
    known_digits = set(re.findall(r"\d+(?:[.,]\d+)*", known))
    for m in _FACT.finditer(corrected):
        tok = m.group(0)
        if tok[0].isdigit():
            if tok not in known_digits:
                return True
            continue
        start = m.start()
        prefix = corrected[:start].rstrip(" \t")
        if not prefix or prefix[-1] in ".!?:;\n-*#>\"'(":
            words = tok.split()
            if len(words) == 1:
                continue
            tok = " ".join(words[1:])
        if tok.lower() not in known:
            return True
    return False


@dataclass
class CorrectionCase:
    request_id: str
    feature: str
    query: str
    original: str
    corrected: str
    incident_class: str


@dataclass
class Dataset:
    rows: list[dict] = field(default_factory=list)
    skipped_facts: int = 0
    skipped_class: int = 0
    skipped_empty: int = 0


def chat_dataset(cases: Iterable[CorrectionCase], cfg: RetrainConfig, redact) -> Dataset:
    """Chat-format rows ({"messages": [system, user, assistant]}) teaching the corrected behaviour.

    ``redact(text) -> text`` removes PII (services.guardrails.redact_pii)."""
    ds = Dataset()
    seen = set()
    for c in cases:
        if not c.corrected.strip() or not c.query.strip():
            ds.skipped_empty += 1
            continue
        if c.incident_class not in cfg.behaviour_classes:
            ds.skipped_class += 1
            continue
        if introduces_facts(c.corrected, c.query, c.original):
            ds.skipped_facts += 1
            continue
        user, assistant = redact(c.query), redact(c.corrected)
        if (user, assistant) in seen:
            continue
        seen.add((user, assistant))
        ds.rows.append({"messages": [
            {"role": "system", "content": cfg.system_prompt.format(feature=c.feature or "product")},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant}]})
        if len(ds.rows) >= cfg.dataset_max_rows:
            break
    return ds
