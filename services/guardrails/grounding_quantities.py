"""Quantities for grounding: clock times, numbers with units, amounts with currencies.

``grounding._missing_fact`` checks that every number of a claim occurs in the context. These helpers make
that check unit- and currency-aware in both directions:

* equal quantities in other units are equal: ``24 hours`` = ``a day``'s 1 day, ``14 days`` = ``2 weeks``,
  ``90 minutes`` = ``1.5 hours``, ``9 pm`` = ``21:00`` (a context quantity also offers its value in the other
  units of its dimension, so a claim's ``2 weeks`` finds the context's ``14 days``);
* the same number in another unit is a different quantity: a claim's ``30 minutes`` against a context that only
  says ``30 seconds`` is unsupported, as is ``$18`` against a context whose 18 is ``€18``.
"""

from __future__ import annotations

import functools
import re

_WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
             "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100}
# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _dim, _f in (
        ("second seconds sec secs s", "time", 1), ("minute minutes min mins", "time", 60),
        ("hour hours hr hrs h", "time", 3600), ("day days", "time", 86400), ("week weeks", "time", 7 * 86400),
        ("fortnight fortnights", "time", 14 * 86400), ("month months", "time", 30 * 86400),
        ("year years yr yrs", "time", 365 * 86400), ("decade decades", "time", 3650 * 86400),
        ("mg milligram milligrams", "mass", 1e-3), ("g gram grams", "mass", 1), ("kg kilo kilos kilogram kilograms",
                                                                              "mass", 1e3),
        ("tonne tonnes", "mass", 1e6),
        ("mm millimetre millimetres millimeter millimeters", "len", 1e-3),
        ("cm centimetre centimetres centimeter centimeters", "len", 1e-2),
        ("metre metres meter meters", "len", 1), ("km kilometre kilometres kilometer kilometers", "len", 1e3),
        ("ml millilitre millilitres milliliter milliliters", "vol", 1e-3),
        ("l litre litres liter liters", "vol", 1)):
    for _n in _names.split():
        _UNITS[_n] = (_dim, _f)
# Month = 30 days and year = 365 days would make "12 months" != "1 year": calendar ratios (small, big, n).
_CALENDAR = (("month", "year", 12), ("week", "year", 52), ("month", "decade", 120))
_NUM = r"\d+(?:\.\d+)?|" + "|".join(sorted(_WORD_NUM, key=len, reverse=True))
_QTY = re.compile(r"\b(?P<half>half\s+an?\s+)?(?:(?P<lo>\d+(?:\.\d+)?)\s*(?:to|-|–|or|and)\s*)?(?P<v>" + _NUM +
                  r")(?:\s*|-)(?:(?:working|business|calendar|full|consecutive|school|whole)\s+)?(?P<u>" +
                  "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\b", re.I)
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s?([ap])\.?\s?m\b\.?", re.I)
_CLOCK24 = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")


_SMALL = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                      "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i >= 2}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMWORD = "|".join(sorted([*_SMALL, *_TENS, *_SCALES], key=len, reverse=True))
# "and" joins only after a scale word ("one hundred and twenty"), never two numbers ("three and five days")
_JOIN = r"(?:[\s-]+|" + "|".join(rf"(?<={w})\s+and\s+" for w in _SCALES) + ")"
_WORD_RUN = re.compile(rf"\b(?:{_NUMWORD})(?:{_JOIN}(?:{_NUMWORD}))*\b", re.I)
_AND_A_HALF = re.compile(rf"\b(?P<n>a|an|one|\d+|{'|'.join(_SMALL)})\s+(?P<u>[a-z]+)\s+and\s+a\s+half\b", re.I)
_N_AND_A_HALF = re.compile(rf"\b(?P<n>one|\d+|{'|'.join(_SMALL)})\s+and\s+a\s+half\b", re.I)
_HALF_A = re.compile(r"\bhalf\s+an?\s+(?=[a-z])", re.I)
_H_MIN = re.compile(r"\b(?P<h>\d+)\s*(?:hours?|hrs?|h)\s*(?:and\s+)?(?P<m>\d+)\s*(?:minutes?|mins?)\b", re.I)
_A_UNIT = {"decade": "10 years", "dozen": "12", "century": "100 years", "fortnight": "14 days"}
_A_UNIT_RX = re.compile(r"\b(?:a|one)\s+(" + "|".join(_A_UNIT) + r")\b", re.I)


def _word_value(w: str) -> float:
    w = w.lower()
    return float(w) if w[0].isdigit() else float(_SMALL.get(w, 1 if w in ("a", "an") else 0))


