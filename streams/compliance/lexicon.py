"""The name lexicon: given names and surnames of 106 countries, and which are English words.

``data/names.tsv.gz`` is built by ``scripts/build_name_lexicon.py`` from two registry
packages (names-dataset 3.3.1 for the names and their popularity rank per country,
pyspellchecker 0.9.1 for English word frequencies); nothing is downloaded at run time.
About 430,000 entries; loaded once per process (about 1.5 s, 30 MB of resident memory).

Each entry is packed into one int to keep the table small: the best rank as a given name and
as a surname (1..5000, 0 = not one), the number of countries where it ranks in the top 5000
(0..15), and its rank among English words (0 = not an English word).
"""

from __future__ import annotations

import gzip
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final

from spacy.lang.en.stop_words import STOP_WORDS

# An English word ranked above this (by subtitle frequency, lower-case uses only) is a
# common word: "mark", "will", "data", "gene", "table". A name that is also such a word
# counts only when it is a name in many countries ("Mark", "May").
COMMON_WORD_RANK: Final = 12_000
GLOBAL_NAME_COUNTRIES: Final = 6
GLOBAL_NAME_RANK: Final = 300


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Never names here, whatever the lexicon says: weekdays, month abbreviations, literals,
# form and title words ("Signed", "Age", "Hon", "Queen").
NOT_NAMES: Final = _words(
    "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
    "saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec january february "
    "march july september october november december true false none null nan signed age hon "
    "society queen pol"
)

_RANK_BITS: Final = 13
_COUNT_BITS: Final = 4


@dataclass(frozen=True, slots=True)
class NameInfo:
    """What the lexicon knows about one word."""

    given_rank: int
    given_countries: int
    surname_rank: int
    surname_countries: int
    english_rank: int

    @property
    def is_common_word(self) -> bool:
        """An everyday English word that is not also a name known across many countries."""
        if not 0 < self.english_rank <= COMMON_WORD_RANK:
            return False
        return not (
            (
                0 < self.given_rank <= GLOBAL_NAME_RANK
                and self.given_countries >= GLOBAL_NAME_COUNTRIES
            )
            or (
                0 < self.surname_rank <= GLOBAL_NAME_RANK
                and self.surname_countries >= GLOBAL_NAME_COUNTRIES
            )
        )

    def given(self, max_rank: int = 5000, min_countries: int = 1) -> bool:
        return 0 < self.given_rank <= max_rank and self.given_countries >= min_countries

    def surname(self, max_rank: int = 5000, min_countries: int = 1) -> bool:
        return 0 < self.surname_rank <= max_rank and self.surname_countries >= min_countries

    def everyday_word(self, max_rank: int = 20000) -> bool:
        """Among the ``max_rank`` most frequent English words, name or not ("Grace")."""
        return 0 < self.english_rank <= max_rank

    def name_not_word(self) -> bool:
        """A given name or a surname that is no everyday English word ("Iwao", not "Will")."""
        return (self.given() or self.surname()) and not self.everyday_word()


def _pack(given: int, gn: int, surname: int, sn: int, english: int) -> int:
    value = english
    for part, bits in (
        (sn, _COUNT_BITS),
        (surname, _RANK_BITS),
        (gn, _COUNT_BITS),
        (given, _RANK_BITS),
    ):
        value = (value << bits) | min(part, (1 << bits) - 1)
    return value


def _unpack(value: int) -> NameInfo:
    parts = []
    for bits in (_RANK_BITS, _COUNT_BITS, _RANK_BITS, _COUNT_BITS):
        parts.append(value & ((1 << bits) - 1))
        value >>= bits
    given, gn, surname, sn = parts
    return NameInfo(given, gn, surname, sn, value)


# Letters that carry no combining mark to strip ("Møller", "Łukasz", "Preiß").
_PLAIN: Final = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "ß": "ss",
        "ł": "l",
        "đ": "d",
        "þ": "th",
        "œ": "oe",
        "\u0131": "i",
        "ð": "d",
        "ŋ": "n",
        "ħ": "h",
    }
)


def fold_word(word: str) -> str:
    """Lower case, plain letters ("Kónya" -> "konya", "Møller" -> "moller"), as the
    lexicon stores names (``scripts/build_name_lexicon.py`` folds the same way)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").translate(_PLAIN)


class NameLexicon:
    """Lookups in the packed table: the sorted UTF-8 keys in one bytes object, found by
    bisection (a dict of 430,000 entries takes about 110 MB; this about 30 MB of process memory)."""

    def __init__(self, entries: Iterable[tuple[str, int]]) -> None:
        """``entries`` in key order (as the data file is written); sorted here otherwise."""
        keys = bytearray()
        self._offsets = array("I", [0])
        self._values = array("Q")
        previous = b""
        for key, value in entries:
            encoded = key.encode()
            if encoded <= previous:
                raise ValueError(f"lexicon entries out of order at {key!r}")
            previous = encoded
            keys += encoded
            self._offsets.append(len(keys))
            self._values.append(value)
        self._keys = bytes(keys)

    def __len__(self) -> int:
        return len(self._values)

    def _get(self, word: str) -> int | None:
        key = word.encode()
        lo, hi = 0, len(self._values)
        keys, offsets = self._keys, self._offsets
        while lo < hi:
            mid = (lo + hi) // 2
            probe = keys[offsets[mid] : offsets[mid + 1]]
            if probe < key:
                lo = mid + 1
            elif probe > key:
                hi = mid
            else:
                return self._values[mid]
        return None

    def unknown(self, word: str) -> bool:
        """Neither a name of some standing, nor one of the 60,000 most frequent English
        words, nor a stop word: "Holdaway", "Wirda", "Kanasewich"."""
        key = fold_word(word.strip(".,;:'\u2019"))
        return key not in STOP_WORDS and key not in NOT_NAMES and self._get(key) is None

    def lookup(self, word: str, *, listed_too: bool = False) -> NameInfo | None:
        """The entry of ``word`` (any case, with or without diacritics), or None.

        English stop words ("The", "See", "You"), weekdays, month abbreviations and
        literals ("False") are never names here, unless ``listed_too`` (the caller has
        other evidence: "Jan de Vries").
        """
        key = fold_word(word.strip(".,;:'\u2019"))
        if key in STOP_WORDS or (key in NOT_NAMES and not listed_too):
            return None
        value = self._get(key)
        return None if value is None else _unpack(value)


def parse(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    for line in lines:
        name, g, gn, sur, sn, en = line.rstrip("\n").split("\t")
        yield name, _pack(int(g), int(gn), int(sur), int(sn), int(en))


@lru_cache(maxsize=1)
def lexicon() -> NameLexicon:
    """The shipped lexicon, loaded once."""
    path = resources.files("streams.compliance").joinpath("data/names.tsv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return NameLexicon(parse(lines))  # streamed: no copy of the whole file in memory
