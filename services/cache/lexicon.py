"""Word lists used by the slot extractor (:mod:`services.cache.slots`).

Everything here is lower-case. The lists are deliberately conservative: a word belongs to a synonym
class only when swapping it for another member never changes what a support/commerce/SaaS question
asks; anything not listed is treated as meaningful by the equivalence guard.
"""

from __future__ import annotations

# --- numbers -------------------------------------------------------------------------------------

UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}
SCALE_WORDS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
MULTIPLIER_SUFFIX = {"k": 1_000, "m": 1_000_000, "mm": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000}
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "last": -1,
}

# --- currencies and units ------------------------------------------------------------------------

CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW"}
CURRENCY_WORDS = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD",
    "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "gbp": "GBP", "quid": "GBP", "sterling": "GBP",
    "jpy": "JPY", "yen": "JPY",
    "inr": "INR", "rupee": "INR", "rupees": "INR",
    "cad": "CAD", "aud": "AUD", "nzd": "NZD", "sgd": "SGD", "hkd": "HKD",
    "chf": "CHF", "franc": "CHF", "francs": "CHF",
    "mxn": "MXN", "peso": "MXN", "pesos": "MXN",
    "krw": "KRW", "cny": "CNY", "yuan": "CNY", "rmb": "CNY", "sek": "SEK", "nok": "NOK", "dkk": "DKK",
    "pln": "PLN", "brl": "BRL", "zar": "ZAR", "try": "TRY", "aed": "AED",
    "btc": "BTC", "bitcoin": "BTC", "eth": "ETH",
    # "pound" is a currency or a weight; keep it ambiguous rather than guess.
    "pound": "POUND", "pounds": "POUND",
}
# Codes that are also ordinary words only count as currencies next to a number.
AMBIGUOUS_CURRENCY_WORDS = {"try", "won", "pound", "pounds", "buck", "bucks", "franc", "francs"}
CURRENCY_PHRASES = {
    ("us", "dollar"): "USD", ("us", "dollars"): "USD", ("american", "dollars"): "USD",
    ("canadian", "dollar"): "CAD", ("canadian", "dollars"): "CAD",
    ("australian", "dollar"): "AUD", ("australian", "dollars"): "AUD",
    ("british", "pound"): "GBP", ("british", "pounds"): "GBP", ("pounds", "sterling"): "GBP",
    ("japanese", "yen"): "JPY", ("korean", "won"): "KRW", ("swiss", "franc"): "CHF",
    ("swiss", "francs"): "CHF", ("indian", "rupee"): "INR", ("indian", "rupees"): "INR",
    ("mexican", "peso"): "MXN", ("mexican", "pesos"): "MXN", ("chinese", "yuan"): "CNY",
}

UNIT_WORDS = {
    # data
    "b": "B", "byte": "B", "bytes": "B", "kb": "KB", "kilobyte": "KB", "kilobytes": "KB",
    "mb": "MB", "megabyte": "MB", "megabytes": "MB", "meg": "MB", "megs": "MB",
    "gb": "GB", "gigabyte": "GB", "gigabytes": "GB", "gig": "GB", "gigs": "GB",
    "tb": "TB", "terabyte": "TB", "terabytes": "TB", "pb": "PB", "petabyte": "PB", "petabytes": "PB",
    "mbps": "Mbps", "gbps": "Gbps", "kbps": "kbps",
    # bits ("Mb", "Gbps": the case of the b is decided in slots._data_unit)
    "mbit": "Mbit", "mbits": "Mbit", "megabit": "Mbit", "megabits": "Mbit", "gbit": "Gbit", "gbits": "Gbit",
    "gigabit": "Gbit", "gigabits": "Gbit", "kbit": "kbit", "kbits": "kbit", "kilobit": "kbit", "kilobits": "kbit",
    "mbyte": "MB", "mbytes": "MB", "mb/s": "MB/s",
    # length and area
    "km": "km", "kms": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
    "mi": "mi", "mile": "mi", "miles": "mi", "m": "m", "meter": "m", "meters": "m", "metre": "m",
    "metres": "m", "cm": "cm", "centimeter": "cm", "centimeters": "cm", "centimetre": "cm",
    "centimetres": "cm", "mm": "mm", "millimeter": "mm", "millimeters": "mm", "ft": "ft", "foot": "ft",
    "feet": "ft", "inch": "in", "inches": "in", "yd": "yd", "yard": "yd", "yards": "yd",
    "sqm": "m2", "m2": "m2", "sqft": "ft2",
    # weight
    "kg": "kg", "kgs": "kg", "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg",
    "g": "g", "gram": "g", "grams": "g", "lb": "lb", "lbs": "lb", "oz": "oz", "ounce": "oz",
    "ounces": "oz", "ton": "t", "tons": "t", "tonne": "t", "tonnes": "t",
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg", "µg": "mcg", "microgram": "mcg",
    "micrograms": "mcg",
    # temperature
    "celsius": "C", "°c": "C", "fahrenheit": "F", "°f": "F", "degree": "deg", "degrees": "deg",
    # durations
    "second": "s", "seconds": "s", "sec": "s", "secs": "s", "minute": "min", "minutes": "min",
    "min": "min", "mins": "min", "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "h": "h",
    "day": "d", "days": "d", "week": "wk", "weeks": "wk", "month": "mo", "months": "mo",
    "year": "y", "years": "y", "yr": "y", "yrs": "y", "night": "night", "nights": "night",
    # misc
    "%": "%", "percent": "%", "pct": "%", "w": "W", "watt": "W", "watts": "W", "kw": "kW", "kwh": "kWh",
    "v": "V", "volt": "V", "volts": "V", "mah": "mAh", "hz": "Hz", "ghz": "GHz", "mhz": "MHz",
    "x": "x", "star": "star", "stars": "star", "l": "l", "liter": "l", "liters": "l", "litre": "l",
    "litres": "l", "ml": "ml", "gallon": "gal", "gallons": "gal",
}
UNIT_PHRASES = {
    ("square", "meters"): "m2", ("square", "metres"): "m2", ("square", "meter"): "m2",
    ("square", "feet"): "ft2", ("square", "foot"): "ft2", ("sq", "m"): "m2", ("sq", "ft"): "ft2",
    ("degrees", "celsius"): "C", ("degree", "celsius"): "C", ("degrees", "fahrenheit"): "F",
    ("degree", "fahrenheit"): "F", ("per", "cent"): "%",
}
# Units that are common words: only units right after a number, never as standalone mentions.
WEAK_UNITS = {"b", "m", "g", "h", "w", "v", "x", "l", "in", "min", "second", "seconds", "day", "days",
              "week", "weeks", "month", "months", "year", "years", "hour", "hours", "minute", "minutes",
              "night", "nights", "star", "stars", "degree", "degrees", "sec", "secs", "ton", "tons",
              "foot", "feet", "yard", "yards", "meter", "meters", "percent"}

