"""Grounding and self-consistency (layer ``semantic``): codes ``ungrounded`` and ``inconsistent``.

Grounding splits an answer into claims (sentences and list items; questions, greetings and hedges such as
"I hope this helps" are not claims) and checks each against the retrieved passages:

1. **Facts**: every number (``1,200`` = ``1200`` = ``1.2 thousand``), percentage, date (month names and ISO dates
   normalise to the same tokens), currency and named entity (capitalised words and acronyms) in the claim must
   occur in the context. A missing one makes the claim ``ungrounded`` (``label`` = ``unsupported_number`` /
   ``unsupported_entity`` / ``unsupported_date`` / ``unsupported_currency``).
2. **Polarity**: when the claim closely mirrors one context sentence but only one of them is negated,
   the claim contradicts the context (``label`` = ``contradiction``).
3. **Support**: lexical token recall against the best passage; when it is below
   ``Policy.grounding_lexical_support``, the claim's embedding is compared with the passage embeddings
   (claims needing it are embedded in one batch; passage embeddings can be passed in precomputed, as retrieval
   already has them). A claim the passages do not support gets a second look against the one context sentence
   sharing most of its words (in a long passage a one-sentence claim's similarity is diluted). Too little of
   both -> ``ungrounded`` (``label`` = ``unsupported``).

Each trigger's span is the claim's span in the answer.

Self-consistency (:func:`self_consistency`) scores agreement between several sampled answers to one prompt:
the mean pairwise product of embedding cosine and fact agreement (Jaccard of the numbers/entities each sample
asserts). Below ``Policy.consistency_threshold`` it emits ``inconsistent``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from services.guardrails.embedding import PASSAGE_CACHE, EmbedderLike, embed_claims, get_claim_embedder
from services.guardrails.grounding_quantities import (amounts, clock_hours, context_bases, context_numbers, digitise,
                                                      quantities, to_24h, unit_neutral, wrong_currency, wrong_unit)
from services.guardrails.policy import DEFAULT_POLICY, Policy, make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger


STOPWORDS = frozenset("""
a an the and or but if then else of to in on at by for with from as into onto over under about above below
is are was were be been being am do does did done doing have has had having can could may might must shall
should will would it its it's this that these those there here their them they he she him her his hers we us
our you your i me my mine not no nor so than too very just also only such both each few more most other some
any all own same what which who whom whose when where why how while during before after again further once
up down out off between through until against because s t don now per via i.e e.g etc yes every
roughly approximately about around nearly almost some over under just
""".split())
NEGATIONS = frozenset("not no never none nobody nothing neither nor cannot can't don't doesn't didn't isn't "
                      "aren't wasn't weren't won't wouldn't shouldn't couldn't hasn't haven't hadn't without "
                      "n't".split())
# Antonym pairs (stems): a claim that uses one side where the matching context sentence uses the other
# contradicts it ("insulin raises glucose" vs "insulin lowers glucose").
_ANTONYM_PAIRS = [
    ("increas", "decreas"), ("rais", "lower"), ("rise", "fall"), ("higher", "lower"), ("more", "less"),
    ("more", "fewer"), ("larger", "smaller"), ("largest", "smallest"), ("bigger", "smaller"), ("above", "below"),
    ("before", "after"), ("always", "never"), ("allow", "forbid"), ("allow", "prohibit"), ("includ", "exclud"),
    ("open", "clos"), ("gain", "loss"), ("first", "last"), ("positive", "negative"), ("true", "false"),
    ("accept", "reject"), ("win", "lose"), ("row", "column"), ("minimum", "maximum"), ("min", "max"),
    ("earlier", "later"), ("faster", "slower"), ("cheaper", "expensive"), ("public", "private"),
    ("north", "south"), ("east", "west"), ("left", "right"), ("enabl", "disabl"), ("valid", "invalid"),
    ("limited", "unlimited"), ("add", "remov"), ("start", "end"), ("light", "heavy"), ("hot", "cold"),
    ("synchronous", "asynchronous"), ("online", "offline"), ("import", "export"), ("buy", "sell"),
    ("borrow", "lend"), ("inner", "outer"), ("upper", "lower"), ("up", "down"), ("high", "low"),
    ("mandatory", "optional"), ("compulsory", "optional"),
    ("succe", "fail"), ("pass", "fail"), ("present", "absent"), ("visible", "hidden"),
    # roles and categories a wrong answer swaps ("the secondary carer gets 16 weeks" where the primary does)
    ("primary", "secondary"), ("domestic", "international"), ("adult", "child"), ("senior", "junior"),
    ("male", "female"), ("input", "output"), ("inbound", "outbound"), ("client", "server"), ("buyer", "seller"),
    ("employer", "employee"), ("landlord", "tenant"), ("morning", "evening"), ("morning", "afternoon"),
    ("summer", "winter"), ("spring", "autumn"), ("upload", "download"), ("deposit", "withdrawal"),
    ("standard", "express"), ("economy", "business"), ("weekday", "weekend"), ("absorb", "releas"),
    ("absorb", "emit"), ("heat", "cool"), ("heat", "cold"), ("full", "empty"), ("full", "partial"),
    ("wet", "dry"), ("strong", "weak"), ("rich", "poor"), ("young", "old"), ("new", "old"), ("safe", "unsafe"),
    ("legal", "illegal"), ("arriv", "depart"), ("inside", "outside"), ("indoor", "outdoor"), ("before", "after"),
    ("recommend", "avoid"), ("free", "cost"),
]
ANTONYMS: dict[str, set[str]] = {}
for _a, _b in _ANTONYM_PAIRS:
    ANTONYMS.setdefault(_a, set()).add(_b)
    ANTONYMS.setdefault(_b, set()).add(_a)
MONTHS = {m: i + 1 for i, m in enumerate("january february march april may june july august september october "
                                         "november december".split())}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
MONTH_NAMES = {i: m for m, i in MONTHS.items() if len(m) > 4 or m == "may"}
CURRENCIES = {"$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "€": "eur", "eur": "eur", "euro": "eur",
              "euros": "eur", "£": "gbp", "gbp": "gbp", "pound": "gbp", "pounds": "gbp", "¥": "jpy", "jpy": "jpy",
              "yen": "jpy", "chf": "chf", "francs": "chf", "cad": "cad", "aud": "aud", "inr": "inr", "rupees": "inr"}
MULTIPLIERS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
               "trillion": 1e12, "tn": 1e12}
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
                "dozen": 12, "half": 0.5, "twice": 2, "double": 2, "once": 1}
NON_CLAIM = re.compile(
    r"^(?:(?:sure|certainly|of course|great question|absolutely|okay|ok|thanks|thank you|hello|hi)\b[!.,]?\s*$"
    r"|i hope (?:this|that) helps|let me know|feel free to|hope this helps|here(?:'s| is| are) (?:the|a|an|what|some)\b"
    r"[^.]{0,40}:?$|is there anything else|happy to help|based on the (?:provided |given )?(?:context|documents?)[,:]?$"
    r"|according to the (?:provided |given )?(?:context|documents?)[,:]?$)", re.I)

_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+|[。！？]+|\n+")
_ABBREV = frozenset("mr ms mrs dr st jr sr vs inc ltd co no fig approx etc e.g i.e u.s u.k prof dept est gen col".split())
_LIST_MARK = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")
_CITATION = re.compile(r"\s*\[(?:\d+|[a-z]?\d+(?:,\s*\d+)*)\]")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(
    r"(?P<cur>[$€£¥])?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    r"(?:\s?(?P<mult>thousand|million|billion|trillion|bn|mn|tn|k|m|b)\b)?", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_CAPWORD = re.compile(r"\b(?:[A-Z][a-z0-9]+(?:['’]s)?|[A-Z]{2,}[a-z]?s?|[A-Z][a-z]*[A-Z][A-Za-z]*|[a-z]+[A-Z][A-Za-z]*)\b")


@dataclass(frozen=True, slots=True)
class Claim:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Facts:
    numbers: set[float] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    currencies: set[str] = field(default_factory=set)


def split_claims(text: str) -> list[Claim]:
    """Claims of an answer with their spans; non-claims (questions, pleasantries, headings) are dropped."""
    claims: list[Claim] = []
    pos = 0
    for end, nxt in _sentence_bounds(text):
        piece = text[pos:end]
        lead = len(piece) - len(piece.lstrip())
        body = piece.strip()
        start = pos + lead
        pos = nxt
        mark = _LIST_MARK.match(body)
        if mark:
            start += mark.end()
            body = body[mark.end():]
        if not body or body.endswith("?") or body.endswith("？") or body.endswith(":"):
            continue
        if NON_CLAIM.search(body) or len(_TOKEN.findall(body)) < 3:
            continue
        claims.append(Claim(body, start, start + len(body)))
    return claims


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """``(end_of_sentence, start_of_next)`` pairs; abbreviations and initials do not end a sentence."""
    out = []
    for m in _BOUNDARY.finditer(text):
        if m.group(0)[0] == ".":
            word = re.search(r"([A-Za-z.]+)$", text[: m.start()])
            w = word.group(1).lower() if word else ""
            if w in _ABBREV or (len(w) == 1 and text[m.start() - 1].isupper()):
                continue
        end = m.start() + (len(m.group(0).rstrip()) if not m.group(0).isspace() else 0)
        out.append((end, m.end()))
    out.append((len(text), len(text)))
    return out


@functools.lru_cache(maxsize=65536)
def _stem(tok: str) -> str:
    t = tok.lower().replace("’", "'")
    if t.endswith("'s"):
        t = t[:-2]
    if len(t) > 5 and t.endswith("ies"):
        return t[:-3] + "y"
    for suf in ("able", "ing", "ed", "es", "s", "ly"):
        if len(t) > len(suf) + 3 and t.endswith(suf):
            t = t[: -len(suf)]
            break
    return t[:-1] if len(t) > 4 and t.endswith("e") else t


# Paraphrase groups: everyday synonyms an answer uses for the context's word. Each word is mapped (after
# stemming) to the group's first word, in claims and context alike, so "kids" meets "children" and "ships"
# meets "delivered". Only near-synonyms in ordinary product/support/documentation prose; antonyms and
# numbers are handled elsewhere, so a synonym can never turn a wrong number or entity into a match.
_SYNONYM_GROUPS = """
child kid kids children
deliver delivery ship shipping shipped shipment
business working
blink flash flicker
unused leftover remaining
cost price priced costs charge fee pay paid paying bill billing billed
buy purchase purchased bought
start begin began begun commence
finish complete completed end ended
big large huge
small little tiny
get receive received obtain gets got
need require required requires needed must necessary
help assist assistance support
show display displayed shows
use using utilize employ
quick fast rapid rapidly quickly
allow let permit enable lets allows permitted
tall high height
employee staff worker workers personnel
customer client buyer
build construct built constructed
make create made created produce produced
annual yearly annually year
monthly month
daily day
weekly week
hold press
visit go
doctor medical physician
note certificate
absent absence away
sick ill illness
discount saving save saves reduction off
award won win received prize
ask request requested asks
reach contact
answer reply respond response
closed shut
open opened opens
find locate found
sticker label
underneath under beneath below
raise increase boost
stand stands standing
available offered provided
next following subsequent
keep kept retain retained store stored
weekday weekdays
weekend weekends
return back refund refunded
kg kilo kilos kilogram kilograms
km kilometre kilometres kilometer kilometers
mg milligram milligrams
minute minutes min mins
hour hours hr hrs
forever indefinitely permanently
meal food
shot vaccination vaccine jab injection
medicine medication drug
vacation holiday leave
finish done
reduce decrease lessen cut
delete erase
remove eliminate drop
error mistake fault
fix repair
stop halt cease
choose select pick
change modify alter
web online internet website
cancel terminate
rent lease hire
depart exit
arrive land
"""
SYNONYMS: dict[str, str] = {}
for _line in _SYNONYM_GROUPS.strip().splitlines():
    _words = _line.split()
    for _w in _words:
        SYNONYMS.setdefault(_stem(_w), _stem(_words[0]))
for _a, _b in _ANTONYM_PAIRS:  # the pairs are also matched as content tokens (stemmed, synonym-mapped)
    _sa, _sb = SYNONYMS.get(_stem(_a), _stem(_a)), SYNONYMS.get(_stem(_b), _stem(_b))
    if _sa != _sb:
        ANTONYMS.setdefault(_sa, set()).add(_sb)
        ANTONYMS.setdefault(_sb, set()).add(_sa)
# WordNet adjective antonyms (hot/cold, safe/dangerous, manual/automatic ...) and irregular inflections
# (bought -> buy, children -> child), see data/grounding_lexicon.json for the source and limits.
_LEXICON = json.loads((Path(__file__).with_name("data") / "grounding_lexicon.json").read_text(encoding="utf-8"))
IRREGULAR: dict[str, str] = _LEXICON["irregular"]
for _a, _b in _LEXICON["antonyms"]:
    _sa, _sb = SYNONYMS.get(_stem(_a), _stem(_a)), SYNONYMS.get(_stem(_b), _stem(_b))
    if _sa != _sb:
        ANTONYMS.setdefault(_sa, set()).add(_sb)
        ANTONYMS.setdefault(_sb, set()).add(_sa)
_WORKDAY_STEMS = frozenset(_stem(d) for d in "monday tuesday wednesday thursday friday".split())
_WEEKEND_STEMS = frozenset(_stem(d) for d in "saturday sunday".split())
_WEEKDAY_STEMS = _WORKDAY_STEMS | _WEEKEND_STEMS
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "twelfth": 12, "twentieth": 20, "thirtieth": 30}
_NUMERIC_WORDS = frozenset(NUMBER_WORDS) | frozenset(_ORDINALS)


# Words that only qualify a number ("65 or older", "younger than 12", "as many as 12", "9 pm"): the number is the
# fact; the direction of a bound is not compared by word overlap.
_QUALIFIERS = frozenset("older younger least exceed exceeds exceeding upto pm am a.m p.m plus many much".split())
# Multi-word paraphrases rewritten to one word before tokenising ("at no cost" = "free" = "without paying").
_PHRASE_WORDS = (
    (r"(?:at|for)\s+no\s+(?:extra\s+|additional\s+)?(?:cost|charge)|no\s+(?:extra\s+|additional\s+)?(?:fee|cost|charge)s?|free\s+of\s+charge|without\s+(?:paying|payment|"
     r"charge|cost)|no\s+charge|complimentary|(?:is|are)\s+included\s+in\s+the\s+price", "free"),
    (r"get\s+in(?:to)?|admission|admitted|admit|entry|entrance|let\s+in", "enter"),
    (r"ahead\s+of\s+time|in\s+advance|ahead|beforehand", "advance"),
    (r"at\s+once|simultaneously|at\s+a\s+time|at\s+the\s+same\s+time", "simultaneous"),
    (r"on\s+top\s+of|in\s+addition\s+to|as\s+well\s+as|plus", "addition"),
    (r"(?:best|well)[-\s]known|most\s+famous|renowned|famous", "famous"),
)
_PHRASES = re.compile("|".join(f"(?P<p{i}>\\b(?:{rx})\\b)" for i, (rx, _) in enumerate(_PHRASE_WORDS)), re.I)


def _phrase_word(m: re.Match) -> str:
    return _PHRASE_WORDS[int(m.lastgroup[1:])][1]


@functools.lru_cache(maxsize=8192)
def content_tokens(text: str) -> frozenset[str]:
    """Stemmed content words, synonyms mapped to one representative. Stopwords, digits, number words (checked
    as facts) and negations (checked as polarity) are dropped."""
    out = set()
    for t in _TOKEN.findall(_PHRASES.sub(lambda m: f" {_phrase_word(m)} ", unit_neutral(text))):
        if t[0].isdigit():
            continue
        parts = [t] + (t.split("-") if "-" in t else [])
        for p in parts:
            low = p.lower()
            if (not p or low in STOPWORDS or low in _NUMERIC_WORDS or low in NEGATIONS or low.endswith("n't")
                    or low in _QUALIFIERS):
                continue
            st = _stem(IRREGULAR.get(low, p))
            out.add(SYNONYMS.get(st, st))
            if st in _WORKDAY_STEMS:  # "Monday to Friday" also says "weekdays"; the day itself stays a token
                out.add("weekday")
            elif st in _WEEKEND_STEMS:
                out.add("weekend")
    return frozenset(out)


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def extract_facts(text: str, *, is_context: bool = False, sentence_initial: bool = False) -> Facts:
    """Numbers, months, currencies and named entities asserted in ``text`` (a fresh, mutable copy)."""
    f = _facts(text, is_context, sentence_initial)
    return Facts(set(f.numbers), set(f.entities), set(f.months), set(f.currencies))


@functools.lru_cache(maxsize=8192)
def _facts(text: str, is_context: bool, sentence_initial: bool) -> Facts:
    """Numbers, months, currencies and named entities asserted in ``text``."""
    f = Facts()
    text = digitise(text)
    for m in _ISO_DATE.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12:
            f.numbers.update({float(y), float(d)})
            f.months.add(mo)
    for m in _SLASH_DATE.finditer(text):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        f.numbers.update({float(y), float(a), float(b)})
        if is_context:  # ambiguous day/month order: accept either month in the context
            f.months.update(x for x in (a, b) if 1 <= x <= 12)
    dated = " ".join((_ISO_DATE.sub(" ", _SLASH_DATE.sub(" ", text))).split())
    for m in _NUMBER.finditer(dated):
        value = _num(m.group("num"))
        mult = (m.group("mult") or "").lower()
        if mult in ("m", "b", "k") and not m.group("cur") and not is_context:
            # in a claim without a currency, "5,895 m" is metres and "5 b" a letter; "10k users" is ten thousand
            # (the context offers both readings, below)
            mult = "k" if mult == "k" and dated[m.end("num"):m.end("num") + 1] != " " else ""
        if mult:
            f.numbers.add(value * MULTIPLIERS[mult])
            if is_context:
                f.numbers.add(value)
        else:
            f.numbers.add(value)
        if m.group("cur"):
            f.currencies.add(CURRENCIES[m.group("cur")])
    lowered = _NOT_CURRENCY.sub(" ", dated.lower())
    for tok in re.findall(r"[a-z]+", lowered):
        if tok in NUMBER_WORDS and (is_context or tok not in ("one", "once", "half", "double")):
            f.numbers.add(float(NUMBER_WORDS[tok]))
        if tok in _ORDINALS and (is_context or _ORDINALS[tok] >= 3):  # "first"/"second" are also adverb/unit
            f.numbers.add(float(_ORDINALS[tok]))
        if tok in MONTHS and (tok != "may" or re.search(r"\bmay\s+\d", lowered)):
            f.months.add(MONTHS[tok])
        if tok in CURRENCIES:
            f.currencies.add(CURRENCIES[tok])
    for m in re.finditer(r"\b(\d+(?:\.\d+)?)\s?(?:thousand|million|billion|trillion)\b", lowered):
        pass  # already handled by _NUMBER's multiplier group
    for m in _CAPWORD.finditer(text):
        word = m.group(0)
        low = _stem(word)
        if low in STOPWORDS or word.lower() in STOPWORDS or word.lower() in MONTHS or low in _WEEKDAY_STEMS:
            continue
        if not (is_context or sentence_initial) and _sentence_initial(text, m.start()) and not _looks_like_name(word):
            continue
        f.entities.add(low)
    return f


_NOT_CURRENCY = re.compile(r"\bdollar[\s-]for[\s-]dollar\b|\btop\s+dollar\b")
# "50 pounds" is a weight when the context measures in lb or kg and names no sterling amount
_POUNDS_AFTER_NUMBER = re.compile(r"\d\s*pounds?\b", re.I)
_WEIGHT_UNITS = re.compile(r"\b(?:lbs?|kg|kilograms?|kilos?)\b")


def _sentence_initial(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in ".!?:;\n\"'(-•*" or bool(re.search(r"(?:^|\n)\s*(?:[-*•]|\d+[.)])\s*$", text[:i]))


def _looks_like_name(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)


def _numbers_match(x: float, pool: set[float]) -> bool:
    return any(abs(x - y) <= 1e-9 * max(1.0, abs(x)) for y in pool)


def _context_sentences(passages: Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in passages:
        out.extend(s for s in re.split(r"(?<=[.!?])\s+|\n+", p) if s.strip())
    return out


def _antonym_flip(claim_tokens: set[str], sentence_tokens: set[str]) -> str | None:
    """A context word whose antonym the claim uses instead of it (e.g. claim 'raise', context 'lower')."""
    for tok in claim_tokens - sentence_tokens:
        for opposite in ANTONYMS.get(tok, ()):
            if opposite in sentence_tokens and opposite not in claim_tokens:
                return opposite
    return None


# Phrases that contain a negation word but assert something positive ("at no cost" = free).
_NOT_NEGATION = re.compile(r"\b(?:no|without)\s+(?:extra\s+|additional\s+)?(?:cost|charge|fee|payment|paying)s?\b"
                           r"|\bfree\s+of\s+charge\b|\bno\s+later\s+than\b|\bno\s+more\s+than\b"
                           r"|\bnot\s+only\b|\bno\s+matter\b|\bnothing\s+but\b", re.I)
_CLAUSE = re.compile(r",?\s+(?:but|however|whereas|while|unless|except|although)\b|,\s+(?:as|because|since|so|which)\b|;|\s+-\s+", re.I)


def _negated(tokens: list[str]) -> bool:
    return any(t in NEGATIONS or t.endswith("n't") for t in tokens)


# Negation said without a negation word: "advised against" = "not recommended", "rather than HR" = "not by HR".
_NEGATIVE_PHRASES = re.compile(r"\b(?:advised?|advising|recommend(?:s|ed)?|warn(?:s|ed)?)\s+against\b|\brather\s+than\b"
                               r"|\binstead\s+of\b|\b(?:waive[sd]?|waiving|unpaid|unavailable|unable|ineligible|excluded"
                               r"|prohibited|forbidden|disallowed)\b", re.I)


def _polarity(text: str) -> bool:
    text = _NEGATIVE_PHRASES.sub(" not ", text.lower())
    return _negated(re.findall(r"[a-z']+", _NOT_NEGATION.sub(" ", text)))


_ROLE_ORDINALS = frozenset("first second third last".split())
_ROLE_ANTONYMS = {**ANTONYMS, "first": {"second", "third", "last"}, "second": {"first", "third", "last"},
                  "third": {"first", "second", "last"}, "last": {"first", "second", "third"}}
@functools.lru_cache(maxsize=8192)
def _segment_numbers(seg: str) -> frozenset[float]:
    plain = _ORDINAL_RX.sub(" ", seg)  # "the second dose" holds no number 2 here
    return frozenset(_facts(plain, True, False).numbers | context_numbers(plain))


_ORDINAL_RX = re.compile(r"\b(?:" + "|".join(_ORDINALS) + r")\b", re.I)
_SEGMENT = re.compile(r";|,\s+|\s+(?:and|while|whereas|but|or)\s+|:\s+", re.I)


@functools.lru_cache(maxsize=8192)
def _role_words(text: str) -> frozenset[str]:
    return content_tokens(text) | (frozenset(re.findall(r"[a-z]+", text.lower())) & _ROLE_ORDINALS)


def _number_role_swap(claim: Claim, ctx: "GroundingContext") -> str | None:
    """The claim's numbers sit in context segments that say them of another role or category: "a second bag
    costs $35" against "a first bag costs $35; the second costs $45". Every segment of the context that holds
    all the claim's numbers must not contradict the claim's role words."""
    nums = extract_facts(to_24h(claim.text)).numbers
    if not nums:
        return None
    words = _role_words(claim.text)
    flips = []
    for sent in ctx.sentences:
        sent_words = _role_words(sent)
        for seg in _SEGMENT.split(sent):
            if not seg or not seg.strip():
                continue
            seg_nums = _segment_numbers(seg)
            if not all(_numbers_match(x, seg_nums) for x in nums):
                continue
            seg_words = _role_words(seg)
            flip = None
            for tok in words - seg_words - {"open", "clos"}:  # "closes at 18:00" = "open ... to 18:00"
                for opposite in _ROLE_ANTONYMS.get(tok, ()):
                    # the segment says the opposite, or the sentence does and never uses the claim's word
                    if opposite not in words and (opposite in seg_words or (
                            opposite in sent_words and tok not in sent_words)):
                        flip = opposite
            if flip is None:
                return None
            flips.append(flip)
    return flips[0] if flips else None


_CLAIM_SEGMENT = re.compile(r";|,\s+|\s+(?:while|whereas|but)\s+|\s+compared\s+(?:with|to)\s+|:\s+", re.I)
_PLAIN_NUMBER = re.compile(r"[\d.,:%£$€]+")
_TABLE_CELL = re.compile(r"\s+\|\s+")


def _value_swap(claim: Claim, ctx: "GroundingContext") -> str | None:
    """A value the context states of one item, said of another: "standard delivery costs £6.95" against "Standard
    delivery takes 3-5 days and costs £3.95. Next-day delivery costs £6.95." Each claim segment (split at ``;``,
    commas, while/whereas/but, "compared with") talks about the context sentence with which it shares the most
    words that no other numbered sentence has, and inside that sentence about the segment chosen the same way.
    A value of the claim segment missing there, where that place states another value of the same kind, and
    found only where the claim segment has no distinctive word and no other value, was moved from another item."""
    numbered = [(ctx.sentence_tokens[i], _typed_values(s), s) for i, s in enumerate(ctx.sentences)]
    numbered = [u for u in numbered if u[1]]
    if not numbered:
        return None
    # a segment without a value qualifies the next ("For international flights, check-in closes ...")
    for seg in _with_values(_CLAIM_SEGMENT.split(to_24h(claim.text))):
        nums = _typed_values(seg)
        words = frozenset(w for w in content_tokens(seg) if not _PLAIN_NUMBER.fullmatch(w))
        moved, best = _moved_value(nums, words, numbered)
        if moved:
            return moved
        if best is None:
            continue
        cells = (cell for piece in _SEGMENT.split(best) for cell in _TABLE_CELL.split(piece))
        parts = [(content_tokens(p), _typed_values(p), p) for p in _with_values(cells)]
        moved, _ = _moved_value(nums, words, [u for u in parts if u[1]])
        if moved:
            return moved
    return None


def _with_values(pieces: Iterable[str]) -> list[str]:
    """Segments that each state a value: a piece without one joins the next (a label stays with its value, as in
    table cells "Late payment: $25 | Returned payment: $35"), and a list of values ("aged 2 and 3") stays whole."""
    out: list[str] = []
    pending = ""
    for piece in pieces:
        if out and not pending and piece[:1].isdigit() and out[-1][-1:].isdigit():
            out[-1] += " " + piece
            continue
        pending = f"{pending} {piece}".strip()
        if pending and _typed_values(pending):
            out.append(pending)
            pending = ""
    if pending and out:
        out[-1] += " " + pending
    return out


@functools.lru_cache(maxsize=8192)
def _typed_values(text: str) -> frozenset[tuple[str, float]]:
    """Values with their kind: ``("gbp", 3.95)``, ``("%", 30.0)``, ``("clock", 390.0)`` (minutes), quantities by
    dimension in base units with their calendar equivalents (``2 years`` also as 24 months); other numbers are
    ``("", n)``."""
    text = to_24h(text)
    out = {(cur, round(v, 6)) for cur, v in amounts(text)}
    raw = {v for _, v in out}
    for dim, bases in context_bases(text).items():
        out |= {(dim, b) for b in bases}
    raw |= {round(v, 6) for v, _, _, _ in quantities(text)}
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(?:%|per\s*cent\b|percent\b)", text):
        out.add(("%", float(m.group(1))))
        raw.add(float(m.group(1)))
    for m in re.finditer(r"\b(\d{1,2}):(\d{2})\b", text):
        out.add(("clock", int(m.group(1)) * 60.0 + int(m.group(2))))
        raw |= {float(m.group(1)), float(m.group(2))}
    out |= {("", round(n, 6)) for n in extract_facts(text).numbers if round(n, 6) not in raw}
    return frozenset(out)


# Distinctive words needed to pick a unit. With 1 the rule fired 20x right and 6x wrong over the 932 labelled answers
# of that moment; with 2 it fires 15x right and never wrong over 1,037. A false swap blocks a correct answer, so 2.
_MIN_DISTINCT = 2


_Unit = tuple[frozenset[str], frozenset[tuple[str, float]], str]  # content words, typed values, text


def _moved_value(values: frozenset[tuple[str, float]], words: frozenset[str],
                 units: list[_Unit]) -> tuple[str | None, str | None]:
    """(the text of the unit a value was moved away from, or None; the unit the words pick, or None)."""
    if len(units) < 2:
        return None, units[0][2] if units else None
    seen: dict[str, int] = {}
    for toks, _, _ in units:
        for w in toks & words:
            seen[w] = seen.get(w, 0) + 1
    distinct = {w for w, c in seen.items() if c == 1}
    scores = [len(distinct & toks) for toks, _, _ in units]
    top = max(scores)
    if top < _MIN_DISTINCT or scores.count(top) > 1:
        return None, None  # the claim segment's subject is not clear
    b = scores.index(top)
    for kind, v in values:
        if (kind, v) in units[b][1] or not any(k == kind and x not in {y for _, y in values} for k, x in units[b][1]):
            continue  # said there, or that unit has no other value of this kind the claim replaced
        holders = [k for k, u in enumerate(units) if k != b and (kind, v) in u[1]]
        # a holder the claim segment refers to (a distinctive word or another shared value: "over 75") is not
        # where the value was taken from but a second item the claim talks about
        if holders and all(scores[k] == 0 and len(units[k][1] & values) == 1 for k in holders):
            return units[b][2], units[b][2]
    return None, units[b][2]


_EXCEPTION = re.compile(r"^(?P<main>.*?),?\s+\b(?:except(?:\s+for)?|excluding|other\s+than|apart\s+from|but\s+not)\s+"
                        r"(?P<exc>[^,;.]+?)(?:,|;|\s+(?:which|who|that)\b|$)", re.I)


def _exception_applied(claim: Claim, toks: set[str], ctx: "GroundingContext") -> bool:
    """The claim applies a rule to what the context excepts from it ("overdue books are charged 20p, except
    children's books" vs "overdue children's books are charged 20p")."""
    if re.search(r"\b(?:except|excluding|other than|apart from|but not|unless)\b", claim.text, re.I):
        return False
    for sent in ctx.sentences:
        m = _EXCEPTION.search(sent)
        if not m:
            continue
        exc = content_tokens(m.group("exc"))
        main = content_tokens(m.group("main"))
        rest = toks - exc
        if (exc and exc <= toks and rest and len(rest & main) / len(rest) >= 0.5
                and _polarity(claim.text) == _polarity(m.group("main"))):
            return True
    return False


def _timed_open_close(claim: str, flipped: str | None) -> bool:
    return flipped in ("open", "clos") and bool(clock_hours(claim) or re.search(r"\d{1,2}:\d\d", claim))


def _other_clause_agrees(claim: str, toks: set[str], flipped: str, sent_idx: int, ctx: "GroundingContext") -> bool:
    """Another close context clause uses the claim's word, not its opposite ("at weekends it closes at 18:00"
    aligns best with the weekday sentence but is stated by the weekend one)."""
    mine = {t for t in toks if flipped in ANTONYMS.get(t, ())}
    for j, st in enumerate(ctx.sentence_tokens):
        if j == sent_idx or not (mine & st) or len(toks & st) / max(1, len(toks)) < 0.3:
            continue
        _, ct = _best_clause(toks, ctx.sentences[j])
        other = _antonym_flip(toks, ct)
        if mine & ct and (other is None or _timed_open_close(claim, other)):
            return True
    return False


_CLAIM_CLAUSE = re.compile(r",?\s+(?:because|since|as|so|and|but|while)\s+|;|,\s+", re.I)


def _claim_clause_agrees(claim: str, sent_toks: set[str], sent_polarity: bool) -> bool:
    """A clause of a compound claim restates the context clause with its polarity ("you cannot visit on Mondays
    because it is closed" against "it is closed on Mondays")."""
    parts = [c for c in _CLAIM_CLAUSE.split(claim) if c and c.strip()]
    if len(parts) < 2:
        return False
    for c in parts:
        ct = content_tokens(c)
        if ct and len(ct & sent_toks) / len(ct) >= 0.6 and _polarity(c) == sent_polarity:
            return True
    return False


_COMPARATIVE = {"more": "less", "less": "more", "fewer": "more", "most": "least", "least": "most",
                "before": "after", "after": "before", "above": "below", "below": "above"}


def _comparatives(text: str) -> set[str]:
    """Comparative words (stopwords for overlap) that the antonym check still compares: "more caffeine than
    coffee" against "less caffeine than coffee"; "no more than"/"at least" are bounds, not comparisons."""
    low = re.sub(r"\b(?:no|not)\s+(?:more|less|fewer)\s+than\b|\bat\s+(?:least|most)\b|\bmore\s+or\s+less\b", " ",
                 text.lower())
    return {w for w in re.findall(r"[a-z]+", low) if w in _COMPARATIVE}


_UNIVERSAL = re.compile(r"\b(?:regardless|no matter|every|all|any|always|unlimited|without (?:any )?(?:limit|"
                        r"condition|restriction)s?|unconditional(?:ly)?|everyone|everybody|anyone|daily|every day|"
                        r"seven days a week|7 days a week|24/7|around the clock)\b", re.I)
_CONDITION = re.compile(r"\b(?:if|only|unless|provided|as long as|except|when|over|above|under|below|more than|"
                        r"less than|at least|up to|minimum|maximum|excluding|subject to)\b", re.I)
_DAYS = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?)s?\b", re.I)


