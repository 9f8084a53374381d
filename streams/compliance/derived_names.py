"""Identifiers derived from a person's name found in the same text.

Once a text names "Margareta Andersson-Ibrahim" or "Kaique Duarte", the same person appears
in forms no name rule sees:

* user names and handles built from the name: ``andersson-ibrahimm``, ``girish.ratta``,
  ``kochp``, ``northa``, ``jdoe``, ``andersjo`` (parts of the surname and given name, in
  either order, joined or separated by ``.``, ``_`` or ``-``);
* the name as a URL slug: ``linkedin.com/in/kaique-duarte``;
* short forms of the given name used as nicknames: "Kai", "Marg", "Hilk" (a capitalised
  word of 3+ letters that begins a known given name, is no English word and is not a
  name's whole word already).

And user names after their labels ("AD username:", "login:", "acct"), whatever they look
like. Every such span is PERSON: it identifies the person as much as the name does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from spacy.lang.en.stop_words import STOP_WORDS

from streams.compliance.lexicon import NOT_NAMES, NameLexicon, fold_word, lexicon
from streams.compliance.persons import NameSpan

DERIVED_SCORE: Final = 0.7

_TOKEN = re.compile(r"(?<![\w@.+/-])(?P<t>[a-z][a-z0-9]*(?:[._-][a-z0-9]+){0,3})(?![\w@/-]|\.\w)")
_SLUG = re.compile(
    r"/(?:in|u|user|users|profile|people|@)?/?(?P<t>[a-z][a-z0-9]*(?:[-_.][a-z0-9]+){1,4})"
)
_LABELLED = re.compile(
    r"(?i:(?:ad|ldap|windows|network|unix|login|user|system|sam)?[ \t]*"
    r"(?:user[ \t]*name|username|user[ \t]*id|login|account[ \t]*name|acct|samaccountname"
    r"|uid))[ \t]*[:=#][ \t]*(?P<t>[a-z][a-z0-9._-]{2,30}[a-z0-9])(?![\w@])"
)
_CAPITALISED = re.compile(r"(?<![\w-])(?P<t>[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]{2,})(?![\w-])")


def _parts(name: str) -> tuple[list[str], list[str]]:
    """Folded given-name words and surname words ("Margareta Andersson-Ibrahim" ->
    (["margareta"], ["andersson", "ibrahim", "anderssonibrahim"]))."""
    words = [fold_word(w) for w in re.split(r"[ \t,]+", name.strip()) if w]
    words = [re.sub(r"[^a-z'-]", "", w) for w in words]
    words = [w for w in words if len(w) >= 2]
    if len(words) < 2:
        return [], []
    given, surname = words[:1], words[1:]
    if "," in name:  # "Ratta, Girish"
        given, surname = words[-1:], words[:-1]
    out_s = []
    for s in surname:
        out_s += [p for p in s.split("-") if p] + [s.replace("-", ""), s]
    return given, out_s


def _derived_forms(given: Sequence[str], surnames: Sequence[str]) -> set[str]:
    forms: set[str] = set()
    for g in given:
        for s in surnames:
            if len(s) < 3:
                continue
            for sep in ("", ".", "_", "-"):
                forms |= {f"{g}{sep}{s}", f"{s}{sep}{g}", f"{g[0]}{sep}{s}", f"{s}{sep}{g[0]}"}
            forms |= {f"{g}{s[0]}", f"{g}.{s[0]}", f"{s[:6]}{g[:2]}", f"{s[:5]}{g[:3]}"}
    return {f for f in forms if len(f) >= 4}


def derived_names(
    text: str, names: Iterable[str], lex: NameLexicon | None = None
) -> list[NameSpan]:
    """User names, URL slugs and short forms derived from ``names`` (full names of two or
    more words found in ``text``), plus labelled user names."""
    lex = lex or lexicon()
    out = [
        NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE)
        for m in _LABELLED.finditer(text)
        if m.group("t") not in STOP_WORDS
    ]
    forms: set[str] = set()
    given_words: set[str] = set()
    whole_words: set[str] = set()
    for name in set(names):
        given, surnames = _parts(name)
        if not given:
            continue
        forms |= _derived_forms(given, surnames)
        given_words |= {g for g in given if len(g) >= 5}
        whole_words |= set(given) | set(surnames)
    if not forms and not given_words:
        return out
    for m in _TOKEN.finditer(text):
        token = m.group("t")
        if re.sub(r"\d+$", "", token) in forms:
            out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    for m in _SLUG.finditer(text):
        slug = re.sub(r"[-_.]?\d+$", "", m.group("t"))
        words = re.split(r"[-_.]", slug)
        if len(words) >= 2 and all(w in whole_words for w in words):
            out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    for m in _CAPITALISED.finditer(text):
        word = fold_word(m.group("t"))
        if word in whole_words or len(word) < 3 or word in NOT_NAMES or word in STOP_WORDS:
            continue
        if not any(g.startswith(word) and len(word) < len(g) for g in given_words):
            continue
        info = lex.lookup(word)
        if info is not None and info.english_rank:
            continue  # "Heat" (Heather), "Mark" (Markus): words first
        out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    return out