# --- dates ---------------------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
# Month names that are also ordinary words need a number or capital letter next to them.
AMBIGUOUS_MONTHS = {"may", "mar", "jan", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "march"}
WEEKDAYS = {
    "monday": "mon", "mon": "mon", "tuesday": "tue", "tue": "tue", "tues": "tue", "wednesday": "wed",
    "wed": "wed", "thursday": "thu", "thu": "thu", "thurs": "thu", "friday": "fri", "fri": "fri",
    "saturday": "sat", "sat": "sat", "sunday": "sun", "sun": "sun",
}
AMBIGUOUS_WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
RELATIVE_DAYS = {"today": "today", "tonight": "tonight", "yesterday": "yesterday", "tomorrow": "tomorrow",
                 "now": "now", "currently": "now", "weekend": "weekend", "weekends": "weekend"}
PERIOD_UNITS = {
    "minute": "min", "minutes": "min", "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour",
    "day": "day", "days": "day", "night": "night", "nights": "night", "week": "week", "weeks": "week",
    "weekend": "weekend", "month": "month", "months": "month", "quarter": "quarter",
    "quarters": "quarter", "year": "year", "years": "year", "yr": "year", "yrs": "year",
    "fortnight": "fortnight", "decade": "decade", "semester": "semester", "season": "season",
    "cycle": "cycle", "sprint": "sprint",
}
WINDOW_WORDS = {"last": "last", "past": "last", "previous": "last", "prior": "last", "preceding": "last",
                "next": "next", "coming": "next", "upcoming": "next", "following": "next",
                "this": "this", "current": "this"}
FREQUENCY_WORDS = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
                   "yearly": "year", "annual": "year", "annually": "year", "nightly": "night",
                   "hourly": "hour", "biweekly": "fortnight"}
HOLIDAYS = {
    ("christmas", "eve"): "christmas_eve", ("christmas",): "christmas", ("xmas",): "christmas",
    ("new", "year's", "eve"): "new_years_eve", ("new", "years", "eve"): "new_years_eve",
    ("new", "year's", "day"): "new_years_day", ("new", "year's"): "new_years_day",
    ("thanksgiving",): "thanksgiving", ("easter",): "easter", ("black", "friday"): "black_friday",
    ("cyber", "monday"): "cyber_monday", ("boxing", "day"): "boxing_day", ("halloween",): "halloween",
    ("labor", "day"): "labor_day", ("labour", "day"): "labor_day", ("memorial", "day"): "memorial_day",
    ("independence", "day"): "independence_day", ("valentine's", "day"): "valentines",
    ("christmas", "day"): "christmas", ("halloween", "day"): "halloween", ("new", "years", "day"): "new_years_day",
}
# Holidays on a fixed calendar day: the same date as "December 25" (slots claim them as that date).
FIXED_HOLIDAYS = {"christmas": "12-25", "christmas_eve": "12-24", "new_years_eve": "12-31",
                  "new_years_day": "01-01", "halloween": "10-31", "valentines": "02-14"}
# US state abbreviations after "City,": "Portland, OR" = "Portland, Oregon" (slots.pass_entities).
US_STATES = dict(zip(
    "al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh "
    "ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc".split(),
    ["alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware", "florida",
     "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine",
     "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana", "nebraska",
     "nevada", "new hampshire", "new jersey", "new mexico", "new york", "north carolina", "north dakota", "ohio",
     "oklahoma", "oregon", "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee",
     "texas", "utah", "vermont", "virginia", "washington", "west virginia", "wisconsin", "wyoming",
     "district of columbia"]))
