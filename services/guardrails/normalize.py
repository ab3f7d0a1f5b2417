"""Text normalisation for the safety checks, keeping a map back to the original offsets.

:func:`normalize` returns :class:`Segment` views of one text, each a string to scan plus a way to map a
match back to a span of the *original* text:

* ``text``: NFKD/NFKC-folded (full-width, mathematical and circled letters become ASCII), combining marks
  dropped (``é -> e``), common Cyrillic/Greek homoglyphs folded to Latin, lower-cased, with zero-width,
  soft-hyphen and bidi control characters removed;
* ``stripped``: the same with HTML tags removed (``ig<b>nore</b>`` -> ``ignore``), when there are tags;
* ``comment``: the content of HTML comments and Markdown link-reference comments (``[//]: # (...)``), which a
  renderer hides from the human but the model reads;
* ``base64`` / ``hex`` / ``percent``: decoded blobs that decode to readable text (normalised again, so an
  encoded and homoglyph-obfuscated payload is still caught);
* ``despaced`` / ``deleet``: ``i g n o r e`` and ``1gn0r3`` spellings collapsed.

Scanning every segment costs a few regex passes; ASCII text takes a fast path without per-character work.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

# Invisible format characters: zero-width, joiners, word joiner, BOM, soft hyphen, bidi embeddings/isolates.
_INVISIBLE = set(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b"
    "\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)
_INVISIBLE.update(chr(c) for c in range(0xFE00, 0xFE10))  # variation selectors
_INVISIBLE.update(chr(c) for c in range(0xE0000, 0xE0080))  # tag characters ("ASCII smuggling")

# Cyrillic / Greek / IPA letters that look like Latin ones (lower case; text is lower-cased first).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ӏ": "l", "ԛ": "q",
    "ԝ": "w", "ɡ": "g", "ɑ": "a", "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ѵ": "v", "һ": "h", "ɩ": "i", "ℓ": "l", "ı": "i",
    "ß": "ss",
}

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


@dataclass(frozen=True, slots=True)
class Segment:
    """A view of the original text to scan.

    ``offsets[i]`` is the original index of ``text[i]`` (``None`` means identity); segments decoded from a blob
    have no character map and map every match to ``span``, the blob's place in the original text.
    """

    text: str
    origin: str
    span: tuple[int, int]
    offsets: tuple[int, ...] | None = None
    mapped: bool = True

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if not self.mapped:
            return self.span
        if self.offsets is None:
            return (start + self.span[0], end + self.span[0])
        if not self.offsets:
            return self.span
        s = self.offsets[min(start, len(self.offsets) - 1)]
        e = self.offsets[min(max(end - 1, start), len(self.offsets) - 1)] + 1
        return (s, e)


def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if unicodedata.combining(c):
            continue
        c = c.lower()
        out.append(_HOMOGLYPHS.get(c, c))
    folded = "".join(out)
    # NFKD splits Hangul and some CJK compatibility forms; recompose so CJK patterns still match.
    return unicodedata.normalize("NFKC", folded)


def fold(text: str) -> tuple[str, tuple[int, ...] | None]:
    """Fold ``text`` (see module doc); returns the folded text and its map to original offsets."""
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            parts.append(ch.lower())
            offsets.append(i)
            continue
        f = _fold_char(ch)
        if f:
            parts.append(f)
            offsets.extend([i] * len(f))
    return "".join(parts), tuple(offsets)


def _remove_with_offsets(text: str, offsets: tuple[int, ...] | None, pattern: re.Pattern[str],
                         repl: str = "") -> tuple[str, tuple[int, ...]]:
    offs = offsets if offsets is not None else tuple(range(len(text)))
    out: list[str] = []
    out_offs: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        out_offs.extend(offs[pos:m.start()])
        if repl:
            out.append(repl)
            out_offs.extend([offs[m.start()]] * len(repl))
        pos = m.end()
    out.append(text[pos:])
    out_offs.extend(offs[pos:])
    return "".join(out), tuple(out_offs)


_HTML_TAG = re.compile(r"</?[a-z][a-z0-9-]*(?:\s[^<>]{0,300})?/?>")
_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|$)", re.S)
_MD_COMMENT = re.compile(r"^\s*\[(?://|comment|_)\]:\s*(?:#|<>)\s*[(\"'](.*?)[)\"']\s*$", re.M)
_B64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?<![0-9a-fA-F])(?:0x)?(?:[0-9a-fA-F]{2}[\s:]?){8,}(?![0-9a-fA-F])")
_HEX_ESC = re.compile(r"(?:\\x[0-9a-fA-F]{2}){4,}")
_PERCENT = re.compile(r"(?:[^%\s]{0,24}%[0-9a-fA-F]{2}){4,}[^%\s]{0,24}")
_U_ESC = re.compile(r"(?:\\u[0-9a-fA-F]{4}){4,}")
_BINARY = re.compile(r"(?<![01])(?:[01]{8}[\s,]?){4,}")
_MORSE = re.compile(r"(?<![\w.-])(?:[.\-]{1,6}(?:\s+/\s+|\s+)){5,}[.\-]{1,6}(?![\w.-])")
_A85 = re.compile(r"<~(.{8,}?)~>", re.S)
_B32 = re.compile(r"[A-Z2-7]{16,}=*")
_MORSE_CODE = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g", "....": "h", "..": "i",
    ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n", "---": "o", ".--.": "p", "--.-": "q", ".-.": "r",
    "...": "s", "-": "t", "..-": "u", "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z",
    "-----": "0", ".----": "1", "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6",
    "--...": "7", "---..": "8", "----.": "9",
}
# Rotated or reversed text is only decoded when it visibly hides attack vocabulary (two of these words), so
# ordinary text costs one translate/reverse and one regex search.
_ROT13 = str.maketrans("abcdefghijklmnopqrstuvwxyz", "nopqrstuvwxyzabcdefghijklm")
_SNIFF = re.compile(r"\b(?:ignore|instructions|previous|disregard|forget|system|prompt|reveal|rules|jailbreak|restrictions"
                    r"|guidelines|override|unfiltered|secret|password|admin|developer|mode)\b")
_SPACED = re.compile(r"(?<!\w)(?:\w[ .\-_*|/]){3,}\w(?!\w)")
_LEETWORD = re.compile(r"(?<![\w@$])(?=[\w@$]*[a-z])(?=[\w@$]*[013457@$])[a-z013457@$]{3,}")


def _readable(raw: bytes) -> str | None:
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(s) < 4:
        return None
    ok = sum(1 for c in s if c.isprintable() or c in "\n\t\r")
    letters = sum(1 for c in s if c.isalpha())
    if ok / len(s) < 0.95 or letters / len(s) < 0.5:
        return None
    return s


def _decode_b64(blob: str) -> str | None:
    b = blob.rstrip("=")
    if len(b) % 4 == 1:
        return None
    # Plain words and identifiers are not base64: require mixed character classes.
    if b.isalpha() and (b.islower() or b.isupper()):
        return None
    padded = b + "=" * (-len(b) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _readable(raw)


def _decode_b32(blob: str) -> str | None:
    b = blob.rstrip("=")
    try:
        return _readable(base64.b32decode(b + "=" * (-len(b) % 8)))
    except (binascii.Error, ValueError):
        return None


def _decode_morse(blob: str) -> str | None:
    words = re.split(r"\s+/\s+|\s{3,}", blob.strip())
    out = []
    for w in words:
        letters = [_MORSE_CODE.get(c) for c in w.split()]
        if any(ch is None for ch in letters):
            return None
        out.append("".join(letters))  # type: ignore[arg-type]
    text = " ".join(out)
    return text if len(text) >= 4 else None


def _sniffed(text: str) -> bool:
    return len({m.group(0) for m in _SNIFF.finditer(text)}) >= 2


def _decode_hex(blob: str) -> str | None:
    h = re.sub(r"0x|\\x|[\s:]", "", blob)
    if len(h) % 2:
        h = h[:-1]
    try:
        return _readable(bytes.fromhex(h))
    except ValueError:
        return None


def decode_blobs(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """Readable payloads hidden in ``text``: ``(origin, decoded_text, span)`` for base64, hex and %-encoding."""
    found: list[tuple[str, str, tuple[int, int]]] = []
    for m in _B64.finditer(text):
        d = _decode_b64(m.group(0))
        if d:
            found.append(("base64", d, m.span()))
    for pat in (_HEX, _HEX_ESC):
        for m in pat.finditer(text):
            d = _decode_hex(m.group(0))
            if d:
                found.append(("hex", d, m.span()))
    for m in _PERCENT.finditer(text) if text.count("%") >= 4 else ():
        d = unquote(m.group(0))
        if d != m.group(0) and _readable(d.encode("utf-8", "replace")):
            found.append(("percent", d, m.span()))
    if "\\u" in text:
        for m in _U_ESC.finditer(text):
            d = _readable(m.group(0).encode("ascii").decode("unicode_escape").encode("utf-8", "replace"))
            if d:
                found.append(("unicode_escape", d, m.span()))
    for m in _BINARY.finditer(text) if text.count("0") + text.count("1") >= 32 else ():
        bits = re.sub(r"[\s,]", "", m.group(0))
        d = _readable(int(bits, 2).to_bytes(len(bits) // 8, "big")) if len(bits) % 8 == 0 else None
        if d:
            found.append(("binary", d, m.span()))
    for m in _B32.finditer(text):
        d = _decode_b32(m.group(0))
        if d:
            found.append(("base32", d, m.span()))
    if "<~" in text:
        for m in _A85.finditer(text):
            try:
                d = _readable(base64.a85decode(m.group(1), adobe=False, ignorechars=" \t\n\r"))
            except ValueError:
                d = None
            if d:
                found.append(("ascii85", d, m.span()))
    if text.count(".") + text.count("-") >= 12:
        for m in _MORSE.finditer(text):
            d = _decode_morse(m.group(0))
            if d:
                found.append(("morse", d, m.span()))
    return found


def _sub_segment(folded: str, offsets: tuple[int, ...] | None, a: int, b: int, origin: str) -> Segment:
    if offsets is None:
        return Segment(folded[a:b], origin, (a, b))
    return Segment(folded[a:b], origin, (offsets[a], offsets[b - 1] + 1), offsets[a:b])


_LEET_WINDOW = 60  # characters of context kept on each side of a de-leeted word


def _deleet_windows(folded: str, offsets: tuple[int, ...] | None, n: int) -> list[Segment]:
    """``1gn0r3``-style words spelled out, as segments of the text around them only: an e-mail address or a
    ``v2`` in a long prompt would otherwise make every pattern scan the whole text a second time. De-leeting keeps
    the length, so the folded text's offsets still apply."""
    changed = [m.span() for m in _LEETWORD.finditer(folded) if m.group(0).translate(_LEET) != m.group(0)]
    if not changed:
        return []
    deleeted = _LEETWORD.sub(lambda m: m.group(0).translate(_LEET), folded)
    windows: list[list[int]] = []
    for a, b in changed:
        a, b = max(0, a - _LEET_WINDOW), min(len(folded), b + _LEET_WINDOW)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    if len(windows) == 1 and windows[0] == [0, len(folded)]:
        return [Segment(deleeted, "deleet", (0, n), offsets)]
    return [_sub_segment(deleeted, offsets, a, b, "deleet") for a, b in windows]