def _overgeneralised(claim: Claim, toks: set[str], ctx: "GroundingContext") -> str | None:
    """The claim states without condition what the closest context sentence states under one ("Premium members get
    free shipping on every order" vs "orders above $50 ship free for Premium members"; "open every day" vs "open
    Tuesday to Sunday")."""
    if not _UNIVERSAL.search(claim.text) or _CONDITION.search(claim.text) or not toks:
        return None
    best, best_ov = -1, 0.0
    for j, st in enumerate(ctx.sentence_tokens):
        ov = len(toks & st) / len(toks)
        if ov > best_ov:
            best, best_ov = j, ov
    if best < 0 or best_ov < 0.5:
        return None
    sent, _ = _best_clause(toks, ctx.sentences[best])
    cond = _CONDITION.search(sent)
    claim_nums = extract_facts(claim.text).numbers
    if cond and (cond.group(0).lower() not in ("over", "above", "under", "below", "more than", "less than",
                                               "at least", "up to", "minimum", "maximum")
                 or re.search(re.escape(cond.group(0)) + r"\s+[$€£¥]?\d", sent, re.I)):
        sent_nums = extract_facts(sent, is_context=True).numbers
        if not sent_nums or not (sent_nums & claim_nums):
            return f"condition {cond.group(0).lower()!r} left out"
    if re.search(r"\b(?:every day|daily|seven days a week|7 days a week|24/7|all week)\b", claim.text, re.I) \
            and not _DAYS.search(claim.text):
        for j, st in enumerate(ctx.sentence_tokens):
            if len(toks & st) / len(toks) >= 0.3 and _DAYS.search(ctx.sentences[j]):
                return "context limits the days"
    return None


