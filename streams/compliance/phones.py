"""Phone numbers of many countries, with or without a country code (libphonenumber).

Running ``PhoneNumberMatcher`` over a whole text once per region is the slowest thing
Presidio does; here a cheap regular expression first picks out digit runs shaped like a
phone number (7 to 15 digits in groups, an optional ``+``/``00`` prefix, area code in
parentheses, extension), drops shapes that are something else (dates, year ranges, IP
addresses, thousands), and only those short candidates go through the matcher, region by
region until one accepts them.

Leniency: ``POSSIBLE`` (the number has a plausible length for the region), chosen by
measurement on the tune half of the benchmark corpus: with ``VALID`` (the number is
assigned in the region's numbering plan) 7.2% of the phone numbers survived, with
``POSSIBLE`` none, both at precision 1.0 (the candidate filters keep it precise).

A run of bare digits (no separators, no ``+``) is an order, account or tracking number as
often as a phone number: it counts after a phone word ("tel", "mobile", "call"...), with a
trunk prefix 0 and 9 to 12 digits, or with 8 to 12 digits that are a *valid* number of
some region; never after "order", "invoice", "ref", "part no."... Dates, year ranges, IP
addresses, thousands, decimals ("2.718281") and compact dates (20220615) are never phone
numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import phonenumbers

PHONE = "PHONE_NUMBER"

# Regions tried for numbers without a country code, most permissive/common first.
REGIONS: Final = (
    "US",
    "GB",
    "DE",
    "FR",
    "IN",
    "BR",
    "IT",
    "ES",
    "NL",
    "PL",
    "HU",
    "AU",
    "JP",
    "MX",
    "ID",
    "SE",
    "AT",
    "CH",
    "BE",
    "PT",
    "CZ",
    "DK",
    "FI",
    "NO",
    "IE",
    "NZ",
    "RO",
    "SG",
    "ZA",
    "CN",
    "KR",
    "PH",
    "TR",
    "AR",
    "CO",
    "CL",
)
LENIENCY: Final = phonenumbers.Leniency.POSSIBLE

SCORE_STRONG: Final = 0.75
SCORE_WEAK: Final = 0.5

_GROUP = r"(?:\(\+?\d{1,5}\)|\d++)"
_SEP = r"(?:[ \t]?[-./][ \t]?|[ \t]|(?<=\))|(?=\())"
_CANDIDATE = re.compile(
    r"(?<![\w.+/@#-])"
    rf"(?P<num>(?:\+|00)?[ \t]?{_GROUP}(?:{_SEP}{_GROUP})*+)"
    r"(?P<ext>[ \t]?(?:x|ext\.?|extension|\#)[ \t]?\d{1,6})?"
    # not glued to more of a code; a label glued with a dash may follow ("5620-Office")
    r"(?![\w@/]|-[\d-]|\.\d)"
)
_DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})"
    r"|(?:19|20)\d\d[ \t]?[-/][ \t]?(?:19|20)\d\d"
)
_DATE_PREFIX = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?:[ \t]|$)"
)
_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?")
# One decimal point and nothing else: a measurement or a constant ("2.718281", "1000.000").
_DECIMAL = re.compile(r"\d+\.\d+")
# Eight digits that read as a date (20220615, 19991231).
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?")
_CONTEXT = re.compile(
    r"(?i:\b(?:tel|telephone|phone|ph|mobile|mob|cell|cellphone|fax|call|called|calling|ring"
    r"|rang|contact|reach|whatsapp|sms|text|hotline|dial|dial-in|m|t|p|f|tlf|tfn"
    r"|telefon|téléphone|teléfono|telefone|telefono|handy|portable)\b)[^\n\d]{0,24}$"
)
# Words before a number that say it is something else (part, order, reference...).
_NOT_PHONE = re.compile(
    r"(?i:\b(?:part|parts|sku|item|article|art|order|invoice|inv|ref|reference|ticket|case"
    r"|claim|booking|tracking|serial|model|version|isbn|issn|po|account|acct|iban|policy"
    r"|member|customer|contract|lot|batch|patent|id|ndc|rx|ticket[ \t]+number|tkt|pnr)\b)"
    r"[ \t]*(?:no\.?|nr\.?|number|#|:)?"
    r"[ \t]*$"
)
_BARE_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class PhoneSpan:
    start: int
    end: int
    score: float


def _digits(value: str) -> int:
    return sum(c.isdigit() for c in value)


def _shape_excluded(value: str, context: bool) -> bool:
    """Dates, IP addresses and compact dates are never phones; thousands and decimals
    ("2.718281") are not, unless a phone word comes before them ("Phone: 9619.5109")."""
    stripped = value.strip()
    return bool(
        _DATE.fullmatch(stripped)
        or _IP.fullmatch(stripped)
        or _COMPACT_DATE.fullmatch(stripped)
        or (not context and (_THOUSANDS.fullmatch(stripped) or _DECIMAL.fullmatch(stripped)))
    )


def _matches(value: str, international: bool) -> Iterator[tuple[int, int]]:
    regions: tuple[str | None, ...] = (None,) if international else REGIONS
    for region in regions:
        found = False
        for m in phonenumbers.PhoneNumberMatcher(value, region or "ZZ", leniency=LENIENCY):
            found = True
            yield m.start, m.end
        if found:
            return


def _valid_somewhere(digits: str) -> bool:
    for region in REGIONS:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def find_phones(text: str) -> list[PhoneSpan]:
    """Phone-number spans of ``text`` (offsets into it)."""
    out: list[PhoneSpan] = []
    for m in _CANDIDATE.finditer(text):
        num = m.group("num")
        digits = _digits(num)
        context = bool(_CONTEXT.search(text, max(0, m.start() - 40), m.start()))
        if digits < 7 or digits > 15 or _shape_excluded(num, context):
            continue
        if _DATE_PREFIX.match(num.lstrip()):
            continue  # "2024-03-12 07:45"
        if _NOT_PHONE.search(text, max(0, m.start() - 30), m.start()):
            continue
        stripped = num.lstrip()
        international = stripped.startswith(("+", "00"))
        separated = bool(re.search(r"[-./() \t]", stripped.strip()))
        trunk = stripped.startswith("0") and 9 <= digits <= 12
        bare = not (separated or international or context or trunk)
        if bare and not (8 <= digits <= 12 and _valid_somewhere(stripped)):
            continue  # bare digits: only a number assigned in some region's plan
        value = num
        if international and stripped.startswith("00"):
            value = "+" + stripped[2:]
        spans = list(_matches(value, international))
        if not spans and international:
            value = num  # "00" may be a trunk prefix, not an international one
            spans = list(_matches(value, False))
        covered = sum(_digits(value[s:e]) for s, e in spans)
        if covered * 10 < digits * 6 and not (context and separated):
            # the matcher accepted nothing or only a small part; but after a phone word,
            # digits grouped like a phone are one whatever the plans tried here say
            # ("call 21 216 205 5911")
            continue
        start = m.start("num") + (len(num) - len(num.lstrip()))
        end = m.end()
        score = SCORE_WEAK if bare else SCORE_STRONG
        out.append(PhoneSpan(start, end, score))
    return out
