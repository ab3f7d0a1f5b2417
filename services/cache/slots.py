"""Slot extraction and the equivalence guard of the semantic cache.

Two queries can be embedded almost identically and still ask different things: "$50" vs "$500",
"declined" vs "not declined", "USD to EUR" vs "EUR to USD" (GPTCache issue #694: a query and its exact
reversal clear the default threshold). Embedding similarity alone cannot see those differences, so a
semantic hit also requires that both queries carry the same *slots*:

``number``      quantities with their unit or currency, normalised ("$50" = "50 dollars" = "USD 50"
                = "fifty bucks" -> ``50|USD``; "16GB" = "16 gigabytes" -> ``16|GB``)
``unit``        unit and currency mentions without a number ("in euros", "to km")
``date``        absolute and relative dates, windows and frequencies (``d:2026-01-05``,
                ``win:last:7:day``, ``q:1``, ``wd:fri``, ``per:year``, ``t:19:00``)
``negation``    count of negators (not, no, never, without, except, n't, ineligible...)
``comparative`` operators and superlatives (``gt``, ``le``, ``sup:price:min``, ``adj:speed:+``)
``polarity``    antonymous actions/states on an axis (enable/disable, import/export, buy/sell)
``direction``   source/target roles (``src:paris``, ``dst:london``) and ``than`` relations
``entity``      named entities (capitalised names, gazetteer of places, languages, products)
``code``        order/ticket/SKU/version codes (``ORD1234``, ``4471``, ``V2.3``)
``role``/``scope``/``person``  who the question is about ("my" vs "our" vs "my team's", admin vs user)
``wh``          the question word (why vs when)

After the typed slots, a *frame* check compares the remaining words: when two queries are identical
but for one or two words that are neither fillers nor known synonyms ("checking" vs "savings"), or
are the same words with two anchors swapped ("Did Alex pay me?" / "Did I pay Alex?"), the hit is
refused. Every refusal names the slot: ``slot_mismatch:<slot>``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from services.cache import canon as C
from services.cache import lexicon as L

SLOTS_VERSION = 8

_TOKEN_RE = re.compile(
    r"""
    \#?[A-Za-z0-9]+(?:[.,:/'\-+][A-Za-z0-9]+)*%?\+?   # words, numbers, codes, dates, contractions
    | ->|=>|<=|>=|→|≥|≤
    | °[CcFf]
    | [$€£¥₹₩<>%&/]
    | [^\s\w]
    """,
    re.X,
)
_MONTH_ABBR_DOT_RE = re.compile(r"\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.\s*(?=\d)", re.I)
_PAREN_CODE_RE = re.compile(r"\b(\d{3})\s?\(([a-z])\)", re.I)
_NUM_HYPHEN_UNIT_RE = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|sixty|ninety)"
    r"-(nights?|days?|weeks?|months?|years?|hours?|minutes?|mg|ml|kg|lbs?|km|miles?|inch|foot|feet|gb|tb)\b", re.I)
_NUM_RE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_NUM_SUFFIX_RE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)([a-z%°]+\d?)$")
_ORDINAL_RE = re.compile(r"^(\d+)(st|nd|rd|th)$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_SLASH_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?$")
_TIME_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)?$")
_QUARTER_RE = re.compile(r"^(?:fy)?(?:\d{2,4})?q([1-4])(?:\d{2,4})?$")
_HALF_RE = re.compile(r"^h([12])$")
_FY_RE = re.compile(r"^fy'?(\d{2}|\d{4})$")
_HEX_RE = re.compile(r"^0x[0-9a-f]+$")
_VERSION_RE = re.compile(r"^v\d+(?:\.\d+)*$")
_SENTENCE_END = {".", "?", "!", ":", ";"}
_DETERMINERS = {"the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "these", "those",
                "its", "some", "any", "me", "us", "them", "him"}
_CURRENCY_CODES = {v for v in L.CURRENCY_WORDS.values()}
_POSSESSIVE_DETS = {"my", "our", "your", "his", "her", "their", "its"}


def normalize_text(text: str) -> str:
    """Canonical surface form for exact-match keys: NFKC, straight quotes, lower case, single spaces,
    no trailing punctuation."""
    t = unicodedata.normalize("NFKC", text or "").replace("\u2019", "'").replace("\u2018", "'")
    # "100 Mbps" and "100 MBps" differ by case only: keep bits and bytes apart before lower-casing
    t = _DATA_UNIT_RE.sub(lambda m: m.group(1) + _data_unit(m.group(2), m.group(2)).lower(), t)
    t = re.sub(r"\s+", " ", t.strip().lower())
    return t.rstrip(" ?.!")


_DATA_UNIT_RE = re.compile(r"(?<![A-Za-z])(\d*(?:\.\d+)?\s?)([KkMmGgTtPp][Bb](?:ps|PS|/s|it|its)?)(?![A-Za-z])")


@dataclass(frozen=True)
class Slots:
    """The slots of one query; every field is hashable and order-independent except ``frame``."""

    number: tuple[str, ...] = ()
    unit: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    negation: int = 0
    comparative: tuple[str, ...] = ()
    polarity: tuple[str, ...] = ()
    direction: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    person: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    wh: tuple[str, ...] = ()
    tense: tuple[str, ...] = ()
    modal: tuple[str, ...] = ()
    quant: tuple[str, ...] = ()
    clause_neg: tuple[str, ...] = ()
    wh_role: tuple[str, ...] = ()
    frame: tuple[str, ...] = ()
    version: int = SLOTS_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Slots":
        return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()
                      if k in cls.__dataclass_fields__})

    def summary(self) -> dict[str, Any]:
        """Non-empty slots, for debugging and the probe CLI."""
        return {k: v for k, v in self.to_dict().items() if v and k not in ("frame", "version", "quant",
                                                                           "clause_neg", "wh_role")}


@dataclass
class _Tok:
    text: str
    low: str
    base: str          # lower case without possessive 's
    sent_start: bool
    possessive: bool


@dataclass
class _Claim:
    start: int
    end: int
    slot: str
    value: str


@dataclass
class _Extractor:
    text: str
    toks: list[_Tok] = field(default_factory=list)
    owner: list[int | None] = field(default_factory=list)
    claims: list[_Claim] = field(default_factory=list)
    negation: int = 0
    title_case: bool = False
    shouting: bool = False

    # -- plumbing -------------------------------------------------------------------------------

    def tokenize(self) -> None:
        t = unicodedata.normalize("NFKC", self.text).replace("\u2019", "'").replace("\u2018", "'")
        t = _PAREN_CODE_RE.sub(r"\1\2", t)  # "401(k)" -> "401k"
        t = _NUM_HYPHEN_UNIT_RE.sub(r"\1 \2", t)  # "3-night", "three-night", "12-month" -> "3 night"
        t = _MONTH_ABBR_DOT_RE.sub(r"\1 ", t)  # "Dec. 24th" -> "Dec 24th" (the dot ends no sentence)
        prev_end = True
        for m in _TOKEN_RE.finditer(t):
            raw = m.group(0)
            low = raw.lower()
            poss = low.endswith("'s") and len(low) > 2
            base = low[:-2] if poss else low
            low, base = C.canonical_spelling(low), C.canonical_spelling(base)
            self.toks.append(_Tok(raw, low, base, prev_end, poss))
            prev_end = raw in _SENTENCE_END
        self._join_compounds()
        self._deadline()
        self.owner = [None] * len(self.toks)
        # "How Do I Cancel My Subscription": capitalisation says nothing about names
        alpha = [tk for tk in self.toks if tk.text[:1].isalpha() and not tk.sent_start and tk.low != "i"]
        caps = [tk for tk in alpha if tk.text[:1].isupper()]
        self.title_case = len(alpha) >= 3 and len(caps) / len(alpha) > 0.7
        # "HOW DO I CHANGE MY EMAIL": a shouted query has no acronyms to find by shape
        shout = [tk for tk in alpha if tk.text.isupper() and len(tk.text) >= 2]
        self.shouting = len(alpha) >= 3 and len(shout) / len(alpha) > 0.7

    def _deadline(self) -> None:
        """"the last day to register / of enrollment" is the deadline, not a window ("the last day")."""
        for k in range(len(self.toks) - 3):
            if self.toks[k].low == "the" and self.toks[k + 1].low == "last" and self.toks[k + 2].low == "day" \
                    and self.toks[k + 3].low in ("to", "of", "for"):
                self.toks[k + 1:k + 3] = [_Tok("deadline", "deadline", "deadline", False, False)]
                return

    def _join_compounds(self) -> None:
        """One token for an open compound ("user name" -> "username") or a phrasal verb ("take out" ->
        "withdraw"), so every pass sees the single word (see :mod:`services.cache.canon`)."""
        out: list[_Tok] = []
        i = 0
        while i < len(self.toks):
            tk = self.toks[i]
            nxt = self.toks[i + 1] if i + 1 < len(self.toks) else None
            joined = None
            if nxt is not None and not tk.possessive:
                joined = C.COMPOUNDS.get((tk.low, nxt.base)) or C.PHRASAL_FORMS.get((tk.low, nxt.low))
                if joined and (tk.low, nxt.base) in C.COMPOUNDS and nxt.possessive:
                    joined = None
                if not joined and not nxt.text[:1].isupper():  # "from Home Depot" is a name
                    joined = C.IDIOMS.get((tk.low, nxt.low))
            if joined:
                text = joined[:1].upper() + joined[1:] if tk.text[:1].isupper() else joined
                out.append(_Tok(text, joined + ("'s" if nxt.possessive else ""), joined, tk.sent_start,
                                nxt.possessive))
                i += 2
                continue
            single = C.COMPOUNDS.get((tk.low,))
            if single:
                tk = _Tok(single, single, single, tk.sent_start, False)
            parts = tuple(tk.low.split("-"))
            if len(parts) == 2 and all(parts) and (parts in L.POLARITY_PHRASES or parts in C.PHRASAL_FORMS):
                # "check-in" / "sign-up" / "opt-out": the phrase written with a hyphen
                first = _Tok(tk.text.split("-")[0], parts[0], parts[0], tk.sent_start, False)
                second = _Tok(tk.text.split("-", 1)[1], parts[1], parts[1], False, tk.possessive)
                joined = C.PHRASAL_FORMS.get(parts) or (
                    parts[0] + parts[1] if parts[0] + parts[1] in L.POLARITY_WORDS else None)
                if joined:
                    out.append(_Tok(joined, joined, joined, tk.sent_start, tk.possessive))
                else:
                    out += [first, second]
                i += 1
                continue
            verb = C.VERB_IN_CONTEXT.get(tk.low)
            if verb and nxt is not None and nxt.low in C.VERB_CONTEXT_AFTER and (
                    tk.sent_start or (out and out[-1].low in C.VERB_CONTEXT_BEFORE)):
                tk = _Tok(verb, verb, verb, tk.sent_start, False)
            out.append(tk)
            i += 1
        self.toks = out

    def free(self, i: int, j: int | None = None) -> bool:
        j = i + 1 if j is None else j
        return 0 <= i and j <= len(self.toks) and all(self.owner[k] is None for k in range(i, j))

    def claim(self, i: int, j: int, slot: str, value: str) -> None:
        idx = len(self.claims)
        self.claims.append(_Claim(i, j, slot, value))
        for k in range(i, j):
            self.owner[k] = idx

    def low(self, i: int) -> str:
        return self.toks[i].low if 0 <= i < len(self.toks) else ""

    def base(self, i: int) -> str:
        return self.toks[i].base if 0 <= i < len(self.toks) else ""

    def match_phrase(self, i: int, phrases: dict[tuple[str, ...], Any], *, use_base: bool = False,
                     max_len: int = 4) -> tuple[int, Any] | None:
        """Longest phrase of ``phrases`` starting at free token ``i``: (end, value)."""
        for n in range(max_len, 0, -1):
            if i + n > len(self.toks) or not self.free(i, i + n):
                continue
            key = tuple((self.toks[k].base if use_base and k == i + n - 1 else self.toks[k].low)
                        for k in range(i, i + n))
            if key in phrases:
                return i + n, phrases[key]
        return None

    # -- numbers --------------------------------------------------------------------------------

    def parse_number(self, i: int) -> tuple[int, float, str | None] | None:
        """Number starting at token ``i``: (end, value, attached unit or None)."""
        if i >= len(self.toks) or not self.free(i):
            return None
        low = self.toks[i].low
        m = _NUM_RE.match(low)
        if m:
            value = float(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
            return self._scale(i + 1, value) + (None,)
        m = _NUM_SUFFIX_RE.match(low)
        if m:
            value = float(m.group(1).replace(",", ""))
            suffix = m.group(2)
            if suffix in ("k", "bn"):
                return i + 1, value * L.MULTIPLIER_SUFFIX[suffix], None
            if suffix in L.UNIT_WORDS:
                raw = self.toks[i].text[len(self.toks[i].text) - len(suffix):]
                return i + 1, value, _data_unit(raw, L.UNIT_WORDS[suffix])
            if suffix in L.CURRENCY_WORDS and suffix not in L.AMBIGUOUS_CURRENCY_WORDS:
                return i + 1, value, L.CURRENCY_WORDS[suffix]
            return None
        words = self._word_number(i)
        if words:
            return words[0], words[1], None
        return None

    def _scale(self, j: int, value: float) -> tuple[int, float]:
        if j < len(self.toks) and self.free(j) and self.toks[j].low in L.SCALE_WORDS:
            return j + 1, value * L.SCALE_WORDS[self.toks[j].low]
        if j < len(self.toks) and self.free(j) and self.toks[j].low in ("k", "bn"):
            return j + 1, value * L.MULTIPLIER_SUFFIX[self.toks[j].low]
        return j, value

    def _word_number(self, i: int) -> tuple[int, float] | None:
        parts: list[str] = []
        j = i
        while j < len(self.toks) and self.free(j):
            pieces = self.toks[j].low.split("-")
            if all(p in L.UNITS_WORDS or p in L.TENS_WORDS or p in L.SCALE_WORDS or p == "dozen" for p in pieces):
                parts.extend(pieces)
                j += 1
            elif self.toks[j].low == "and" and parts and j + 1 < len(self.toks) and (
                    self.toks[j + 1].low.split("-")[0] in L.UNITS_WORDS or self.toks[j + 1].low in L.TENS_WORDS):
                j += 1
            elif self.toks[j].low == "a" and not parts and j + 1 < len(self.toks) and self.toks[j + 1].low in (
                    "hundred", "thousand", "million", "dozen"):
                parts.append("one")
                j += 1
            else:
                break
        if not parts:
            return None
        if parts == ["one"]:
            # "one" is a number only in front of a unit or currency ("one GB"), not in "which one".
            nxt = self.low(j)
            if nxt not in L.UNIT_WORDS and nxt not in L.CURRENCY_WORDS:
                return None
        total, current = 0.0, 0.0
        for p in parts:
            if p in L.UNITS_WORDS:
                current += L.UNITS_WORDS[p]
            elif p in L.TENS_WORDS:
                current += L.TENS_WORDS[p]
            elif p == "dozen":
                current = (current or 1) * 12
            elif p == "hundred":
                current = (current or 1) * 100
            else:
                total += (current or 1) * L.SCALE_WORDS[p]
                current = 0
        return j, total + current

    def unit_at(self, j: int, *, after_number: bool) -> tuple[int, str] | None:
        """Unit or currency at token ``j``: (end, canonical unit)."""
        if j >= len(self.toks) or not self.free(j):
            return None
        pair = (self.low(j), self.low(j + 1))
        if j + 1 < len(self.toks) and self.free(j, j + 2):
            if pair in L.CURRENCY_PHRASES:
                return j + 2, L.CURRENCY_PHRASES[pair]
            if pair in L.UNIT_PHRASES:
                return j + 2, L.UNIT_PHRASES[pair]
        w = self.toks[j].low
        if w in L.CURRENCY_SYMBOLS:
            return j + 1, L.CURRENCY_SYMBOLS[w]
        if w in L.CURRENCY_WORDS and (after_number or w not in L.AMBIGUOUS_CURRENCY_WORDS):
            if not after_number and w in ("try",):
                return None
            return j + 1, L.CURRENCY_WORDS[w]
        if w in L.UNIT_WORDS and (after_number or w not in L.WEAK_UNITS):
            return j + 1, _data_unit(self.toks[j].text, L.UNIT_WORDS[w])
        if w in ("°c", "°f"):
            return j + 1, w[1:].upper()
        return None

    # -- passes ---------------------------------------------------------------------------------

    def pass_dates(self) -> None:
        n = len(self.toks)
        for i in range(n):
            if not self.free(i):
                continue
            low, base = self.toks[i].low, self.toks[i].base
            # holidays
            hol = self.match_phrase(i, {k: v for k, v in L.HOLIDAYS.items()}, max_len=3)
            if hol:
                fixed = L.FIXED_HOLIDAYS.get(hol[1])
                self.claim(i, hol[0], "date", f"d:--{fixed}" if fixed else "hol:" + hol[1])
                continue
            m = _ISO_DATE_RE.match(low)
            if m:
                self.claim(i, i + 1, "date", f"d:{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}")
                continue
            m = _ISO_MONTH_RE.match(low)
            if m and 1 <= int(m[2]) <= 12:
                self.claim(i, i + 1, "date", f"m:{int(m[1]):04d}-{int(m[2]):02d}")
                continue
            m = _SLASH_DATE_RE.match(low)
            if m and "/" in low:
                self.claim(i, i + 1, "date", "d:" + low)
                continue
            # times of day
            m = _TIME_RE.match(low)
            if m and (m[3] or m[2]) and int(m[1]) <= 24:
                self.claim(i, i + 1, "date", _time_value(int(m[1]), int(m[2] or 0), m[3]))
                continue
            if m and not m[2] and not m[3] and self.low(i + 1) in ("am", "pm", "a.m", "p.m", "o'clock") \
                    and int(m[1]) <= 12:
                end = i + 2 + (1 if self.low(i + 2) == "." else 0)
                self.claim(i, end, "date", _time_value(int(m[1]), 0, self.low(i + 1).replace(".", "")[:2]))
                continue
            if low in ("noon", "midday"):
                self.claim(i, i + 1, "date", "t:12:00")
                continue
            if low == "midnight":
                self.claim(i, i + 1, "date", "t:00:00")
                continue
            # quarters and fiscal periods
            m = _QUARTER_RE.match(low)
            if m and low.startswith(("q", "fy")) or (m and re.match(r"^\d{2,4}q", low)):
                self.claim(i, i + 1, "date", f"q:{m[1]}")
                continue
            m = _HALF_RE.match(low)
            if m:
                self.claim(i, i + 1, "date", f"half:{m[1]}")
                continue
            m = _FY_RE.match(low)
            if m:
                y = m[1] if len(m[1]) == 4 else "20" + m[1]
                self.claim(i, i + 1, "date", f"fy:{y}")
                continue
            if base in ("quarter", "quarters") and i > 0 and self.free(i - 1):
                prev = self.low(i - 1)
                num = L.ORDINAL_WORDS.get(prev)
                om = _ORDINAL_RE.match(prev)
                if om:
                    num = int(om[1])
                if num and 1 <= num <= 4:
                    self.claim(i - 1, i + 1, "date", f"q:{num}")
                    continue
            # month names
            if base in L.MONTHS and self._is_month(i):
                self._claim_month(i)
                continue
            # weekdays
            wd = L.WEEKDAYS.get(base) or (L.WEEKDAYS.get(base[:-1]) if base.endswith("s") else None)
            if wd and (base not in L.AMBIGUOUS_WEEKDAYS or self.toks[i].text[:1].isupper()):
                start = i
                mod = ""
                if i > 0 and self.free(i - 1) and self.low(i - 1) in L.WINDOW_WORDS:
                    mod = L.WINDOW_WORDS[self.low(i - 1)] + ":"
                    start = i - 1
                self.claim(start, i + 1, "date", f"wd:{mod}{wd}")
                continue
            # relative days
            if base in L.RELATIVE_DAYS and base not in ("now", "currently", "weekend", "weekends"):
                if base in ("yesterday", "tomorrow") and self.low(i - 1) == "before" and self.low(i - 2) == "day" \
                        and self.free(i - 2, i):
                    self.claim(i - 3 if self.low(i - 3) == "the" else i - 2, i + 1, "date", f"rel:{base}-1")
                    continue
                self.claim(i, i + 1, "date", "rel:" + L.RELATIVE_DAYS[base])
                continue
            # windows: last/past/next/this [N] unit
            if low in L.WINDOW_WORDS:
                end = self._window(i)
                if end:
                    continue
            if low in ("end", "start", "beginning", "middle") and self.low(i + 1) == "of":
                j = i + 2 + (1 if self.low(i + 2) in ("the", "this", "next", "last") else 0)
                mod = self.low(i + 2) if self.low(i + 2) in ("this", "next", "last") else ""
                unit = L.PERIOD_UNITS.get(self.low(j))
                if unit and self.free(i, j + 1):
                    kind = "end" if low == "end" else ("mid" if low == "middle" else "start")
                    self.claim(i, j + 1, "date", f"{kind}:{mod + ':' if mod else ''}{unit}")
                    continue
            if low in L.FREQUENCY_WORDS:
                self.claim(i, i + 1, "date", "per:" + L.FREQUENCY_WORDS[low])
                continue
            if low == "every" and self.low(i + 1) == "other" and self.low(i + 2) in L.PERIOD_UNITS \
                    and self.low(i + 2) in L.UNIT_WORDS and self.free(i + 1, i + 2):
                self.claim(i, i + 3, "number", f"2|{L.UNIT_WORDS[self.low(i + 2)]}")  # = "every two weeks"
                continue
            if low in ("per", "a", "an", "each", "every") and self.low(i + 1) in L.PERIOD_UNITS \
                    and not self.low(i + 1).endswith("s") and self.free(i + 1):
                if low in ("a", "an") and self.low(i - 1) in ("in", "for", "within", "than", "after"):
                    pass
                else:
                    self.claim(i, i + 2, "date", "per:" + L.PERIOD_UNITS[self.low(i + 1)])
                    continue
            if base in ("weekend", "weekends"):
                self.claim(i, i + 1, "date", "rel:weekend")
                continue
        # years last, so "March 2025" and "Q1 2024" keep their own claims
        for i in range(n):
            if self.free(i) and re.fullmatch(r"(19|20)\d\d", self.toks[i].low):
                prev, nxt = self.low(i - 1), self.low(i + 1)
                if prev in L.CURRENCY_SYMBOLS or nxt in L.UNIT_WORDS or nxt in L.CURRENCY_WORDS:
                    continue
                self.claim(i, i + 1, "date", "y:" + self.toks[i].low)

    def _window(self, i: int) -> int | None:
        mode = L.WINDOW_WORDS[self.low(i)]
        j = i + 1
        count: float | None = None
        num = self.parse_number(j) if mode != "this" else None
        if num and num[2] is None:
            j, count = num[0], num[1]
        elif self.low(j) in ("few", "couple"):
            count_word = self.low(j)
            j += 1 + (1 if self.low(j + 1) == "of" else 0)
            count = -1.0 if count_word == "few" else 2.0
        unit = L.PERIOD_UNITS.get(self.base(j))
        if not unit or not self.free(i, j + 1):
            return None
        if mode == "this":
            value = f"win:this:{unit}"
        else:
            c = "few" if count == -1.0 else _fmt(count if count is not None else 1)
            value = f"win:{mode}:{c}:{unit}"
        self.claim(i, j + 1, "date", value)
        return j + 1

    def _is_month(self, i: int) -> bool:
        base = self.toks[i].base
        if base not in L.AMBIGUOUS_MONTHS:
            return True
        tok = self.toks[i]
        nxt, prev = self.low(i + 1), self.low(i - 1)
        near_number = bool(re.fullmatch(r"\d{1,4}(st|nd|rd|th)?", nxt) or re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", prev)
                           or prev == "of" and re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", self.low(i - 2)))
        if near_number:
            return True
        if base in ("may", "march") and tok.text[:1].isupper() and not tok.sent_start:
            return True
        return base == "march" and prev in ("in", "for", "since", "until", "during", "of", "last", "next", "this")

    def _claim_month(self, i: int) -> None:
        month = L.MONTHS[self.toks[i].base]
        start, end = i, i + 1
        day: int | None = None
        year: int | None = None
        # day before: "5 January", "5th of January"
        for back in (1, 2):
            j = i - back
            if back == 2 and self.low(i - 1) != "of":
                break
            m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", self.low(j))
            if m and self.free(j) and 1 <= int(m[1]) <= 31:
                day, start = int(m[1]), j
                break
        if day is None:
            m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", self.low(end))
            if m and self.free(end) and 1 <= int(m[1]) <= 31 and not re.fullmatch(r"\d{4}", self.low(end)):
                day, end = int(m[1]), end + 1
        j = end + (1 if self.low(end) in (",", "of") else 0)
        if re.fullmatch(r"(19|20)\d\d", self.low(j)) and self.free(j):
            year, end = int(self.low(j)), j + 1
        y = f"{year:04d}" if year else "-"
        value = f"d:{y}-{month:02d}-{day:02d}" if day else f"m:{y}-{month:02d}"
        self.claim(start, end, "date", value)

    def pass_numbers(self) -> None:
        n = len(self.toks)
        i = 0
        while i < n:
            if not self.free(i):
                i += 1
                continue
            # currency before the number: "$50", "USD 50", "us dollars 50"
            cur = self.unit_at(i, after_number=False)
            if cur and cur[1] in _CURRENCY_CODES and cur[1] != "POUND":
                num = self.parse_number(cur[0])
                if num:
                    end, value, attached = num
                    if attached in ("m", "b"):  # "$5m" is five million, not five metres
                        value *= L.MULTIPLIER_SUFFIX[attached]
                    self.claim(i, end, "number", f"{_fmt(value)}|{cur[1]}")
                    i = end
                    continue
            if self.toks[i].low in L.NAMED_CODES and self.toks[i].low[-1].isalpha():
                self.claim(i, i + 1, "code", L.NAMED_CODES[self.toks[i].low])  # "401k"
                i += 1
                continue
            # ordinals: "3rd", "21st", and "second".."tenth" before a word ("a second checked bag" = "a 2nd
            # checked bag"; "wait a second" is no ordinal; "first" is mostly idiom: "first time", "at first")
            m = _ORDINAL_RE.match(self.toks[i].low)
            word = L.ORDINAL_WORDS.get(self.toks[i].low, 0)
            if m or word >= 2 and self.low(i + 1)[:1].isalpha() and self.low(i + 1) not in L.FUNCTION_WORDS:
                self.claim(i, i + 1, "number", f"#{int(m[1]) if m else word}")
                i += 1
                continue
            num = self.parse_number(i)
            if num:
                end, value, unit = num
                if unit is None:
                    after = self.unit_at(end, after_number=True)
                    if after:
                        end, unit = after
                if unit == "mo" and value >= 12 and value % 12 == 0:
                    value, unit = value / 12, "y"  # "a 12-month CD" = "a one-year CD"
                self.claim(i, end, "number", f"{_fmt(value)}|{unit or ''}")
                i = end
                continue
            i += 1
        # unit and currency mentions without a number ("in euros", "to km", "USD to EUR")
        for i in range(n):
            if self.free(i):
                u = self.unit_at(i, after_number=False)
                if u:
                    self.claim(i, u[0], "unit", u[1])

    def pass_codes(self) -> None:
        for i, tk in enumerate(self.toks):
            if not self.free(i):
                continue
            low = tk.low
            if low.startswith("#") and len(low) > 1:
                self.claim(i, i + 1, "code", _code(low))
            elif _HEX_RE.match(low) or _VERSION_RE.match(low):
                self.claim(i, i + 1, "code", low.upper())
            elif any(c.isdigit() for c in low) and any(c.isalpha() for c in low):
                self.claim(i, i + 1, "code", _code(low))
            elif re.fullmatch(r"\d+(?:[.\-/]\d+)+", low):
                self.claim(i, i + 1, "code", low)

    def pass_comparatives(self) -> None:
        n = len(self.toks)
        for i in range(n):
            if not self.free(i):
                continue
            ph = self.match_phrase(i, L.COMPARATIVE_PHRASES, max_len=3)
            if ph:
                bound = self._bound(ph[0] - 1, ph[1])
                if bound:
                    self.claim(i, ph[0] + 1, "comparative", bound)
                    continue
                self.claim(i, ph[0], "comparative", self._loose(i, ph[0], ph[1]))
        for i in range(n):
            if not self.free(i):
                continue
            low = self.toks[i].low
            if low in L.QUANTITY_OPERATORS:
                ahead = [self.owner[k] for k in range(i + 1, min(n, i + 3))]
                if any(o is not None and self.claims[o].slot in ("number", "date") for o in ahead):
                    self.claim(i, i + 1, "comparative", L.QUANTITY_OPERATORS[low])
                continue
            if low == "once" and self.low(i + 1) in L.CLAUSE_STARTS:
                self.claim(i, i + 1, "comparative", "~after")  # "once it has shipped" = "after it has shipped"
                continue
            if low == "following" and i > 0 and self.low(i + 1) in _POSSESSIVE_DETS | {"the", "a", "an"} \
                    and self.low(i - 1) not in _DETERMINERS:
                self.claim(i, i + 1, "comparative", "~after")  # "therapy following my surgery"
                continue
            if low == "more" and self.low(i + 1) != "than" and i > 0 and self.owner[i - 1] is not None \
                    and self.claims[self.owner[i - 1]].slot == "number":
                continue  # "two more lines" = "2 extra lines": a count of additional things, not a comparison
            if low in ("lowest", "highest") and self.toks[i + 1:i + 2] and self.toks[i + 1].base in L.PRICE_NOUNS \
                    and self.free(i + 1):
                # "the lowest fare / price" = "the cheapest"
                self.claim(i, i + 2, "comparative", "sup:price:" + ("min" if low == "lowest" else "max"))
                continue
            if low in L.COMPARATIVE_WORDS:
                value = L.COMPARATIVE_WORDS[low]
                bound = self._bound(i, value)
                if bound:  # "cheaper than $1,000" = "under $1,000", "older than 65" = "over 65"
                    self.claim(i, i + 2, "comparative", bound)
                    continue
                self.claim(i, i + 1, "comparative", self._loose(i, i + 1, value))

    def _loose(self, i: int, j: int, value: str) -> str:
        """A time order (before/after/since/until) or a minimum/maximum that is not attached to a quantity
        (a number or a date next to it) is a relation, not a bound: "after resetting my password", "the
        minimum GPA". It is marked ``~`` and compared by conflict only (see :func:`_comparative_conflict`):
        "after moving" = "I moved", but "after 5pm" / "before 5pm" and "minimum $500" / "$500" differ.
        Comparatives of a quality not bound by "than N" ("higher", "faster") are loose as well."""
        if value.startswith("adj:"):
            return "~" + value  # "ten dollars higher": the amount of change, not a bound (that is "than N")
        if not (value in L.TIME_ORDER or value == "between"
                or value in ("ge", "le") and self.low(i) in L.EXTREMUM_WORDS):
            return value
        k, hops = j, 0
        while k < len(self.toks) and hops < 3 and (self.owner[k] is None and self.toks[k].low in
                                                   _DETERMINERS | {"of", "the", "than"}):
            k, hops = k + 1, hops + 1
        for m in (k, i - 1):
            o = self.owner[m] if 0 <= m < len(self.toks) else None
            if o is not None and self.claims[o].slot in ("number", "date"):
                return value
        return "~" + value

    def _bound(self, i: int, value: str) -> str | None:
        """An X-er-than comparative in front of a number is a bound on that number: its direction only
        ("more/less expensive", "cheaper", "older", "bigger" ... than N -> gt / lt)."""
        if not value.startswith("adj:") or value.startswith(("adj:time:", "adj:amount:")):
            return None
        if self.low(i + 1) != "than" or not self.free(i + 1):
            return None
        o = self.owner[i + 2] if i + 2 < len(self.toks) else None
        if o is None or self.claims[o].slot != "number":
            return None
        return "gt" if value.endswith("+") else "lt"

    def pass_negation(self) -> None:
        n = len(self.toks)
        for i in range(n):
            if not self.free(i):
                continue
            ph = self.match_phrase(i, {k: True for k in L.NEGATION_PHRASES}, max_len=2)
            if ph:
                self.claim(i, ph[0], "negation", "neg")
                self.negation += 1
                continue
            low = self.toks[i].low
            if low.endswith("n't") or low in ("cannot", "cant", "dont", "doesnt", "didnt", "wont", "isnt", "arent",
                                               "wasnt", "werent", "havent", "hasnt", "shouldnt", "couldnt"):
                self.claim(i, i + 1, "negation", "neg")
                self.negation += 1
            elif low == "but":
                if self.low(i - 1) in ("all", "anything", "everything", "everyone", "everybody"):
                    self.claim(i, i + 1, "negation", "neg")
                    self.negation += 1
            elif low in L.NEGATORS or low in L.NEGATIVE_PREFIXED or low.startswith("non-") \
                    or low.endswith("s") and low[:-1] in L.NEGATIVE_PREFIXED:  # "nonprofits"
                self.claim(i, i + 1, "negation", "neg")
                self.negation += 1

    def pass_polarity(self) -> None:
        n = len(self.toks)
        for i in range(n):
            if not self.free(i):
                continue
            ph = self.match_phrase(i, L.POLARITY_PHRASES, max_len=2)
            if ph:
                self.claim(i, ph[0], "polarity", ":".join(ph[1]))
                continue
            low = self.toks[i].low
            pol = L.POLARITY_WORDS.get(low)
            if pol is None and low.endswith("ing") and len(low) > 5:
                # "adding two lines" = "add two lines": the -ing form of a polarity verb, unless another word
                # of the query is on the same axis ("Is renting cheaper than buying?" keeps its order)
                pol = next((L.POLARITY_WORDS[w] for w in C.verb_lemmas(low) if w in L.POLARITY_WORDS), None)
                nxt = self.owner[i + 1] if i + 1 < len(self.toks) else None
                has_object = self.low(i + 1) in _DETERMINERS | _POSSESSIVE_DETS or (
                    nxt is not None and self.claims[nxt].slot == "number")
                if pol and (not has_object or any(L.POLARITY_WORDS.get(tk.low, ("",))[0] == pol[0]
                                                  for k, tk in enumerate(self.toks) if k != i)):
                    pol = None
            if pol:
                self.claim(i, i + 1, "polarity", ":".join(pol))

    def pass_roles(self) -> None:
        for i, tk in enumerate(self.toks):
            if not self.free(i):
                continue
            if tk.text == "US":  # the country, not the pronoun
                continue
            if tk.low in L.PERSON_PRONOUNS:
                self.claim(i, i + 1, "person", L.PERSON_PRONOUNS[tk.low])
                continue
            base = tk.base
            if base == "work" and self.base(i + 1) in L.WORK_ISSUED:
                self.claim(i, i + 1, "scope", "org")  # "my work laptop" = "my company laptop"
                continue
            sing = base[:-1] if base.endswith("s") and base[:-1] in L.SCOPE_NOUNS else base
            if sing in L.SCOPE_NOUNS and (tk.possessive or self.low(i - 1) in L.PERSON_PRONOUNS
                                          or self.low(i - 1) == "the" or base in ("team", "department",
                                                                                   "organization", "organisation",
                                                                                   "company", "org")):
                self.claim(i, i + 1, "scope", L.SCOPE_NOUNS[sing])
                continue
            role = L.ROLE_NOUNS.get(base)
            if role:
                self.claim(i, i + 1, "role", role)

    def pass_wh(self) -> None:
        for i, tk in enumerate(self.toks):
            if not self.free(i):
                continue
            wh = L.WH_WORDS.get(tk.low)
            if wh is None and tk.low in L.WHERE_VERBS and (tk.sent_start or self.low(i - 1) == "please") \
                    and i + 1 < len(self.toks) and self.low(i + 1) not in L.FUNCTION_WORDS:
                self.claim(i, i + 1, "wh", HOW_OR_WHERE)  # "Track my order": "Where is my order?"
                continue
            if wh is None and tk.low in L.WHERE_VERBS and self.low(i - 1) == "you" \
                    and self.low(i - 2) in ("can", "could", "would") and self.low(i + 1) not in L.FUNCTION_WORDS:
                self.claim(i, i + 1, "wh", HOW_OR_WHERE)  # "Can you track order #884213?" = "Where is ..."
                continue
            if wh is None and tk.low == "check" and (tk.sent_start or self.low(i - 1) == "please") \
                    and self.low(i + 1) in _DETERMINERS and self.low(i + 2) in ("status", "balance"):
                self.claim(i, i + 1, "wh", "what")  # "Check the status of X" = "What's the status of X?"
                continue
            if wh is None:
                continue
            if wh in ("when", "where") and not tk.sent_start and self._asked_before(i):
                continue  # "Why was I charged when my order was over $35?": a conjunction, not the question
            if wh == "how" and self.low(i + 1) == "many" and self.low(i + 2) in L.DURATION_UNITS \
                    and self.free(i + 1, i + 2):
                self.claim(i, i + 2, "wh", "how_long")  # "how many days does it take" = "how long"
            elif wh == "how" and self.low(i + 1) in L.HOW_QUALIFIERS and self.free(i + 1):
                self.claim(i, i + 2, "wh", L.HOW_QUALIFIERS[self.low(i + 1)])
            elif wh in ("how", "where") and self._locating(i):
                self.claim(i, i + 1, "wh", HOW_OR_WHERE)  # "how do I download X" = "where can I download X"
            elif wh == "what" and tk.low in ("show", "list", "find", "give", "tell", "display", "fetch", "get") \
                    and not tk.sent_start and self.low(i - 1) not in ("please", "you", "can", "could", "i", "to"):
                continue  # a verb in mid-sentence ("where can I find"), not the request itself
            else:
                self.claim(i, i + 1, "wh", wh)

    def _asked_before(self, i: int) -> bool:
        """A why/how/who question word starts the sentence that ``i`` is in."""
        k = i - 1
        while k > 0 and not self.toks[k].sent_start:
            k -= 1
        o = self.owner[k] if k >= 0 else None
        return k < i and o is not None and self.claims[o].slot == "wh" and self.claims[o].value in (
            "why", "how", "who")

    def _locating(self, i: int) -> bool:
        """"how/where" + auxiliary + I/we + a verb that is done in a place in the product ("where can I
        download my invoices" = "how do I download my invoices"). Travel and physical verbs ("get to",
        "open", "buy", "check in", "enter") are not listed, and the verb must take a determined object:
        there "where" asks for a place ("where do I change trains")."""
        if self.low(i + 1) == "to":
            j = i + 2
        elif self.low(i + 1) in L.AUXILIARIES and self.low(i + 2) in ("i", "we"):
            j = i + 3
        else:
            return False
        # the object is a thing of the product ("my invoices", "the settings"), not "change trains"
        return j < len(self.toks) and self.toks[j].base in L.LOCATABLE_VERBS and self.low(j + 1) in _DETERMINERS

    def pass_entities(self) -> None:
        n = len(self.toks)
        # gazetteer (multi-word first)
        for size in (3, 2, 1):
            for i in range(n - size + 1):
                if not self.free(i, i + size):
                    continue
                words = [self.toks[k].base for k in range(i, i + size)]
                key = " ".join(words)
                if key in L.GAZETTEER:
                    if key in L.GAZETTEER_NEEDS_CAPITAL and not self.toks[i].text[:1].isupper():
                        continue
                    self.claim(i, i + size, "entity", key)
        # "Portland, OR": a state abbreviation after "City," is the state's name
        for i in range(2, n):
            tk = self.toks[i]
            if self.free(i) and tk.text.isupper() and len(tk.text) == 2 and tk.low in L.US_STATES \
                    and self.toks[i - 1].low == "," and self.toks[i - 2].text[:1].isupper():
                self.claim(i, i + 1, "entity", L.US_STATES[tk.low])
        # shape: capitalised names mid-sentence, CamelCase, ACRONYMS
        i = 0
        while i < n:
            if not self.free(i) or not self._entity_shape(i):
                i += 1
                continue
            j = i + 1
            while j < n and self.free(j) and self._entity_shape(j, continuation=True):
                j += 1
            value = " ".join(self.toks[k].base for k in range(i, j))
            self.claim(i, j, "entity", value)
            i = j

    def _entity_shape(self, i: int, continuation: bool = False) -> bool:
        tk = self.toks[i]
        text = tk.text
        if not text[:1].isalpha() or tk.base in L.NOT_ENTITIES:
            return False
        inner_caps = any(c.isupper() for c in text[1:].replace("'S", "")) and any(c.islower() for c in text)
        if inner_caps:
            return True
        if text.isupper() and len(text) >= 2:
            return not self.shouting
        if self.title_case or not text[:1].isupper():
            return False
        if tk.sent_start and not continuation:
            return False
        return True

    def pass_direction(self) -> list[str]:
        out: list[str] = []
        n = len(self.toks)
        lows = [tk.low for tk in self.toks]
        has_from = any(lows[k] == "from" and self.owner[k] is None for k in range(n))
        for i in range(n):
            if self.owner[i] is not None:
                continue
            low = lows[i]
            if low == "from":
                a = self._anchor_after(i)
                if a:
                    out.append("src:" + a)
            elif low in ("to", "into", "onto", "towards", "toward", "->", "=>", "→"):
                j = self._index_after(i)
                if j is None or self._is_verbish(j):
                    continue  # infinitive marker ("possible to upgrade"), not a destination
                a = self._value_at(j)
                out.append("dst:" + a)
                if not has_from:
                    left = self._claimed_anchor_before(i)
                    if left:
                        out.append("src:" + left)
            elif low == "in":
                # "100 USD in euros": a conversion target
                after = self.owner[i + 1] if i + 1 < n else None
                before = self.owner[i - 1] if i > 0 else None
                if after is not None and self.claims[after].slot == "unit" and before is not None \
                        and self.claims[before].slot == "number" and not self.claims[before].value.endswith("|"):
                    out.append("dst:" + self.claims[after].value)
                    out.append("src:" + self.claims[before].value)
            elif low == "than":
                right_i = self._index_after(i)
                if right_i is None:
                    continue
                ro = self.owner[right_i]
                if ro is not None and self.claims[ro].slot in ("number", "date"):
                    continue
                left = self._anchor_before_than(i)
                right = self._value_at(right_i)
                if left and right:
                    out.append(f"than:{left}>{right}")
        return out

    def _index_after(self, i: int) -> int | None:
        j = i + 1
        while j < len(self.toks) and self.owner[j] is None and self.toks[j].low in _DETERMINERS:
            j += 1
        while j < len(self.toks) and self.owner[j] is not None and self.claims[self.owner[j]].slot == "person":
            j += 1
        if j >= len(self.toks) or self.toks[j].low in _SENTENCE_END or self.toks[j].low in (",", "?"):
            return None
        return j

    def _is_verbish(self, j: int) -> bool:
        o = self.owner[j]
        if o is not None:
            return self.claims[o].slot in ("polarity", "negation", "wh", "comparative")
        return self.toks[j].low in L.VERBISH

    def _value_at(self, j: int) -> str:
        o = self.owner[j]
        if o is not None and self.claims[o].slot not in ("wh", "negation"):
            return self.claims[o].value
        return _canonical_word(self.toks[j].low, self.toks[j].base)  # "to another / a different pharmacy"

    def _anchor_after(self, i: int) -> str | None:
        j = self._index_after(i)
        return self._value_at(j) if j is not None else None

    def _claimed_anchor_before(self, i: int) -> str | None:
        o = self.owner[i - 1] if i > 0 else None
        if o is not None and self.claims[o].slot in ("number", "unit", "entity", "code", "date"):
            return self.claims[o].value
        return None

    def _anchor_before_than(self, i: int) -> str | None:
        fallback = None
        for j in range(i - 1, max(-1, i - 6), -1):
            o = self.owner[j]
            if o is not None:
                slot = self.claims[o].slot
                if slot in ("entity", "unit", "code", "number", "role", "scope"):
                    return self.claims[o].value
                continue
            w = self.toks[j].low
            if w in L.FILLERS or w in _DETERMINERS or w in _SENTENCE_END:
                continue
            if fallback is None:
                fallback = _lemma(self.toks[j].base)
        return fallback

    # -- tense, modality, quantifiers, negation per clause ------------------------------------------

    def pass_tense(self) -> tuple[str, ...]:
        """Past ("did", "was", "wasn't") and future ("will", "won't", "I'll") auxiliaries: "Did I get paid?"
        and "Will I get paid?" ask different things. Present tense is compatible with either."""
        out: set[str] = set()
        for i, tk in enumerate(self.toks):
            w = tk.low
            if w in L.PAST_AUX:
                out.add("past")
            elif w in L.FUTURE_AUX or w.endswith("'ll"):
                if w == "will" and self.low(i - 1) in _DETERMINERS:
                    continue  # "update my will": the document
                out.add("future")
        return tuple(sorted(out))

    def pass_modal(self) -> tuple[str, ...]:
        """Permission ("am I allowed to", "can I") vs obligation ("am I required to", "do I have to"): the
        same action asked as may-I or must-I."""
        out: set[str] = set()
        n = len(self.toks)
        for i, tk in enumerate(self.toks):
            w = tk.base
            if w in L.PERMISSION_WORDS:
                out.add("perm")
            elif w in L.OBLIGATION_WORDS:
                out.add("oblig")
            elif w in ("can", "may", "could") and tk.sent_start and self.low(i + 1) in ("i", "we"):
                out.add("perm")  # "Can I bring my dog?" (not "how can I ...")
            elif w in ("need", "needs", "have", "has") and i + 1 < n and self.low(i + 1) == "to" \
                    and any(self.low(k) in ("do", "does", "did", "will", "would") for k in range(i - 3, i)):
                out.add("oblig")  # "do I need to / have to"; a declarative "I need to X" asks how to X
        return tuple(sorted(out))

    def pass_quant(self) -> tuple[str, ...]:
        """Who and how many an action covers: "delete my comment" / "delete all comments". ``all:<noun>``
        for a universal quantifier (all, everyone's; ``each:`` for every/each), ``any:<noun>``, ``poss:<noun>`` for a
        noun after a possessive (my, our, their, X's), ``sg:<noun>`` for a singular noun after a
        determiner (``sgd:`` after the/this/that/a possessive, where "each"/"every" also differ)."""
        out: set[str] = set()
        n = len(self.toks)
        for i, tk in enumerate(self.toks):
            w = tk.low
            q = None
            if w in ("all", "everyone's", "everybody's", "anyone's", "anybody's"):
                q = "all"
            elif w in ("every", "each"):
                q = "each"
            elif w == "any" and i > 0 and not tk.sent_start and self.low(i - 1) not in L.ANY_EXISTENTIAL:
                q = "any"
            if q is not None:
                j = i + 1
                while j < n and (self.low(j) in _DETERMINERS or self.low(j) == "of") \
                        and self.low(j) not in ("me", "us", "them", "him"):
                    j += 1
                head = self._noun_at(j)
                if head:
                    out.add(f"{q}:{head}")
                    if w.endswith("'s"):
                        out.add(f"poss:{head}")
                continue
            head = self._noun_at(i + 1)
            if head is None:
                continue
            if w in _POSSESSIVE_DETS or (tk.possessive and self.owner[i] is not None):
                out.add(f"poss:{head}")
            if w in _POSSESSIVE_DETS or w in ("the", "this", "that", "a", "an"):
                nxt = self.toks[i + 1].base
                if _lemma(nxt) == nxt and not nxt.endswith("s"):
                    out.add(("sg:" if w in ("a", "an") else "sgd:") + head)
        return tuple(sorted(out))

    def _noun_at(self, j: int) -> str | None:
        if j >= len(self.toks):
            return None
        tk = self.toks[j]
        o = self.owner[j]
        if o is not None and self.claims[o].slot not in ("role", "scope"):
            return None
        if not tk.low[:1].isalpha() or tk.low in L.FILLERS or tk.low in L.FUNCTION_WORDS:
            return None
        return _canonical_word(tk.low, tk.base)

    def pass_clause_negation(self) -> tuple[str, ...]:
        """Content words of negated (``-w``) and plain (``+w``) clauses, when the query has two clauses and
        a negation: "delivered but I didn't get a confirmation" / "wasn't delivered but I got a
        confirmation" negate different predicates with the same count."""
        if not self.negation:
            return ()
        clauses: list[tuple[int, set[str]]] = [(0, set())]
        for i, tk in enumerate(self.toks):
            if tk.low in L.CLAUSE_BREAKS and clauses[-1][1]:
                clauses.append((0, set()))
                continue
            o = self.owner[i]
            if o is not None:
                c = self.claims[o]
                if c.slot == "negation":
                    clauses[-1] = (clauses[-1][0] + 1, clauses[-1][1])
                elif c.slot not in ("person", "wh"):
                    clauses[-1][1].add(f"<{c.slot}:{c.value}>")
                continue
            if tk.low in L.FILLERS or tk.low in L.FUNCTION_WORDS or not tk.low[:1].isalnum():
                continue
            clauses[-1][1].add(_stem(_canonical_word(tk.low, tk.base)))
        clauses = [c for c in clauses if c[1]]
        if len(clauses) < 2:
            return ()
        out: set[str] = set()
        for neg, words in clauses:
            out |= {("-" if neg else "+") + x for x in words}
        return tuple(sorted(out))

    # -- frame ------------------------------------------------------------------------------------

    def pass_wh_role(self) -> tuple[str, ...]:
        """What the question word is of its verb, for who/whom/what/which questions: the subject ("Who
        reports to Dana?" -> ``subj:report``), the object ("Who does Bob manage?" -> ``obj:manage``), the
        object of a stranded preposition ("Who does Dana report to?", "What is steel made of?" ->
        ``objp:report`` / ``objp:make``) or the subject of a passive with a preposition ("What is made of
        steel?" -> ``pas:make``). See :func:`_wh_role_conflict`."""
        toks, n, out = self.toks, len(self.toks), []
        for i, tk in enumerate(toks):
            if not (tk.sent_start or i == 0) or tk.low not in L.WH_ROLE_WORDS:
                continue
            end = i + 1
            while end < n and toks[end].low not in _SENTENCE_END and toks[end].low != ",":
                end += 1
            j = i + 1
            if tk.low in ("what", "which") and j + 1 < end and self._slot_at(j) in (None, "scope", "role", "entity") \
                    and toks[j].low not in L.WH_ROLE_AUX | L.WH_ROLE_BE \
                    and (toks[j + 1].low in L.WH_ROLE_AUX | L.WH_ROLE_BE or self._finite_verb(j + 1)):
                j += 1  # "which team does Alice work for"
            be = tk.low in ("what's", "who's")
            if not be and j < end and toks[j].low in L.WH_ROLE_BE:
                be, j = True, j + 1
            last = end - 1
            stranded = last > j and toks[last].low in L.STRANDED_PREPS and self.owner[last] is None
            verb_i = last - 1 if stranded else last
            if not be and j < end and toks[j].low in L.WH_ROLE_AUX:
                if verb_i > j + 1 and self._slot_at(verb_i) in (None, "polarity") \
                        and not toks[verb_i - 1].possessive and toks[verb_i - 1].low not in _DETERMINERS:
                    out.append(("objp:" if stranded else "obj:") + _verb_key(toks[verb_i].base))
            elif be:
                if j < end and self._participle(j) and j + 1 < end and toks[j + 1].low in L.STRANDED_PREPS:
                    out.append("pas:" + _verb_key(toks[j].base))   # "what is made of steel"
                elif stranded and verb_i > j and self._participle(verb_i):
                    out.append("objp:" + _verb_key(toks[verb_i].base))  # "what is steel made of"
            elif j < end - 1 and self._finite_verb(j):
                out.append("subj:" + _verb_key(toks[j].base))  # "who reports to", "who manages Bob"
        return tuple(sorted(set(out)))

    def _slot_at(self, j: int) -> str | None:
        o = self.owner[j]
        return None if o is None else self.claims[o].slot

    def _finite_verb(self, j: int) -> bool:
        w = self.toks[j].low
        return self._slot_at(j) in (None, "polarity") and w not in L.FUNCTION_WORDS and w not in _DETERMINERS \
            and (w.endswith(("s", "ed")) and not w.endswith("ss") or w in _IRREGULAR_BASE)

    def _participle(self, j: int) -> bool:
        w = self.toks[j].low
        return self._slot_at(j) in (None, "polarity") and (
            w.endswith("ed") or w in _IRREGULAR_BASE and w not in ("did", "went"))

    def frame(self) -> tuple[str, ...]:
        out: list[str] = []
        slots_here = {c.slot for c in self.claims}
        for i, tk in enumerate(self.toks):
            o = self.owner[i]
            if o is not None:
                c = self.claims[o]
                if c.start != i or c.slot == "wh":
                    continue
                out.append(f"<{c.slot}:{c.value}>")
                continue
            w = tk.low
            if w in L.FILLERS or tk.base in L.FILLERS:
                continue
            if w in ("convert", "conversion") and "unit" in slots_here and any(
                    c.slot == "number" and c.value.split("|")[1] in _CURRENCY_CODES for c in self.claims):
                continue  # "Convert 100 USD to EUR" = "How many euros is 100 US dollars?"
            nxt = self.owner[i + 1] if i + 1 < len(self.toks) else None
            if w in L.CODE_LABELS and nxt is not None and self.claims[nxt].slot == "code":
                continue  # "booking reference XK7Q2P" = "booking XK7Q2P": the code names itself
            lem = _canonical_word(tk.low, tk.base)
            if lem in L.FILLERS:
                continue
            out.append(lem)
        return tuple(out)

    def _resolve_pounds(self) -> None:
        """"pounds" is a currency or a weight: decide from the rest of the query, else leave it ``POUND``
        (which the guard accepts as either GBP or lb)."""
        words = {tk.base for tk in self.toks} | {_lemma(tk.base) for tk in self.toks}
        target = "lb" if words & L.WEIGHT_CONTEXT else ("GBP" if words & L.MONEY_CONTEXT else None)
        if target is None:
            return
        for c in self.claims:
            if c.slot == "number" and c.value.endswith("|POUND"):
                c.value = c.value[: -len("POUND")] + target
            elif c.slot == "unit" and c.value == "POUND":
                c.value = target

    def run(self) -> Slots:
        self.tokenize()
        self.pass_dates()
        self.pass_numbers()
        self.pass_codes()
        self.pass_comparatives()
        self.pass_negation()
        self.pass_polarity()
        self.pass_wh()
        self.pass_roles()
        self.pass_entities()
        self._resolve_pounds()
        direction = self.pass_direction()
        tense, modal, quant, clause_neg = self.pass_tense(), self.pass_modal(), self.pass_quant(), \
            self.pass_clause_negation()
        wh_role = self.pass_wh_role()
        by_slot: dict[str, list[str]] = {}
        for c in self.claims:
            by_slot.setdefault(c.slot, []).append(c.value)
        return Slots(
            number=tuple(sorted(by_slot.get("number", []))),
            unit=tuple(sorted(by_slot.get("unit", []))),
            date=tuple(sorted(by_slot.get("date", []))),
            negation=self.negation,
            comparative=tuple(sorted(by_slot.get("comparative", []))),
            polarity=tuple(sorted(set(by_slot.get("polarity", [])))),
            direction=tuple(sorted(set(direction))),
            entity=tuple(sorted(by_slot.get("entity", []))),
            code=tuple(sorted(by_slot.get("code", []))),
            person=tuple(sorted(set(by_slot.get("person", [])))),
            scope=tuple(sorted(set(by_slot.get("scope", [])))),
            role=tuple(sorted(set(by_slot.get("role", [])))),
            wh=tuple(sorted(set(w for w in by_slot.get("wh", []) if w != "what"))),
            tense=tense, modal=modal, quant=quant, clause_neg=clause_neg, wh_role=wh_role,
            frame=self.frame(),
        )


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _time_value(hour: int, minute: int, ampm: str | None) -> str:
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    return f"t:{hour:02d}:{minute:02d}"


_DATA_PREFIXES = "kmgtp"


def _data_unit(raw: str, unit: str) -> str:
    """Bits and bytes differ by the case of one letter: "Mbps" (megabits) vs "MBps" (megabytes), "Gb" vs
    "GB". An upper-case B is bytes; a lower-case b after an upper-case prefix (Mb, Gb, Kb) is bits; an
    all-lower-case size with a wrongly cased prefix ("16gb", "500 mb") keeps the common reading (bytes);
    "kb" (the SI prefix is lower case) and a rate ("mbps") are bits."""
    low = raw.lower()
    if len(raw) < 2 or low[0] not in _DATA_PREFIXES or low[1] != "b" or low[2:] not in ("", "ps", "/s", "it", "its"):
        if low in ("megabit", "megabits", "mbit", "mbits"):
            return "Mbit"
        if low in ("gigabit", "gigabits", "gbit", "gbits"):
            return "Gbit"
        if low in ("kilobit", "kilobits", "kbit", "kbits"):
            return "kbit"
        if low in ("mbyte", "mbytes"):
            return "MB"
        return unit
    bit, byte = low[0] if low[0] == "k" else low[0].upper(), low[0].upper()
    rate = low[2:] in ("ps", "/s")
    if raw[1] == "B" and not raw.isupper():
        return byte + ("B/s" if rate else "B")              # "MBps", "kB", "GB/s"
    if raw[1] == "B":                                       # "MBPS", "GB": shouted rate = bits, size = bytes
        return bit + "bps" if rate else byte + "B"
    if raw[0].isupper() or raw[0] == "k" or low[2:] in ("it", "its"):  # "Mb", "Gbps", "Kb", "kb", "mbit"
        return bit + ("bps" if rate else "bit")
    return bit + "bps" if rate else byte + "B"              # "mbps" is megabits; "16gb" is gigabytes


def _code(low: str) -> str:
    return re.sub(r"[#\-_\s]", "", low).upper()


def _canonical_word(low: str, base: str) -> str:
    """Frame form of a word: hyphens dropped ("check-in" = "checkin"), synonym class of the word or of
    its lemma-lite (inflections stripped only when the lexicon knows the base form), plural stripped."""
    if "-" in base and base.replace("-", "").isalpha():
        low = base = base.replace("-", "")
    lem = L.SYNONYMS.get(low) or L.SYNONYMS.get(base)
    if lem is None:
        for cand in C.verb_lemmas(base):
            if cand in L.SYNONYMS or cand in L.SYNONYM_HEADS:
                lem = L.SYNONYMS.get(cand, cand)
                break
    if lem is None:
        lem = _lemma(base)
        lem = L.SYNONYMS.get(lem, lem)
    return L.SYNONYMS.get(lem, lem)


_IRREGULAR_BASE = {form: verb for verb, forms in C._IRREGULAR.items() for form in forms}
_IRREGULAR_BASE.update({"made": "make", "bought": "buy", "went": "go", "gone": "go", "left": "leave",
                        "kept": "keep", "told": "tell", "said": "say", "lost": "lose", "sold": "sell",
                        "held": "hold", "built": "build", "spent": "spend", "won": "win", "wrote": "write",
                        "written": "write", "broke": "break", "broken": "break", "chose": "choose",
                        "chosen": "choose", "forgot": "forget", "forgotten": "forget", "saw": "see",
                        "seen": "see", "done": "do", "did": "do", "ran": "run", "read": "read"})


def _stem(word: str) -> str:
    """A crude stem for set comparisons only ("charged" = "charge" = "charges", "paid" = "pay")."""
    word = _IRREGULAR_BASE.get(word, word)
    for suf in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suf) and len(word) - len(suf) >= 3 and not word.endswith("ss"):
            return word[: -len(suf)]
    return word


def _lemma(word: str) -> str:
    """Light plural stripping (no dictionary): 'invoices' -> 'invoice', 'policies' -> 'policy'."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith(("ses", "xes", "ches", "shes", "zes")):
            return word[:-2]
        return word[:-1]
    return word


def extract_slots(text: str) -> Slots:
    """Extract the :class:`Slots` of ``text``. Pure and deterministic; ~0.1 ms for a short query."""
    return _Extractor(text).run()


# --- comparison ----------------------------------------------------------------------------------

def _multiset_equal(a: Iterable[str], b: Iterable[str]) -> bool:
    return Counter(a) == Counter(b)


_FIRST_PERSON = {"self", "org"}


def _person_equal(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """No pronoun at all ("Is there a bonus this year?") is the asker's own perspective, which may be
    singular or plural; any explicit pronouns must match exactly."""
    if not a or not b:
        return set(a or b) <= _FIRST_PERSON and len(set(a or b)) <= 1
    return set(a) == set(b)


def _pound_equal(a: tuple[str, ...], b: tuple[str, ...], *, sep: str = "|") -> bool:
    """Multiset equality where an unresolved ``POUND`` matches ``GBP`` or ``lb`` (never both kinds)."""
    if Counter(a) == Counter(b):
        return True
    def variants(xs: tuple[str, ...]) -> list[Counter]:
        outs = [Counter()]
        for x in xs:
            if x.endswith("POUND"):
                head = x[: -len("POUND")]
                outs = [o + Counter([head + u]) for o in outs for u in ("POUND", "GBP", "lb")]
            else:
                outs = [o + Counter([x]) for o in outs]
        return outs
    va, vb = variants(a), variants(b)
    if len(va) * len(vb) > 81:
        return False
    return any(x == y for x in va for y in vb)


def _number_reason(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    va = Counter(x.split("|")[0] for x in a)
    vb = Counter(x.split("|")[0] for x in b)
    if va != vb:
        return "number"
    units = {x.split("|")[1] for x in a} ^ {x.split("|")[1] for x in b}
    return "currency" if units & _CURRENCY_CODES else "unit"


def _polarity_conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Antonyms conflict when both queries use the same axis with different poles."""
    axes_a: dict[str, set[str]] = {}
    axes_b: dict[str, set[str]] = {}
    for x in a:
        axis, pole = x.split(":", 1)
        axes_a.setdefault(axis, set()).add(pole)
    for x in b:
        axis, pole = x.split(":", 1)
        axes_b.setdefault(axis, set()).add(pole)
    return any(axes_a[k] != axes_b[k] for k in axes_a.keys() & axes_b.keys())


INSERTION_SIMILARITY = 0.85
"""A lone inserted content word (not a slot, not a prepositional argument) is an elaboration, not a new
question, when the two queries are at least this similar. Chosen as a round value above the median
paraphrase similarity of the tuning pairs; see services/cache/README.md for the measurement."""


def _frame_reason(a: tuple[str, ...], b: tuple[str, ...], how_much: bool = False,
                  similarity: float | None = None) -> str | None:
    """Near-identical frames must be identical: a lone substituted word changes the question, and a pure
    reordering that swaps two anchors across a relation word reverses it. A lone *inserted* word is
    accepted only when it is light (see :func:`_light_insertion`) and ``similarity`` is high."""
    if a == b:
        return None
    a, b = _merge_open_compounds(a, b), _merge_open_compounds(b, a)
    reason = _frame_diff(a, b, how_much, similarity)
    if reason is not None:
        aa, bb = _align(a, b), _align(b, a)
        if (aa, bb) != (a, b) and _frame_diff(aa, bb, how_much, similarity) is None:
            return None  # "not eligible for return" / "can't be returned"
    return reason


def _frame_diff(a: tuple[str, ...], b: tuple[str, ...], how_much: bool, similarity: float | None) -> str | None:
    if Counter(a) == Counter(b):
        return "order" if _is_reversal(a, b) else None
    raw_a, raw_b = a, b
    # pronouns were compared as the person slot (with "self" as the default) and polarity as a set;
    # weak connectors carry no role: ignore all of them here
    a, b = _content_frame(a), _content_frame(b)
    if a == b:
        return None
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    ops = [op for op in sm.get_opcodes() if op[0] != "equal"]
    shared = sum(i2 - i1 for tag, i1, i2, _, _ in sm.get_opcodes() if tag == "equal")
    if len(ops) != 1 or shared < 1:
        return None
    if shared == 1:
        # A short frame: only a swapped final word is a different question ("reset my router" / "reset my
        # modem": the object changed); other one-word edits there are phrasing ("change/switch my seat"),
        # unless a selecting word or a slot is swapped ("a late/an early fee", "a new/replacement card",
        # "cancel/upgrade my subscription": actions on different polarity axes).
        tag, i1, i2, j1, j2 = ops[0]
        swapped = a[i1:i2] + b[j1:j2]
        selecting = any(t in L.NOT_INSERTABLE for t in swapped) or all(t.startswith("<") for t in swapped)
        if tag == "replace" and not (i2 - i1 == 1 and j2 - j1 == 1 and (i2 == len(a) and j2 == len(b)
                                                                         or selecting)):
            return None
        if tag != "replace" and similarity is not None and similarity >= INSERTION_SIMILARITY:
            inserted = [t for t in a[i1:i2] + b[j1:j2] if t not in L.FUNCTION_WORDS]
            if len(inserted) <= 1 and not any(t.startswith("<") or t in L.NOT_INSERTABLE for t in inserted):
                return None  # "where is my refund" / "what happened to my refund"
        # any other insertion is judged below ("my direct reports' timesheets" / "my timesheets")
    _, i1, i2, j1, j2 = ops[0]
    if i2 - i1 > 2 or j2 - j1 > 2:
        return None
    left, right = a[i1:i2], b[j1:j2]
    insertable = L.INSERTABLE | ({"cost"} if how_much else set())
    if not (left and right) and all(t in L.FUNCTION_WORDS or t in insertable for t in left + right):
        return None  # a lone inserted preposition or generic noun ("a refund for my purchase")
    if not (left and right) and similarity is not None and similarity >= INSERTION_SIMILARITY:
        longer, shorter = (raw_a, raw_b) if left else (raw_b, raw_a)
        if _light_insertion(left or right, longer, shorter):
            return None  # "update the firmware" / "update my device firmware"
        if (left or right) == (CHARGE,) and "cost" in a and "cost" in b:
            return None  # "do you charge a fee for X" / "is there a fee for X"
    for x in left:
        for y in right:
            if _negated_form(x, y) or _negated_form(y, x):
                return "negation"
    return "term"


def _merge_open_compounds(frame: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    """Join adjacent words of ``frame`` whose concatenation is one word of ``other`` ("voice mail" /
    "voicemail"): the same compound written open and closed."""
    words = {t for t in other if not t.startswith("<")}
    out: list[str] = []
    i = 0
    while i < len(frame):
        if i + 1 < len(frame) and not frame[i].startswith("<") and not frame[i + 1].startswith("<") \
                and frame[i] + frame[i + 1] in words and frame[i] not in words:
            out.append(frame[i] + frame[i + 1])
            i += 2
            continue
        out.append(frame[i])
        i += 1
    return tuple(out)


CHARGE = "<polarity:money:charge>"
# Frame tokens that ask the same thing when the other query has the second and not the first: "how much do
# you charge for X" = "what's the fee for X"; "send / transfer 500 GBP to my sister".
FRAME_EQUIVALENTS = {CHARGE: "cost", "<polarity:xfer:out>": "transfer"}


def _align(frame: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    """Rewrite words of ``frame`` to the form ``other`` uses: an inflection of a word only ``other`` has
    ("can't be returned" / "not eligible for return") and :data:`FRAME_EQUIVALENTS`."""
    words = set(other)
    out: list[str] = []
    for t in frame:
        if t not in words:
            eq = FRAME_EQUIVALENTS.get(t)
            if eq is None and t.startswith("<comparative:~adj:"):
                # "why is my bill higher" / "how come my bill went up": the comparative said with a verb
                # (_comparative_conflict has checked the sign)
                eq = next((w for w in ("<polarity:trend:" + t[-2], "<polarity:amount:" + t[-2])
                           if w + ">" in words), None)
                eq = eq + ">" if eq else None
            if eq is not None and eq in words and eq not in frame:
                t = eq
            elif not t.startswith("<"):
                for cand in C.verb_lemmas(t):
                    if cand in words and cand not in frame:
                        t = cand
                        break
        out.append(t)
    return tuple(out)
# Frame tokens of verbs that bring something new into being: "new" after them adds nothing.
CREATING = {"<polarity:membership:+>", "create", "configure"}


def _light_insertion(inserted: tuple[str, ...], longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """An inserted span that only elaborates: plain content words (no slot value: numbers, dates,
    negation, polarity, entities, codes, roles... are compared as slots and an extra one is a different
    question), no preposition, and not the argument of a preposition ("to the workspace", "in faro")."""
    if not inserted or len(inserted) > 1:
        return False
    t = inserted[0]
    raw = [x for x in longer if not x.startswith("<person:")]
    if raw.count(t) != 1:
        return False
    k = raw.index(t)
    prev = raw[k - 1] if k > 0 else ""
    if t == "new" and prev in CREATING:
        return True  # "add a new payment method": what is added or created is new anyway
    if t.startswith("<") or t in L.FUNCTION_WORDS or t in L.WEAK_CONNECTORS or t in L.NOT_INSERTABLE:
        return False
    if prev in L.FUNCTION_WORDS or prev in L.WEAK_CONNECTORS or prev.startswith("<direction"):
        return False
    return True


def _content_frame(frame: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for t in frame:
        if t.startswith("<person:") or t in L.WEAK_CONNECTORS:
            continue
        if out and t == out[-1] and t.startswith("<"):
            continue  # "download an export": the same operator twice
        out.append(t)
    return tuple(out)


def _negated_form(x: str, y: str) -> bool:
    if len(y) < 4 or x.startswith("<") or y.startswith("<") or y in L.FUNCTION_WORDS:
        return False
    for p in ("un", "in", "non", "non-", "dis", "im", "il", "ir"):
        if x == p + y:
            return True
    return False


def _is_reversal(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if len(a) != len(b):
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diff) < 2:
        return False
    # two spans swapped: a = P X Q Y R, b = P Y Q X R
    lo, hi = diff[0], diff[-1] + 1
    seg_a, seg_b = a[lo:hi], b[lo:hi]
    for x_len in range(1, len(seg_a)):
        for y_len in range(1, len(seg_a) - x_len + 1):
            q_len = len(seg_a) - x_len - y_len
            if q_len < 0:
                continue
            x, q, y = seg_a[:x_len], seg_a[x_len:x_len + q_len], seg_a[x_len + q_len:]
            if seg_b == y + q + x:
                if not q:
                    return False  # adjacent blocks swapped ("March 2025 payroll report"): no relation between
                if not (_has_anchor(x) and _has_anchor(y)):
                    return False  # e.g. passive/active voice: "data encrypted" / "encrypt data"
                if any(t in L.FUNCTION_WORDS for t in x + y):
                    return False  # prepositional phrases moved as a block: roles preserved
                if q and all(t in L.SYMMETRIC_CONNECTORS for t in q):
                    return False  # "A and B" / "B and A"
                return True
    return False


_NON_ANCHOR_PLACEHOLDERS = ("<polarity:", "<comparative:", "<negation:")


def _has_anchor(span: tuple[str, ...]) -> bool:
    """An anchor is a slot value or a content word, not an operator (polarity/comparative/negation)."""
    return any(not t.startswith(_NON_ANCHOR_PLACEHOLDERS) and t not in L.FUNCTION_WORDS for t in span)


HOW_OR_WHERE = "how|where"


def _wh_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """"how do I download X" (``how|where``) asks what "how" or "where can I download X" asks."""
    if len(a) != 1 or len(b) != 1 or HOW_OR_WHERE not in a + b:
        return False
    return {a[0], b[0]} <= {"how", "where", HOW_OR_WHERE}


def _recase(a: Slots, b: Slots) -> Slots:
    """An entity of ``a`` that ``b`` has as plain words in the same sequence is the same name typed in
    capitals ("How do I RESET my router?", "Blue Cross" / "blue cross"): make it plain words of ``a`` too."""
    plain = [t for t in b.frame if not t.startswith("<")]
    words: dict[str, tuple[str, ...]] = {}
    for x in set(a.entity) - set(b.entity):
        parts = tuple(_canonical_word(w, w) for w in x.split())
        if all(w.isalpha() for w in parts) and any(
                tuple(plain[i:i + len(parts)]) == parts for i in range(len(plain) - len(parts) + 1)):
            words[x] = parts  # "Blue Cross" / "blue cross": the same words in sequence
    if not words:
        return a
    entity = tuple(x for x in a.entity if x not in words)
    frame = tuple(w for t in a.frame
                  for w in (words.get(t[len("<entity:"):-1], (t,)) if t.startswith("<entity:") else (t,)))
    return Slots(**{**a.__dict__, "entity": entity, "frame": frame})


# Order matters: the first mismatching slot is the reason reported.
_CHECK_ORDER = ("negation", "number", "unit", "date", "code", "entity", "comparative", "polarity",
                "direction", "person", "scope", "role", "wh")


def compare_slots(a: Slots, b: Slots, similarity: float | None = None) -> str | None:
    """``None`` when ``a`` and ``b`` are slot-equivalent, else the name of the first mismatching slot
    (``number``, ``currency``, ``unit``, ``date``, ``negation``, ``comparative``, ``polarity``,
    ``direction``, ``entity``, ``code``, ``person``, ``scope``, ``role``, ``wh``, ``term``, ``order``)."""
    if a.negation != b.negation or _negation_moved(a.clause_neg, b.clause_neg):
        return "negation"
    if not _pound_equal(a.number, b.number):
        return _number_reason(a.number, b.number)
    if not _pound_equal(a.unit, b.unit):
        return "currency" if (set(a.unit) ^ set(b.unit)) & _CURRENCY_CODES else "unit"
    if not _multiset_equal(a.date, b.date):
        return "date"
    if set(a.code) != set(b.code):
        return "code"
    if set(a.entity) != set(b.entity):
        a, b = _recase(a, b), _recase(b, a)
        if set(a.entity) != set(b.entity):
            return "entity"
    if _comparative_conflict(a, b):
        return "comparative"
    if _polarity_conflict(a.polarity, b.polarity):
        return "polarity"
    da, db = set(a.direction), set(b.direction)
    if da and db and not (da <= db or db <= da):
        return "direction"  # a reversal never yields a subset; an extra leg is judged by other slots
    if _wh_role_conflict(a.wh_role, b.wh_role):
        return "direction"  # "Who reports to Dana?" / "Who does Dana report to?"
    if not _person_equal(a.person, b.person):
        return "person"
    if set(a.scope) != set(b.scope) and not _default_org(a, b) and not _default_org(b, a):
        return "scope"
    if set(a.role) != set(b.role):
        return "role"
    if a.wh and b.wh and set(a.wh) != set(b.wh) and not _wh_compatible(a.wh, b.wh):
        return "wh"
    if ("past" in a.tense) != ("past" in b.tense) and ("future" in a.tense) != ("future" in b.tense):
        return "tense"  # "Did I get paid?" / "Will I get paid?"; present is compatible with either
    if a.modal and b.modal and set(a.modal) != set(b.modal):
        return "modal"  # "Am I allowed to" / "Am I required to"
    if _quant_conflict(a.quant, b.quant) or _quant_conflict(b.quant, a.quant):
        return "scope"  # "delete my comment" / "delete all comments"
    if _participants_reordered(a.frame, b.frame) or _values_rebound(a.frame, b.frame):
        return "order"  # "Can I see my manager's calendar?" / "Can my manager see my calendar?"
    # "how much is X" asks for the cost of X: an inserted "cost" adds nothing
    return _frame_reason(a.frame, b.frame, how_much="how_much" in a.wh + b.wh, similarity=similarity)


def _verb_key(base: str) -> str:
    """One key for a verb's forms ("causes"/"cause", "manages"/"manage", "made"/"make")."""
    w = _IRREGULAR_BASE.get(base, base)
    if w.endswith("ied"):
        w = w[:-3] + "y"
    elif w.endswith(("ed", "es")) and len(w) > 4:
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


_WH_ROLE_CONFLICTS = {("subj", "obj"), ("subj", "objp"), ("subj", "pas"), ("pas", "objp")}


def _default_org(a: Slots, b: Slots) -> bool:
    """"the company" in ``a`` where ``b`` names nobody (no person, no scope): the employer is the default
    ("How long is paternity leave here?" / "How many weeks of paternity leave does the company give?").
    Against "my" it is another owner ("the company's calendar" / "my calendar")."""
    return set(a.scope) == {"org"} and not b.scope and not b.person and not a.person \
        and not any(q.startswith("poss:") for q in a.quant)  # "the company's invoices": an owner


def _wh_role_conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The question word plays another role for the same verb: subject vs object ("Who manages Bob?" /
    "Who does Bob manage?"), or a preposition moved across the entity ("Who works for Alice?" / "Who does
    Alice work for?", "What is made of steel?" / "What is steel made of?"). A passive subject is the
    active object ("What is included in X?" = "What does X include?")."""
    ra = {tuple(x.split(":", 1)) for x in a}
    rb = {tuple(x.split(":", 1)) for x in b}
    return any(va == vb and ((ka, kb) in _WH_ROLE_CONFLICTS or (kb, ka) in _WH_ROLE_CONFLICTS)
               for ka, va in ra for kb, vb in rb)


def _cmp_opposed(x: str, y: str) -> bool:
    x, y = x.lstrip("~"), y.lstrip("~")
    for lo, hi in L.OPPOSED_ORDERS:
        if (x in lo and y in hi) or (x in hi and y in lo):
            return True
    if x.startswith("adj:") and y.startswith("adj:"):
        (_, ax, px), (_, ay, py) = x.split(":"), y.split(":")
        return ax == ay and px != py
    return False


def _comparative_conflict(a: Slots, b: Slots) -> bool:
    """Bounds on a quantity ("under $50", "at least 3", "cheaper than $1,000") and superlatives must be the
    same on both sides. A loose relation (``~``: a time order or minimum/maximum without a quantity, an
    unbound "higher") may be on one side only ("after moving" / "I moved, ..."), but never opposed by the
    other side ("before" / "after", "higher" / "lower", "higher" / "went down")."""
    if _multiset_equal(a.comparative, b.comparative):
        return False
    strict_a = [x for x in a.comparative if not x.startswith("~")]
    strict_b = [x for x in b.comparative if not x.startswith("~")]
    strict_a, strict_b = _bounds_aligned(strict_a, strict_b), _bounds_aligned(strict_b, strict_a)
    if not _multiset_equal(strict_a, strict_b):
        return True
    for xs, ys, other in ((a.comparative, b.comparative, b), (b.comparative, a.comparative, a)):
        for x in xs:
            if not x.startswith("~"):
                continue
            if any(_cmp_opposed(x, y) for y in ys):
                return True
            if x.startswith("~adj:") and x not in ys:
                # an unbound "higher"/"more" on one side only: the other side must say it with a verb
                # ("my bill went up" / "why is my bill higher"), never the opposite
                sign = x[-1]
                poles = {p.split(":", 1)[1] for p in other.polarity if p.split(":", 1)[0] in ("amount", "trend")}
                if poles != {sign}:
                    return True
    return False


def _bounds_aligned(xs: list[str], ys: list[str]) -> list[str]:
    """``xs`` with "within" and "up to" written as the bound ``ys`` uses: "within N" is "less than N"
    against a strict bound and "at most N" otherwise; "up to N" is "at most N", and is dropped when
    ``ys`` has no bound at all ("Does the plan support up to 10 users?" / "Can I have ten users?")."""
    out: list[str] = []
    unbounded = not any(y in L.ORDER_BOUNDS for y in ys)
    for x in xs:
        if x == "within":
            x = "lt" if "lt" in ys and not {"le", "within", "upto"} & set(ys) else "le"
        elif x == "upto":
            if unbounded:
                continue
            x = "le"
        out.append(x)
    return out


def _negation_moved(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same number of negations, but a word negated in one query is asserted in the other and vice versa
    ("delivered but didn't get a confirmation" / "wasn't delivered but got a confirmation")."""
    if not a or not b:
        return False
    na, pa = {x[1:] for x in a if x[0] == "-"}, {x[1:] for x in a if x[0] == "+"}
    nb, pb = {x[1:] for x in b if x[0] == "-"}, {x[1:] for x in b if x[0] == "+"}
    return bool((na - nb) & pb) and bool((nb - na) & pa)


def _quant_conflict(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """``x`` quantifies a noun (all/every/each/any) that ``y`` narrows: to one ("delete the comment", "a
    comment" against "all") or to an owner ``x`` does not name ("my comment(s)")."""
    if not x:
        return False
    qy = {v.split(":", 1)[1] for v in y if v.startswith(("all:", "each:", "any:"))}
    for v in x:
        kind, _, noun = v.partition(":")
        if kind not in ("all", "each", "any") or noun in qy or noun in L.HABITUAL_NOUNS:
            continue  # "every evening" / "in the evening"
        if f"poss:{noun}" in y and f"poss:{noun}" not in x:
            return True
        if kind in ("all", "each") and f"sgd:{noun}" in y:
            return True  # "delete the comment" / "delete every comment"
        if kind == "all" and f"sg:{noun}" in y:
            return True  # "a comment" / "all comments" (but "each ticket" / "a ticket" is distributive)
    return False


_PARTICIPANT = ("<person:", "<scope:", "<role:")


def _participants_reordered(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same people (pronouns, scope and role nouns) and the same other words, but the people in another
    order: who does what to whom changed ("Can I see my manager's calendar?" / "Can my manager see my
    calendar?"). A moved prepositional phrase ("for my team, how do I ..." / "how do I ... for my team")
    and "as an admin" keep the roles."""
    kinds = _PARTICIPANT
    if not any(t in L.SYMMETRIC_CONNECTORS for t in a + b) and len({t for t in a if t.startswith("<entity:")}) >= 2:
        # "Can Alice see Bob's calendar?" (two names); not "Alice and Bob", nor one name moved in a
        # restructured query ("cancel my Netflix subscription" / "cancel Netflix, how do I do that")
        kinds = _PARTICIPANT + ("<entity:",)
    pa = [t for t in a if t.startswith(kinds)]
    pb = [t for t in b if t.startswith(kinds)]
    if pa == pb or len(set(pa)) < 2 or Counter(pa) != Counter(pb):
        return False
    ra = Counter(t for t in _content_frame(a) if not t.startswith(kinds))
    rb = Counter(t for t in _content_frame(b) if not t.startswith(kinds))
    if sum(((ra - rb) + (rb - ra)).values()) > 2:
        return False
    return not _pp_moved(a, b)


def _pp_moved(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """``b`` is ``a`` with one block that starts with a preposition moved elsewhere (roles preserved)."""
    a, b = list(a), list(b)
    n = len(a)
    if n != len(b):
        return False
    for i in range(n):
        if a[i] not in L.FUNCTION_WORDS or a[i] == "to":  # "need to approve": an infinitive, not a PP
            continue
        for j in range(i + 1, n + 1):
            block, rest = a[i:j], a[:i] + a[j:]
            for k in range(len(rest) + 1):
                if k != i and rest[:k] + block + rest[k:] == b:
                    return True
    return False


_BINDING_PREPS = {"for", "at", "in", "on", "by", "before", "after", "until", "from", "to", "within", "of", "per",
                  "under", "over"}


def _values_rebound(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same numbers and prepositions, but the numbers swapped between them: "Table for two at 7" /
    "Table at 2 for 7"."""
    def pairs(f: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(f[k], f[k + 1]) for k in range(len(f) - 1)
                if f[k] in _BINDING_PREPS and f[k + 1].startswith(("<number:", "<date:"))]
    xa, xb = pairs(a), pairs(b)
    if len(xa) < 2 or Counter(xa) == Counter(xb):
        return False
    return Counter(p for p, _ in xa) == Counter(p for p, _ in xb) and Counter(v for _, v in xa) == Counter(
        v for _, v in xb)


ANCHORED_SLOTS = ("number", "date", "code")  # not entities: "Canada" is asked about in many ways


def same_content(a: Slots, b: Slots) -> bool:
    """The two queries carry typed values (at least one number, date or code each; entities are not
    enough, "Canada" is asked about in many ways) and the same content words in any order, once fillers,
    prepositions and generic nouns are dropped: "Book a table for 2 people at 7pm" / "Can you reserve a
    table for two at 7 pm?", "Send 500 GBP to my sister" / "Transfer £500 to my sister". Their embeddings
    can still be far apart (surface forms: "GBP" / "£", "2" / "two"), so the semantic cache judges such a
    pair at ``ANCHORED_THRESHOLD`` when :func:`compare_slots` also passes (the values are then equal); any
    differing content word keeps the default threshold."""
    if not any(getattr(a, k) for k in ANCHORED_SLOTS) or not any(getattr(b, k) for k in ANCHORED_SLOTS):
        return False
    fa, fb = _merge_open_compounds(a.frame, b.frame), _merge_open_compounds(b.frame, a.frame)
    fa, fb = _align(fa, fb), _align(fb, fa)

    def content(frame: tuple[str, ...]) -> Counter:
        return Counter(t for t in _content_frame(frame) if t not in L.FUNCTION_WORDS and t not in L.INSERTABLE)

    return content(fa) == content(fb)