_EXCLUSIVE = re.compile(r"\b(?:alone|solely|single-handedly|by (?:him|her|them|it)sel(?:f|ves)|on (?:his|her|their) own|"
                        r"exclusively|sole)\b", re.I)
_SHARED = re.compile(r"\b(?:shared?|jointly|together with|along with|co-\w+|with)\b", re.I)


def _entity_role_swap(claim: Claim, toks: set[str], ctx: "GroundingContext") -> str | None:
    """The claim's predicate is said of another named entity: "Aldrin remained in orbit" against "Collins stayed
    in orbit while Armstrong and Aldrin walked on the Moon"; "won the prize alone" against "shared it with"."""
    ents = extract_facts(claim.text, sentence_initial=True).entities
    if not ents:
        return None
    pred = toks - ents
    if not pred:
        return None
    for sent in ctx.sentences:
        low = sent.lower()
        if not any(e in low for e in ents):
            continue
        st = content_tokens(sent)
        if _EXCLUSIVE.search(claim.text) and _SHARED.search(sent) and len(toks & st) / len(toks) >= 0.5:
            return "shared"
        segs = [g for g in _SEGMENT.split(sent) if g and g.strip()]
        if len(segs) < 2:
            continue
        best = max(segs, key=lambda g: len(pred & content_tokens(g)))
        if len(pred & content_tokens(best)) / len(pred) < 0.5 or any(e in best.lower() for e in ents):
            continue
        others = extract_facts(best, is_context=True).entities - ents
        holder = [g for g in segs if any(e in g.lower() for e in ents)]
        if others and holder and all(len(pred & content_tokens(g)) < len(pred & content_tokens(best)) for g in holder):
            return sorted(others)[0]
    return None


