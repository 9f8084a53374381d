"""Context-based person-name recognition, run on each text after the batch spaCy pass.

The small spaCy model misses many names and reads product words as names. These rules use
evidence in the same text instead (no extra NLP pass, no per-text Presidio call):

* an e-mail local part (``first.last@``, ``first_last@``, ``f.last@``, ``first.l@``) names
  the person: "First Last", "First M. Last", "Last, First" and "F. Last" are marked;
* labels and salutations ("Patient:", "Customer:", "From:", "| Manager |", "Dear",
  "Reported by", "Regards," + new line...) followed by capitalised words;
* a display name before an angle-bracketed e-mail address ("Jane Roe <jane@x.org>");
* once a full name is known in a text, its other occurrences and "Mr./Ms./Dr. Surname".

``NOT_PERSON`` lists technology and product words the NER model often tags as PERSON; PERSON
findings containing one of them are dropped. Deployments extend it with the policy's
``not_person`` list (names of their own products) or ``PresidioDetector(not_person=...)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

PERSON = "PERSON"

EMAIL_NAME_SCORE: Final = 0.9
LABEL_SCORE: Final = 0.8
KNOWN_NAME_SCORE: Final = 0.8

# Technology and product words that are not people (compared case-insensitively, as a
# whole word or phrase of the finding). Keep it generic; add a deployment's own product
# names through the policy's ``not_person`` list.
NOT_PERSON: Final = frozenset(
    {
        "airflow",
        "ansible",
        "confluence",
        "datadog",
        "debezium",
        "docker",
        "elasticsearch",
        "github",
        "gitlab",
        "grafana",
        "helm",
        "jenkins",
        "jira",
        "kafka",
        "kibana",
        "kubernetes",
        "navan",
        "okta",
        "opensearch",
        "pagerduty",
        "postgres",
        "postgresql",
        "prometheus",
        "redis",
        "salesforce",
        "servicenow",
        "slack",
        "snowflake",
        "terraform",
        "vault",
        "workday",
        "zendesk",
        "zoom",
        "zookeeper",
    }
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that follow labels such as "To:" or "Customer:" but are not names
# (teams, organisations, roles, greetings to groups).
_NOT_NAME_WORDS: Final = _words(
    "a account accounts admin all and associates bank board center centre clinic co "
    "committee company corp corporation council customer customers dear department "
    "dept desk employees engineering everyone finance foods gmbh group hello helpdesk "
    "hi hiring holdings hospital hr inc industries international it lab labs legal "
    "llc logistics ltd madam management manager managers marketing members n/a "
    "network none of office operations ops packaging partners payroll people platform "
    "results sales security service services sir solutions staff support systems tax "
    "tbd team teams technologies the tier university unknown users whom"
)

# Role mailboxes: a local part made of these says nothing about a person.
_ROLE_LOCAL_PARTS: Final = _words(
    "accounts admin ap ar billing contact desk finance help helpdesk hr info it jobs "
    "legal mail no noreply ops payroll privacy reply sales security service support "
    "team"
)

_AP = "\u2019"  # right single quotation mark, as in O\u2019Brien
_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"
_LOW = "a-zß-öø-ÿā-ž"
# One name word: "Anne", "O'Brien", "Ortega-Mills", "McKay", or an initial "M." / "M".
_WORD = (
    rf"(?:(?:Mc|Mac|O['{_AP}]|D['{_AP}])?[{_UP}][{_LOW}]+(?:['{_AP}-][{_UP}{_LOW}][{_LOW}]+)*"
    rf"|[{_UP}]\.?(?=[ \t]+[{_UP}]))"
)
_NAME = rf"(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,3}})"
_HEADER_SEP = r"(?:\*\*|__)?[ \t]*[:|][ \t]*(?:\*\*|__)?[ \t]*"

# Labels whose value is usually a person; a colon or a table cell separates the value.
_COLON_LABELS = (
    r"name|full[ \t]+name|patient(?:[ \t]+name)?|employee(?:[ \t]+name)?|customer"
    r"|client|contact|requester|requestor|reported[ \t]+by|requested[ \t]+by"
    r"|submitted[ \t]+by|approved[ \t]+by|prepared[ \t]+by|reviewed[ \t]+by|signed[ \t]+by"
    r"|(?:electronically[ \t]+)?signed|assigned[ \t]+to|from|to|cc|bcc|attn|attention"
    r"|(?:ordering|attending|referring)?[ \t]*(?:provider|physician)|doctor|nurse"
    r"|manager|supervisor|(?:hr[ \t]+)?business[ \t]+partner|caller|applicant|candidate"
    r"|beneficiary|guarantor|emergency[ \t]+contact|next[ \t]+of[ \t]+kin"
)
_LABELLED = re.compile(rf"(?<![\w-])(?i:{_COLON_LABELS}){_HEADER_SEP}{_NAME}(?![\w@])")
_BY_LABELLED = re.compile(
    r"(?<![\w-])(?i:(?:reported|requested|submitted|approved|prepared|reviewed|signed)"
    rf"[ \t]+by|assigned[ \t]+to|attn\.?|patient)[ \t]+{_NAME}(?![\w@])"
)
_SALUTATION = re.compile(
    rf"(?<![\w-])(?:Dear|Hi|Hello|Hey|Good[ \t]+(?:morning|afternoon|evening))[ \t]+{_NAME}"
    r"(?=[ \t]*(?:[,:;!.]|$))",
    re.MULTILINE,
)
_SIGN_OFF = re.compile(
    r"(?<![\w-])(?:(?i:regards|sincerely|signed|respectfully)[ \t]*[,!.]?"
    r"|(?i:best|thanks|thank[ \t]+you|cheers)[ \t]*[,!])[ \t]*\r?\n"
    rf"(?:[ \t]*\r?\n)?[ \t]*{_NAME}[ \t]*(?=\r?\n|$|,)"
)
_DISPLAY_NAME = re.compile(rf"(?<![\w-]){_NAME}[ \t]*<(?P<local>[\w.+-]+)@[\w.-]+\.[A-Za-z]{{2,}}>")
_EMAIL = re.compile(r"(?<![\w.+-])(?P<local>[A-Za-z][\w.+-]*)@[\w-]+(?:\.[\w-]+)+")
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?"


@dataclass(frozen=True, slots=True)
class NameSpan:
    """A PERSON span found from context."""

    start: int
    end: int
    score: float


def fold(text: str) -> str:
    """``text`` with diacritics removed, one character for one (offsets are kept)."""
    return "".join(unicodedata.normalize("NFD", c)[0] if ord(c) > 127 else c for c in text)


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[ \t]+", name.strip()) if t]


def looks_like_name(name: str, *, min_words: int = 2) -> bool:
    """Capitalised words, none a team/organisation/role word, enough full (non-initial) words."""
    words = _tokens(name)
    full = [w for w in words if len(w.rstrip(".")) > 1]
    if len(full) < min_words or len(words) > 4:
        return False
    if any(w.lower().rstrip(".") in _NOT_NAME_WORDS for w in words):
        return False
    return not any(w.lower() in NOT_PERSON for w in words)


def _flex(letters: str) -> str:
    """Regex matching ``letters`` with optional hyphens/apostrophes/spaces between them."""
    return rf"['{_AP} -]?".join(re.escape(c) for c in letters)


@lru_cache(maxsize=4096)
def _email_name_patterns(local: str) -> list[re.Pattern[str]]:
    """Patterns (on folded text, case-insensitive) for the names an e-mail local part implies."""
    base = local.split("+", 1)[0].lower()
    parts = [p for p in re.split(r"[._-]+", base) if p and not p.isdigit()]
    parts = [re.sub(r"\d+$", "", p) for p in parts]
    if len(parts) == 3 and len(parts[1]) == 1:  # first.m.last
        parts = [parts[0], parts[2]]
    if len(parts) != 2 or any(p in _ROLE_LOCAL_PARTS for p in parts) or not all(parts):
        return []
    first, last = parts
    if len(first) == 1 and len(last) == 1:
        return []
    middle = r"(?:[ \t]+[A-Za-z]\.?)?"
    if len(last) == 1:  # tomasz.w -> "Tomasz W..."
        surname = rf"{re.escape(last)}[\w'{_AP}]+(?:-[^\W\d_][\w'{_AP}]*)*"
    elif len(last) <= 3:  # marcus.dw -> "Delgado-Whitfield" (initials), or a short surname
        initials = rf"[\w'{_AP}]*-".join(re.escape(c) for c in last) + rf"[\w'{_AP}]*"
        surname = rf"(?:{_flex(last)}(?:-[^\W\d_][\w'{_AP}]*)?|{initials})"
    else:
        surname = rf"{_flex(last)}(?:-[^\W\d_][\w'{_AP}]*)?"
    given = rf"{re.escape(first)}[\w'{_AP}]*" if len(first) == 1 else _flex(first)
    pats = [
        rf"\b{given}{middle}[ \t]+{surname}\b",
        rf"\b{surname},[ \t]*{given}\b",
    ]
    if len(first) > 1:
        pats.append(rf"\b{re.escape(first[0])}\.[ \t]*{surname}\b")
    else:
        pats.append(rf"\b{re.escape(first)}\.[ \t]*{surname}\b")
    return [re.compile(p, re.IGNORECASE) for p in pats]


def _capitalised(text: str, start: int, end: int) -> bool:
    """Every word of ``text[start:end]`` starts with a capital letter."""
    return all(w[0].isupper() for w in re.findall(rf"[^\W\d_][\w'{_AP}.-]*", text[start:end]))


def email_names(text: str, folded: str | None = None) -> list[NameSpan]:
    """Names implied by the e-mail addresses of the same text."""
    folded = fold(text) if folded is None else folded
    out: list[NameSpan] = []
    locals_seen = {m.group("local") for m in _EMAIL.finditer(text)}
    for local in sorted(locals_seen):
        for pattern in _email_name_patterns(local):
            for m in pattern.finditer(folded):
                if _capitalised(text, m.start(), m.end()):
                    out.append(NameSpan(m.start(), m.end(), EMAIL_NAME_SCORE))
    return out


def _name_span(m: re.Match[str], text: str, min_words: int) -> NameSpan | None:
    name = m.group("name")
    start = m.start("name")
    # An initial is only part of a name when a full word follows it.
    words = _tokens(name)
    while words and len(words[-1].rstrip(".")) == 1:
        words.pop()
    if not words:
        return None
    end = start + text[start:].find(words[-1]) + len(words[-1])
    candidate = text[start:end]
    if not looks_like_name(candidate, min_words=min_words):
        return None
    return NameSpan(start, end, LABEL_SCORE)


def labelled_names(text: str) -> list[NameSpan]:
    """Names after person labels, salutations and sign-offs, and before ``<e-mail>``."""
    out: list[NameSpan] = []
    for regex in (_LABELLED, _BY_LABELLED):
        for m in regex.finditer(text):
            if (span := _name_span(m, text, 2)) is not None:
                out.append(span)
    for regex in (_SALUTATION, _SIGN_OFF):
        for m in regex.finditer(text):
            if (span := _name_span(m, text, 1)) is not None:
                out.append(span)
    for m in _DISPLAY_NAME.finditer(text):
        if m.group("local").lower() in _ROLE_LOCAL_PARTS:
            continue
        if (span := _name_span(m, text, 2)) is not None:
            out.append(span)
    return out


def known_name_occurrences(
    text: str, names: Iterable[str], surname_only: Iterable[str] = ()
) -> list[NameSpan]:
    """Every occurrence of each full name in ``names``, and the surname of each name in
    ``names`` or ``surname_only`` after Mr./Ms./Mrs./Dr."""
    out: list[NameSpan] = []
    full = set(names)
    for name in sorted(full | set(surname_only)):
        words = _tokens(name)
        if "\n" in name or len(words) < 2 or not looks_like_name(name):
            continue
        if name in full:
            flexible = r"[ \t]+".join(re.escape(w) for w in words)
            for m in re.finditer(rf"(?<![\w-]){flexible}(?![\w-])", text):
                out.append(NameSpan(m.start(), m.end(), KNOWN_NAME_SCORE))
        surname = words[-1]
        if len(surname) > 1:
            for m in re.finditer(rf"(?<![\w-]){_TITLES}[ \t]+{re.escape(surname)}(?![\w-])", text):
                out.append(NameSpan(m.start(), m.end(), KNOWN_NAME_SCORE))
    return out


def is_not_person(value: str, extra: frozenset[str] = frozenset()) -> bool:
    """True when a PERSON finding is, or contains, a listed technology/product word or phrase."""
    norm = " ".join(re.findall(rf"[\w'{_AP}.-]+", value.lower()))
    if not norm:
        return False
    words = set(norm.split())
    for entry in NOT_PERSON | extra:
        if entry == norm or (" " not in entry and entry in words):
            return True
        if " " in entry and re.search(rf"(?<!\w){re.escape(entry)}(?!\w)", norm):
            return True
    return False


def context_names(text: str, spans: Sequence[tuple[int, int]]) -> list[NameSpan]:
    """PERSON spans from context, plus the other occurrences of the names they found.

    ``spans`` are PERSON spans found earlier (the NER pass), already filtered for
    ``NOT_PERSON``. Only names confirmed by context are propagated to their other
    occurrences (NER mistakes such as a product name would otherwise spread through the
    text); NER names only lend their surname to "Mr./Ms./Dr. Surname".
    """
    folded = fold(text)
    found = email_names(text, folded) + labelled_names(text)
    names = {text[n.start : n.end] for n in found}
    ner_names = {text[s:e] for s, e in spans}
    best: dict[tuple[int, int], NameSpan] = {}
    for span in found + known_name_occurrences(text, names, ner_names):
        key = (span.start, span.end)
        if key not in best or span.score > best[key].score:
            best[key] = span
    return [best[k] for k in sorted(best)]


def normalise_list(values: Iterable[str]) -> frozenset[str]:
    """A ``not_person`` list as compared: lower case, single spaces."""
    return frozenset(" ".join(v.lower().split()) for v in values if v.strip())
