"""Things named after people: a name that heads a method, a law or a place is no person.

"Kaiser window", "Wald distribution", "Kalman filters", "Dijkstra's algorithm", "Down
syndrome", "Nelson Room", "Alan Turing Memorial Lecture": the name is an eponym there, and
pseudonymising it wrecks technical, clinical and event text without protecting anyone.

A PERSON span is such a thing when its last word, or the word right after it (one space
between: a tab or more spaces is the next field of a form or table), is one of a closed set
of head nouns. Nouns that also follow a person's name in personal text ("Anna's
test results", "John's number", "Maria's model") are not in the set, and a possessive
counts only before nouns nobody owns ("Newton's method", not "Anna's room").
"""

from __future__ import annotations

import re
from typing import Final

# Mathematics, statistics, science, medicine: "X window", "X's theorem".
_SCIENCE: Final = (
    "theorem|theorems|lemma|conjecture|algorithm|algorithms|inequality|equation|equations"
    "|formula|transform|transforms|transformation|paradox|principle|constant|criterion"
    "|distribution|distributions|window|windows|filter|filters|filtering|chain|chains"
    "|process|processes|integral|integrals|polynomial|polynomials|kernel|estimator"
    "|statistic|coefficient|coefficients|syndrome|disease|effect|hypothesis|manifold"
    "|operator|operators|matrix|matrices|series|space|spaces|curve|correction|method"
    "|methods|decomposition|iteration|quadrature|interpolation|approximation|function"
    "|functions|test|tests|sampler|sampling|walk|noise|variable|variables|norm|ratio"
    "|scale|index|distance|divergence|entropy|model|models|machine|graph|graphs|tree|trees"
    "|code|codes|transformation|identity|bound|bounds|limit|form|forms|measure|measures"
    "|number|numbers|rule|sign|reflex|procedure|maneuver|manoeuvre|classification"
    "|regression|kinetics|plot|plots|score|scores|law|laws|cycle|reaction|reactions|stain"
    "|hazard|hazards"
    "|staining|sarcoma|lymphoma|cells|fibers|fibres|bodies|apparatus|palsy|phenomenon"
    "|estimate|estimates|estimation|analysis|equilibrium|spectrum|spectroscopy"
    "|probe|level|levels|mice|rats|strain|strains|detector|detectors|telescope|observatory"
    "|biobank|tool|microscopy|microscope|staging|grade|criteria"
)
# Places, events and honours named after people: "Nelson Room", "Turing Memorial Lecture".
_NAMED: Final = (
    "room|hall|ward|wing|lecture|lectures|keynote|building|centre|center|prize|award"
    "|awards|medal|fellowship|foundation|institute|library|theatre|theater|memorial"
    "|museum|gallery|lab|laboratory|school|college|university|hospital|station|airport"
    "|stadium|arena|pavilion|lounge|auditorium|trophy|cup|scholarship|professorship"
    "|chair|collection|archive|suite|house|tower|bridge|square|garden|gardens|park"
    # studies, cohorts and databases named after a person or a place: "Cochrane database"
    "|cohort|cohorts|study|studies|trial|trials|database|databases|registry|consortium"
    "|collaboration|survey"
)
# Head nouns that are common surnames too: a two-word span ending in one is a person.
_SURNAME_HEADS: Final = frozenset(
    [
        *("park", "hall", "bridge", "house", "tower", "garden", "gardens", "chair", "ward"),
        *("wing", "square", "law", "chain", "field", "fields", "cup", "index", "bell", "rule"),
        "ford",
    ]
)
# Nouns a person may own in personal text: after a possessive they say nothing.
_OWNED: Final = frozenset(
    [
        "test",
        "tests",
        "number",
        "numbers",
        "rule",
        "sign",
        "model",
        "models",
        "code",
        "codes",
        "form",
        "forms",
        "room",
        "suite",
        "house",
        "garden",
        "chair",
        "collection",
        "ward",
        "effect",
        "function",
        "limit",
        "identity",
        "measure",
        "noise",
        "walk",
        "process",
        "machine",
        "tree",
        "trees",
        "space",
        "cells",
        "score",
        "scores",
        "analysis",
        "estimate",
        "study",
        "studies",
        "database",
        "databases",
        "survey",
    ]
)

# Statistical qualifiers between an eponym and its noun ("Cox proportional hazards model",
# "Wilcoxon signed-rank test", "Fisher exact test").
_BRIDGE = (
    r"(?:proportional(?: hazards?)?|signed-rank|rank-sum|rank|exact|partial|generali[sz]ed"
    r"|two-sample|one-sample|paired|post[ -]hoc)"
)
# "Kaplan-Meier method", "Mann-Whitney test": a hyphenated co-eponym may come between.
# Diseases named after someone, with a qualifier between ("Becker muscular dystrophy",
# "Duchenne muscular dystrophy", "Hodgkin's non-classical lymphoma").
_DISEASE = (
    r"dystrophy|dystrophies|sclerosis|atrophy|ataxia|palsy|syndrome|disease|lymphoma|sarcoma"
    r"|carcinoma|anaemia|anemia|encephalopathy|neuropathy|myopathy|cardiomyopathy|tumou?r"
)
_AFTER = re.compile(
    rf"(?P<co>(?:-[A-Z][a-z]+)*)(?P<poss>['\u2019]s)? (?:[A-Z][a-z]* )?(?:{_BRIDGE} )?"
    rf"(?:(?P<qual>[a-z]+(?:-[a-z]+)?) (?=(?i:{_DISEASE})\b))?"
    rf"(?P<noun>(?i:{_SCIENCE}|{_NAMED}|{_DISEASE}))\b"
)
_LAST_WORD = re.compile(rf"(?i:{_SCIENCE}|{_NAMED})")


def named_thing(text: str, start: int, end: int) -> bool:
    """Whether the PERSON span ``text[start:end]`` names a thing after someone."""
    words = text[start:end].split()
    if len(words) >= 2 and _LAST_WORD.fullmatch(words[-1]) and words[-1][:1].isupper():
        # "Marie Curie Keynote", "Nelson Room" inside the span; but "Jesse Park", "Anna
        # Hall" and "J. Bridge" are people whose surname is a head noun
        return not (len(words) == 2 and words[-1].lower() in _SURNAME_HEADS)
    m = _AFTER.match(text, end)
    if m is None:
        return False
    noun = m.group("noun").lower()
    if m.group("poss") and noun in _OWNED:
        return False  # "Anna's test", "John's number"
    between = text[m.end("co") : m.start("noun")]
    if re.search(r"[A-Z][a-z]", between):  # a statistic's letter is fine: "Mann-Whitney U test"
        # "Anna Smith Memorial Lecture" reads as named after; "Anna Smith Test" too, but a
        # second capitalised word before a lower-case noun is the start of something else
        return m.group("noun")[:1].isupper()
    return True