_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_PASSIVE_AUX = frozenset("is are was were be been being get gets got".split())


def _participants(text: str, shared: set[str]) -> list[tuple[int, str]]:
    """``(word index, participant)`` in order: runs of capitalised words (a name, ``Acme Corp``) and shared
    lower-case content words (``tenant``, ``manager``); possessives stripped."""
    words = _WORD.findall(text)
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w[0].isupper() and _stem(w) not in STOPWORDS and not (i == 0 and w.lower() in STOPWORDS):
            j = i
            while j + 1 < len(words) and words[j + 1][0].isupper():
                j += 1
            out.append((i, " ".join(_stem(x) for x in words[i:j + 1])))
            i = j + 1
            continue
        st = _stem(w)
        if st in shared and st not in STOPWORDS:
            out.append((i, st))
        i += 1
    return out


def _roles(words: list[str], stems: list[str], participants: list[tuple[int, str]],
           verb: str) -> tuple[str, str] | None:
    """(agent, patient) of the one occurrence of ``verb`` (a stem) among ``words``: the nearest participants
    before and after it, swapped for a passive ("is managed by Anna Keller")."""
    idx = [i for i, st in enumerate(stems) if st == verb]
    if len(idx) != 1:
        return None
    v = idx[0]
    parts = [(i, p) for i, p in participants if p != verb and verb not in p.split()]
    before = [p for i, p in parts if i < v]
    after = [p for i, p in parts if i > v]
    if not before or not after:
        return None
    agent, patient = before[-1], after[0]
    if v > 0 and words[v - 1].lower() in _PASSIVE_AUX and v + 1 < len(words) and words[v + 1].lower() == "by":
        agent, patient = patient, agent
    return agent, patient


