"""Structural checks (layer ``structural``): find the JSON in a model output, parse it, validate it.

Codes:

* ``json_invalid``: no JSON found, or it does not parse (the span points at the decode error);
* ``schema_violation``: the value does not validate against the JSON Schema (Draft 2020-12, ``jsonschema``) or
  the pydantic model; one trigger per error, ``label`` is the failing path (``$.items[0].price``) and ``detail``
  the validator's message.

Accepted layouts: the whole output is JSON (surrounding whitespace allowed), or the output is exactly one
```` ```json ```` (or bare ```` ``` ````) fenced block, optionally with prose around it. Text with prose and no fence
is ``json_invalid`` (a structured-output contract was broken even if some JSON is inside).

Constrained decoding
--------------------
Where the endpoint supports it (OpenAI, vLLM, llama.cpp server, SGLang, Ollama's OpenAI API), prevent the error
instead of detecting it: :func:`response_format` turns the same schema (or pydantic model) into the
``response_format`` payload of an OpenAI-compatible ``/v1/chat/completions`` request::

    body = {"model": "...", "messages": [...],
            "response_format": response_format(Answer, name="answer")}
    # -> {"type": "json_schema", "json_schema": {"name": "answer", "schema": {...}, "strict": true}}

With ``strict=True`` (OpenAI structured outputs), every object gets ``additionalProperties: false`` and all its
properties listed in ``required``, as that mode demands. The structural check still runs on the answer: not
every server enforces the schema, and truncated generations (``finish_reason = length``) break JSON anyway.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ValidationError

from services.guardrails.policy import make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger

_FENCE = re.compile(r"```[ \t]*(json|JSON|json5|jsonc)?[ \t]*\r?\n(.*?)\r?\n?[ \t]*```", re.S)
_NOT_FOUND = object()


@dataclass(frozen=True, slots=True)
class ExtractedJson:
    """Where the JSON text sits in the output; ``value`` is set when it parsed."""

    start: int
    end: int
    text: str
    value: Any = _NOT_FOUND
    error: str | None = None
    error_pos: int | None = None

    @property
    def ok(self) -> bool:
        return self.value is not _NOT_FOUND


def extract_json(text: str) -> ExtractedJson | None:
    """Locate and parse the JSON of ``text`` (bare, or the single fenced block). None if there is none."""
    stripped = text.strip()
    if not stripped:
        return None
    fences = list(_FENCE.finditer(text))
    if stripped[0] in "{[" or not fences:
        start = text.find(stripped[0])
        return _parse(text, start, start + len(stripped))
    if len(fences) != 1:
        return ExtractedJson(0, len(text), text, error=f"{len(fences)} fenced blocks; expected exactly one",
                             error_pos=fences[1].start())
    m = fences[0]
    body = m.group(2)
    lead = len(body) - len(body.lstrip())
    return _parse(text, m.start(2) + lead, m.start(2) + len(body.rstrip()))


class _NonStandardConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN, Infinity and -Infinity; RFC 8259 JSON does not, and neither do most consumers.
    raise _NonStandardConstant(f"{name} is not valid JSON")


def _parse(text: str, start: int, end: int) -> ExtractedJson:
    chunk = text[start:end]
    try:
        value = json.loads(chunk, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return ExtractedJson(start, end, chunk, error=exc.msg, error_pos=start + exc.pos)
    except _NonStandardConstant as exc:
        name = str(exc).split()[0]
        return ExtractedJson(start, end, chunk, error=str(exc), error_pos=start + max(0, chunk.find(name)))
    except RecursionError:
        return ExtractedJson(start, end, chunk, error="nesting too deep", error_pos=start)
    return ExtractedJson(start, end, chunk, value=value)


def json_path(path: Any) -> str:
    """``deque(['items', 0, 'price'])`` -> ``$.items[0].price``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


SchemaLike = Mapping[str, Any] | type[BaseModel]


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(value: Any, schema: SchemaLike) -> list[tuple[str, str]]:
    """``(path, message)`` for every validation error of ``value`` against ``schema`` (sorted by path)."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        try:
            schema.model_validate(value)
        except ValidationError as exc:
            return [(json_path(e["loc"]), e["msg"]) for e in exc.errors()]
        return []
    validator = _validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [(json_path(e.absolute_path), e.message) for e in errors]


def check_json(text: str, schema: SchemaLike | None = None, *, stage: Stage = Stage.OUTPUT,
               max_errors: int = 20) -> list[Trigger]:
    """``json_invalid`` / ``schema_violation`` triggers for a model output that should be JSON.

    Raises ``jsonschema.SchemaError`` if ``schema`` itself is not a valid Draft 2020-12 schema.
    """
    found = extract_json(text)
    if found is None:
        return [make_trigger(Layer.STRUCTURAL, "json_invalid", Severity.MEDIUM, stage=stage, span=(0, len(text)),
                             label="empty", detail="no JSON found")]
    if not found.ok:
        pos = found.error_pos if found.error_pos is not None else found.start
        return [make_trigger(Layer.STRUCTURAL, "json_invalid", Severity.MEDIUM, stage=stage,
                             span=(pos, min(len(text), pos + 1)) if pos < len(text) else (found.start, found.end),
                             label="parse_error", detail=f"{found.error} at char {pos}")]
    if schema is None:
        return []
    errors = schema_errors(found.value, schema)
    return [make_trigger(Layer.STRUCTURAL, "schema_violation", Severity.MEDIUM, stage=stage,
                         span=(found.start, found.end), label=path, detail=f"{path}: {msg}"[:500])
            for path, msg in errors[:max_errors]]


def _strictify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _strictify(v) for k, v in node.items()}
        if node.get("type") == "object" or "properties" in node:
            props = node.get("properties", {})
            node["additionalProperties"] = False
            node["required"] = list(props)
        return node
    if isinstance(node, list):
        return [_strictify(v) for v in node]
    return node


def response_format(schema: SchemaLike, name: str = "response", *, strict: bool = True,
                    description: str | None = None) -> dict[str, Any]:
    """The OpenAI-compatible ``response_format`` payload for constrained decoding against ``schema``."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        raw: dict[str, Any] = schema.model_json_schema()
    else:
        raw = copy.deepcopy(dict(schema))
        try:
            Draft202012Validator.check_schema(raw)
        except SchemaError as exc:
            raise ValueError(f"invalid JSON Schema: {exc.message}") from exc
    raw.pop("$schema", None)
    body: dict[str, Any] = {"name": re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64],
                            "schema": _strictify(raw) if strict else raw, "strict": strict}
    if description:
        body["description"] = description
    return {"type": "json_schema", "json_schema": body}
