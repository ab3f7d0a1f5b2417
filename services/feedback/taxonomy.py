"""Failure taxonomy: ordered rules (data, ``taxonomy.toml``) that turn failure events into classified incidents.

The same rules run in two places and must agree (a test checks it on the real engine):

* Python: :meth:`Taxonomy.classify` on one record (agents, eval regeneration, tests);
* ClickHouse: :meth:`Taxonomy.view_select` generates, per source table, the SELECT of the materialized view
  that fills ``incidents`` as the sink inserts raw rows (see :mod:`services.feedback.views`).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

DEFAULT_PATH = Path(__file__).with_name("taxonomy.toml")
CLASSES: tuple[str, ...] = ("ungrounded", "retrieval_miss", "format_error", "unsafe_input", "pii_leak", "refusal",
                            "stale_answer", "latency", "other")
_OPS = ("present", "lt", "gt", "regex")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Source:
    """How a raw table's rows become incidents: the fields rules may use and the incident's columns."""

    table: str
    event_type: str
    fields: tuple[str, ...]
    trigger_sql: str  # what fired, as SQL over the raw row
    output_sql: str = "CAST(NULL, 'Nullable(String)')"
    corrected_sql: str = "CAST(NULL, 'Nullable(String)')"
    subject_sql: str = "CAST(NULL, 'Nullable(String)')"
    has_dims: bool = False

    def trigger(self, r: Mapping[str, Any]) -> str:
        if self.table == "user_signals":
            return str(r.get("kind") or "")
        if self.table == "llm_responses":
            return "error" if r.get("error") else str(r.get("finish_reason") or "")
        if self.table == "guardrail_triggers":
            return f"{r.get('layer')}/{r.get('code')}"
        return f"{r.get('kind')}:{r.get('outcome')}"


SOURCES: dict[str, Source] = {s.table: s for s in (
    Source("user_signals", "UserSignal",
           ("kind", "value", "comment", "correction_text", "dwell_ms", "feature", "model", "prompt_version", "cohort"),
           "toString(kind)", corrected_sql="correction_text", subject_sql="response_event_id", has_dims=True),
    Source("llm_responses", "LlmResponse",
           ("text", "confidence", "latency_ms", "prompt_tokens", "completion_tokens", "finish_reason", "error",
            "cached", "feature", "model", "prompt_version", "cohort"),
           "if(notEmpty(ifNull(error, '')), 'error', ifNull(finish_reason, ''))", output_sql="CAST(text, 'Nullable(String)')",
           subject_sql="CAST(toString(event_id), 'Nullable(String)')", has_dims=True),
    Source("guardrail_triggers", "GuardrailTrigger",
           ("stage", "layer", "code", "severity", "action", "label", "detail", "span_start", "span_end"),
           "concat(toString(layer), '/', toString(code))", subject_sql="subject_event_id"),
    Source("cache_decisions", "CacheDecision", ("kind", "key", "outcome", "reason", "similarity", "entry_id"),
           "concat(toString(kind), ':', toString(outcome))"),
)}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # eq | present | lt | gt | regex
    value: Any

    def test(self, r: Mapping[str, Any]) -> bool:
        v = r.get(self.field)
        if self.op == "eq":
            return _text(v) in self.value
        if self.op == "present":
            return (_text(v) != "") == bool(self.value)
        if self.op in ("lt", "gt"):
            if v is None or isinstance(v, str):
                return False
            return float(v) < self.value if self.op == "lt" else float(v) > self.value
        return re.search(self.value, _text(v)) is not None

    def sql(self) -> str:
        f = f"`{self.field}`"
        if self.op == "eq":
            return f"ifNull(toString({f}), '') IN ({', '.join(_q(x) for x in self.value)})"
        if self.op == "present":
            return f"{'notEmpty' if self.value else 'empty'}(ifNull(toString({f}), ''))"
        if self.op in ("lt", "gt"):
            return f"ifNull(toFloat64({f}) {'<' if self.op == 'lt' else '>'} {float(self.value)!r}, 0)"
        return f"match(ifNull(toString({f}), ''), {_q(self.value)})"


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    conditions: tuple[Condition, ...]
    cls: str
    what: str
    why: str

    def matches(self, r: Mapping[str, Any]) -> bool:
        return all(c.test(r) for c in self.conditions)

    def sql(self) -> str:
        return " AND ".join(c.sql() for c in self.conditions) or "1"


@dataclass(frozen=True)
class Incident:
    rule_id: str
    cls: str
    what: str
    why: str
    trigger: str


@dataclass(frozen=True)
class Taxonomy:
    classes: Mapping[str, str]
    rules: tuple[Rule, ...]
    fingerprint: str = ""
    sources: Mapping[str, Source] = field(default_factory=lambda: SOURCES)

    def rules_for(self, source: str) -> list[Rule]:
        return [r for r in self.rules if r.source == source]

    def classify(self, source: str, record: Mapping[str, Any]) -> Incident | None:
        """The incident a raw record of ``source`` is, or None when no rule matches (not a failure)."""
        for rule in self.rules_for(source):
            if rule.matches(record):
                return Incident(rule.id, rule.cls, render(rule.what, record), render(rule.why, record),
                                self.sources[source].trigger(record))
        return None

    # -- SQL ---------------------------------------------------------------------------------------------
    def view_select(self, source: str) -> str:
        """SELECT over raw table ``source`` producing ``incidents`` rows (the body of its materialized view)."""
        src = self.sources[source]
        rules = self.rules_for(source)
        if not rules:
            raise ValueError(f"no rules for {source}")
        rule_id = "multiIf(" + ", ".join(f"{r.sql()}, {_q(r.id)}" for r in rules) + ", '')"
        ids = "[" + ", ".join(_q(r.id) for r in rules) + "]"

        def pick(values: list[str]) -> str:
            return "multiIf(" + ", ".join(f"rule_id = {_q(r.id)}, {v}" for r, v in zip(rules, values)) + ", '')"

        dims = ",\n       ".join(
            f"ifNull(toString(`{d}`), '') AS `{d}`" if src.has_dims else f"'' AS `{d}`"
            for d in ("feature", "model", "prompt_version", "cohort"))
        return (
            f"SELECT event_id AS incident_id, event_time, tenant_id, app_id, request_id,\n       {dims},\n"
            f"       {_q(source)} AS source, {src.trigger_sql} AS trigger, {rule_id} AS rule_id,\n"
            f"       transform(rule_id, {ids}, [{', '.join(_q(r.cls) for r in rules)}], 'other') AS class,\n"
            f"       {pick([template_sql(r.what) for r in rules])} AS what,\n"
            f"       {pick([template_sql(r.why) for r in rules])} AS why,\n"
            f"       {src.output_sql} AS output, {src.corrected_sql} AS corrected_output,\n"
            f"       {src.subject_sql} AS subject_event_id\n"
            f"FROM {source}\nWHERE rule_id != ''")


def render(template: str, record: Mapping[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: _text(record.get(m.group(1))), template)


def template_sql(template: str) -> str:
    parts: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > pos:
            parts.append(_q(template[pos:m.start()]))
        parts.append(f"ifNull(toString(`{m.group(1)}`), '')")
        pos = m.end()
    if pos < len(template):
        parts.append(_q(template[pos:]))
    if not parts:
        return "''"
    return parts[0] if len(parts) == 1 else "concat(" + ", ".join(parts) + ")"


def _text(v: Any) -> str:
    """A value as ClickHouse's toString prints it (so Python and SQL templates agree)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer():
            return str(int(v))
        return repr(v)
    return str(v)


