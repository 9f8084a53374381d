"""Survival of labelled values and precision of changes.

* A labelled value **survives** when any of its words (a run of letters/digits: 2+ for
  names, 3+ otherwise) is not entirely inside changed spans: a name half-replaced, a phone
  with its subscriber part left or an address whose street name stays all count as leaks.
* A **change** (a span the system replaced) is correct when it overlaps a labelled value
  (direct or quasi-identifier); every other change is a false positive.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bench.compliance.corpus import DIRECT, LABELS, Sample
from streams.compliance.entities import NATIONAL_ENTITIES

# Which detected entity types count as which gold label, for the per-type precision rows.
# Every type the detector emits for a national, tax or licence number scores as NATIONAL_ID:
# the shipped recognisers' types plus the US ones and the licence types.
_NATIONAL_ID_TYPES = NATIONAL_ENTITIES | {
    "US_SSN",
    "US_ITIN",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "LICENSE_NUMBER",
    "MEDICAL_LICENSE",
}


def label_of(entity_type: str) -> str:
    """The gold label a detected entity type stands for (itself when none)."""
    if entity_type in _NATIONAL_ID_TYPES:
        return "NATIONAL_ID"
    if entity_type in ("ZIP_CODE",):
        return "LOCATION"
    return entity_type


@dataclass(frozen=True, slots=True)
class Change:
    """A span a system replaced (its own entity type)."""

    entity_type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LabelResult:
    label: str
    gold: int
    survived: int
    changed: int
    changed_correct: int

    @property
    def survival(self) -> float:
        return self.survived / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.changed_correct / self.changed if self.changed else 1.0


@dataclass(frozen=True, slots=True)
class Report:
    labels: tuple[LabelResult, ...]
    direct_gold: int
    direct_survived: int
    changed: int
    changed_correct: int
    other_changes: tuple[tuple[str, int, int], ...]  # entity type, changed, correct
    by_shape: dict[str, tuple[int, int]]  # shape -> (direct gold, survived)
    by_locale: dict[str, tuple[int, int]]

    @property
    def direct_survival(self) -> float:
        return self.direct_survived / self.direct_gold if self.direct_gold else 0.0

    @property
    def precision(self) -> float:
        return self.changed_correct / self.changed if self.changed else 1.0


_WORD = re.compile(r"[^\W_]+")


def _covered(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Every character of [start, end) lies in the union of ``spans``."""
    pos = start
    for s, e in spans:  # sorted by start
        if e <= pos:
            continue
        if s > pos:
            return False
        pos = e
        if pos >= end:
            return True
    return pos >= end


def survives(
    text: str, label: str, start: int, end: int, changed: Sequence[tuple[int, int]]
) -> bool:
    """True when a word of the value (see module docstring) escaped every change."""
    minimum = 2 if label == "PERSON" else 3
    for m in _WORD.finditer(text, start, end):
        if len(m.group()) < minimum:
            continue
        if not _covered(m.start(), m.end(), changed):
            return True
    return False


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(samples: Sequence[Sample], changes: Sequence[Iterable[Change]]) -> Report:
    """Survival per gold label and precision per (gold label of the) changed entity type."""
    gold: Counter[str] = Counter()
    survived: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    shape_stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    locale_stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample, found in zip(samples, changes, strict=True):
        found = list(found)
        spans = sorted((c.start, c.end) for c in found)
        gold_spans = [(s.start, s.end) for s in sample.spans]
        for s in sample.spans:
            gold[s.label] += 1
            leak = survives(sample.text, s.label, s.start, s.end, spans)
            if leak:
                survived[s.label] += 1
            if s.label in DIRECT:
                for key, stats in ((sample.shape, shape_stats), (s.locale or "?", locale_stats)):
                    stats[key][0] += 1
                    stats[key][1] += int(leak)
        for c in found:
            label = label_of(c.entity_type)
            changed[label] += 1
            if any(_overlaps((c.start, c.end), g) for g in gold_spans):
                correct[label] += 1
    labels = tuple(
        LabelResult(label, gold[label], survived[label], changed[label], correct[label])
        for label in LABELS
    )
    others = tuple(
        sorted(
            ((label, changed[label], correct[label]) for label in changed if label not in LABELS),
            key=lambda t: -t[1],
        )
    )
    return Report(
        labels=labels,
        direct_gold=sum(gold[label] for label in DIRECT),
        direct_survived=sum(survived[label] for label in DIRECT),
        changed=sum(changed.values()),
        changed_correct=sum(correct.values()),
        other_changes=others,
        by_shape={k: (v[0], v[1]) for k, v in sorted(shape_stats.items())},
        by_locale={k: (v[0], v[1]) for k, v in sorted(locale_stats.items())},
    )