def _argument_swap(claim: Claim, toks: set[str], ctx: "GroundingContext", sent_idx: int) -> str | None:
    """Who does what to whom, reversed: "Bluefin acquired Acme" against "Acme acquired Bluefin", "Tom approved the
    manager's request" against "The manager approved Tom's request", "Jonas Weber manages the Berlin office"
    against "the Berlin office is managed by Anna Keller". For each content word the claim shares with its closest
    context sentence (used once on each side), the nearest participants before and after it must not be swapped,
    nor may the agent be another participant both texts name."""
    if sent_idx < 0:
        return None
    sent = ctx.sentences[sent_idx]
    shared = toks & content_tokens(sent)
    if not shared:
        return None
    names = _names(claim.text) | _names(sent)
    sides = []
    for text in (claim.text, sent):
        words = _WORD.findall(text)
        sides.append((words, [_stem(w) for w in words], _participants(text, shared)))
    for verb in sorted(shared):
        if any(verb in name.split() for name in names):
            continue  # "Elm Street" is a name, not a predicate
        a, b = _roles(*sides[0], verb), _roles(*sides[1], verb)
        if a is None or b is None or a == b or not ({*a, *b} & names):
            continue
        if a == (b[1], b[0]):
            return f"{verb}: roles reversed"
        if a[1] == b[1] and a[0] != b[0] and {a[0], b[0]} <= names and a[0] in sent.lower() and b[0] in claim.text.lower():
            return f"{verb}: done by {b[0]!r}"
    return None


