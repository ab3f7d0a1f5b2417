"""PII detection with validators, and redaction with typed placeholders (layer ``safety``, code ``pii``).

Every candidate found by a pattern is validated before it counts:

========== ==================================================================================
email      RFC-5322-ish local part, dotted domain with an alphabetic TLD of 2+ letters
phone      ``phonenumbers.PhoneNumberMatcher`` at ``Leniency.VALID`` (numbers with a ``+``
           country code, and national numbers of ``Policy.phone_regions``)
credit_card 13-19 digits (spaces/dashes allowed), a known issuer prefix and the Luhn checksum
iban       country code, length for that country, and the ISO 7064 mod-97 check
ssn        US SSN ``AAA-GG-SSSS`` (area not 000/666/9xx, group not 00, serial not 0000); nine bare
           digits only right after an "SSN" keyword
ip         IPv4 / IPv6 parsed by :mod:`ipaddress` (version strings such as ``v1.2.3.4`` are skipped)
========== ==================================================================================

A number that fails its checksum is not redacted. :func:`redact_pii` is the one call the warehouse sink makes
before storing text in ClickHouse; it returns the redacted text and the triggers (spans refer to the *input*
text; ``detail`` never contains the value).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from services.guardrails.policy import DEFAULT_POLICY, Policy, make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger

PLACEHOLDERS = {
    "email": "[EMAIL]", "phone": "[PHONE]", "credit_card": "[CREDIT_CARD]", "iban": "[IBAN]", "ssn": "[SSN]",
    "ip": "[IP]",
}
SEVERITY = {
    "email": Severity.MEDIUM, "phone": Severity.MEDIUM, "credit_card": Severity.HIGH, "iban": Severity.HIGH,
    "ssn": Severity.HIGH, "ip": Severity.LOW,
}
# When two findings overlap, the earlier kind in this order wins.
PRIORITY = ("email", "iban", "credit_card", "ssn", "ip", "phone")


@dataclass(frozen=True, slots=True)
class PiiMatch:
    kind: str
    start: int
    end: int


# ---------------------------------------------------------------- email
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![\w-])"
)


def _emails(text: str) -> list[PiiMatch]:
    out = []
    for m in _EMAIL.finditer(text):
        local = m.group(1)
        if len(local) > 64 or len(m.group(2)) > 253:
            continue
        out.append(PiiMatch("email", m.start(), m.end()))
    return out


# ---------------------------------------------------------------- credit cards
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _issuer_ok(d: str) -> bool:
    n = len(d)
    if d[0] == "4":
        return n in (13, 16, 19)  # Visa
    p2, p4, p6 = int(d[:2]), int(d[:4]), int(d[:6])
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16  # Mastercard
    if p2 in (34, 37):
        return n == 15  # Amex
    if d.startswith("6011") or d.startswith("65") or 644 <= int(d[:3]) <= 649 or 622126 <= p6 <= 622925:
        return 16 <= n <= 19  # Discover
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19  # JCB
    if p2 in (36, 38, 39) or 300 <= int(d[:3]) <= 305:
        return 14 <= n <= 19  # Diners
    if p2 == 62:
        return 16 <= n <= 19  # UnionPay
    if p2 in (50, 56, 57, 58) or d[:2] in ("67", "63", "60"):
        return 12 <= n <= 19  # Maestro
    return False


def _cards(text: str) -> list[PiiMatch]:
    out = []
    for m in _CARD.finditer(text):
        raw = m.group(0)
        seps = {c for c in raw if not c.isdigit()}
        if len(seps) > 1:
            continue  # mixed separators: not a card layout
        digits = re.sub(r"\D", "", raw)
        if 13 <= len(digits) <= 19 and _issuer_ok(digits) and luhn_ok(digits):
            out.append(PiiMatch("credit_card", m.start(), m.end()))
    return out


# ---------------------------------------------------------------- IBAN
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30})(?![A-Za-z0-9])")


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    rearranged = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in rearranged)
    return int(num) % 97 == 1


def _ibans(text: str) -> list[PiiMatch]:
    out = []
    for m in _IBAN.finditer(text):
        cand = m.group(1)
        compact = cand.replace(" ", "")
        want = IBAN_LENGTHS.get(compact[:2])
        if want is None:
            continue
        if len(compact) > want:  # the pattern ran into the following word: cut to the country's length
            kept, count = [], 0
            for ch in cand:
                if count == want:
                    break
                kept.append(ch)
                count += ch != " "
            cand = "".join(kept).rstrip()
        if iban_ok(cand):
            out.append(PiiMatch("iban", m.start(1), m.start(1) + len(cand)))
    return out


# ---------------------------------------------------------------- SSN
_SSN = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")
_SSN_BARE = re.compile(r"\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is|:|#|=)?\s*(\d{9})\b", re.I)


def ssn_ok(area: str, group: str, serial: str) -> bool:
    a = int(area)
    return a != 0 and a != 666 and a < 900 and group != "00" and serial != "0000"


def _ssns(text: str) -> list[PiiMatch]:
    out = [PiiMatch("ssn", m.start(), m.end()) for m in _SSN.finditer(text) if ssn_ok(m.group(1), m.group(3), m.group(4))]
    for m in _SSN_BARE.finditer(text):
        d = m.group(1)
        if ssn_ok(d[:3], d[3:5], d[5:]):
            out.append(PiiMatch("ssn", m.start(1), m.end(1)))
    return out


# ---------------------------------------------------------------- IP addresses
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?)(?![\w:])")
_VERSION_BEFORE = re.compile(r"(?:\bv|version\s*|ver\.?\s*|release\s*)$", re.I)


def _ips(text: str) -> list[PiiMatch]:
    out = []
    for m in _IPV4.finditer(text):
        if _VERSION_BEFORE.search(text, max(0, m.start() - 10), m.start()):
            continue
        try:
            ipaddress.IPv4Address(m.group(1))
        except ValueError:
            continue
        out.append(PiiMatch("ip", m.start(1), m.end(1)))
    if ":" in text:
        for m in _IPV6.finditer(text):
            cand = m.group(1)
            if cand.count(":") < 2 or len(cand) < 3:
                continue
            try:
                ipaddress.IPv6Address(cand)
            except ValueError:
                continue
            out.append(PiiMatch("ip", m.start(1), m.end(1)))
    return out


# ---------------------------------------------------------------- phone numbers
_PHONE_HINT = re.compile(r"\d(?:[\s().\-/]*\d){6,}")


def _phones(text: str, regions: tuple[str, ...]) -> list[PiiMatch]:
    if not _PHONE_HINT.search(text):
        return []
    found: dict[tuple[int, int], PiiMatch] = {}
    for region in regions or ("ZZ",):
        for pm in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            found.setdefault((pm.start, pm.end), PiiMatch("phone", pm.start, pm.end))
    return list(found.values())


# ---------------------------------------------------------------- combined
_FINDERS = {"email": _emails, "iban": _ibans, "credit_card": _cards, "ssn": _ssns, "ip": _ips}


def find_pii(text: str, policy: Policy = DEFAULT_POLICY) -> list[PiiMatch]:
    """Validated PII spans in ``text``, non-overlapping, in text order."""
    if not text:
        return []
    kinds = set(policy.pii_types)
    chosen: list[PiiMatch] = []
    masked = text

    def take(matches: list[PiiMatch]) -> None:
        nonlocal masked
        for m in sorted(matches, key=lambda x: (x.start, -x.end)):
            if any(m.start < c.end and c.start < m.end for c in chosen):
                continue
            chosen.append(m)
            # Mask the value so later finders (phone numbers above all) do not re-read its digits.
            masked = masked[:m.start] + "x" * (m.end - m.start) + masked[m.end:]

    for kind in PRIORITY:
        if kind not in kinds:
            continue
        if kind == "phone":
            take(_phones(masked, tuple(policy.phone_regions)))
        else:
            take(_FINDERS[kind](masked))
    return sorted(chosen, key=lambda m: m.start)


def pii_triggers(text: str, policy: Policy = DEFAULT_POLICY, *, stage: Stage = Stage.INPUT) -> list[Trigger]:
    """One ``pii`` trigger per validated value, labelled with its kind (``email``, ``credit_card`` ...)."""
    return [make_trigger(Layer.SAFETY, "pii", SEVERITY[m.kind], stage=stage, span=(m.start, m.end), label=m.kind,
                         detail=f"{m.kind} ({m.end - m.start} chars)") for m in find_pii(text, policy)]


def apply_redactions(text: str, triggers: list[Trigger]) -> str:
    """Replace the spans of ``pii`` triggers by their typed placeholder (e.g. ``[EMAIL]``)."""
    spans = sorted(((t.span_start, t.span_end, t.label) for t in triggers
                    if t.code == "pii" and t.span_start is not None and t.span_end is not None),
                   key=lambda s: s[0])
    out, pos = [], 0
    for start, end, label in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(PLACEHOLDERS.get(label or "", "[PII]"))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_pii(text: str, policy: Policy = DEFAULT_POLICY, *, stage: Stage = Stage.INPUT) -> tuple[str, list[Trigger]]:
    """Redact validated PII: returns ``(redacted_text, triggers)``. Spans in the triggers refer to ``text``.

    This is what the warehouse sink calls before writing prompt or response text to ClickHouse
    (when ``policy.redact_before_store``; the sink decides, this function always redacts).
    """
    triggers = policy.apply(pii_triggers(text, policy, stage=stage))
    return apply_redactions(text, triggers), triggers


@lru_cache(maxsize=1)
def placeholder_pattern() -> re.Pattern[str]:
    """Matches the placeholders :func:`redact_pii` writes (to skip already-redacted text)."""
    return re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