def _q(s: str) -> str:
    return "'" + str(s).replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse(data: Mapping, fingerprint: str = "") -> Taxonomy:
    classes = dict(data.get("classes", {}))
    if set(classes) != set(CLASSES):
        raise ValueError(f"taxonomy classes must be exactly {CLASSES}")
    rules, seen = [], set()
    for spec in data.get("rules", []):
        rid, source, cls = spec["id"], spec["source"], spec["class"]
        if rid in seen:
            raise ValueError(f"rule id {rid!r} used twice")
        seen.add(rid)
        if source not in SOURCES:
            raise ValueError(f"rule {rid}: unknown source {source!r} (one of {sorted(SOURCES)})")
        if cls not in classes:
            raise ValueError(f"rule {rid}: unknown class {cls!r}")
        conds = []
        for key, value in spec.get("match", {}).items():
            fld, _, op = key.partition(".")
            op = op or "eq"
            if op not in ("eq",) + _OPS:
                raise ValueError(f"rule {rid}: unknown operator {op!r}")
            if fld not in SOURCES[source].fields:
                raise ValueError(f"rule {rid}: {source} has no field {fld!r} usable in rules")
            if op == "eq":
                value = tuple(value) if isinstance(value, list) else (value,)
            elif op == "regex":
                re.compile(value)
            elif op in ("lt", "gt"):
                value = float(value)
            conds.append(Condition(fld, op, value))
        for tpl in (spec.get("what", ""), spec.get("why", "")):
            for name in _PLACEHOLDER.findall(tpl):
                if name not in SOURCES[source].fields + ("event_id", "request_id", "tenant_id", "app_id"):
                    raise ValueError(f"rule {rid}: template field {name!r} is not a field of {source}")
        rules.append(Rule(rid, source, tuple(conds), cls, spec.get("what", ""), spec.get("why", "")))
    return Taxonomy(classes, tuple(rules), fingerprint)


def load(path: str | Path | None = None) -> Taxonomy:
    """Rules from ``path``, ``$FLYWHEEL_FEEDBACK_TAXONOMY`` or the packaged ``taxonomy.toml``."""
    return _load(str(path or os.environ.get("FLYWHEEL_FEEDBACK_TAXONOMY") or DEFAULT_PATH))


@lru_cache(maxsize=8)
def _load(path: str) -> Taxonomy:
    text = Path(path).read_text()
    return parse(tomllib.loads(text), hashlib.sha256(text.encode()).hexdigest()[:10])