def _names(text: str) -> set[str]:
    """Participants written with a capital letter somewhere other than the start of the text (so names, not a
    capitalised first word)."""
    return {p for i, p in _participants(text, set()) if i > 0}


def _entity_attribution(claim: Claim, toks: set[str], ctx: "GroundingContext") -> str | None:
    """The claim's predicate belongs to another named item of the context: "The Bayside Inn offers free parking"
    against "The Harbor View Hotel offers free parking ... The Bayside Inn charges $20", "Premium includes a
    Salesforce integration" against "Premium includes Slack and Jira. Salesforce requires Enterprise". The context
    sentence that shares most of the claim's non-entity words lacks one of the claim's entities, names another one
    instead, and every sentence that does name the missing entity shares fewer of those words."""
    ents = extract_facts(claim.text, sentence_initial=True).entities
    pred = toks - ents
    if not ents or len(pred) < 2:
        return None
    overlaps = [len(pred & st) for st in ctx.sentence_tokens]
    best = max(range(len(overlaps)), key=overlaps.__getitem__, default=-1)
    if best < 0 or overlaps[best] / len(pred) < 0.5:
        return None
    sent = ctx.sentences[best].lower()
    missing = [e for e in ents if e not in sent]
    if not missing or not all(e in ctx.raw_lower for e in missing):
        return None
    original = ctx.sentences[best]
    claim_low = claim.text.lower()
    # other names only: Title-case words the claim never uses in any case (not acronyms such as HTTP)
    others = {o for o in extract_facts(original).entities - ents
              if o not in claim_low and re.search(r"\b" + re.escape(o[:1].upper() + o[1:]), original)}
    for _, run in _participants(original, set()):  # "Nobel Prize" is the claim's "Nobel", not another name
        if len(run.split()) > 1 and any(w in ents for w in run.split()):
            others -= set(run.split())
    if not others:
        return None
    for j, other_sent in enumerate(ctx.sentences):
        if j != best and any(e in other_sent.lower() for e in missing) and overlaps[j] >= overlaps[best]:
            return None
    return sorted(others)[0]


def _best_clause(claim_tokens: set[str], sentence: str, claim_polarity: bool | None = None) -> tuple[str, set[str]]:
    """The clause of ``sentence`` closest to the claim ("pets are allowed ..., but dogs ... are not permitted"
    has two clauses with opposite polarity; the claim is compared with the one it talks about). With
    ``claim_polarity``, a tie goes to the clause of the other polarity: a claim that fits "covers defects for two
    years" as well as "does not cover accidental damage" is checked against the one that contradicts it."""
    clauses = [c for c in _CLAUSE.split(sentence) if c and c.strip()]
    if len(clauses) < 2:
        return sentence, content_tokens(sentence)

    def key(ct: tuple[str, frozenset[str]]) -> tuple[int, bool]:
        return len(claim_tokens & ct[1]), claim_polarity is not None and _polarity(ct[0]) != claim_polarity

    return max(((c, content_tokens(c)) for c in clauses), key=key)


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    claim: Claim
    supported: bool
    reason: str
    lexical: float
    semantic: float | None
    note: str = ""


class GroundingContext:
    """Precomputed view of the retrieved passages (reuse it for several answers against the same context)."""

    def __init__(self, passages: Sequence[str], passage_vectors: np.ndarray | None = None) -> None:
        self.passages = [p for p in passages if p and p.strip()]
        self.tokens = [content_tokens(p) for p in self.passages]
        self.all_tokens = set().union(*self.tokens) if self.tokens else set()
        self.raw_lower = " ".join(self.passages).lower()
        self.words = [w.lower() for w in re.findall(r"[A-Za-z]+", " ".join(self.passages))]
        self.word_set = {_stem(t) for t in _TOKEN.findall(" ".join(self.passages))}
        joined = " ".join(self.passages)
        self.facts = extract_facts(joined, is_context=True)
        self.facts.numbers |= context_numbers(joined)
        self.bases = context_bases(joined)
        self.amounts = amounts(joined)
        self.joined = joined
        self.sentences = _context_sentences(self.passages)
        self.sentence_tokens = [content_tokens(s) for s in self.sentences]
        self.vectors = passage_vectors
        self.sentence_vectors: np.ndarray | None = None
        self.passage_numbers = [extract_facts(p, is_context=True).numbers | context_numbers(p) for p in self.passages]

    def ensure_vectors(self, embedder: EmbedderLike) -> np.ndarray:
        """Passage embeddings: the precomputed ones, else from the LRU (embedding only unseen passages)."""
        if self.vectors is None:
            self.vectors = PASSAGE_CACHE.vectors(self.passages, embedder) if self.passages else np.zeros(
                (0, 1), np.float32)
        return self.vectors

    def ensure_sentence_vectors(self, embedder: EmbedderLike) -> np.ndarray:
        """Embeddings of the context sentences (the learned combiner compares a claim with the closest sentence),
        from the same LRU as passages; a one-sentence passage is embedded once for both."""
        if self.sentence_vectors is None:
            self.sentence_vectors = PASSAGE_CACHE.vectors(self.sentences, embedder) if self.sentences else np.zeros(
                (0, 1), np.float32)
        return self.sentence_vectors


def _missing_fact(claim: Claim, ctx: GroundingContext) -> tuple[str, str] | None:
    facts = extract_facts(claim.text)
    for x in sorted(facts.numbers | clock_hours(claim.text)):
        if not _numbers_match(x, ctx.facts.numbers):
            return "unsupported_number", f"number {x:g} not in context"
    unit = wrong_unit(claim.text, ctx.joined, ctx.bases)
    if unit:
        return "unsupported_number", f"quantity {unit} not in context (other unit)"
    cur = wrong_currency(claim.text, ctx.amounts)
    if cur:
        return "unsupported_currency", f"amount in {cur}, context states it in another currency"
    for mo in sorted(facts.months):
        if mo not in ctx.facts.months:
            return "unsupported_date", f"month {MONTH_NAMES.get(mo, mo)} not in context"
    for cur in sorted(facts.currencies):
        if cur not in ctx.facts.currencies:
            if cur == "gbp" and _POUNDS_AFTER_NUMBER.search(claim.text) and _WEIGHT_UNITS.search(ctx.raw_lower):
                continue
            return "unsupported_currency", f"currency {cur} not in context"
    for ent in sorted(facts.entities):
        if not _entity_in_context(ent, ctx):
            return "unsupported_entity", "named entity not in context"
    literal = [e for e in facts.entities if len(e) > 2 and re.search(r"\b" + re.escape(e), ctx.raw_lower)]
    if len(literal) >= 2 and not any(all(re.search(r"\b" + re.escape(e), p.lower()) for e in literal)
                                     for p in ctx.passages):
        return "unsupported_entity", "named entities never stated together in one passage"
    return None


