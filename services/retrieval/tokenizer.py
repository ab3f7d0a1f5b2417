"""The lexical analyzer BM25 uses: word tokens plus exact tokens kept intact.

Plain word tokenisers destroy the tokens that matter most in support and science corpora: ``SKU-4471``
becomes ``sku`` + ``4471``, ``v2.3.1`` becomes ``v2`` + ``3`` + ``1``, ``10 mg`` loses its unit. This analyzer
emits, for every text, in order of appearance:

* **base tokens**: lower-cased runs of letters/digits (``[^\\W_]+``), English stopwords removed, an optional
  minimal plural stemmer applied to purely alphabetic words;
* **exact tokens**: a run of base tokens joined by connectors (``- . / _ + & :``), kept whole and lower-cased
  (``sku-4471``, ``v2.3.1``, ``il-6``, ``2.5``, ``mg/kg``, ``u.s.a``); a hyphen/underscore compound that
  contains a digit also gets its squashed form (``sku4471``), so ``SKU4471`` and ``SKU-4471`` meet;
* **letter/digit parts** of a mixed token (``brca1`` -> ``brca``, ``1`` is *not* emitted; only the alphabetic
  stem ``brca`` is added, so ``BRCA1`` also matches a passage about ``BRCA``);
* **number+unit tokens**: a number followed (with or without a space) by a known unit, joined
  (``10 mg`` and ``10mg`` both give ``10mg``; ``5 %`` gives ``5%``; ``2.5 mg/kg`` gives ``2.5mg/kg``).

The same function tokenises documents and queries, so BM25 scores are symmetric, and :func:`query_terms`
also reports which query tokens have an *exact shape* (a code, version, acronym, gene symbol, number with
unit): fusion uses that to notice rare exact-match queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN

STOPWORDS: frozenset[str] = frozenset(STOPWORDS_EN)

_BASE = re.compile(r"[^\W_]+")
_CONNECTED = re.compile(r"[^\W_]+(?:[-./_+&:][^\W_]+)+")
_LETTERS_DIGITS = re.compile(r"[^\W\d_]+|\d+")
_UNITS = (
    "%", "mg", "g", "kg", "µg", "ug", "mcg", "ng", "pg", "ml", "l", "dl", "µl", "ul", "mm", "cm", "m", "km",
    "nm", "µm", "um", "mmol", "µmol", "umol", "nmol", "mol", "mm", "mmhg", "s", "ms", "sec", "min", "h", "hr",
    "hrs", "hz", "khz", "mhz", "ghz", "kb", "mb", "gb", "tb", "kbps", "mbps", "gbps", "w", "kw", "mw", "v", "mv",
    "kv", "a", "ma", "mah", "wh", "kwh", "°c", "°f", "c", "f", "iu", "bp", "kb", "kda", "da", "rpm", "fps", "px",
    "dpi", "ft", "lb", "lbs", "oz", "x", "gy", "mg/kg", "mg/dl", "mmol/l", "µg/ml", "ng/ml", "ug/ml",
    "mg/ml", "iu/ml", "g/dl", "ms/s",
)
_SPACED_UNITS = sorted((re.escape(u) for u in set(_UNITS) if len(u) > 1 or u == "%"), key=len, reverse=True)
_TIGHT_UNITS = sorted((re.escape(u) for u in set(_UNITS) if len(u) == 1 and u != "%"), key=len, reverse=True)
# A unit may follow its number after one space unless it is a single letter ("5 m" is too ambiguous).
_NUM_UNIT = re.compile(
    rf"(?<![\w.,])(\d+(?:[.,]\d+)*)(?:\s?({'|'.join(_SPACED_UNITS)})|({'|'.join(_TIGHT_UNITS)}))(?![\w/%])",
    re.IGNORECASE)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]+$")
_MIXED_CASE = re.compile(r"^[a-z]+[A-Z]")


def _defined_abbreviation(text: str, start: int, end: int) -> bool:
    """``(NSC)`` after "neural stem cell": an abbreviation the text also spells out, not a rare code."""
    return start > 0 and text[start - 1] == "(" and text[end:end + 1] == ")"


def _stem(word: str) -> str:
    """Minimal English plural stemmer (Harman's S-stemmer), for alphabetic words longer than 3 letters."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class AnalyzerConfig:
    """Switches of the analyzer; the defaults are what SciFact and the shipped FAQ were tuned with."""

    stopwords: bool = True
    stem: bool = True
    exact_tokens: bool = True


@dataclass(frozen=True)
class QueryTerm:
    """One query token and whether it has an exact-match shape (code, version, acronym, gene, unit)."""

    token: str
    exact_shape: bool


class Analyzer:
    """Tokenises text for BM25 (see the module docstring for the token kinds)."""

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config or AnalyzerConfig()
        self._cached = lru_cache(maxsize=65536)(self._query_terms)

    def tokenize(self, text: str) -> list[str]:
        """All tokens of ``text`` (documents and queries alike)."""
        return [t.token for t in self._terms(text)]

    def query_terms(self, text: str) -> tuple[QueryTerm, ...]:
        """Tokens of a query with their exact-shape flags (memoised: queries repeat)."""
        return self._cached(text)

    def _query_terms(self, text: str) -> tuple[QueryTerm, ...]:
        return tuple(self._terms(text))

    def _terms(self, text: str) -> list[QueryTerm]:
        if not text:
            return []
        cfg = self.config
        out: list[QueryTerm] = []
        connected_at: dict[int, tuple[int, str]] = {}
        units_at: dict[int, str] = {}
        if cfg.exact_tokens:
            for m in _CONNECTED.finditer(text):
                connected_at[m.start()] = (m.end(), m.group(0))
            for m in _NUM_UNIT.finditer(text):
                number = re.sub(r",(?=\d{3}\b)", "", m.group(1)).replace(",", ".")
                unit = (m.group(2) or m.group(3)).lower().replace("µ", "u")
                units_at[m.start()] = number + unit
        for m in _BASE.finditer(text):
            raw = m.group(0)
            start = m.start()
            if start in connected_at:
                _, comp = connected_at[start]
                exact = comp.lower()
                # a code-like compound (digits or capitals), not a hyphenated word such as "gluten-free"
                code_like = any(c.isdigit() for c in comp) or sum(c.isupper() for c in comp) >= 2
                defined = _defined_abbreviation(text, start, connected_at[start][0])
                out.append(QueryTerm(exact, code_like and not defined))
                if any(c.isdigit() for c in exact) and re.search(r"[-_]", exact):
                    squashed = re.sub(r"[-_]", "", exact)
                    if squashed != exact:
                        out.append(QueryTerm(squashed, out[-1].exact_shape))
                if "." in exact and all(len(p) == 1 and p.isalpha() for p in exact.split(".")):
                    out.append(QueryTerm(exact.replace(".", ""), True))  # u.s.a -> usa
            if start in units_at:
                unit_tok = units_at[start]
                if unit_tok != raw.lower():
                    out.append(QueryTerm(unit_tok, True))
            low = raw.lower()
            has_digit = any(c.isdigit() for c in low)
            has_alpha = any(c.isalpha() for c in low)
            shape = ((has_digit and has_alpha) or bool(_ACRONYM.match(raw)) or bool(_MIXED_CASE.match(raw))
                     or (has_digit and len(low) >= 3)) and not _defined_abbreviation(text, start, m.end())
            if cfg.stopwords and low in STOPWORDS:
                continue
            if cfg.stem and not has_digit:
                low = _stem(low)
            out.append(QueryTerm(low, shape))
            if cfg.exact_tokens and has_digit and has_alpha:
                for part in _LETTERS_DIGITS.findall(low):
                    if part.isalpha() and len(part) >= 2 and part not in STOPWORDS:
                        out.append(QueryTerm(part, False))
        return out


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The process-wide analyzer with default settings."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def tokenize(text: str) -> list[str]:
    """Tokenise ``text`` with the default analyzer."""
    return default_analyzer().tokenize(text)


def query_terms(text: str) -> tuple[QueryTerm, ...]:
    """Query tokens with exact-shape flags, default analyzer."""
    return default_analyzer().query_terms(text)
