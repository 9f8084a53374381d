"""Turn detections into non-overlapping findings and rewrite the text accordingly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from streams.compliance.detector import Detection
from streams.compliance.policy import Action
from streams.compliance.pseudonym import Pseudonymizer


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of the ORIGINAL text, its entity type, confidence and the action taken.

    ``value_start``/``value_end`` delimit the value that names the finding (its typing
    member's own span) when the finding grew over overlapping spans: a pseudonym is
    computed from that value, so "Anna Kovács" gets the same token whether or not a date
    or a location overlapped it. None: the whole span.
    """

    entity_type: str
    start: int
    end: int
    score: float
    action: Action
    value_start: int | None = None
    value_end: int | None = None


# NER labels that other, more specific recognisers often overlap ("MRN: 1234567" read as
# a date): on a tie in strictness the specific type names the finding.
GENERIC_ENTITIES = frozenset({"DATE_TIME", "LOCATION", "NRP", "URL", "PERSON"})
# Types found from a label or a loose layout alone: a recogniser that knows a strict format
# names the finding ("SSN 536-22-8147" is a US_SSN rather than a labelled NATIONAL_ID, or a
# phone number, which libphonenumber's "possible" leniency also accepts for most digit groups).
LABELLED_ENTITIES = frozenset({"NATIONAL_ID", "PHONE_NUMBER"})


def specificity(entity_type: str) -> int:
    """0 for generic NER labels, 1 for label-based or loosely checked types, 2 for strict
    formats (checksums, fixed layouts)."""
    if entity_type in GENERIC_ENTITIES:
        return 0
    return 1 if entity_type in LABELLED_ENTITIES else 2


def resolve(detections: Sequence[Detection], action_for: Callable[[str], Action]) -> list[Finding]:
    """Merge overlapping detections, privacy first: each cluster becomes one finding over
    the union of its spans, with the most protective action any member asks for (a
    ``keep`` never protects a value another recogniser would remove). The finding is
    typed by its strictest member, then a specific type over a generic one (an MRN read as
    a date), then the longest, then the most confident."""
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
                specificity(d.entity_type),
                d.end - d.start,
                d.score,
            ),
        )
        start, end = min(d.start for d in cluster), max(d.end for d in cluster)
        grown = (winner.start, winner.end) != (start, end)
        findings.append(
            Finding(
                entity_type=winner.entity_type,
                start=start,
                end=end,
                score=winner.score,
                action=action_for(winner.entity_type),
                value_start=winner.start if grown else None,
                value_end=winner.end if grown else None,
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

    def replacement(self, finding: Finding, value: str, named: str | None = None) -> str:
        """What replaces ``value`` (the finding's whole span); ``named`` is the value the
        pseudonym is computed from (default: ``value``)."""
        if finding.action is Action.KEEP:
            return value
        if finding.action is Action.MASK:
            return mask(value, self._mask_char, self._mask_keep_last)
        if finding.action is Action.HASH:
            return self._pseudonymizer.token(finding.entity_type, named or value)
        return f"<{finding.entity_type}>"

    def rewrite(self, text: str, findings: Sequence[Finding]) -> str:
        """``text`` with every finding replaced (findings must not overlap)."""
        parts: list[str] = []
        cursor = 0
        for finding in sorted(findings, key=lambda f: f.start):
            named = None
            if finding.value_start is not None and finding.value_end is not None:
                named = text[finding.value_start : finding.value_end]
            parts.append(text[cursor : finding.start])
            parts.append(self.replacement(finding, text[finding.start : finding.end], named))
            cursor = finding.end
        parts.append(text[cursor:])
        return "".join(parts)
