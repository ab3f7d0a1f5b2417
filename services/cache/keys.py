"""Key builders for the keyed caches, with canonicalisation.

Two requests that mean the same thing must build the same key: parameter order, surrounding and inner
whitespace, letter case of words and enum-like values, number spellings ("50", "50.0") and the order of
an unordered entity pair do not matter. Case is kept only for values that look like opaque,
case-sensitive tokens (long mixed-case base64/hash-like strings).

Key layout (readable, ``|``-separated, long keys get a digest suffix)::

    structured|<tenant/app/model/prompt_version>|<template_id>|<canonical params>
    item|<scope>|<task>|<entity id>
    pair|<scope>|<task>|<id a>+<id b>          (sorted)
    precomputed|<scope>|<body of one of the above, or q:<normalised query>>
    semantic|<scope>|<normalised query>
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping

import orjson

from services.cache.model import CacheKind, Scope
from services.cache.slots import normalize_text

MAX_KEY_CHARS = 240
_OPAQUE_RE = re.compile(r"^[A-Za-z0-9_\-+/=]{16,}$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def canonical_id(value: Any) -> str:
    """Canonical entity id: trimmed, inner whitespace collapsed, case-folded unless opaque."""
    s = re.sub(r"\s+", " ", str(value).strip())
    if _OPAQUE_RE.match(s) and any(c.islower() for c in s) and any(c.isupper() for c in s):
        return s  # looks like a case-sensitive token (base64, hash)
    return s.casefold()


def canonical_value(value: Any) -> Any:
    """Canonical form of one parameter value (recursively for lists and mappings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _num(float(value))
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return {str(k).strip().casefold(): canonical_value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]).strip().casefold())}
    if isinstance(value, (list, tuple)):
        return [canonical_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(canonical_value(v) for v in value)
    s = str(value).strip()
    if _NUMBER_RE.match(s):
        return _num(float(s))
    if s.lower() in ("true", "false"):
        return s.lower()
    return canonical_id(s)


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() else repr(x)


def canonical_params(params: Mapping[str, Any] | None) -> str:
    """Order-independent, case/whitespace-normalised JSON of ``params``."""
    canon = canonical_value(dict(params or {}))
    return orjson.dumps(canon, option=orjson.OPT_SORT_KEYS).decode()


def _finish(parts: list[str]) -> str:
    key = "|".join(parts)
    if len(key) <= MAX_KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return key[: MAX_KEY_CHARS - 34] + "#" + digest


def _task(task: str) -> str:
    return re.sub(r"\s+", "_", str(task).strip().casefold())


def structured_body(template_id: str, params: Mapping[str, Any] | None) -> str:
    return f"{_task(template_id)}|{canonical_params(params)}"


def item_body(entity_id: Any, task: str) -> str:
    return f"{_task(task)}|{canonical_id(entity_id)}"


def pair_body(a: Any, b: Any, task: str) -> str:
    x, y = sorted((canonical_id(a), canonical_id(b)))
    return f"{_task(task)}|{x}+{y}"


def query_body(query: str) -> str:
    return "q:" + normalize_text(query)


def structured_key(scope: Scope, template_id: str, params: Mapping[str, Any] | None) -> str:
    """Key of a templated request, e.g. ``summarize_ticket`` with ``{"id": "4471"}``."""
    return _finish([CacheKind.STRUCTURED.value, scope.key(), structured_body(template_id, params)])


def item_key(scope: Scope, entity_id: Any, task: str) -> str:
    """Key of a per-entity task, e.g. (product 42, "describe")."""
    return _finish([CacheKind.ITEM.value, scope.key(), item_body(entity_id, task)])


def pair_key(scope: Scope, a: Any, b: Any, task: str) -> str:
    """Key of a task over an *unordered* pair, e.g. compare(A, B) == compare(B, A)."""
    return _finish([CacheKind.PAIR.value, scope.key(), pair_body(a, b, task)])


def precomputed_key(scope: Scope, body: str) -> str:
    """Key of an offline-precomputed answer; ``body`` is one of the ``*_body`` builders' output."""
    return _finish([CacheKind.PRECOMPUTED.value, scope.key(), body])


def semantic_key(scope: Scope, query: str) -> str:
    """Exact-text key of a semantic entry (the normalised query)."""
    return _finish([CacheKind.SEMANTIC.value, scope.key(), normalize_text(query)])


def request_body(request: Mapping[str, Any]) -> tuple[CacheKind, str] | None:
    """The keyed-cache kind and body a request maps to, by convention on its fields/params:

    * ``entities`` (two ids) or params ``entity_a``/``entity_b`` with a task -> pair
    * ``entity_id`` (or params ``entity_id``/``item_id``) with a task -> item
    * ``template_id`` -> structured (template id + all params)

    The task is ``task``, else ``template_id``, else ``feature``. ``None`` if none applies.
    """
    params = dict(request.get("params") or {})
    task = request.get("task") or request.get("template_id") or request.get("feature")
    ents = request.get("entities")
    if ents is None and "entity_a" in params and "entity_b" in params:
        ents = [params["entity_a"], params["entity_b"]]
    if task and isinstance(ents, (list, tuple)) and len(ents) == 2:
        return CacheKind.PAIR, pair_body(ents[0], ents[1], task)
    ent = request.get("entity_id") or params.get("entity_id") or params.get("item_id")
    if task and ent is not None and not request.get("template_id"):
        return CacheKind.ITEM, item_body(ent, task)
    if request.get("template_id"):
        return CacheKind.STRUCTURED, structured_body(str(request["template_id"]), params)
    return None


def key_for(kind: CacheKind, scope: Scope, body: str) -> str:
    return _finish([kind.value, scope.key(), body])
