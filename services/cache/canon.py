"""Canonicalisation lexicon for the equivalence guard: spelling variants, compounds, phrasal verbs and a
lemmatiser-lite. Used only to make *surface* variants of the same word compare equal; nothing here
decides that two different words mean the same thing except :data:`PHRASAL` and the synonym classes
in :mod:`services.cache.lexicon`.

Principles (so the lists stay general rather than fitted to test phrases):

* spelling: British -> American by rule (``-ise`` -> ``-ize``, ``-yse`` -> ``-yze``, ``-our`` -> ``-or``,
  ``-tre`` -> ``-ter``, ``-ogue`` -> ``-og``, doubled ``l`` before ``-ed/-ing/-er``), each rule with the
  exceptions that are different English words, plus a short list of irregular pairs (cheque/check);
* compounds: a word written closed, hyphenated or open is one word (``user name`` = ``username`` =
  ``user-name``); known pairs are joined at tokenisation so slot extraction sees one word, and any
  other open/closed pair is merged when the guard compares two frames;
* phrasal verbs: verb + particle -> the single-word verb with the same meaning (``take out`` ->
  ``withdraw``, ``sign off`` -> ``approve``), inflections generated, so the slot passes (polarity) and
  the frame see one word.
"""

from __future__ import annotations

import re

# --- spelling (British -> American) --------------------------------------------------------------

IRREGULAR_SPELLING = {
    "cheque": "check", "cheques": "checks", "chequing": "checking", "chequebook": "checkbook",
    "programme": "program", "programmes": "programs", "tyre": "tire", "tyres": "tires",
    "grey": "gray", "aluminium": "aluminum", "jewellery": "jewelry", "judgement": "judgment",
    "acknowledgement": "acknowledgment", "ageing": "aging", "licence": "license", "licences": "licenses",
    "defence": "defense", "offence": "offense", "pretence": "pretense", "practise": "practice",
    "practised": "practiced", "enrol": "enroll", "enrols": "enrolls", "enrolment": "enrollment",
    "enrolments": "enrollments", "instalment": "installment", "instalments": "installments",
    "fulfil": "fulfill", "fulfils": "fulfills", "fulfilment": "fulfillment", "skilful": "skillful",
    "wilful": "willful", "distil": "distill", "aeroplane": "airplane", "aeroplanes": "airplanes",
    "mum": "mom", "plough": "plow", "mould": "mold", "storey": "story", "kerb": "curb",
    "manoeuvre": "maneuver", "paediatric": "pediatric", "paediatrician": "pediatrician",
    "orthopaedic": "orthopedic", "anaesthesia": "anesthesia", "anaesthetic": "anesthetic",
    "haemoglobin": "hemoglobin", "oestrogen": "estrogen", "foetus": "fetus", "diarrhoea": "diarrhea",
    "encyclopaedia": "encyclopedia", "pyjamas": "pajamas", "cosy": "cozy", "sceptical": "skeptical",
    "draught": "draft", "gaol": "jail", "moustache": "mustache", "whisky": "whiskey",
    "e-mail": "email", "e-mails": "emails", "e-mailed": "emailed", "e-mailing": "emailing",
    "cancelation": "cancellation", "cancelations": "cancellations", "color": "color",
    "learnt": "learned", "spelt": "spelled", "burnt": "burned", "dreamt": "dreamed", "spoilt": "spoiled",
}
_OUR_WORDS = {"colour", "favour", "favourite", "favourites", "behaviour", "honour", "labour", "neighbour",
              "flavour", "humour", "harbour", "rumour", "savour", "vapour", "odour", "endeavour", "armour",
              "glamour", "parlour", "rigour", "vigour", "tumour", "valour", "splendour", "candour",
              "clamour", "fervour", "saviour", "ardour"}
