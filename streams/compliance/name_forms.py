"""Shorter forms of names that need more than one word of evidence elsewhere.

* ``initial_surnames``: an initial and a surname ("J. Hoogers", "L. von Hoffmann",
  "A. Kaczmarkiewicz-Szymonik"), as programmes, citations and registers write people. The
  surname must not be an everyday English word ("A. Introduction", "B. Methods").
* ``rare_lone_names``: one word that is a given name of some country and no English word
  at all ("Tuula", "Hirvonen", "WIBOWO"), in a text that already names someone
  or holds contact data (the caller decides). Names that English text uses as words or for
  rooms, laws and theorems ("Fleming", "Kafka", "Newton", "Dijkstra") are English words to
  the lexicon and stay.
* ``column_names``: the other cells of a table column whose cells are mostly names already
  (CSV, TSV, pipe and Markdown tables without a header that says "name").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from streams.compliance.lexicon import NOT_NAMES, NameLexicon, fold_word, lexicon
from streams.compliance.lexicon_names import (
    _NOT_LONE_LABELS,
    _PLACE_WORDS,
    country_names,
)
from streams.compliance.persons import (
    _CELL_NAME,
    _LOW,
    _UP,
    PARTICLE_PATTERN,
    NameSpan,
    _cells,
    _strip_cell,
    is_company,
    line_spans,
    looks_like_name,
)

FORM_SCORE: Final = 0.6

_SURNAME_WORD = rf"[{_UP}][{_LOW}]+(?:['\u2019][{_UP}][{_LOW}]+)?"
# "J. Hoogers", "I. dos da Rosa", "S. MacKenzie-Gaskin", "R. van Tours" (not "U.S. Army":
# the initial stands alone; not "A.B. Smith" either: two initials read as one here too).
_INITIAL_SURNAME = re.compile(
    rf"(?<![\w.@/&-])(?P<init>[{_UP}]\.(?:[ \t]?[{_UP}]\.)?)[ \t]+"
    rf"(?P<part>(?:(?:{PARTICLE_PATTERN})[ \t]+){{0,2}})"
    rf"(?P<sur>{_SURNAME_WORD}(?:-{_SURNAME_WORD})?)(?![\w@/-]|\.\w)"
)


def _not_english(lex: NameLexicon, word: str) -> bool:
    info = lex.lookup(word)
    return info is None or not info.is_common_word


def initial_surnames(text: str, lex: NameLexicon | None = None) -> list[NameSpan]:
    """An initial, optional particles and a surname that is no everyday English word."""
    lex = lex or lexicon()
    out = []
    for m in _INITIAL_SURNAME.finditer(text):
        parts = m.group("sur").split("-")
        if len(parts[0]) < 3 or fold_word(parts[0]) in NOT_NAMES:
            continue
        if not all(_not_english(lex, p) for p in parts):
            continue
        if len(parts) == 1 and not m.group("part"):
            info = lex.lookup(parts[0])
            named = info is not None and (info.surname() or info.given())
            if not (named or lex.unknown(parts[0])):
                continue
        if is_company(text, m.end()):
            continue
        out.append(NameSpan(m.start(), m.end(), FORM_SCORE))
    return out


_LONE_WORD = re.compile(
    rf"(?<![\w@./'\u2019-])(?P<w>[{_UP}][{_LOW}]{{3,}}|[{_UP}]{{5,}})"
    rf"(?![\w@/'\u2019-]|\.\w)"
)
# Model entities a lone word inside them is not a person: dates, places, products, works,
# peoples and languages.
_NOT_LONE: Final = _NOT_LONE_LABELS | {"NORP", "LANGUAGE"}


# One more word of a company name ("Pöschl & Mayr GmbH", "Romiti, Mascheroni e Visintini").
_COMPANY_STEP = re.compile(
    rf"[ \t]*(?:&|\+|,|-|and|y|e|i|és|und|et|og|och|en)?[ \t]*"
    rf"(?:(?:{PARTICLE_PATTERN})[ \t]+){{0,2}}{_SURNAME_WORD}"
)
# A place after its preposition or an arrow: "trip to Sevilla" is no person ("in", "from").
_PLACE_BEFORE = re.compile(r"(?:\b(?:in|from|near|via|at)|→|->)[ \t]+$")
_PLACE_AFTER = re.compile(r"[ \t]*(?:→|->)")
# Words of legal forms that read as names ("Teixeira e Filhos", "Soós és társa").
_FORM_WORDS: Final = frozenset(
    {
        "filhos",
        "figli",
        "asociados",
        "associados",
        "sons",
        "sohne",
        "partners",
        "associates",
        "group",
        "holdings",
        "tarsa",
        "hijos",
        "fils",
        "freres",
        "zonen",
    }
)


def in_company(text: str, start: int, end: int) -> bool:
    """Whether the word at ``start:end`` is part of a company name: a legal form follows
    within a few words of the same line, or an ampersand stands next to it."""
    near = text[max(0, start - 3) : start] + text[end : end + 3]
    if "&" in near or "+" in near or fold_word(text[start:end]) in _FORM_WORDS:
        return True
    pos = end
    for _ in range(5):
        if is_company(text, pos):
            return True
        m = _COMPANY_STEP.match(text, pos)
        if m is None:
            return False
        pos = m.end()
    return is_company(text, pos)


def rare_lone_names(
    text: str, entities: Iterable[tuple[int, int, str]] = (), lex: NameLexicon | None = None
) -> list[NameSpan]:
    """Single words that are a given name of some country (top 3,000 of one, or known in
    two) and no English word at all, outside dates, places and products the model
    recognised, company names and places after "in", "from" or an arrow. Only for texts
    that already name someone or hold contact data. Surnames alone are left to the other
    rules: as often as not they are companies, towns and streets (measured: precision of
    all changes 0.840 with them, 0.856 without, report half)."""
    lex = lex or lexicon()
    blocked = [(s, e) for s, e, label in entities if label in _NOT_LONE]
    countries = country_names()
    out = []
    for m in _LONE_WORD.finditer(text):
        word = m.group("w")
        info = lex.lookup(word)
        if info is None or info.english_rank != 0:
            continue
        if not (info.given(3000) or info.given(5000, 2)):
            continue  # lone surnames are company, town and street names as often as people
        folded = fold_word(word)
        if folded in countries or folded in _PLACE_WORDS or folded in NOT_NAMES:
            continue
        if any(s < m.end() and m.start() < e for s, e in blocked):
            continue
        if in_company(text, m.start(), m.end()):
            continue
        if _PLACE_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            continue
        if _PLACE_AFTER.match(text, m.end()):
            continue
        out.append(NameSpan(m.start(), m.end(), FORM_SCORE))
    return out


_DELIMITERS: Final = ("|", "\t", ";", ",")
_MIN_ROWS: Final = 3


def _blocks(
    text: str, lines: Sequence[tuple[int, int]], delim: str
) -> list[list[list[tuple[int, int]]]]:
    """Runs of consecutive lines with the same number of ``delim`` cells (2+ cells)."""
    blocks: list[list[list[tuple[int, int]]]] = []
    current: list[list[tuple[int, int]]] = []
    for ls, le in lines:
        line = text[ls:le]
        if re.fullmatch(r"[\s|:+-]*", line) and line.strip():
            continue  # a Markdown separator line
        cells = _cells(line, ls, delim) if delim in line else []
        if len(cells) >= 2 and (not current or len(cells) == len(current[0])):
            current.append(cells)
            continue
        if len(current) >= _MIN_ROWS:
            blocks.append(current)
        current = [cells] if len(cells) >= 2 else []
    if len(current) >= _MIN_ROWS:
        blocks.append(current)
    return blocks


def column_names(text: str, persons: Sequence[tuple[int, int]]) -> list[NameSpan]:
    """Cells of a table column where at least half of the non-empty cells (two or more)
    already hold a person's name: the other cells that read as a name are names too."""
    if not persons:
        return []
    out: list[NameSpan] = []
    lines = line_spans(text)
    for delim in _DELIMITERS:
        for rows in _blocks(text, lines, delim):
            for ci in range(len(rows[0])):
                # the first row may be a header ("Name", "Guest"): its cells never count
                cells = [_strip_cell(text, *row[ci]) for row in rows[1:]]
                cells = [(s, e) for s, e in cells if e > s]
                holding = [(s, e) for s, e in cells if any(a < e and s < b for a, b in persons)]
                if len(holding) < 2 or 2 * len(holding) < len(cells):
                    continue
                for s, e in cells:
                    if (s, e) in holding:
                        continue
                    value = text[s:e]
                    if any(c.isdigit() for c in value) or _CELL_NAME.fullmatch(value) is None:
                        continue
                    if looks_like_name(value.replace(",", " "), min_words=1):
                        out.append(NameSpan(s, e, FORM_SCORE))
    return out