DEMONYMS = {"french": "france", "german": "germany", "spanish": "spain", "english": "england", "british": "britain",
            "american": "america", "chinese": "china", "japanese": "japan", "italian": "italy", "european": "europe",
            "russian": "russia", "dutch": "netherlands", "swiss": "switzerland", "indian": "india", "greek": "greece",
            "irish": "ireland", "polish": "poland", "swedish": "sweden", "korean": "korea", "brazilian": "brazil",
            "mexican": "mexico", "canadian": "canada", "australian": "australia", "turkish": "turkey"}


ENTITY_ALIASES = {"earth": ("world", "planet", "global"), "us": ("united states", "u.s.", "america"),
                  "usa": ("united states", "u.s.", "america"), "uk": ("united kingdom", "britain", "u.k."),
                  "eu": ("european union", "europe")}


def _entity_in_context(ent: str, ctx: "GroundingContext") -> bool:
    if ent in ctx.word_set or ent in ctx.all_tokens or ent in ctx.raw_lower:
        return True
    if any(a in ctx.raw_lower for a in ENTITY_ALIASES.get(ent, ())):
        return True
    country = DEMONYMS.get(ent)
    if country and country in ctx.raw_lower:
        return True
    if ent in DEMONYMS.values() and any(d in ctx.word_set for d, c in DEMONYMS.items() if c == ent):
        return True
    if len(ent) >= 6 and any(len(w) >= 6 and w[:5] == ent[:5] for w in ctx.word_set):
        return True
    return 2 <= len(ent) <= 6 and ent.isalpha() and _acronym_in(ent, ctx.words)


def _acronym_in(acronym: str, words: Sequence[str]) -> bool:
    """``dbms`` matches "database management system"; ``olap`` matches "online analytical processing"."""
    n = len(acronym)
    for i in range(len(words)):
        if not words[i].startswith(acronym[0]):
            continue
        k, j = 0, i
        while k < n and j < len(words) and j - i < n:
            w = words[j]
            if not w.startswith(acronym[k]):
                break
            k += 1
            pos = 1
            while k < n and pos < len(w):  # letters taken from inside the same word (d-b in "database")
                found = w.find(acronym[k], pos)
                if found < 0 or (k + 1 < n and j + 1 < len(words) and words[j + 1].startswith(acronym[k])):
                    break
                pos, k = found + 1, k + 1
            j += 1
        if k == n:
            return True
    return False


def _lexical(claim_tokens: set[str], ctx: GroundingContext) -> tuple[float, int]:
    """Best token recall of the claim against one passage, and the index of the best context sentence."""
    if not claim_tokens:
        return 1.0, -1
    best = max((len(claim_tokens & t) / len(claim_tokens) for t in ctx.tokens), default=0.0)
    best_sent, best_overlap = -1, 0.0
    for i, st in enumerate(ctx.sentence_tokens):
        ov = len(claim_tokens & st) / len(claim_tokens)
        if ov > best_overlap:
            best_sent, best_overlap = i, ov
    return best, best_sent


_NOVEL_PENALTY = 0.025  # per step (2, 3+) of content words the context never uses. 0.05 until 2026-11-26; over
# the 827 labelled cases 0.05 / 0.025 / 0 score 609 / 614 / 616, but 0 lets four plain hallucinations of
# grounding.jsonl through ("Insulin is produced by the liver"), 0.025 one of them.
_SEMANTIC_MIN_LEXICAL = 0.25  # below this recall even a very close embedding does not support a claim ...
_ANCHORED_MIN_LEXICAL = 0.15  # ... unless the claim's numbers all sit in one passage


def _number_anchored(claim: Claim, ctx: GroundingContext) -> bool:
    """A claim whose numbers all sit in one passage is anchored there: paraphrase may leave few shared words,
    so the embedding carries more of the decision (the numbers themselves are checked as facts)."""
    nums = extract_facts(claim.text).numbers
    return bool(nums) and any(all(_numbers_match(x, pf) for x in nums) for pf in ctx.passage_numbers)


@dataclass(slots=True)
class ClaimRules:
    """What the rules derive for one claim: its content tokens, lexical support, the closest context sentence and
    every rule that fired, in precedence order (``(rule, reason, note)``)."""
    toks: frozenset[str]
    lex: float
    sent_idx: int
    sent_overlap: float
    polarity_differs: bool
    antonym_raw: bool
    fired: list[tuple[str, str, str]]


_MISSING_RULE = (("number ", "missing_number"), ("quantity ", "wrong_unit"), ("amount in", "wrong_currency"),
                 ("month ", "missing_date"), ("currency ", "missing_currency"),
                 ("named entity not", "missing_entity"), ("named entities never", "entities_apart"))


def claim_rules(claim: Claim, ctx: GroundingContext, *, all_rules: bool = False) -> ClaimRules:
    """Run the fact, polarity, antonym, condition, role-swap and exception rules on ``claim``; unless ``all_rules``,
    stop at the first that fires (that one decides the claim under the hand-set rules)."""
    toks = content_tokens(claim.text)
    lex, sent_idx = _lexical(toks, ctx)
    fired: list[tuple[str, str, str]] = []
    out = ClaimRules(toks, lex, sent_idx, 0.0, False, False, fired)
    missing = _missing_fact(claim, ctx)
    if missing:
        rule = next((r for prefix, r in _MISSING_RULE if missing[1].startswith(prefix)), "missing_fact")
        fired.append((rule, missing[0], missing[1]))
        if not all_rules:
            return out
    if sent_idx >= 0:
        claim_pol = _polarity(claim.text)
        sent, sent_toks = _best_clause(toks, ctx.sentences[sent_idx], claim_pol)
        sent_overlap = len(toks & sent_toks) / max(1, len(toks))
        out.sent_overlap = sent_overlap
        sent_pol = _polarity(sent)
        out.polarity_differs = claim_pol != sent_pol
        flipped = _antonym_flip(toks | _comparatives(claim.text), sent_toks | _comparatives(sent))
        out.antonym_raw = flipped is not None
        if claim_pol != sent_pol and flipped:
            flipped = None  # negated antonym: "isn't deep" restates "is shallow"
        elif (sent_overlap >= 0.6 and claim_pol != sent_pol
                and not _claim_clause_agrees(claim.text, sent_toks, sent_pol)):
            # contradiction only if no other close context clause states the claim's polarity
            agrees = False
            for j, st in enumerate(ctx.sentence_tokens):
                if j == sent_idx or len(toks & st) / max(1, len(toks)) < 0.6:
                    continue
                c2, ct2 = _best_clause(toks, ctx.sentences[j])
                if len(toks & ct2) / max(1, len(toks)) >= 0.6 and _polarity(c2) == claim_pol:
                    agrees = True
                    break
            if not agrees:
                fired.append(("negation", "contradiction", "negation differs"))
                if not all_rules:
                    return out
        if _timed_open_close(claim.text, flipped):
            flipped = None  # "closes at 8 pm" paraphrases "open until 20:00"; the time itself is checked
        if flipped and sent_overlap >= 0.3 and not _other_clause_agrees(claim.text, toks, flipped, sent_idx, ctx):
            fired.append(("antonym", "contradiction", f"antonym of {flipped!r}"))
            if not all_rules:
                return out
    general = _overgeneralised(claim, toks, ctx)
    if general:
        fired.append(("overgeneral", "unsupported", general))
        if not all_rules:
            return out
    swapped = _number_role_swap(claim, ctx)
    if swapped:
        fired.append(("number_swap", "contradiction", f"number belongs to {swapped!r}"))
        if not all_rules:
            return out
    moved = _value_swap(claim, ctx)
    if moved:
        fired.append(("value_swap", "contradiction", f"value stated of another item: {moved[:60]!r}"))
        if not all_rules:
            return out
    swapped = _argument_swap(claim, toks, ctx, out.sent_idx)
    if swapped:
        fired.append(("argument_swap", "contradiction", swapped))
        if not all_rules:
            return out
    other = _entity_attribution(claim, toks, ctx)
    if other:
        fired.append(("entity_attribution", "contradiction", f"said of {other!r} in the context"))
        if not all_rules:
            return out
    swapped = _entity_role_swap(claim, toks, ctx)
    if swapped:
        fired.append(("entity_swap", "contradiction", f"number belongs to {swapped!r}"))
        if not all_rules:
            return out
    if _exception_applied(claim, toks, ctx):
        fired.append(("exception", "contradiction", "context excepts it"))
    return out