_ISE_EXCEPTIONS = {"advise", "advised", "advises", "advising", "exercise", "exercised", "exercises",
                   "exercising", "surprise", "surprised", "surprises", "surprising", "promise", "promised",
                   "promises", "promising", "premise", "premises", "compromise", "compromised",
                   "compromises", "enterprise", "enterprises", "franchise", "franchises", "merchandise",
                   "expertise", "otherwise", "revise", "revised", "revises", "revising", "supervise",
                   "supervised", "supervises", "supervising", "televise", "televised", "wise", "rise",
                   "rises", "rising", "arise", "arises", "arising", "raise", "raised", "raises", "raising",
                   "praise", "praised", "noise", "noises", "poise", "concise", "precise", "devise", "devised",
                   "disguise", "improvise", "advertise", "advertised", "advertises", "advertising",
                   "chastise", "despise", "comprise", "comprised", "comprises", "comprising", "excise",
                   "incise", "cruise", "cruises", "cruising", "bruise", "bruised", "paradise", "treatise",
                   "demise", "apprise", "vise", "guise", "anise", "mise", "reprise", "likewise",
                   "clockwise", "streetwise", "precisely", "remise", "expertises", "franchising",
                   "franchised", "premised", "surmise", "rised", "noised", "poised", "praising"}
_TRE_WORDS = {"centre": "center", "centres": "centers", "theatre": "theater", "theatres": "theaters",
              "metre": "meter", "metres": "meters", "litre": "liter", "litres": "liters", "fibre": "fiber",
              "calibre": "caliber", "spectre": "specter", "sombre": "somber", "meagre": "meager",
              "kilometre": "kilometer", "kilometres": "kilometers", "centimetre": "centimeter",
              "centimetres": "centimeters", "millimetre": "millimeter", "millimetres": "millimeters",
              "centred": "centered", "lustre": "luster", "sabre": "saber", "goitre": "goiter"}
_OGUE_WORDS = {"catalogue", "catalogues", "dialogue", "dialogues", "analogue", "prologue", "epilogue",
               "monologue"}
_DOUBLE_L = re.compile(r"^(cancel|travel|label|model|fuel|counsel|signal|channel|level|marshal|panel|"
                       r"dial|total|tunnel|equal|pedal|rival|shovel|snorkel|quarrel|jewel|libel|duel|"
                       r"enamel|initial|refuel|unravel|parcel|yodel|funnel|marvel|tranquil)l(ed|ing|er|ers)$")
_ISE_RE = re.compile(r"^(.{3,})is(e|ed|es|ing|ation|ations|er|ers)$")
_YSE_RE = re.compile(r"^(anal|paral|catal|dial|electrol|hydrol)ys(e|ed|es|ing)$")


# Chat shorthand a user types for a common word ("can u tell me", "acct balance pls"). Only forms with one
# reading in a support query.
CHAT_SHORTHAND = {
    "u": "you", "ur": "your", "pls": "please", "plz": "please", "thx": "thanks", "ty": "thanks",
    "acct": "account", "accts": "accounts", "appt": "appointment", "appts": "appointments",
    "pmt": "payment", "pmts": "payments", "msg": "message", "msgs": "messages", "mgr": "manager",
    "b4": "before", "abt": "about",
}


def canonical_spelling(word: str) -> str:
    """One spelling for a lower-case word: chat shorthand spelled out, then :func:`americanize`."""
    return CHAT_SHORTHAND.get(word) or americanize(word)


def americanize(word: str) -> str:
    """Canonical (American) spelling of a lower-case word; unchanged when no rule applies."""
    if word in IRREGULAR_SPELLING:
        return IRREGULAR_SPELLING[word]
    if word in _TRE_WORDS:
        return _TRE_WORDS[word]
    stem = word[:-1] if word.endswith("s") and word[:-1] in _OUR_WORDS else word
    if stem in _OUR_WORDS:
        return stem.replace("our", "or") + word[len(stem):]
    if word in _OGUE_WORDS:
        return word.replace("ogue", "og")
    m = _DOUBLE_L.match(word)
    if m:
        return m[1] + m[2]
    m = _YSE_RE.match(word)
    if m:
        return f"{m[1]}yz{m[2]}"
    m = _ISE_RE.match(word)
    if m and word not in _ISE_EXCEPTIONS and not m[1].endswith(("w", "pr", "ra", "ru", "ex", "pre", "ch",
                                                                 "po", "no")):
        return f"{m[1]}iz{m[2]}"
    return word


