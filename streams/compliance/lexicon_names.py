"""PERSON evidence from the name lexicon (``lexicon.py``): what the model and the context
rules cannot see on their own.

Two jobs:

* **Confirm the model.** The small NER model calls "Fourier Transform", "Python", "DESCRIPTION"
  or a gene symbol a PERSON; pseudonymising those wrecks technical text for retrieval. A
  model PERSON that no context rule supports is kept only when its words look like a name:
  at least one is a given name or surname of some country and is not a common English word
  (``model_person_supported``).
* **Find names without context.** "Tomomi Nishiyama lives at ...", "TRANSFER TO JOHN SMITH",
  a guest list, a badge line: a given name followed by a surname (or a surname followed by a
  given name, as in Japanese and Hungarian order), capitalised alike, with neither a common
  English word (``lexicon_names``); and entities the model labelled ORG, GPE, LOC, FAC, NORP
  or PRODUCT that read as given name + surname (``relabelled_entities``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from streams.compliance.lexicon import (
    COMMON_WORD_RANK,
    GLOBAL_NAME_COUNTRIES,
    GLOBAL_NAME_RANK,
    NameInfo,
    NameLexicon,
    fold_word,
    lexicon,
)
from streams.compliance.persons import (
    _LOW,
    _PARTICLES,
    _TITLE_WORDS,
    _UP,
    PARTICLE_PATTERN,
    NameSpan,
    is_company,
    looks_like_name,
)
from streams.compliance.persons import _words as _word_set

LEXICON_SCORE: Final = 0.7
LONE_SCORE: Final = 0.6


# A capitalised word ("Anna", "O'Brien", "Ortega-Mills") or an upper-case one ("SMITH").
_TITLE_WORD = rf"[{_UP}][{_LOW}]+(?:['\u2019-][{_UP}{_LOW}][{_LOW}]+)*"
_CAPS_WORD = rf"[{_UP}]{{2,}}(?:['\u2019-][{_UP}]{{2,}})*"
_WORD_RE = re.compile(rf"(?<![\w@./-])(?:{_TITLE_WORD}|{_CAPS_WORD})(?![\w@/]|\.\w)")
_INITIAL = re.compile(rf"[{_UP}]\.?")
# A capital after the second letter that no name prefix explains ("NaNs", "GenericAlias"),
# but "McKay", "MacLeod", "DiCaprio", "LeBlanc", "O'Brien", "Ortega-Mills" are names.
_INNER_CAPS = re.compile(
    rf"^(?!Mc|Mac|Di|De|Le|La|Van|Von|O['\u2019])[{_UP}]?[{_LOW}]*[{_LOW}][{_UP}]"
)
# Gap allowed between two words of one name: spaces, or a middle initial ("John F. Smith").
# One space or tab: two spaces or more separate table cells ("Line  Description").
_GAP = re.compile(rf"[ \t](?:(?:[{_UP}]\.?|{PARTICLE_PATTERN})[ \t]){{0,2}}")
# A lower-case particle between two capitalised words ("Jan de Vries", "Martin v. Löwis").
_PARTICLE_GAP = re.compile(rf"[ \t](?:[{_UP}]\.?[ \t])?(?:{PARTICLE_PATTERN})[ \t]")

# First words of place names, never a given name here ("San Francisco", "Los Angeles").
_PLACE_WORDS: Final = _word_set(
    "san santa santo sao los las el new saint st port fort mount lake north south east "
    "west upper lower great little old royal grand cape bay glen ciudad puerto villa "
    "mar rio costa isla monte porto ponta vila cabo punta playa sierra bahia lago torre"
)

_ENTITY_LABELS: Final = frozenset({"ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "LOCATION"})


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str
    caps: bool


def _name_info(lex: NameLexicon, word: str) -> NameInfo | None:
    info = lex.lookup(word)
    if info is None or info.is_common_word:
        return None
    return info


def _strong_given(info: NameInfo | None) -> bool:
    return info is not None and (info.given(1500) or info.given(5000, min_countries=2))


def _strong_surname(info: NameInfo | None) -> bool:
    return info is not None and (info.surname(2500) or info.surname(5000, min_countries=2))


def _any_name(info: NameInfo | None) -> bool:
    return info is not None and (info.given() or info.surname())


def _words(text: str) -> list[_Word]:
    out = []
    for m in _WORD_RE.finditer(text):
        w = m.group(0)
        out.append(_Word(m.start(), m.end(), w, w.isupper()))
    return out


def lexicon_names(text: str, lex: NameLexicon | None = None) -> list[NameSpan]:
    """Given name + surname (2-3 words, or surname + given name) found by the lexicon alone."""
    lex = lex or lexicon()
    words = _words(text)
    infos = [_name_info(lex, w.text) for w in words]
    out: list[NameSpan] = []
    i = 0
    while i < len(words) - 1:
        match = None
        for width in (3, 2):
            j = i + width - 1
            if j >= len(words):
                continue
            run = words[i : j + 1]
            if any(w.caps != run[0].caps for w in run):
                continue
            if not all(_GAP.fullmatch(text[a.end : b.start]) for a, b in pairwise(run)):
                continue
            if fold_word(run[0].text) in _PLACE_WORDS:
                break
            first, last = infos[i], infos[j]
            middle = infos[i + 1 : j]
            # "Siobhán Ní Bhriain", "Anna De Santis": a capitalised particle in the middle
            cap_particle = width == 3 and run[1].text.lower() in _PARTICLES and not run[0].caps
            if not cap_particle and not all(_strong_given(m) for m in middle):
                continue
            # "Jan de Vries", "Siobhán Ní Bhriain": a particle between a given name and a
            # capitalised word is a name's shape, whatever the surname's standing
            particle = (
                width == 2
                and not run[0].caps
                and run[0].text.lower() not in _PARTICLES
                and _PARTICLE_GAP.fullmatch(text[run[0].end : run[1].start]) is not None
            )
            if (particle or cap_particle) and first is None:
                first = lex.lookup(run[0].text, listed_too=True)
            western = _strong_given(first) and (
                _strong_surname(last)
                # "REBECCA HOLDAWAY": a surname too rare for the lexicon, and no English word
                or (width == 2 and len(run[1].text) >= 3 and lex.unknown(run[1].text))
                or (
                    (particle or cap_particle)
                    and run[0].text.lower() not in _PARTICLES
                    and (_any_name(last) or lex.unknown(run[-1].text))
                )
            )
            eastern = (
                first is not None and last is not None and first.surname(1000) and last.given(1000)
            )
            if western or eastern:
                match = (run[0].start, run[-1].end, j)
                break
        if match is None:
            i += 1
            continue
        start, end, j = match
        name = text[start:end]
        if not is_company(text, end) and looks_like_name(name.title()):
            out.append(NameSpan(start, end, LEXICON_SCORE))
        i = j + 1
    return out


# Chat and mail typed in lower case: "hi, this is priya raghunathan", "my name is lucas".
_LOWER_INTRO = re.compile(
    r"(?<![\w-])(?:my[ \t]+name[ \t]+is|my[ \t]+name's|name's|this[ \t]+is|i[ \t]+am|i'm"
    r"|call[ \t]+me|regards|thanks|cheers|best)[ \t]*[,:-]?[ \t]+"
    r"(?P<name>[a-z][a-z'-]+(?:[ \t]+[a-z][a-z'-]+)?)(?![\w@])"
)


def lowercase_names(text: str, lex: NameLexicon | None = None) -> list[NameSpan]:
    """A name typed in lower case after an introduction or a sign-off ("this is priya
    raghunathan", "my name is lucas", "thanks, anna"): a given name known in the lexicon
    and no English word, then (if any) a surname or a word no dictionary holds."""
    lex = lex or lexicon()
    out = []
    for m in _LOWER_INTRO.finditer(text):
        words = m.group("name").split()
        given = _name_info(lex, words[0])
        # no capital tells a name from a word here: "i am happy", "thanks, grace" are words
        if given is None or not _strong_given(given) or given.everyday_word(5000):
            continue
        end = m.start("name") + len(words[0])
        if len(words) == 2:
            last = _name_info(lex, words[1])
            if (last is not None and last.surname() and not last.everyday_word()) or (
                len(words[1]) >= 3 and lex.unknown(words[1])
            ):
                end = m.end("name")
        out.append(NameSpan(m.start("name"), end, LONE_SCORE))
    return out


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """Country and territory names in English (from libphonenumber's geocoder data)."""
    try:
        from phonenumbers import SUPPORTED_REGIONS, geocoder

        names = (geocoder._region_display_name(r, "en") for r in SUPPORTED_REGIONS)
        return frozenset(fold_word(n) for n in names if n)
    except (ImportError, AttributeError):
        return frozenset()


_TITLE_AFTER = r"(?: (?:MR|MRS|MS|MISS|MSTR|DR|PROF|Mr|Mrs|Ms|Miss|Dr|Prof)\.?)?"
# "SAFITRI, Wirda", "ANDERSON, KAREN", "Smith, John A.", "SCHIMPL/THEODORA DR" (airline style).
_INVERTED = re.compile(
    rf"(?<![\w@./-])(?P<sur>(?:{_TITLE_WORD}|{_CAPS_WORD})(?:[ -](?:{_TITLE_WORD}|{_CAPS_WORD}))?)"
    rf"[ \t]*(?:,|/)[ \t]*(?P<given>{_TITLE_WORD}|{_CAPS_WORD})"
    # one space: two spaces or a tab start the next field ("DOE, JANE  MRN: 0048")
    rf"(?: (?:{_TITLE_WORD}|{_CAPS_WORD}|[{_UP}]\.))?{_TITLE_AFTER}(?![\w@/-])"
)


def _word_not_given(info: NameInfo) -> bool:
    """A frequent English word that is not a given name known across many countries."""
    return 0 < info.english_rank <= COMMON_WORD_RANK and not info.given(
        GLOBAL_NAME_RANK, GLOBAL_NAME_COUNTRIES
    )


def inverted_names(
    text: str, entities: Iterable[tuple[int, int, str]] = (), lex: NameLexicon | None = None
) -> list[NameSpan]:
    """ "Surname, Given" and "SURNAME/GIVEN" (sorted lists, labels, tickets): the surname is
    in the lexicon, the given name is a given name of some standing, and neither is an
    English word or a place the model recognised ("Paris, France")."""
    lex = lex or lexicon()
    places = [(s, e) for s, e, label in entities if label in {"GPE", "LOC", "LOCATION", "FAC"}]
    out = []
    for m in _INVERTED.finditer(text):
        surname_words = re.split(r"[ -]", m.group("sur"))
        if len(surname_words[-1]) < 3 or len(m.group("given")) < 3:
            continue  # "Ni, Nk"
        last = _name_info(lex, surname_words[-1])
        given = _name_info(lex, m.group("given"))
        if given is None or not given.given() or _word_not_given(given):
            continue  # "Programme, Day 1": a word, not a given name ("Hankard, Don" is one)
        if last is None or not last.surname():
            # "Ketel, Femke": a surname too rare for the lexicon and no English word at all
            if not (_strong_given(given) and lex.unknown(surname_words[-1])):
                continue
            if fold_word(m.group("given")) in _MONTHS or re.match(r"[ \t]*\d", text[m.end() :]):
                continue  # "Codrongianos, April 10": a place and a date
            if text[m.end("given") : m.end()].strip(" \t."):
                continue  # "Barclays, Morgan Stanley": a list of firms, not "Ketel, Femke"
        elif not (_strong_given(given) or _strong_surname(last)):
            continue
        if fold_word(surname_words[0]) in _PLACE_WORDS or fold_word(m.group("given")) in (
            country_names()
        ):
            continue
        sur_place = any(s < m.end("sur") and m.start("sur") < e for s, e in places)
        given_place = any(s < m.end("given") and m.start("given") < e for s, e in places)
        if sur_place and given_place:
            continue  # "London, Ontario": both parts are places to the model
        out.append(NameSpan(m.start(), m.end(), LEXICON_SCORE))
    return out


# "@anilsson", "@maria.g": a user handle is an identifier of its person. Not a decorator
# or doc tag ("@property", "@param"), not an e-mail address, not "@here".
_MENTION = re.compile(r"(?<![\w.+-])@(?P<handle>[A-Za-z][\w.-]{1,38}[A-Za-z0-9])(?![\w@(])")
_DECORATOR_LINE = re.compile(r"^[ \t]*@[\w.]+(?:\(.*\))?[ \t]*$", re.MULTILINE)
_NOT_HANDLES: Final = _word_set(
    "here channel everyone all team param params return returns rtype type throws raises "
    "see since deprecated author version property staticmethod classmethod dataclass "
    "override abstractmethod link code brief note todo example dev devs bot bots ops admin qa "
    "support oncall"
)


def _strong_name(info: NameInfo | None) -> bool:
    return _strong_given(info) or _strong_surname(info)


def _made_of_names(part: str, lex: NameLexicon, depth: int = 0) -> bool:
    """``part`` is a name, an initial and a surname ("anilsson"), or names of some standing
    glued together ("mariavitoriacamargo")."""
    if len(part) >= 3 and _strong_name(_name_info(lex, part)):
        return True
    if depth == 0 and len(part) >= 5 and _strong_surname(_name_info(lex, part[1:])):
        return True
    if depth >= 2:
        return False
    return any(
        _strong_name(_name_info(lex, part[:i])) and _made_of_names(part[i:], lex, depth + 1)
        for i in range(3, len(part) - 2)
    )


def _names_a_person(handle: str, lex: NameLexicon) -> bool:
    parts = [p for p in re.split(r"[._-]+", handle.lower()) if p and not p.isdigit()]
    parts = [re.sub(r"\d+$", "", p) for p in parts]
    return any(_made_of_names(p, lex) for p in parts if len(p) >= 3)


def handle_names(text: str, lex: NameLexicon | None = None) -> list[NameSpan]:
    """@mentions whose handle is made of names ("@anilsson", "@maria.g") and, once
    mentioned, the same handle standing alone (a chat export's speaker lines)."""
    lex = lex or lexicon()
    decorators = [(m.start(), m.end()) for m in _DECORATOR_LINE.finditer(text)]
    handles = set()
    for m in _MENTION.finditer(text):
        handle = m.group("handle")
        if handle.lower() in _NOT_HANDLES or any(s <= m.start() < e for s, e in decorators):
            continue
        if not _names_a_person(handle, lex):
            continue  # "@contextmanager", "@declared_attr": code, not people
        handles.add(handle)
    if not handles:
        return []
    alternatives = "|".join(sorted(map(re.escape, handles), key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.@+-])@?(?:{alternatives})(?![\w@-]|\.\w)")
    return [NameSpan(m.start(), m.end(), LEXICON_SCORE) for m in pattern.finditer(text)]


# "DAVIDS Thilo", "MOSS Scott Trevor", "RIVIÈRE-LE GALL Gérard", "SAGMEISTER Ben A."
_CAPS_FIRST = re.compile(
    rf"(?<![\w@./-])(?P<sur>{_CAPS_WORD}(?:[ -]{_CAPS_WORD})?)[ \t]"
    rf"(?P<given>{_TITLE_WORD})(?:[ \t](?:{_TITLE_WORD}|[{_UP}]\.))?(?![\w@/-])"
)


def caps_surname_names(text: str, lex: NameLexicon | None = None) -> list[NameSpan]:
    """A surname in capitals before a given name, as forms and registers write them: the
    given name is one of some standing, the surname a surname or no English word at all."""
    lex = lex or lexicon()
    out = []
    for m in _CAPS_FIRST.finditer(text):
        last_word = re.split(r"[ -]", m.group("sur"))[-1]
        if len(last_word) < 2 or fold_word(m.group("sur").split()[0]) in _PLACE_WORDS:
            continue
        if not _strong_given(_name_info(lex, m.group("given"))):
            continue
        info = lex.lookup(last_word)
        if not (
            (info is not None and info.surname() and not info.is_common_word)
            or lex.unknown(last_word)
        ):
            continue
        out.append(NameSpan(m.start(), m.end(), LEXICON_SCORE))
    return out


_MONTHS: Final = _word_set("january february march april may june july august september")
# Model entities a lone given name never overlaps: dates ("June 07"), places ("Florence").
_NOT_LONE_LABELS: Final = frozenset(
    {
        "GPE",
        "LOC",
        "LOCATION",
        "FAC",
        "DATE",
        "TIME",
        "DATE_TIME",
        "PRODUCT",
        "EVENT",
        "WORK_OF_ART",
        "LAW",
    }
)
_LONE = re.compile(rf"(?<![\w@./'\u2019-])(?P<w>[{_UP}][{_LOW}]{{2,}})(?![\w@/'\u2019-]|\.\w)")


def lone_given_names(
    text: str, entities: Iterable[tuple[int, int, str]] = (), lex: NameLexicon | None = None
) -> list[NameSpan]:
    """Given names standing alone ("Vesna joined us in May", "ask Nathan"): common given
    names (top 300 in three or more countries) that are no everyday English word ("Mark",
    "Rose", "Frank" are), no month, no country, and not inside a date, place or product the
    model recognised ("June 07", "Florence"). Only for texts that already name someone or
    hold contact data: the caller decides that."""
    lex = lex or lexicon()
    places = [(s, e) for s, e, label in entities if label in _NOT_LONE_LABELS]
    countries = country_names()
    out = []
    for m in _LONE.finditer(text):
        word = m.group("w")
        info = lex.lookup(word)
        if info is None or info.is_common_word or not info.given(300, min_countries=3):
            continue
        folded = fold_word(word)
        if 0 < info.english_rank <= COMMON_WORD_RANK or folded in countries or folded in _MONTHS:
            continue
        if any(s < m.end() and m.start() < e for s, e in places):
            continue
        out.append(NameSpan(m.start(), m.end(), LONE_SCORE))
    return out


# "Carolina, Auriville, Hugolina, Elisabeth, Damjan and Birlant": single capitalised words
# in a list of three or more.
_SINGLE_LIST = re.compile(
    rf"(?<![\w@./-]){_TITLE_WORD}(?:[ \t]*,[ \t]*{_TITLE_WORD}){{1,12}}[ \t]*,?[ \t]+"
    rf"(?:and|or|&)[ \t]+{_TITLE_WORD}(?![\w@/-])"
)
_ITEM = re.compile(_TITLE_WORD)


def given_name_lists(
    text: str, entities: Iterable[tuple[int, int, str]] = (), lex: NameLexicon | None = None
) -> list[NameSpan]:
    """Lists of three or more single words where at least half (and two) are given names
    of some standing, no English words and no places the model saw: every item that is a
    name or no dictionary word is a person ("They had 6: Carolina, Auriville, Hugolina,
    Elisabeth, Damjan and Birlant"); "NumPy, SciPy and Pandas" or "Paris, Sydney and
    Austin" are not."""
    lex = lex or lexicon()
    places = [(s, e) for s, e, label in entities if label in {"GPE", "LOC", "FAC", "LOCATION"}]
    out: list[NameSpan] = []
    for m in _SINGLE_LIST.finditer(text):
        items = [i for i in _ITEM.finditer(text, m.start(), m.end()) if i.group(0) != "And"]
        if len(items) < 3:
            continue
        placed = [any(a < i.end() and i.start() < b for a, b in places) for i in items]
        infos = [_name_info(lex, i.group(0)) for i in items]
        named = [
            info is not None and _strong_given(info) and not info.everyday_word() for info in infos
        ]
        unknown = [
            info is None and lex.unknown(i.group(0)) for i, info in zip(items, infos, strict=True)
        ]
        # the model calls single names in a list places as often as not ("Elisabeth"):
        # two items it did not call places must be names too ("Paris, Sydney and Austin")
        unplaced = sum((n or u) and not p for n, u, p in zip(named, unknown, placed, strict=True))
        # names of rare origins are in no dictionary: half the evidence of a given name
        if sum(named) < 2 or unplaced < 2 or (sum(named) + sum(unknown) / 2) * 2 < len(items):
            continue
        for i, is_name, is_unknown in zip(items, named, unknown, strict=True):
            if is_name or is_unknown:  # "Carolina" too, though the model saw a place
                out.append(NameSpan(i.start(), i.end(), LONE_SCORE))
    return out


# "Lind and Fanucci were precision engineers": two single names doing something together.
_PAIR = re.compile(
    rf"(?<![\w@./-])(?P<a>{_TITLE_WORD})[ \t]+(?:and|&)[ \t]+(?P<b>{_TITLE_WORD})[ \t]+"
    r"(?=(?:were|have|had|met|married|both|went|came|said|told|live|lived|worked|founded"
    r"|wrote|sang|played|fell|became|divorced)\b)"
)


def name_pairs(text: str, lex: NameLexicon | None = None) -> list[NameSpan]:
    """Two single names joined by "and" before a verb of people ("Lind and Fanucci were",
    "Shigeki and Balatková met"): each that is a given name or surname and no everyday
    English word, or no dictionary word at all, when one of them is a known name."""
    lex = lex or lexicon()
    out: list[NameSpan] = []
    for m in _PAIR.finditer(text):
        ok = []
        known = False
        for group in ("a", "b"):
            word = m.group(group)
            info = lex.lookup(word)
            is_name = info is not None and info.name_not_word()
            known = known or is_name
            if is_name or (info is None and len(word) >= 4 and lex.unknown(word)):
                ok.append(NameSpan(m.start(group), m.end(group), LONE_SCORE))
        if known:
            out += ok
    return out


def relabelled_entities(
    text: str, entities: Iterable[tuple[int, int, str]], lex: NameLexicon | None = None
) -> list[NameSpan]:
    """Model entities of another label (ORG, GPE, ...) that read as given name + surname."""
    lex = lex or lexicon()
    out = []
    for start, end, label in entities:
        if label not in _ENTITY_LABELS:
            continue
        value = text[start:end]
        parts = value.split()
        if not 2 <= len(parts) <= 4 or "\n" in value:
            continue
        full = [p for p in parts if p.lower() not in _PARTICLES and not _INITIAL.fullmatch(p)]
        if len(full) < 2 or not all(_WORD_RE.fullmatch(p) for p in full):
            continue
        if fold_word(full[0]) in _PLACE_WORDS:
            continue
        first, last = _name_info(lex, full[0]), _name_info(lex, full[-1])
        if not (_strong_given(first) and _strong_surname(last)):
            continue
        if is_company(text, end) or not looks_like_name(value.title()):
            continue
        out.append(NameSpan(start, end, LEXICON_SCORE))
    return out


def model_person_supported(value: str, lex: NameLexicon | None = None) -> bool:
    """Whether a model PERSON finding with no context support reads as a person's name.

    Initials and particles are skipped; at least one remaining word must be a given name or
    surname that is not a common English word. A single word must be a given name or a
    surname of some standing (top 1,000 in a country or known in two), of 3+ letters and
    capitalised
    (not "DESCRIPTION", not "integer").
    """
    lex = lex or lexicon()
    words = [
        w.strip(".,;:()[]\"'")
        for w in value.split()
        if w.lower() not in _PARTICLES and not _INITIAL.fullmatch(w)
    ]
    words = [w for w in words if w]
    if not words:
        return False
    if any(_INNER_CAPS.search(w) for w in words):
        return False  # "NaNs", "NaT", "GenericAlias": code, not names
    infos = [_name_info(lex, w) for w in words]
    if len(words) == 1:
        word, info = words[0], infos[0]
        if len(word) < 3 or not (word[:1].isupper() and not word.isupper()) or info is None:
            return False
        return (
            info.given(1000) or info.surname(1000) or (info.given(5000, 2) or info.surname(5000, 2))
        )
    caps = [w.isupper() and len(w) > 1 for w in words]
    if any(caps) and not all(caps):
        # "Array API": an acronym inside a capitalised span; "Mary LEE" still needs both
        return all(i is not None for i in infos) and any(_strong_name(i) for i in infos)
    if _english_word(lex, words[-1]):
        return False  # "Nelson Room", "Gift Aid", "Lister Ward" read as places or things
    return any(_strong_name(i) for i in infos)


def _english_word(lex: NameLexicon, word: str) -> bool:
    """A very common English word that is no common surname ("Room", "Aid", "Club",
    "Street"; not "Hall", "Green", "Baker"): a span ending in one is a place or a thing
    named after someone, not a person."""
    info = lex.lookup(word)
    if info is None or not 0 < info.english_rank <= 5000:
        return False
    return not 0 < info.surname_rank <= 400


def unsupported(
    text: str, spans: Sequence[tuple[int, int]], confirmed: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The model PERSON ``spans`` that neither overlap a ``confirmed`` name nor pass
    ``model_person_supported``."""
    lex = lexicon()
    out = []
    for s, e in spans:
        if any(s < ce and cs < e for cs, ce in confirmed):
            continue
        if not model_person_supported(text[s:e], lex):
            out.append((s, e))
    return out


def role_words_only(value: str, lex: NameLexicon | None = None) -> bool:
    """``value`` is titles and English words none of which is a name of some standing
    ("Consultant Cardiologist", "Student", "Prof. Dr"): a role or a label that a layout
    rule took for a name. A word the lexicon does not know may be a rare name: not this."""
    lex = lex or lexicon()
    words = [w.strip(".,;:'").lower() for w in re.findall(rf"[{_UP}{_LOW}.'-]+", value)]
    words = [w for w in words if w and w not in _TITLE_WORDS]
    for word in words:
        info = lex.lookup(fold_word(word))
        if info is None or not info.english_rank:
            return False
        if info.given(min_countries=3) or info.surname(min_countries=3):
            return False
    return True