def assess_claims(answer: str, ctx: GroundingContext, policy: Policy = DEFAULT_POLICY,
                  embedder: EmbedderLike | None = None, *, embedder_threads: int | None = None,
                  combiner: object | None | bool = None) -> list[ClaimVerdict]:
    """A verdict per claim of ``answer``; embeds only the claims the rules and words cannot settle (one batch).

    ``combiner``: ``None`` = the shipped default (:func:`.grounding_combiner.default_combiner`, which may be none),
    ``False`` = the hand-set rules only, or a :class:`.grounding_combiner.Combiner`.
    """
    if combiner is None:
        from services.guardrails.grounding_combiner import default_combiner
        combiner = default_combiner()
    if combiner:
        from services.guardrails.grounding_combiner import assess_with_combiner
        return assess_with_combiner(answer, ctx, combiner, embedder, embedder_threads=embedder_threads)
    verdicts: list[ClaimVerdict | None] = []
    pending: list[tuple[int, Claim, float]] = []
    for claim in split_claims(answer):
        r = claim_rules(claim, ctx)
        toks, lex = r.toks, r.lex
        if r.fired:
            _, reason, note = r.fired[0]
            verdicts.append(ClaimVerdict(claim, False, reason, lex, None, note))
            continue
        if lex >= policy.grounding_lexical_support:
            verdicts.append(ClaimVerdict(claim, True, "lexical", lex, None))
            continue
        anchored = _number_anchored(claim, ctx)
        if lex < (_ANCHORED_MIN_LEXICAL if anchored else _SEMANTIC_MIN_LEXICAL):
            # no embedding similarity can support it (see the rule below): do not pay for the embedding
            verdicts.append(ClaimVerdict(claim, False, "unsupported", lex, None, "too little lexical support"))
            continue
        pending.append((len(verdicts), claim, lex))
        verdicts.append(None)
    if pending:
        if embedder is None:
            embedder = get_claim_embedder(embedder_threads)
        pvecs = ctx.ensure_vectors(embedder)
        cvecs = embed_claims(embedder, [c.text for _, c, _ in pending])
        sims = (cvecs @ pvecs.T).max(axis=1) if len(pvecs) else np.zeros(len(pending))
        judged = [_semantic_verdict(claim, lex, float(sim), ctx, policy)
                  for (_, claim, lex), sim in zip(pending, sims)]
        # A claim usually restates one sentence; inside a long passage its similarity is diluted. A claim the
        # passages do not support gets a second look against its closest sentences by shared words.
        retry = [k for k, v in enumerate(judged) if not v.supported]
        closest = {k: _closest_sentences(pending[k][1], ctx) for k in retry}
        wanted = sorted({j for js in closest.values() for j in js})
        if wanted:
            svecs = dict(zip(wanted, PASSAGE_CACHE.vectors([ctx.sentences[j] for j in wanted], embedder)))
            for k in retry:
                if closest[k]:
                    best = max(float(cvecs[k] @ svecs[j]) for j in closest[k])
                    if best > judged[k].semantic:
                        _, claim, lex = pending[k]
                        judged[k] = _semantic_verdict(claim, lex, best, ctx, policy)
        for (i, _, _), v in zip(pending, judged):
            verdicts[i] = v
    return [v for v in verdicts if v is not None]


_CLOSEST_SENTENCES = 1


def _closest_sentences(claim: Claim, ctx: "GroundingContext") -> list[int]:
    """Index of the context sentence sharing the most content words with ``claim`` (as a list: none or one),
    leaving out sentences that are whole passages (their vector is the passage's, already compared)."""
    toks = content_tokens(claim.text)
    passages = set(ctx.passages)
    scored = [(len(toks & st), -j) for j, st in enumerate(ctx.sentence_tokens)
              if ctx.sentences[j] not in passages and toks & st]
    return [-j for _, j in sorted(scored, reverse=True)[:_CLOSEST_SENTENCES]]


def _semantic_verdict(claim: Claim, lex: float, sim: float, ctx: "GroundingContext", policy: Policy) -> ClaimVerdict:
    toks = content_tokens(claim.text)
    novel = len(toks - ctx.all_tokens)
    # A claim that brings new content words needs stronger semantic evidence ("Insulin is produced by the liver").
    need = policy.grounding_embedding_support + (_NOVEL_PENALTY if novel >= 2 else 0.0) + (
        _NOVEL_PENALTY if novel >= 3 else 0.0)
    anchored = _number_anchored(claim, ctx)
    ok = ((sim >= need and lex >= (_ANCHORED_MIN_LEXICAL if anchored else 0.4))
          or (sim >= max(0.8, need) and lex >= _SEMANTIC_MIN_LEXICAL))
    return ClaimVerdict(claim, ok, "semantic" if ok else "unsupported", lex, sim)


def check_grounding(answer: str, passages: Sequence[str] | GroundingContext, policy: Policy = DEFAULT_POLICY, *,
                    passage_vectors: np.ndarray | None = None, embedder: EmbedderLike | None = None,
                    embedder_threads: int | None = None, stage: Stage = Stage.OUTPUT,
                    combiner: object | None | bool = None) -> list[Trigger]:
    """``ungrounded`` triggers, one per unsupported claim (span = the claim in ``answer``).

    ``embedder``: any ``embed(texts)`` object; default the guardrails :class:`~.embedding.ClaimEmbedder` with
    ``embedder_threads`` onnxruntime threads (claims capped at 64 word pieces, no thread spinning).
    """
    ctx = passages if isinstance(passages, GroundingContext) else GroundingContext(passages, passage_vectors)
    out = []
    for v in assess_claims(answer, ctx, policy, embedder, embedder_threads=embedder_threads, combiner=combiner):
        if v.supported:
            continue
        detail = f"{v.note or v.reason}: lexical={v.lexical:.2f}"
        if v.semantic is not None:
            detail += f" semantic={v.semantic:.2f}"
        sev = Severity.HIGH if v.reason.startswith("unsupported_") or v.reason == "contradiction" else Severity.MEDIUM
        out.append(make_trigger(Layer.SEMANTIC, "ungrounded", sev, stage=stage, span=(v.claim.start, v.claim.end),
                                label=v.reason, detail=detail))
    return out


def self_consistency(samples: Sequence[str], policy: Policy = DEFAULT_POLICY, *,
                     embedder: EmbedderLike | None = None, vectors: np.ndarray | None = None,
                     stage: Stage = Stage.OUTPUT) -> tuple[float, list[Trigger]]:
    """Agreement in [0, 1] between sampled answers, and an ``inconsistent`` trigger when below the threshold."""
    texts = [s for s in samples if s and s.strip()]
    if len(texts) < 2:
        return 1.0, []
    if vectors is None:
        if embedder is None:
            embedder = get_claim_embedder()
        vectors = embedder.embed(texts)
    facts = []
    for t in texts:
        f = extract_facts(t, sentence_initial=True)
        facts.append({f"n:{x:g}" for x in f.numbers} | {f"e:{e}" for e in f.entities} | {f"m:{m}" for m in f.months})
    scores = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            cos = float(np.clip(vectors[i] @ vectors[j], 0.0, 1.0))
            union = facts[i] | facts[j]
            agree = len(facts[i] & facts[j]) / len(union) if union else 1.0
            scores.append(cos * (0.4 + 0.6 * agree))
    score = float(np.mean(scores))
    if score >= policy.consistency_threshold:
        return score, []
    return score, [make_trigger(Layer.SEMANTIC, "inconsistent", Severity.MEDIUM, stage=stage, label="self_consistency",
                                detail=f"agreement={score:.2f} over {len(texts)} samples")]