# --- compounds -----------------------------------------------------------------------------------

# Open spellings of closed compounds, joined at tokenisation so every slot pass sees one word
# ("user name" must not produce the role "user"). Any other open/closed pair is merged by the guard.
COMPOUNDS = {
    # one thing under several names: a promo code is a coupon, 2FA is two-factor authentication
    ("promo", "code"): "coupon", ("promo", "codes"): "coupons", ("promotional", "code"): "coupon",
    ("discount", "code"): "coupon", ("discount", "codes"): "coupons", ("coupon", "code"): "coupon",
    ("two-factor", "authentication"): "2fa", ("two-factor", "auth"): "2fa", ("2-factor", "authentication"): "2fa",
    ("two-factor", "verification"): "2fa", ("support", "ticket"): "ticket", ("support", "tickets"): "tickets",
    ("user", "name"): "username", ("user", "names"): "usernames", ("user", "id"): "userid",
    ("pass", "word"): "password", ("pass", "code"): "passcode", ("voice", "mail"): "voicemail",
    ("web", "site"): "website", ("web", "sites"): "websites", ("home", "page"): "homepage",
    ("data", "base"): "database", ("work", "space"): "workspace", ("time", "zone"): "timezone",
    ("zip", "code"): "zipcode", ("post", "code"): "postcode", ("check", "book"): "checkbook",
    ("note", "book"): "notebook", ("lap", "top"): "laptop", ("smart", "phone"): "smartphone",
    ("head", "phones"): "headphones", ("ear", "buds"): "earbuds", ("wi", "fi"): "wifi",
    ("wi-fi",): "wifi", ("log-in",): "login", ("sign-in",): "signin", ("set-up",): "setup",
    ("back", "up"): "backup", ("pay", "check"): "paycheck", ("pay", "slip"): "payslip",
    ("pay", "day"): "payday", ("week", "end"): "weekend", ("week", "ends"): "weekends",
    ("book", "mark"): "bookmark", ("screen", "shot"): "screenshot", ("key", "board"): "keyboard",
    ("touch", "screen"): "touchscreen", ("life", "time"): "lifetime", ("dead", "line"): "deadline",
    ("short", "cut"): "shortcut", ("car", "pool"): "carpool", ("sales", "person"): "salesperson",
    ("air", "fare"): "airfare", ("air", "line"): "airline", ("air", "port"): "airport",
}

# --- phrasal verbs -------------------------------------------------------------------------------

# verb + particle -> single word (uninflected; the inflections are generated below)
PHRASAL = {
    ("take", "out"): "withdraw", ("sign", "off"): "approve", ("call", "off"): "cancel",
    ("put", "off"): "postpone", ("push", "back"): "postpone", ("hand", "in"): "submit",
    ("turn", "in"): "submit", ("send", "in"): "submit", ("find", "out"): "find", ("look", "up"): "find",
    ("pick", "up"): "collect", ("give", "back"): "return", ("send", "back"): "return",
    ("bring", "back"): "return", ("fill", "out"): "complete", ("fill", "in"): "complete",
    ("set", "up"): "configure", ("reach", "out"): "contact", ("get", "hold"): "contact",
    ("pay", "back"): "repay", ("pay", "off"): "repay", ("come", "with"): "include",
    ("sign", "up"): "register", ("put", "in"): "enter", ("key", "in"): "enter", ("type", "in"): "enter",
    ("log", "on"): "login", ("log", "in"): "login", ("sign", "in"): "login", ("log", "into"): "login",
    ("sign", "into"): "login", ("log", "out"): "logout", ("sign", "out"): "logout",
    ("log", "off"): "logout", ("top", "up"): "recharge", ("carry", "over"): "rollover",
    ("roll", "over"): "rollover", ("hook", "up"): "connect", ("plug", "in"): "connect",
    ("shut", "down"): "close", ("apply", "for"): "request",
}
_IRREGULAR = {
    "take": ("took", "taken", "taking", "takes"), "put": ("put", "putting", "puts"),
    "send": ("sent", "sending", "sends"), "find": ("found", "finding", "finds"),
    "give": ("gave", "given", "giving", "gives"), "bring": ("brought", "bringing", "brings"),
    "set": ("setting", "sets"), "get": ("got", "gotten", "getting", "gets"),
    "pay": ("paid", "paying", "pays"), "come": ("came", "coming", "comes"),
    "key": ("keyed", "keying", "keys"), "type": ("typed", "typing", "types"),
    "log": ("logged", "logging", "logs"), "sign": ("signed", "signing", "signs"),
    "top": ("topped", "topping", "tops"), "plug": ("plugged", "plugging", "plugs"),
    "push": ("pushed", "pushing", "pushes"), "reach": ("reached", "reaching", "reaches"),
    "shut": ("shut", "shutting", "shuts"), "apply": ("applied", "applying", "applies"),
}


