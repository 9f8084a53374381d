"""What reads as a person in scientific and technical text and is none.

The NER model calls species, citations, places and acronyms PERSON in abstracts: "Ursus
arctos", "Puma concolor", "Lee et al.", "(Legg, 2011)", "China", "RNA COOLAIR". A PERSON
span is none of these when

* it mixes capitalised words with a lower-case word that is no name particle ("Ursus
  arctos", "Sherpa highlanders", "the Da Qing Study"): names are capitalised throughout
  (a name typed all in lower case is found by other rules, which this does not judge);
* it is a genus before its species epithet: one word followed by a lower-case word that
  no English dictionary holds ("Puma concolor", "Drosophila melanogaster");
* it is a citation: "Lee et al.", "(Legg, 2011)", "(Smith and Jones, 2019)" name a
  published work, not a data subject;
* it is a country or a continent ("China", "Israel", "Asia").
"""

from __future__ import annotations

import re
from typing import Final

from streams.compliance.lexicon import NameLexicon, fold_word, lexicon
from streams.compliance.lexicon_names import country_names
from streams.compliance.persons import _PARTICLES, PARTICLE_PATTERN

_CONTINENTS: Final = frozenset(
    [
        "africa",
        "asia",
        "europe",
        "america",
        "americas",
        "oceania",
        "antarctica",
        "australia",
        "eurasia",
    ]
)
# Countries that are also common given names ("Georgia Healy", "Jordan Lee").
_COUNTRY_GIVEN_NAMES: Final = frozenset(["georgia", "jordan", "india", "chad", "israel", "kenya"])
_LOWER_WORD = re.compile(r"[a-z][a-z-]+")
_EPITHET = re.compile(r"[ \t]+(?P<w>[a-z]{4,})\b")
_ET_AL = re.compile(r"[ \t]+et[ \t]+al\b")
_YEAR_AFTER = re.compile(
    r",?[ \t]+(?:(?:and|&)[ \t]+[A-Z][\w'-]+,?[ \t]+)?\(?(?:19|20)\d\d[a-z]?\)?[);,]"
)


def _mixed_case(words: list[str], lex: NameLexicon) -> bool:
    """Capitalised words with a lower-case word at either end ("Ursus arctos", "the Da
    Qing Study") or an English word inside ("Sherpa and Han"); a lower-case connector of
    some language inside a name stays ("Bayram auch Schlauchin")."""
    lower = [i for i, w in enumerate(words) if _LOWER_WORD.fullmatch(w) and w not in _PARTICLES]
    if not lower or len(lower) == len(words):
        return False
    for i in lower:
        if i in (0, len(words) - 1):
            return True
        info = lex.lookup(words[i])
        if info is not None and info.everyday_word():
            return True
    return False


_CAP_RUN = re.compile(
    r"[A-ZÀ-ÖØ-Þ][\w.'\u2019-]*(?:[ \t]+(?:[A-ZÀ-ÖØ-Þ][\w.'\u2019-]*|(?:"
    + PARTICLE_PATTERN
    + r")(?=[ \t]+[A-ZÀ-ÖØ-Þ])))*"
)


def name_parts(
    text: str, start: int, end: int, lex: NameLexicon | None = None
) -> list[tuple[int, int]] | None:
    """For a span that runs over lower-case words ("Leonard prefers Leo", "the Da Qing
    Study"): its capitalised runs that hold a given name or a surname and no everyday
    English word only, as spans; None when the span is no such mixture."""
    lex = lex or lexicon()
    words = text[start:end].split()
    if not _mixed_case(words, lex):
        return None
    out = []
    for m in _CAP_RUN.finditer(text, start, end):
        known = any(
            (info := lex.lookup(w)) is not None
            and (info.given(3000) or info.surname(3000))
            and not info.everyday_word()
            for w in m.group(0).split()
        )
        if known:
            out.append((m.start(), m.end()))
    return out


