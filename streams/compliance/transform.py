"""Turn detections into non-overlapping findings and rewrite the text accordingly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from streams.compliance.detector import Detection
from streams.compliance.policy import Action
from streams.compliance.pseudonym import Pseudonymizer


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of the ORIGINAL text, its entity type, confidence and the action taken."""

    entity_type: str
    start: int
    end: int
    score: float
    action: Action


# NER labels that other, more specific recognisers often overlap ("MRN: 1234567" read as
# a date): on a tie in strictness the specific type names the finding.
GENERIC_ENTITIES = frozenset({"DATE_TIME", "LOCATION", "NRP", "URL", "PERSON"})


def resolve(detections: Sequence[Detection], action_for: Callable[[str], Action]) -> list[Finding]:
    """Merge overlapping detections: each cluster becomes one finding over the union of
    its spans, typed by its strictest, then most confident, then longest member."""
    ordered = sorted(detections, key=lambda d: (d.start, -d.end))
    clusters: list[list[Detection]] = []
    end = -1
    for det in ordered:
        if clusters and det.start < end:
            clusters[-1].append(det)
            end = max(end, det.end)
        else:
            clusters.append([det])
            end = det.end
    findings = []
    for cluster in clusters:
        winner = max(
            cluster,
            key=lambda d: (
                action_for(d.entity_type).strictness,
                d.entity_type not in GENERIC_ENTITIES,
                d.score,
                d.end - d.start,
            ),
        )
        findings.append(
            Finding(
                entity_type=winner.entity_type,
                start=min(d.start for d in cluster),
                end=max(d.end for d in cluster),
                score=winner.score,
                action=action_for(winner.entity_type),
            )
        )
    return findings


def mask(value: str, char: str, keep_last: int) -> str:
    """Letters and digits replaced by ``char``, except the last ``keep_last`` of them."""
    alnum_positions = [i for i, c in enumerate(value) if c.isalnum()]
    hidden = set(alnum_positions[: max(0, len(alnum_positions) - keep_last)])
    if len(alnum_positions) <= keep_last:
        hidden = set(alnum_positions)
    return "".join(char if i in hidden else c for i, c in enumerate(value))


class Rewriter:
    """Applies each finding's action to the text."""

    def __init__(self, pseudonymizer: Pseudonymizer, mask_char: str, mask_keep_last: int) -> None:
        self._pseudonymizer = pseudonymizer
        self._mask_char = mask_char
        self._mask_keep_last = mask_keep_last

    def replacement(self, finding: Finding, value: str) -> str:
        if finding.action is Action.KEEP:
            return value
        if finding.action is Action.MASK:
            return mask(value, self._mask_char, self._mask_keep_last)
        if finding.action is Action.HASH:
            return self._pseudonymizer.token(finding.entity_type, value)
        return f"<{finding.entity_type}>"

    def rewrite(self, text: str, findings: Sequence[Finding]) -> str:
        """``text`` with every finding replaced (findings must not overlap)."""
        parts: list[str] = []
        cursor = 0
        for finding in sorted(findings, key=lambda f: f.start):
            parts.append(text[cursor : finding.start])
            parts.append(self.replacement(finding, text[finding.start : finding.end]))
            cursor = finding.end
        parts.append(text[cursor:])
        return "".join(parts)