def inflections(verb: str) -> set[str]:
    if verb in _IRREGULAR:
        return {verb, *_IRREGULAR[verb]}
    stem = verb[:-1] if verb.endswith("e") else verb
    return {verb, verb + "s", stem + "ed", stem + "ing", verb + "es"}


PHRASAL_FORMS: dict[tuple[str, str], str] = {}
for (_verb, _particle), _canon in PHRASAL.items():
    for _form in inflections(_verb):
        PHRASAL_FORMS[(_form, _particle)] = _canon


# Two-word idioms -> one word, joined at tokenisation like the compounds. Each is a fixed expression whose
# parts mislead a slot pass: "can't remember" is not a negated question ("I forgot my PIN"), "from home"
# is not a source location ("work from home" = "work remotely"), "money back" is a refund, and "on time"
# is punctuality ("time" alone is a filler, so without the join "late" / "on time" looked like one
# inserted word).
IDIOMS = {
    ("can't", "remember"): "forgot", ("cannot", "remember"): "forgot", ("cant", "remember"): "forgot",
    ("don't", "remember"): "forgot", ("dont", "remember"): "forgot", ("didn't", "remember"): "forgot",
    ("couldn't", "remember"): "forgot", ("can't", "recall"): "forgot", ("don't", "recall"): "forgot",
    ("from", "home"): "remotely", ("money", "back"): "refund", ("on", "time"): "ontime",
    # "so far this month" = "this month"; "the best / easiest way to X" asks how to X (not a superlative:
    # "the fastest / cheapest way" still selects)
    ("so", "far"): "now", ("best", "way"): "way", ("easiest", "way"): "way", ("simplest", "way"): "way",
    ("right", "way"): "way", ("proper", "way"): "way", ("correct", "way"): "way",
    ("recommended", "way"): "way",
    # "how come my bill went up" asks why
    ("how", "come"): "why",
    # "is the code still valid" = "does the code still work"; "any update on ticket X" asks its status
    ("still", "valid"): "valid", ("still", "work"): "valid", ("still", "works"): "valid",
    ("any", "update"): "status", ("any", "updates"): "status",
}

# A noun/verb homograph read as the verb when it is followed by a determiner and preceded by a subject,
# a modal, "to" or nothing ("how do I file a claim" -> "submit"; "delete the file my manager sent" stays
# the noun). Only verbs with one meaning in a support query are listed.
VERB_IN_CONTEXT = {"file": "submit", "filing": "submitting", "place": "create", "placing": "creating"}
VERB_CONTEXT_BEFORE = {"i", "we", "you", "to", "please", "can", "could", "do", "how", "where", "when", "and",
                       "for"}
VERB_CONTEXT_AFTER = {"a", "an", "the", "my", "our", "your", "his", "her", "their", "this", "that", "these",
                      "those", "another", "new"}


# --- lemmatiser-lite -----------------------------------------------------------------------------

def verb_lemmas(word: str) -> list[str]:
    """Candidate base forms of an inflected word, most likely first (no dictionary: the caller keeps the
    first candidate its lexicon knows)."""
    out: list[str] = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        out.append(word[:-1])
    for suf in ("ed", "ing"):
        if word.endswith(suf) and len(word) > len(suf) + 2:
            stem = word[: -len(suf)]
            out += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                out.append(stem[:-1])
            if stem.endswith("i"):
                out.append(stem[:-1] + "y")
    return out
