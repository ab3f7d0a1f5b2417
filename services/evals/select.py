"""Pure item selection: near-duplicate removal by embedding clustering and stratification by class."""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

TYPE_PRIORITY = {"correction": 0, "guardrail": 1, "regression": 2}


def priority_key(item: dict) -> tuple:
    """Corrections first (they carry expected outputs), then guardrail cases, then regressions; newest first;
    the id breaks ties so the order is deterministic."""
    return (TYPE_PRIORITY.get(item.get("type"), 9), -_ts(item.get("event_time")), item["id"])


def dedup(items: Sequence[dict], vectors: np.ndarray, threshold: float = 0.95) -> tuple[list[dict], int]:
    """Greedy leader clustering within each taxonomy class: in priority order, an item whose cosine to an
    already kept item of the same class is >= ``threshold`` joins that item's cluster (its id goes to the
    leader's ``duplicates``). ``vectors`` are unit rows aligned with ``items``. Returns (kept, removed)."""
    order = sorted(range(len(items)), key=lambda i: priority_key(items[i]))
    kept: list[int] = []
    by_class: dict[str, list[int]] = {}
    removed = 0
    leaders: dict[int, dict] = {}
    for i in order:
        cls = items[i].get("taxonomy_class", "other")
        members = by_class.setdefault(cls, [])
        if members:
            sims = vectors[members] @ vectors[i]
            j = int(np.argmax(sims))
            if sims[j] >= threshold:
                leaders[members[j]].setdefault("duplicates", []).append(items[i]["id"])
                removed += 1
                continue
        leader = dict(items[i])
        leaders[i] = leader
        members.append(i)
        kept.append(i)
    return [leaders[i] for i in kept], removed


def stratify(items: Sequence[dict], max_items: int, min_per_class: int = 5) -> list[dict]:
    """At most ``max_items``, every class represented: each class first gets min(min_per_class, available),
    the rest of the budget is split in proportion to what is left per class (largest remainder). Within a
    class, items are taken in :func:`priority_key` order."""
    by_class: dict[str, list[dict]] = {}
    for it in sorted(items, key=priority_key):
        by_class.setdefault(it.get("taxonomy_class", "other"), []).append(it)
    if sum(len(v) for v in by_class.values()) <= max_items:
        return [it for cls in sorted(by_class) for it in by_class[cls]]
    quota = {c: min(min_per_class, len(v)) for c, v in by_class.items()}
    while sum(quota.values()) > max_items:  # more classes than budget: trim the largest quotas
        c = max(sorted(quota), key=lambda k: quota[k])
        quota[c] -= 1
    budget = max_items - sum(quota.values())
    left = {c: len(v) - quota[c] for c, v in by_class.items()}
    total_left = sum(left.values())
    if budget and total_left:
        shares = {c: budget * n / total_left for c, n in left.items()}
        extra = {c: min(left[c], int(s)) for c, s in shares.items()}
        rest = budget - sum(extra.values())
        for c in sorted(shares, key=lambda k: (-(shares[k] - int(shares[k])), k)):
            if rest <= 0:
                break
            if extra[c] < left[c]:
                extra[c] += 1
                rest -= 1
        for c in extra:
            quota[c] += extra[c]
    return [it for cls in sorted(by_class) for it in by_class[cls][:quota[cls]]]


def _ts(value) -> float:
    if value is None:
        return 0.0
    if hasattr(value, "timestamp"):
        return value.timestamp()
    try:
        import datetime as dt

        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def stable_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