def normalize(text: str, *, decode: bool = True, _depth: int = 0) -> list[Segment]:
    """All segments of ``text`` to scan for injections (see module doc); the first is the folded text."""
    folded, offsets = fold(text)
    n = len(text)
    segments = [Segment(folded, "text", (0, n), offsets)]
    if "<" in folded:
        stripped, offs = _remove_with_offsets(folded, offsets, _HTML_TAG)
        if stripped != folded:
            segments.append(Segment(stripped, "stripped", (0, n), offs))
        for m in _HTML_COMMENT.finditer(folded):
            a, b = m.span(1)
            if b > a:
                segments.append(_sub_segment(folded, offsets, a, b, "comment"))
    if "]:" in folded:
        for m in _MD_COMMENT.finditer(folded):
            a, b = m.span(1)
            if b > a:
                segments.append(_sub_segment(folded, offsets, a, b, "comment"))
    if _SPACED.search(folded):
        despaced, offs = _remove_with_offsets(folded, offsets, re.compile(r"(?<=\b\w)[ .\-_*|/](?=\w\b)"))
        segments.append(Segment(despaced, "despaced", (0, n), offs))
    if _LEETWORD.search(folded):
        segments += _deleet_windows(folded, offsets, n)
    if decode and _depth < 2:
        blobs = decode_blobs(text)
        tags = "".join(chr(ord(c) - 0xE0000) for c in text if 0xE0020 <= ord(c) <= 0xE007E)
        if len(tags) >= 4:  # "ASCII smuggling": tag characters are invisible but spell ASCII
            blobs.append(("tag_characters", tags, (0, n)))
        if folded.isascii() or _sniffed(folded.translate(_ROT13)):
            for origin, alt in (("rot13", folded.translate(_ROT13)), ("reversed", folded[::-1])):
                if _sniffed(alt) and not _sniffed(folded):
                    blobs.append((origin, alt, (0, n)))
        for origin, decoded, span in blobs:
            for seg in normalize(decoded, decode=True, _depth=_depth + 1):
                segments.append(Segment(seg.text, origin if seg.origin == "text" else f"{origin}+{seg.origin}",
                                        span, None, mapped=False))
    return segments
