"""Per-label precision and recall by span overlap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.compliance.corpus import LABELS, Sample

# Which predicted entity types count as which gold label.
LABEL_OF: dict[str, str] = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "US_SSN": "US_SSN",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "LOCATION": "LOCATION",
    "STREET_ADDRESS": "LOCATION",
    "ZIP_CODE": "LOCATION",
    "MRN": "MRN",
}


@dataclass(frozen=True, slots=True)
class Predicted:
    entity_type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LabelScore:
    label: str
    gold: int
    predicted: int
    recall: float
    precision: float


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score(
    samples: Sequence[Sample], predictions: Sequence[Sequence[Predicted]]
) -> list[LabelScore]:
    out = []
    for label in LABELS:
        gold = found = predicted = correct = 0
        for sample, preds in zip(samples, predictions, strict=True):
            mine = [p for p in preds if LABEL_OF.get(p.entity_type) == label]
            spans = [s for s in sample.spans if s.label == label]
            gold += len(spans)
            found += sum(
                any(_overlaps(s.start, s.end, p.start, p.end) for p in mine) for s in spans
            )
            predicted += len(mine)
            correct += sum(
                any(_overlaps(s.start, s.end, p.start, p.end) for s in spans) for p in mine
            )
        out.append(
            LabelScore(
                label=label,
                gold=gold,
                predicted=predicted,
                recall=found / gold if gold else 1.0,
                precision=correct / predicted if predicted else 1.0,
            )
        )
    return out