def _run_value(words: list[str]) -> int:
    total = current = 0
    for w in words:
        if w in _SMALL:
            current += _SMALL[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[w]
            current = 0
    return total + current


def _sub_run(m: re.Match) -> str:
    words = [w for w in re.split(r"[\s-]+", m.group(0).lower()) if w != "and"]
    if words == ["one"] or words == ["zero"]:
        return m.group(0)  # "one of the", "zero-day": grounding reads these words itself, with care
    return str(_run_value(words))


@functools.lru_cache(maxsize=8192)
def digitise(text: str) -> str:
    """Number words and composite quantities as digits, so both sides of a comparison say them the same way:
    ``six hundred`` -> ``600``, ``ten thousand`` -> ``10000``, ``twenty-five`` -> ``25``, ``one and a half days`` /
    ``a day and a half`` -> ``1.5 days`` / ``1.5 day``, ``half a minute`` -> ``0.5 minute``, ``1 hour 40 minutes`` ->
    ``100 minutes``, ``a decade`` -> ``10 years``, ``fifty`` -> ``50``. A lone ``one`` or ``zero`` is left alone."""
    if not any(c.isalpha() for c in text):
        return text
    text = _A_UNIT_RX.sub(lambda m: _A_UNIT[m.group(1).lower()], text)
    text = _AND_A_HALF.sub(lambda m: f"{_word_value(m.group('n')) + 0.5:g} {m.group('u')}", text)
    text = _N_AND_A_HALF.sub(lambda m: f"{_word_value(m.group('n')) + 0.5:g}", text)
    text = _HALF_A.sub("0.5 ", text)
    text = _WORD_RUN.sub(_sub_run, text)
    return _H_MIN.sub(lambda m: f"{int(m.group('h')) * 60 + int(m.group('m'))} minutes", text)


def _value(v: str) -> float:
    v = v.lower()
    return float(_WORD_NUM[v]) if v in _WORD_NUM else float(v)


@functools.lru_cache(maxsize=8192)
def quantities(text: str) -> tuple[tuple[float, str, float, str], ...]:
    """``(value, unit, base_value, dimension)`` for each number with a unit (``a day`` is 1 day)."""
    out = []
    for m in _QTY.finditer(digitise(text)):
        unit = m.group("u").lower()
        if unit in ("s", "h", "l", "g", "min", "m") and not m.group("v")[0].isdigit():
            continue  # "a g", "one s": not quantities
        if m.group("v").lower() in ("a", "an") and unit.startswith("sec"):
            continue  # "a second bag" is an ordinal
        if unit in ("s", "h", "l", "g") and m.group(0)[-2:-1].isspace():
            continue  # "5 s" is too ambiguous with a space; "5s", "5h" are fine
        v = _value(m.group("v")) * (0.5 if m.group("half") else 1.0)
        dim, f = _UNITS[unit]
        out.append((v, unit, v * f, dim))
        if m.group("lo"):  # "3 to 5 days": the 3 is days too
            lo = float(m.group("lo"))
            out.append((lo, unit, lo * f, dim))
    return tuple(out)


def clock_hours(text: str) -> set[float]:
    """24-hour clock hours of ``9 pm``/``9:30 a.m.`` style times (the minutes are ordinary numbers)."""
    hours = set()
    for m in _CLOCK.finditer(text):
        h = int(m.group(1))
        if 1 <= h <= 12:
            hours.add(float((h % 12) + (12 if m.group(3).lower() == "p" else 0)))
    return hours


def context_numbers(text: str) -> set[float]:
    """Extra numbers a context offers: its quantities in the other units of their dimension (only round values),
    12-hour forms of 24-hour times, 24-hour forms of am/pm times, the zero minutes of a whole hour ("3 p.m." is
    "15:00") and the clock numbers of midnight (0:00, 24:00) and noon (12:00)."""
    extra: set[float] = set()
    for v, unit, base, dim in quantities(text):
        for other, (d2, f2) in _UNITS.items():
            if d2 == dim:
                x = base / f2
                if x >= 0.5 and abs(x * 2 - round(x * 2)) < 1e-9:
                    extra.add(round(x, 6))
        extra |= {x for _, x in _calendar(v, unit)}
    for m in _CLOCK24.finditer(text):
        h = int(m.group(1))
        if h > 12:
            extra.add(float(h - 12))
    extra |= clock_hours(text)
    if any(not m.group(2) for m in _CLOCK.finditer(text)):
        extra.add(0.0)
    if _MIDNIGHT.search(text):
        extra |= {0.0, 24.0}
    if _NOON.search(text):
        extra |= {12.0, 0.0}
    return extra


_MIDNIGHT = re.compile(r"\bmidnight\b", re.I)
_NOON = re.compile(r"\b(?:noon|midday)\b", re.I)


def _canon_unit(unit: str) -> str:
    dim, f = _UNITS[unit]
    for name, (d2, f2) in _UNITS.items():
        if d2 == dim and f2 == f:
            return name
    return unit


def context_bases(text: str) -> dict[str, set[float]]:
    """Base values of the context's quantities per dimension, with calendar equivalences."""
    out: dict[str, set[float]] = {}
    for v, unit, base, dim in quantities(text):
        s = out.setdefault(dim, set())
        s.add(round(base, 6))
        s |= {round(x * _UNITS[u][1], 6) for u, x in _calendar(v, unit)}
    return out


def _calendar(v: float, unit: str) -> list[tuple[str, float]]:
    """``24 months`` -> ``[("year", 2)]``, ``2 years`` -> ``[("month", 24), ("week", 104)]`` (round values only)."""
    norm, out = _canon_unit(unit), []
    for small, big, n in _CALENDAR:
        if norm == small and abs(v / n * 2 - round(v / n * 2)) < 1e-9:
            out.append((big, v / n))
        elif norm == big:
            out.append((small, v * n))
    return out


def wrong_unit(claim: str, context_text: str, bases: dict[str, set[float]]) -> str | None:
    """A claim quantity whose number the context states in another unit of the same dimension but whose value
    it never states (``30 minutes`` where the context says ``30 seconds``)."""
    ctx_q = None
    for v, unit, base, dim in quantities(claim):
        if round(base, 6) in bases.get(dim, ()):
            continue
        if ctx_q is None:
            ctx_q = quantities(context_text)
        if any(cv == v and cd == dim and _canon_unit(cu) != _canon_unit(unit) for cv, cu, _, cd in ctx_q):
            return f"{v:g} {unit}"
    return None


_CUR_SYM = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy"}
_CUR_WORD = {"usd": "usd", "dollar": "usd", "dollars": "usd", "eur": "eur", "euro": "eur", "euros": "eur",
             "gbp": "gbp", "pound": "gbp", "pounds": "gbp", "jpy": "jpy", "yen": "jpy", "chf": "chf",
             "franc": "chf", "francs": "chf", "cad": "cad", "aud": "aud", "inr": "inr", "rupees": "inr"}
_AMOUNT = re.compile(
    r"(?P<sym>[$€£¥])\s?(?P<a>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|\b(?P<code>usd|eur|gbp|chf|cad|aud|jpy|inr)\s?(?P<b>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<c>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?P<word>" + "|".join(_CUR_WORD) + r")\b", re.I)


def amounts(text: str) -> set[tuple[str, float]]:
    """``(currency, value)`` of each amount written with a currency symbol, code or word."""
    out = set()
    for m in _AMOUNT.finditer(digitise(text)):
        if m.group("sym"):
            cur, v = _CUR_SYM[m.group("sym")], m.group("a")
        elif m.group("code"):
            cur, v = m.group("code").lower(), m.group("b")
        else:
            cur, v = _CUR_WORD[m.group("word").lower()], m.group("c")
        out.add((cur, float(v.replace(",", ""))))
    return out


def wrong_currency(claim: str, ctx_amounts: set[tuple[str, float]]) -> str | None:
    """A claim amount whose value the context states only in another currency (``$18`` vs ``€18``)."""
    for cur, v in amounts(claim):
        others = {c for c, x in ctx_amounts if x == v}
        if others and cur not in others:
            return cur
    return None


def _qty_token(m: re.Match) -> str:
    unit = m.group("u").lower()
    if unit in ("s", "h", "l", "g", "min", "m") and not m.group("v")[0].isdigit():
        return m.group(0)
    if m.group("v").lower() in ("a", "an"):
        return m.group(0)  # "€29 a month" keeps its word, like "per month" and "monthly"
    return f"{m.group(0)[:m.start('u') - m.start()]} q{_UNITS[unit][0]}"


def unit_neutral(text: str) -> str:
    """Units after a number become their dimension (``2 weeks`` -> ``2 qtime``) for word overlap: the number
    checks above already compare the quantities, so ``2 weeks`` and ``14 days`` share a word."""
    return _QTY.sub(_qty_token, digitise(text))


def to_24h(text: str) -> str:
    """``6 pm`` -> ``18:00``, ``9:30 a.m.`` -> ``9:30`` (so a claim's times compare with 24-hour context times)."""
    def sub(m: re.Match) -> str:
        h = int(m.group(1))
        if not 1 <= h <= 12:
            return m.group(0)
        h = (h % 12) + (12 if m.group(3).lower() == "p" else 0)
        return f"{h}:{m.group(2) or '00'}"
    return _CLOCK.sub(sub, text)
