"""Pure metric helpers: token F1 (SQuAD-style normalisation), recall of expected sources, cosine."""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans({c: " " for c in string.punctuation})


def normalize_tokens(text: str) -> list[str]:
    """Lower case, punctuation and English articles removed, whitespace split (SQuAD normalisation)."""
    return _ARTICLES.sub(" ", (text or "").lower().translate(_PUNCT)).split()


def token_f1(prediction: str, reference: str) -> float:
    p, r = normalize_tokens(prediction), normalize_tokens(reference)
    if not p and not r:
        return 1.0
    if not p or not r:
        return 0.0
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def recall(retrieved: Iterable[str], expected: Sequence[str]) -> float | None:
    """Share of ``expected`` ids found in ``retrieved``; None when nothing is expected."""
    exp = set(expected)
    if not exp:
        return None
    return len(exp & set(retrieved)) / len(exp)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return 0.0 if na == 0 or nb == 0 else float(np.dot(a, b) / (na * nb))