def _genus(text: str, end: int, words: list[str], lex: NameLexicon) -> bool:
    if len(words) != 1 and not (len(words) == 2 and re.fullmatch(r"[A-Z]\.", words[0])):
        return False
    m = _EPITHET.match(text, end)
    if m is None:
        return False
    epithet = m.group("w")
    info = lex.lookup(epithet)
    return (info is None or info.english_rank == 0) and lex.unknown(epithet)


def _citation(text: str, start: int, end: int) -> bool:
    if _ET_AL.match(text, end):
        return True
    return text[max(0, start - 1) : start] == "(" and _YEAR_AFTER.match(text, end) is not None


# Where a place stands: "in Khon Kaen", "in the state of Minas Gerais", "schools in
# Kampala, Gulu, Mbarara and Lira"; and "Da Qing, China".
_IN_BEFORE = re.compile(
    # not a phrasal verb: "loop in Lidia", "bring in Anna", "fill in for"
    r"(?<!loop )(?<!looped )(?<!looping )(?<!bring )(?<!brought )(?<!let )(?<!fill )"
    r"(?<!filled )(?<!check )(?<!checked )(?<!sign )(?<!signed )(?<!log )(?<!logged )"
    r"(?<!call )(?<!called )(?<!rope )(?<!roped )(?<!chime )(?<!chimed )(?<!pull )"
    r"(?<!cc )(?<!keep )(?<!kept )"
    r"\b(?:in|across|throughout|within|near)[ \t]+(?:the[ \t]+)?(?:(?:state|province|region"
    r"|city|town|village|district|county|prefecture|island|islands|highlands)[ \t]+of[ \t]+)?"
    r"(?:[A-Z][\w'\u2019-]*(?:[ \t]+[A-Z][\w'\u2019-]*)*(?:,[ \t]*|[ \t]+and[ \t]+))*$"
)
_COUNTRY_AFTER = re.compile(r",[ \t]*(?P<c>[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*){0,2})")
# "Ikaros (IKZF1)": a protein or gene with its symbol.
_SYMBOL_AFTER = re.compile(r"[ \t]*\((?=[A-Za-z0-9-]*\d)[A-Z][A-Za-z0-9-]{1,12}\)")
_CAPS = re.compile(r"[A-Z]{3,}")


def place_or_thing(text: str, start: int, end: int, lex: NameLexicon | None = None) -> bool:
    """For a PERSON the model alone found (no context rule said person): a place by where
    it stands ("in Khon Kaen", "Da Qing, China", "schools in Kampala, Gulu and Lira"), a
    gene or protein with its symbol ("Ikaros (IKZF1)"), or an acronym phrase ("RNA
    COOLAIR", "LIGO, Virgo")."""
    lex = lex or lexicon()
    if _IN_BEFORE.search(text, max(0, start - 80), start):
        return True
    m = _COUNTRY_AFTER.match(text, end)
    if m is not None and fold_word(m.group("c")) in country_names():
        return True
    if _SYMBOL_AFTER.match(text, end):
        return True
    words = text[start:end].replace(",", " ").split()
    if len(words) >= 2 and not all(w.isupper() for w in words):
        caps = [w for w in words if _CAPS.fullmatch(w)]
        others = [w for w in words if w not in caps]
        # "KABUS, Mirella", "Jean DUPONT": a given name beside the capitals is a person
        given = any(
            (info := lex.lookup(w)) is not None and info.given(5000) and not info.is_common_word
            for w in others
        )
        if not given and any(lex.lookup(w) is None for w in caps):
            return True
    return False


def not_a_person(text: str, start: int, end: int, lex: NameLexicon | None = None) -> bool:
    """Whether the PERSON span ``text[start:end]`` is a species, a citation, a place or a
    mixed-case phrase of technical text rather than a person."""
    lex = lex or lexicon()
    value = text[start:end].strip()
    words = value.split()
    if not words:
        return False
    if _mixed_case(words, lex):
        return True
    place = fold_word(value) in country_names() or value.lower() in _CONTINENTS
    if len(words) == 1 and place and value.lower() not in _COUNTRY_GIVEN_NAMES:
        return True
    return _genus(text, end, words, lex) or _citation(text, start, end)
