"""Signals to labels, in one place: ``labels.toml`` maps every UserSignal kind to a label and a weight.

The same mapping feeds Python (:meth:`LabelMap.label`) and SQL (:meth:`LabelMap.sql_kinds`,
:meth:`LabelMap.sql_weight`), so the rollup queries and the agents never disagree.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Mapping, get_args

from schemas.models import SignalKind

Label = Literal["positive", "negative", "neutral"]
LABELS: tuple[str, ...] = ("positive", "negative", "neutral")
DEFAULT_PATH = Path(__file__).with_name("labels.toml")
DIMENSIONS: tuple[str, ...] = ("app_id", "feature", "model", "prompt_version", "cohort")


@dataclass(frozen=True)
class SignalMeaning:
    label: str
    weight: float


@dataclass(frozen=True)
class LabelMap:
    signals: Mapping[str, SignalMeaning]
    dimensions: tuple[str, ...] = DIMENSIONS

    def label(self, kind: str) -> str:
        return self.signals[kind].label

    def weight(self, kind: str) -> float:
        return self.signals[kind].weight

    def kinds(self, label: str) -> tuple[str, ...]:
        return tuple(sorted(k for k, m in self.signals.items() if m.label == label))

    @property
    def positive(self) -> tuple[str, ...]:
        return self.kinds("positive")

    @property
    def negative(self) -> tuple[str, ...]:
        return self.kinds("negative")

    def is_accepted(self, kinds: set[str] | list[str]) -> bool:
        """A response is accepted when at least one signal about it is positive."""
        return any(self.label(k) == "positive" for k in kinds)

    def weighted_score(self, counts: Mapping[str, int]) -> float:
        return sum(self.weight(k) * n for k, n in counts.items())

    # -- SQL (over the rollups' ``metric`` column, whose values are 'signal:<kind>') ---------------------
    def sql_kinds(self, label: str) -> str:
        """A SQL array literal of the ``metric`` values of ``label``'s kinds, e.g. ['signal:accept', ...]."""
        return "[" + ", ".join(f"'signal:{k}'" for k in self.kinds(label)) + "]"

    def sql_weight(self, column: str = "metric") -> str:
        """A SQL expression: the weight of the signal kind in ``column`` (0 for non-signal metrics)."""
        keys = ", ".join(f"'signal:{k}'" for k in sorted(self.signals))
        weights = ", ".join(repr(float(self.signals[k].weight)) for k in sorted(self.signals))
        return f"transform({column}, [{keys}], [{weights}], 0.)"


def parse(data: Mapping) -> LabelMap:
    signals = {}
    for kind, spec in data.get("signals", {}).items():
        label = spec.get("label")
        if label not in LABELS:
            raise ValueError(f"signal {kind!r}: label must be one of {LABELS}, got {label!r}")
        weight = float(spec.get("weight", {"positive": 1.0, "negative": -1.0, "neutral": 0.0}[label]))
        signals[kind] = SignalMeaning(label, weight)
    missing = set(get_args(SignalKind)) - set(signals)
    unknown = set(signals) - set(get_args(SignalKind))
    if missing or unknown:
        raise ValueError(f"labels: every SignalKind needs a label (missing {sorted(missing)}, unknown {sorted(unknown)})")
    dims = tuple(data.get("acceptance", {}).get("dimensions", DIMENSIONS))
    if not set(dims) <= set(DIMENSIONS):
        raise ValueError(f"acceptance.dimensions must be among {DIMENSIONS}")
    return LabelMap(signals, dims)


def load(path: str | Path | None = None) -> LabelMap:
    """The mapping from ``path``, ``$FLYWHEEL_FEEDBACK_LABELS`` or the packaged ``labels.toml``."""
    return _load(str(path or os.environ.get("FLYWHEEL_FEEDBACK_LABELS") or DEFAULT_PATH))


@lru_cache(maxsize=8)
def _load(path: str) -> LabelMap:
    return parse(tomllib.loads(Path(path).read_text()))