# Times of day and calendar periods: "every evening" and "in the evening" are the same habit, not a scope.
HABITUAL_NOUNS = {"morning", "afternoon", "evening", "night", "weekend", "weekday", "day", "week", "month",
                  "year", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
# Named codes written with parentheses or as a number with a letter ("401(k)" = "401k", not 401,000).
NAMED_CODES = {"401k": "401K", "403b": "403B", "457b": "457B", "529": "529"}

# --- negation ------------------------------------------------------------------------------------

NEGATORS = {"not", "no", "never", "without", "except", "excluding", "none", "nothing", "nobody", "neither",
            "nor", "cannot", "nowhere", "non", "lacking", "exclude", "excludes", "excluded", "but"}
# "but" only negates in "all but", "anything but"; handled in the extractor.
NEGATION_PHRASES = {("other", "than"), ("apart", "from"), ("aside", "from"), ("instead", "of"),
                    ("rather", "than"), ("no", "longer"), ("not", "yet")}
NEGATIVE_PREFIXED = {
    "inactive", "ineligible", "invalid", "incomplete", "incorrect", "inaccessible", "inaccurate",
    "unpaid", "unread", "unresolved", "unassigned", "unverified", "unavailable", "unapproved",
    "unlisted", "unused", "unsuccessful", "unpublished", "unsigned", "unconfirmed", "unsupported",
    "unable", "unlimited", "unanswered", "unbilled", "uncategorized", "unclaimed", "undelivered",
    "unopened", "unshipped", "unsold", "unprocessed", "unreviewed", "unscheduled", "untracked",
    "unknown", "unauthorized", "unauthorised", "unencrypted", "unsafe", "unhappy", "unpaid",
    "nonrefundable", "non-refundable", "non-profit", "nonprofit", "illegal", "impossible",
    "irregular", "irrelevant", "inappropriate", "dissatisfied", "disallowed", "disapproved",
    "unacceptable", "unfinished", "incomplete", "unreachable", "unsubscribed", "unvaccinated",
}

# --- comparatives and superlatives ---------------------------------------------------------------

# Multi-word comparative operators (longest first is handled by the extractor).
COMPARATIVE_PHRASES = {
    ("at", "least"): "ge", ("no", "less", "than"): "ge", ("not", "less", "than"): "ge",
    ("or", "more"): "ge", ("and", "up"): "ge", ("and", "above"): "ge", ("or", "above"): "ge",
    ("at", "most"): "le", ("no", "more", "than"): "le", ("not", "more", "than"): "le",
    ("up", "to"): "upto", ("or", "less"): "le", ("or", "fewer"): "le", ("and", "below"): "le",
    ("and", "under"): "le", ("or", "below"): "le",
    ("more", "than"): "gt", ("greater", "than"): "gt", ("in", "excess", "of"): "gt",
    ("higher", "than"): "gt", ("larger", "than"): "gt", ("bigger", "than"): "gt",
    ("less", "than"): "lt", ("fewer", "than"): "lt", ("lower", "than"): "lt", ("smaller", "than"): "lt",
    ("prior", "to"): "before", ("earlier", "than"): "before", ("later", "than"): "after",
    ("most", "expensive"): "sup:price:max", ("least", "expensive"): "sup:price:min",
    ("most", "recent"): "sup:time:max", ("least", "recent"): "sup:time:min",
    ("most", "popular"): "sup:popularity:max", ("least", "popular"): "sup:popularity:min",
    ("more", "expensive"): "adj:price:+", ("less", "expensive"): "adj:price:-",
    ("exactly",): "eq", ("equal", "to"): "eq",
}
# Time orders and extremum words: loose relations unless a quantity is attached (slots._loose).
TIME_ORDER = {"before", "after", "since", "until"}
EXTREMUM_WORDS = {"minimum", "min", "maximum", "max"}
OPPOSED_ORDERS = (({"before", "until"}, {"after", "since"}), ({"gt", "ge"}, {"lt", "le", "within", "upto"}))
# "within 10 km" asks what "less than 10 km" or "up to 10 km" asks (slots._bounds_aligned); "up to 10 users"
# is a capacity, asked as well by "ten users" when the other query has no bound at all.
ORDER_BOUNDS = {"gt", "ge", "lt", "le", "within", "upto", "eq", "approx", "between"}
# Operators that are comparative only in front of a quantity ("over $50", not "over the weekend").
QUANTITY_OPERATORS = {"over": "gt", "above": "gt", "exceeding": "gt", "exceeds": "gt", "beyond": "gt",
                      "under": "lt", "below": "lt", "beneath": "lt", "within": "within", "around": "approx",
                      "about": "approx", "approximately": "approx", "roughly": "approx", "nearly": "approx",
                      "almost": "approx"}
COMPARATIVE_WORDS = {
    ">": "gt", "<": "lt", ">=": "ge", "<=": "le", "≥": "ge", "≤": "le",
    "minimum": "ge", "min": "ge", "maximum": "le", "max": "le", "between": "between",
    "before": "before", "after": "after", "since": "since", "until": "until", "till": "until",
    "cheapest": "sup:price:min", "priciest": "sup:price:max", "costliest": "sup:price:max",
    "oldest": "sup:time:min", "earliest": "sup:time:min", "first": "sup:time:min",
    "newest": "sup:time:max", "latest": "sup:time:max", "last": "sup:time:max", "recent": "sup:time:max",
    "youngest": "sup:age:min",
    "largest": "sup:size:max", "biggest": "sup:size:max", "smallest": "sup:size:min",
    "highest": "sup:level:max", "lowest": "sup:level:min", "top": "sup:quality:max",
    "bottom": "sup:quality:min",
    "fastest": "sup:speed:max", "quickest": "sup:speed:max", "slowest": "sup:speed:min",
    "best": "sup:quality:max", "worst": "sup:quality:min", "greatest": "sup:quality:max",
    "longest": "sup:length:max", "shortest": "sup:length:min", "heaviest": "sup:weight:max",
    "lightest": "sup:weight:min", "most": "sup:amount:max", "least": "sup:amount:min",
    "fewest": "sup:amount:min", "safest": "sup:risk:min", "riskiest": "sup:risk:max",
    "cheaper": "adj:price:-", "pricier": "adj:price:+", "costlier": "adj:price:+",
    "faster": "adj:speed:+", "quicker": "adj:speed:+", "slower": "adj:speed:-",
    "bigger": "adj:size:+", "larger": "adj:size:+", "smaller": "adj:size:-",
    "better": "adj:quality:+", "worse": "adj:quality:-", "older": "adj:age:+", "newer": "adj:age:-",
    "younger": "adj:age:-", "stronger": "adj:strength:+", "weaker": "adj:strength:-",
    "riskier": "adj:risk:+", "safer": "adj:risk:-", "higher": "adj:level:+", "lower": "adj:level:-",
    "longer": "adj:length:+", "shorter": "adj:length:-", "heavier": "adj:weight:+",
    "lighter": "adj:weight:-", "earlier": "adj:time:-", "later": "adj:time:+", "more": "adj:amount:+",
    "less": "adj:amount:-", "fewer": "adj:amount:-", "warmer": "adj:temp:+", "colder": "adj:temp:-",
    "hotter": "adj:temp:+", "cooler": "adj:temp:-", "closer": "adj:distance:-",
    "farther": "adj:distance:+", "further": "adj:distance:+",
}

# --- polarity (antonymous actions and states) ----------------------------------------------------

POLARITY_PHRASES = {
    ("turn", "on"): ("toggle", "on"), ("switch", "on"): ("toggle", "on"),
    ("turn", "off"): ("toggle", "off"), ("switch", "off"): ("toggle", "off"),
    ("power", "on"): ("toggle", "on"), ("power", "off"): ("toggle", "off"),
    ("powered", "on"): ("toggle", "on"), ("powered", "off"): ("toggle", "off"),
    ("opt", "in"): ("toggle", "on"), ("opt", "out"): ("toggle", "off"),
    ("log", "in"): ("session", "in"), ("logged", "in"): ("session", "in"),
    ("sign", "in"): ("session", "in"), ("signed", "in"): ("session", "in"),
    ("log", "out"): ("session", "out"), ("logged", "out"): ("session", "out"),
    ("sign", "out"): ("session", "out"), ("signed", "out"): ("session", "out"),
    ("check", "in"): ("stay", "in"), ("check", "out"): ("stay", "out"),
    ("sign", "up"): ("membership", "+"), ("signed", "up"): ("membership", "+"),
    ("speed", "up"): ("speed", "+"), ("slow", "down"): ("speed", "-"),
    ("scale", "up"): ("amount", "+"), ("scale", "down"): ("amount", "-"),
    **{(v, "up"): ("trend", "+") for v in ("go", "goes", "went", "gone", "going", "gone")},
    **{(v, "down"): ("trend", "-") for v in ("go", "goes", "went", "gone", "going", "gone")},
}
POLARITY_WORDS = {
    "enable": ("toggle", "on"), "enabled": ("toggle", "on"), "enabling": ("toggle", "on"),
    "activate": ("toggle", "on"), "activated": ("toggle", "on"), "unmute": ("toggle", "on"),
    "disable": ("toggle", "off"), "disabled": ("toggle", "off"), "disabling": ("toggle", "off"),
    "deactivate": ("toggle", "off"), "deactivated": ("toggle", "off"), "mute": ("toggle", "off"),
    "increase": ("amount", "+"), "increased": ("amount", "+"), "raise": ("amount", "+"),
    "raised": ("amount", "+"), "boost": ("amount", "+"), "decrease": ("amount", "-"),
    "decreased": ("amount", "-"), "reduce": ("amount", "-"), "reduced": ("amount", "-"),
    "rose": ("trend", "+"), "rise": ("trend", "+"), "risen": ("trend", "+"), "rising": ("trend", "+"),
    "gained": ("trend", "+"), "grew": ("trend", "+"), "fell": ("trend", "-"),
    "fallen": ("trend", "-"), "falling": ("trend", "-"), "dropped": ("trend", "-"),
    "declining": ("trend", "-"), "shrank": ("trend", "-"),
    "add": ("membership", "+"), "added": ("membership", "+"), "invite": ("membership", "+"),
    "invited": ("membership", "+"), "join": ("membership", "+"), "joined": ("membership", "+"),
    "subscribe": ("membership", "+"), "subscribed": ("membership", "+"), "remove": ("membership", "-"),
    "removed": ("membership", "-"), "delete": ("membership", "-"), "deleted": ("membership", "-"),
    "kick": ("membership", "-"), "unsubscribe": ("membership", "-"),
    "lock": ("lock", "+"), "locked": ("lock", "+"), "block": ("lock", "+"), "blocked": ("lock", "+"),
    "ban": ("lock", "+"), "banned": ("lock", "+"), "suspend": ("lock", "+"), "suspended": ("lock", "+"),
    "freeze": ("lock", "+"), "frozen": ("lock", "+"), "unlock": ("lock", "-"), "unlocked": ("lock", "-"),
    "unblock": ("lock", "-"), "unblocked": ("lock", "-"), "unban": ("lock", "-"),
    "unfreeze": ("lock", "-"), "unsuspend": ("lock", "-"), "reinstate": ("lock", "-"),
    "upgrade": ("tier", "+"), "upgraded": ("tier", "+"), "downgrade": ("tier", "-"),
    "downgraded": ("tier", "-"),
    "import": ("io", "in"), "imported": ("io", "in"), "upload": ("io", "in"), "uploaded": ("io", "in"),
    "export": ("io", "out"), "exported": ("io", "out"), "download": ("io", "out"),
    "downloaded": ("io", "out"),
    "buy": ("trade", "buy"), "bought": ("trade", "buy"), "purchase": ("trade", "buy"),
    "purchased": ("trade", "buy"), "sell": ("trade", "sell"), "sold": ("trade", "sell"),
    "deposit": ("cash", "in"), "deposited": ("cash", "in"), "withdraw": ("cash", "out"),
    "withdrew": ("cash", "out"), "withdrawal": ("cash", "out"),
    "send": ("xfer", "out"), "sent": ("xfer", "out"), "email": ("xfer", "out"), "receive": ("xfer", "in"),
    "received": ("xfer", "in"), "incoming": ("xfer", "in"), "outgoing": ("xfer", "out"),
    "inbound": ("xfer", "in"), "outbound": ("xfer", "out"), "sending": ("xfer", "out"), "sends": ("xfer", "out"),
    "receiving": ("xfer", "in"), "receives": ("xfer", "in"),
    "open": ("state", "open"), "reopen": ("state", "open"), "close": ("state", "closed"),
    "closed": ("state", "closed"),
    "succeed": ("outcome", "+"), "succeeded": ("outcome", "+"), "successful": ("outcome", "+"),
    "success": ("outcome", "+"), "passed": ("outcome", "+"),
    "approve": ("outcome", "+"), "approved": ("outcome", "+"), "accept": ("outcome", "+"),
    "accepted": ("outcome", "+"), "fail": ("outcome", "-"), "failed": ("outcome", "-"),
    "failure": ("outcome", "-"), "failing": ("outcome", "-"), "reject": ("outcome", "-"),
    "rejected": ("outcome", "-"), "decline": ("outcome", "-"), "declined": ("outcome", "-"),
    "deny": ("outcome", "-"), "denied": ("outcome", "-"),
    "arrive": ("travel", "arrive"), "arrival": ("travel", "arrive"), "arrivals": ("travel", "arrive"),
    "arriving": ("travel", "arrive"), "depart": ("travel", "depart"), "departure": ("travel", "depart"),
    "departures": ("travel", "depart"), "departing": ("travel", "depart"),
    "start": ("run", "start"), "begin": ("run", "start"), "started": ("run", "start"),
    "resume": ("run", "start"), "renew": ("run", "start"), "renewed": ("run", "start"),
    "stop": ("run", "stop"), "cancel": ("run", "stop"), "cancelled": ("run", "stop"),
    "canceled": ("run", "stop"), "end": ("run", "stop"), "ended": ("run", "stop"),
    "expire": ("run", "stop"), "expired": ("run", "stop"), "terminate": ("run", "stop"),
    "terminated": ("run", "stop"), "pause": ("run", "pause"), "paused": ("run", "pause"),
    "profit": ("pnl", "+"), "profits": ("pnl", "+"), "gain": ("pnl", "+"), "gains": ("pnl", "+"),
    "loss": ("pnl", "-"), "losses": ("pnl", "-"),
    "credit": ("card", "credit"), "debit": ("card", "debit"),
    "win": ("result", "+"), "won": ("result", "+"), "lose": ("result", "-"), "lost": ("result", "-"),
    "hire": ("employment", "+"), "hired": ("employment", "+"), "fire": ("employment", "-"),
    "fired": ("employment", "-"),
    "encrypt": ("crypt", "+"), "encrypted": ("crypt", "+"), "decrypt": ("crypt", "-"),
    "decrypted": ("crypt", "-"),
    "public": ("visibility", "public"), "private": ("visibility", "private"),
    "internal": ("visibility", "internal"), "external": ("visibility", "external"),
    "domestic": ("geo", "domestic"), "domestically": ("geo", "domestic"),
    "international": ("geo", "international"), "internationally": ("geo", "international"),
    "abroad": ("geo", "international"), "overseas": ("geo", "international"),
    "refund": ("money", "refund"), "refunds": ("money", "refund"), "refunded": ("money", "refund"),
    "charge": ("money", "charge"), "charged": ("money", "charge"),
}

# --- roles and scopes ----------------------------------------------------------------------------

PERSON_PRONOUNS = {
    "i": "self", "me": "self", "my": "self", "mine": "self", "myself": "self", "i'm": "self",
    "i've": "self", "i'd": "self", "i'll": "self", "personal": "self", "personally": "self",
    "own": "self", "individual": "self",
    "we": "org", "us": "org", "our": "org", "ours": "org", "ourselves": "org", "we're": "org",
    "we've": "org",
    "he": "other_m", "him": "other_m", "his": "other_m", "himself": "other_m", "he's": "other_m",
    "she": "other_f", "her": "other_f", "hers": "other_f", "herself": "other_f", "she's": "other_f",
    "they": "other_pl", "them": "other_pl", "their": "other_pl", "theirs": "other_pl",
    "themselves": "other_pl", "they're": "other_pl",
    "someone": "other", "somebody": "other", "someone's": "other", "everyone": "all",
    "everybody": "all", "everyone's": "all",
}
SCOPE_NOUNS = {
    "team": "team", "teams": "team", "company": "org", "companies": "org",
    "organization": "org", "organisation": "org", "org": "org", "department": "department",
    "dept": "department", "division": "department", "family": "family", "household": "family",
    "manager": "manager", "boss": "manager", "supervisor": "manager", "colleague": "colleague",
    "coworker": "colleague", "partner": "partner", "spouse": "spouse", "wife": "spouse",
    "husband": "spouse", "child": "child", "kid": "child", "son": "child", "daughter": "child",
    "friend": "friend", "client": "client", "group": "group", "branch": "branch", "store": "store",
    "tenant": "tenant", "subsidiary": "subsidiary", "parent": "parent", "unit": "department",
    "firm": "org", "business": "org", "enterprise": "org", "employer": "org",
}
# What an employer issues: "work X" is the company's X.
WORK_ISSUED = {"laptop", "laptops", "computer", "computers", "phone", "phones", "email", "emails", "device",
               "devices", "pc", "desktop", "account", "accounts", "card", "cards", "car", "vehicle", "badge"}
ROLE_NOUNS = {
    "admin": "admin", "admins": "admin", "administrator": "admin", "administrators": "admin",
    "superadmin": "superadmin", "owner": "owner", "owners": "owner", "user": "user", "users": "user",
    "member": "member", "members": "member", "guest": "guest", "guests": "guest", "viewer": "viewer",
    "viewers": "viewer", "editor": "editor", "editors": "editor", "contributor": "contributor",
    "contributors": "contributor", "contractor": "contractor", "contractors": "contractor",
    "employee": "employee", "employees": "employee", "staff": "employee", "intern": "intern",
    "interns": "intern", "moderator": "moderator", "moderators": "moderator", "developer": "developer",
    "developers": "developer", "approver": "approver", "reviewer": "reviewer", "reviewers": "reviewer",
    "auditor": "auditor", "auditors": "auditor", "agent": "agent", "agents": "agent",
    "customer": "customer", "customers": "customer", "vendor": "vendor", "vendors": "vendor",
    "supplier": "vendor", "suppliers": "vendor", "seller": "seller", "sellers": "seller",
    "buyer": "buyer", "buyers": "buyer", "student": "student", "students": "student",
    "teacher": "teacher", "patient": "patient", "doctor": "doctor", "driver": "driver",
    "passenger": "passenger", "passengers": "passenger", "tenant": "tenant", "landlord": "landlord",
    "manager": "manager", "managers": "manager", "executive": "executive", "executives": "executive",
    "freelancer": "contractor", "freelancers": "contractor", "trainee": "intern", "trainees": "intern",
    "child": "child", "children": "child", "adult": "adult", "adults": "adult", "senior": "senior",
    "seniors": "senior", "minor": "minor", "minors": "minor", "partner": "partner", "partners": "partner",
    "billing": None,  # handled as a plain word
}

# --- entities (lower-case gazetteer; capitalised names are found by shape) -----------------------

GAZETTEER = {
    # cities
    "paris", "london", "berlin", "madrid", "rome", "tokyo", "osaka", "kyoto", "boston", "chicago", "seattle",
    "austin", "delhi", "mumbai", "bangalore", "frankfurt", "munich", "hamburg", "amsterdam", "dublin",
    "lisbon", "barcelona", "vienna", "prague", "zurich", "geneva", "sydney", "melbourne", "toronto",
    "vancouver", "montreal", "dubai", "singapore", "seoul", "beijing", "shanghai", "bangkok", "istanbul",
    "milan", "athens", "oslo", "stockholm", "copenhagen", "helsinki", "warsaw", "brussels", "miami",
    "denver", "atlanta", "dallas", "houston", "phoenix", "portland", "cairo", "lima", "bogota", "nairobi",
    "lagos", "johannesburg", "manila", "jakarta", "hanoi", "auckland", "budapest", "edinburgh",
    "manchester", "venice", "florence", "naples", "nice", "lyon", "marseille", "seville", "valencia",
    "porto", "krakow", "riga", "tallinn", "vilnius", "reykjavik", "doha", "riyadh", "taipei", "karachi",
    "new york", "san francisco", "los angeles", "las vegas", "hong kong", "mexico city", "sao paulo",
    "buenos aires", "cape town", "kuala lumpur", "washington", "philadelphia", "san diego", "tel aviv",
    # countries and regions
    "usa", "uk", "canada", "mexico", "brazil", "argentina", "chile", "colombia", "peru", "france",
    "germany", "spain", "italy", "portugal", "netherlands", "belgium", "switzerland", "austria", "ireland",
    "sweden", "norway", "denmark", "finland", "poland", "greece", "turkey", "japan", "china", "korea",
    "india", "australia", "thailand", "vietnam", "indonesia", "philippines", "malaysia", "egypt",
    "nigeria", "kenya", "israel", "uae", "russia", "ukraine", "pakistan", "bangladesh", "iceland",
    "scotland", "wales", "england", "europe", "asia", "africa", "california", "texas", "florida",
    "new zealand", "south africa", "saudi arabia", "united states", "united kingdom", "south korea",
    "czech republic", "hungary", "romania", "croatia", "morocco", "emea", "apac", "latam",
    # languages and nationalities
    "english", "spanish", "french", "german", "italian", "portuguese", "dutch", "japanese", "chinese",
    "mandarin", "cantonese", "korean", "hindi", "arabic", "russian", "turkish", "polish", "swedish",
    "norwegian", "danish", "finnish", "greek", "hebrew", "thai", "vietnamese", "indonesian", "ukrainian",
    "american", "british", "canadian", "australian", "indian", "mexican", "european", "brazilian",
    # companies, products and technologies (unambiguous when lower-cased)
    "netflix", "spotify", "hulu", "disney+", "youtube", "tiktok", "instagram", "facebook", "whatsapp",
    "linkedin", "twitter", "amazon", "google", "microsoft", "ibm", "oracle", "sap", "salesforce",
    "hubspot", "zendesk", "intercom", "jira", "confluence", "github", "gitlab", "bitbucket", "notion",
    "asana", "trello", "dropbox", "slack", "zoom", "webex", "stripe", "paypal", "venmo", "klarna",
    "afterpay", "mastercard", "amex", "iphone", "ipad", "macbook", "imac", "airpods", "pixel",
    "android", "ios", "macos", "linux", "ubuntu", "debian", "windows", "aws", "azure", "gcp", "kubernetes",
    "docker", "terraform", "postgres", "postgresql", "mysql", "mongodb", "redis", "kafka", "snowflake",
    "bigquery", "redshift", "clickhouse", "elasticsearch", "python", "java", "javascript", "typescript",
    "rust", "ruby", "php", "kotlin", "swift", "golang", "scala", "excel", "outlook", "gmail", "chrome",
    "firefox", "safari", "uber", "lyft", "airbnb", "expedia", "lufthansa", "ryanair", "easyjet",
    "emirates", "marriott", "hilton", "hyatt", "nike", "adidas", "samsung", "sony", "lg", "dell", "lenovo",
    "asus", "acer", "tesla", "toyota", "honda", "bmw", "audi", "ikea", "walmart", "costco", "target",
    "shopify", "etsy", "ebay", "alibaba", "visa", "quickbooks", "xero", "workday", "bamboohr", "gusto",
    "adp", "okta", "auth0", "twilio", "sendgrid", "mailchimp", "figma", "canva", "photoshop",
    "wordpress", "openai", "chatgpt", "claude", "gemini", "llama", "playstation", "xbox", "nintendo",
    "kindle", "alexa", "siri", "fedex", "ups", "dhl", "usps", "revolut", "monzo", "wise", "coinbase",
}
# Lower-case gazetteer words that are also common English words; only trusted when capitalised.
GAZETTEER_NEEDS_CAPITAL = {"target", "visa", "wise", "nice", "swift", "word", "teams", "pages", "notes",
                           "delta", "united", "turkey", "chile", "gemini", "claude", "amazon", "ups",
                           "sap", "rust", "go", "box", "phoenix", "portland", "oracle", "alexa"}

# Capitalised words that are not entities even mid-sentence.
NOT_ENTITIES = {"i", "i'm", "i've", "i'd", "i'll", "ok", "okay", "mr", "mrs", "ms", "dr", "hi", "hello",
                "please", "thanks", "faq", "eta", "asap", "fyi", "am", "pm", "a.m", "p.m", "q", "id", "pdf",
                "csv", "url", "tv", "tvs", "vs", "etc"}

# --- question words --------------------------------------------------------------------------------

WH_WORDS = {"what": "what", "what's": "what", "which": "what", "whats": "what", "show": "what",
            "list": "what", "find": "what", "give": "what", "tell": "what", "display": "what",
            "fetch": "what", "get": "what", "when": "when", "when's": "when", "where": "where",
            "where's": "where", "why": "why", "who": "who", "who's": "who", "whom": "who", "whose": "who",
            "how": "how", "how's": "how"}
# The question word's role (slots.pass_wh_role): who/what + aux/be + ... + stranded preposition.
WH_ROLE_WORDS = {"who", "whom", "what", "which", "what's", "who's"}
WH_ROLE_AUX = {"do", "does", "did", "can", "could", "should", "would", "will", "may", "might", "must"}
WH_ROLE_BE = {"is", "are", "was", "were"}
STRANDED_PREPS = {"to", "for", "from", "of", "with", "about", "on", "at", "by", "in", "into", "under", "over",
                  "after", "against", "toward", "towards"}
AUXILIARIES = {"do", "can", "could", "should", "would", "may", "might", "must", "shall", "will"}
# Verbs for which "where do I X" and "how do I X" ask the same thing (a screen or menu in the product).
LOCATABLE_VERBS = {"find", "locate", "view", "download", "access", "change", "update", "edit", "manage",
                   "upload", "export", "configure", "adjust", "modify", "reset"}
# An imperative that asks where something is ("Track my order" = "Where is my order?").
WHERE_VERBS = {"track", "locate"}
# "how many days / hours ... does it take" asks "how long"
DURATION_UNITS = {"minutes", "hours", "days", "weeks", "months", "years", "nights"}
# "once" before a clause is "after" ("once it's shipped"), not a frequency ("once a month")
CLAUSE_STARTS = {"it", "it's", "its", "the", "my", "our", "your", "their", "his", "her", "i", "i've", "we",
                 "we've", "you", "you've", "they", "he", "she", "this", "that", "someone", "everything"}
HOW_QUALIFIERS = {"much": "how_much", "many": "how_much", "long": "how_long", "often": "how_often",
                  "frequently": "how_often", "far": "how_far", "old": "how_old", "big": "how_big",
                  "soon": "how_soon"}

# --- frame normalisation ---------------------------------------------------------------------------

# Dropped before the near-identical-frame check: they never change what is asked.
FILLERS = {
    "the", "a", "an", "please", "kindly", "just", "can", "could", "would", "will", "shall", "do", "does",
    "did", "is", "are", "am", "be", "been", "being", "was", "were", "you", "your", "yours", "there",
    "some", "any", "all", "every", "each", "hi", "hello", "hey", "thanks", "thank", "want", "wanna",
    "need", "like", "have", "has", "had", "it", "its", "it's", "that", "this", "these", "those", "let",
    "know", "me", "see", "view", "able", "possible", "way", "help", "currently", "actually", "really",
    "also", "still", "so", "well", "ok", "okay", "?", ".", "!", ",", ";", ":", "'", '"', "(", ")", "-",
    "...", "my", "i", "we", "our", "us", "to-do", "exactly", "one", "ones", "again", "anything",
    "something", "here", "right", "now", "yes", "should", "people", "persons", "person", "pax",
    "process", "procedure", "steps", "step", "time", "offer", "offers", "provide", "provides", "tell",
}
# Canonical form for interchangeable words (applies in the frame check only).
SYNONYMS = {
    "stop": "cancel", "terminate": "cancel", "discontinue": "cancel", "quit": "cancel", "end": "cancel",
    "expire": "cancel", "finish": "cancel",
    "update": "change", "modify": "change", "edit": "change", "alter": "change", "amend": "change",
    "adjust": "change",
    "remove": "delete", "erase": "delete", "deleted": "delete", "removed": "delete",
    "purchase": "buy", "purchased": "buy", "bought": "buy",
    "deliver": "ship", "delivery": "ship", "deliveries": "ship", "shipping": "ship", "shipment": "ship",
    "shipped": "ship", "delivered": "ship",
    "reserve": "book", "reservation": "booking", "schedule": "book",
    "price": "cost", "pricing": "cost", "fee": "cost", "fees": "cost", "costs": "cost",
    "invite": "add", "integrate": "connect", "link": "connect",
    "enabled": "enable", "activate": "enable", "disabled": "disable", "deactivate": "disable",
    "begin": "start", "regenerate": "rotate", "roll": "rotate",
    "representative": "contact", "rep": "contact",
    "email": "send", "mail": "send", "sent": "send",
    "permitted": "allowed", "permit": "allow", "receive": "get", "received": "get",
    "opened": "create", "created": "create", "filed": "create", "raised": "create", "submitted": "create",
    "large": "big", "little": "small", "quick": "fast", "quickly": "fast", "inexpensive": "cheap",
    "luggage": "baggage", "bag": "baggage", "bags": "baggage",
    "product": "item", "products": "item", "items": "item",
    "salary": "pay", "paycheck": "pay", "wage": "pay", "wages": "pay",
    "photo": "picture", "image": "picture", "pic": "picture",
    "cellphone": "phone", "mobile": "phone",
    "assist": "help", "support": "help",
    "hours": "hour", "located": "locate", "payment": "pay", "payments": "pay",
    "solve": "fix", "resolve": "fix", "repair": "fix", "problem": "issue", "problems": "issue",
    "trouble": "issue", "issues": "issue", "reboot": "restart", "obtain": "get", "select": "choose",
    "pick": "choose", "verify": "check", "confirm": "check", "reply": "answer", "respond": "answer",
    "swap": "exchange", "teammate": "colleague", "teammates": "colleague", "coworker": "colleague",
    "coworkers": "colleague", "colleagues": "colleague", "commence": "start", "require": "need",
    "required": "need", "requires": "need", "funds": "money", "cash": "money", "journey": "trip",
    "move": "transfer", "moved": "transfer", "into": "to", "onto": "to", "towards": "to", "toward": "to",
    "cancellation": "cancel", "modification": "change", "deletion": "delete", "purchases": "buy",
}
FUNCTION_WORDS = {"from", "to", "into", "in", "on", "at", "for", "of", "with", "by", "about", "under", "over",
                  "via", "through", "per", "after", "before", "since", "until", "than", "towards", "toward",
                  "onto", "against", "between", "->", "like", "as"}
# Generic words whose lone insertion never changes the question ("free over 25 euros" /
# "free for orders above 25 euros"); a *substitution* of them is still a mismatch.
INSERTABLE = {"order", "item", "product", "service", "detail", "info", "information", "option", "feature",
              "setting", "thing", "app", "application", "account", "available", "availability", "currently",
              "exactly", "actually", "generally", "usually", "typically", "normally", "total", "overall",
              "eligible", "form"}
# Prepositions and connectors that carry no role a slot does not already capture; a frame difference made
# only of these ("minimum balance for / on a checking account") is not a different question.
WEAK_CONNECTORS = {"for", "on", "in", "at", "of", "with", "about", "per", "via", "regarding", "concerning",
                   "re", "if", "when", "whether"}
# Words after "to" that make it an infinitive marker, not a destination.
VERBISH = {"be", "do", "get", "make", "have", "change", "use", "see", "know", "go", "find", "set", "put", "take",
           "give", "pay", "request", "apply", "ask", "check", "contact", "reach", "talk", "speak", "book",
           "return", "create", "update", "reset", "keep", "move", "switch", "transfer", "convert", "access",
           "view", "edit", "manage", "track", "report", "file", "submit", "claim", "learn", "understand",
           "stay", "remain", "become", "qualify", "avoid", "stop", "start", "continue", "remove", "add"}
SYMMETRIC_CONNECTORS = {"and", "or", "vs", "versus", "&", ",", "/", "between", "both", "compare", "with"}

# --- additions for canonicalisation (see services/cache/canon.py) ------------------------------------

# Single-word forms of phrasal verbs and compounds joined at tokenisation ("log in" -> "login",
# "sign up" -> "register"): same poles as the phrases they replace.
POLARITY_WORDS.update({
    "login": ("session", "in"), "signin": ("session", "in"), "logout": ("session", "out"),
    "register": ("membership", "+"), "registered": ("membership", "+"), "registering": ("membership", "+"),
    "registration": ("membership", "+"), "enroll": ("membership", "+"), "enrolled": ("membership", "+"),
    "enrolling": ("membership", "+"), "enrollment": ("membership", "+"), "enrolls": ("membership", "+"),
    "unregister": ("membership", "-"), "deregister": ("membership", "-"), "unenroll": ("membership", "-"),
    "checkin": ("stay", "in"), "checkout": ("stay", "out"),  # = "check in" / "check out" (phrases)
    "withdrawing": ("cash", "out"), "withdrawals": ("cash", "out"), "withdrawn": ("cash", "out"),
    "approves": ("outcome", "+"), "approving": ("outcome", "+"), "approval": ("outcome", "+"),
})
# General synonym classes (verbs keyed by their base form: the frame's lemmatiser-lite maps inflections)
SYNONYMS.update({
    "speak": "talk", "chat": "talk", "locate": "find", "located": "find", "inquire": "ask", "enquire": "ask",
    "acquire": "get", "submit": "create", "postpone": "delay", "defer": "delay",
    "repay": "pay", "configure": "configure", "setup": "configure", "recharge": "recharge",
    "reload": "recharge", "include": "include", "collect": "collect", "enter": "enter", "type": "enter",
    "display": "show", "retrieve": "get", "recover": "get", "commence": "start", "initiate": "start",
    "complete": "complete", "finalize": "complete", "reimburse": "refund", "reimbursement": "refund",
    "automobile": "car", "vehicle": "car", "film": "movie", "couch": "sofa", "shop": "store",
    "employment": "job", "career": "job", "position": "job", "role": "job", "vacancy": "job",
    "cellular": "phone", "cell": "phone", "telephone": "phone", "smartphone": "phone",
    "e-mail": "email", "emails": "email", "inbox": "inbox",
    "reset": "reset", "recieve": "get", "obtaining": "get",
    # "make/place an order", "make a claim" = create/submit one ("make" is never a filler here)
    "make": "create", "made": "create", "placed": "create", "create": "create",
    "late": "delay", "delayed": "delay", "overdue": "delay", "forgot": "forget", "forgotten": "forget",
    "remote": "remotely", "extension": "extend",
    # "two more / additional lines" = "2 extra lines" ("more" after a number is no comparative)
    "more": "extra", "additional": "extra",
    "different": "another", "requirement": "rule", "guideline": "rule", "symptom": "sign",
    # "use / apply / redeem a code", "data usage" = "data used"; "help me understand X" = "explain X"
    "use": "apply", "used": "apply", "usage": "apply", "redeem": "apply", "understand": "explain",
})
SYNONYM_HEADS = set(SYNONYMS.values())
# Words that make a bare "pounds" a weight or a currency.
WEIGHT_CONTEXT = {"weigh", "weighs", "weight", "weighing", "heavy", "heavier", "light", "lighter", "baggage",
                  "luggage", "bag", "suitcase", "parcel", "package", "box", "load", "carry", "lift", "lose",
                  "gain", "body", "dumbbell", "freight", "cargo", "payload", "shipment"}
MONEY_CONTEXT = {"cost", "costs", "pay", "paid", "price", "fee", "fees", "spend", "spent", "charge", "charged",
                 "salary", "earn", "buy", "sell", "sold", "bought", "refund", "deposit", "withdraw", "owe",
                 "invoice", "bill", "budget", "tip", "rent", "wage", "account", "balance", "loan", "fine",
                 "money", "cash", "transfer", "send", "exchange", "convert", "worth", "sterling", "afford"}
# Words whose lone insertion narrows or changes the question even in a very similar query (they are
# not slots, but they select a different thing): "only", "also" variants, "again", "other", "same"...
NOT_INSERTABLE = {"only", "other", "another", "same", "different", "new", "old", "extra", "additional",
                  "second", "both", "either", "whole", "partial", "full", "half", "entire", "joint", "shared",
                  "free", "paid", "premium", "trial", "temporary", "permanent", "all", "each", "every",
                  "also", "too", "again", "back", "still", "yet", "already", "ever", "even", "more", "less",
                  "instead", "alone", "together", "first", "last", "next", "previous", "early", "late",
                  "delay", "ontime", "forget", "create",
                  "automatically", "manually", "online", "offline", "remotely", "publicly", "privately"}


# --- tense, modality, quantifiers, clauses (slots.pass_tense / pass_modal / pass_quant / pass_clause_negation)

PAST_AUX = {"did", "didn't", "didnt", "was", "wasn't", "wasnt", "were", "weren't", "werent"}
FUTURE_AUX = {"will", "won't", "wont", "shall", "shan't"}
PERMISSION_WORDS = {"allowed", "allow", "permitted", "permit", "permission", "permissible", "authorized",
                    "authorised"}
OBLIGATION_WORDS = {"required", "require", "requires", "mandatory", "compulsory", "obligatory", "obligated",
                    "obliged", "must"}
# "any" after these is existential ("are there any fees", "do you have any rooms"), not a quantifier
ANY_EXISTENTIAL = {"there", "have", "has", "had", "get", "got", "is", "are", "any", "without", "no", "not",
                   "see", "find", "need", "want", "know", "of", "for", "with", "in", "on", "at", "about", "if",
                   "charge", "fee", "fees", "cost", "costs"}
CLAUSE_BREAKS = {"but", "and", "while", "although", "though", "whereas", "yet", "because", ",", ";", "however"}
# A label in front of a code ("booking reference XK7Q2P", "order number #123"): the code names the thing.
CODE_LABELS = {"reference", "ref", "number", "no", "id", "code", "#"}
# "the lowest fare / price / cost" is "the cheapest" (slots.pass_comparatives); not "rate" or "fee": "the
# highest fees" and "the highest rates" are not "the most expensive"
PRICE_NOUNS = {"fare", "fares", "price", "prices", "cost", "costs"}
