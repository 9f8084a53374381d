"""Privacy-first overlaps: the most protective action covers the union of the spans."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from streams.compliance import ComplianceEngine
from streams.compliance.detector import Detection
from streams.compliance.policy import Action
from streams.compliance.pseudonym import Pseudonymizer
from streams.compliance.transform import Finding, Rewriter, resolve

EngineFactory = Callable[..., ComplianceEngine]

pytestmark = pytest.mark.unit

GDPR = {
    "PERSON": Action.HASH,
    "PHONE_NUMBER": Action.HASH,
    "DATE_TIME": Action.KEEP,
    "LOCATION": Action.KEEP,
    "URL": Action.KEEP,
    "STREET_ADDRESS": Action.REDACT,
    "CREDIT_CARD": Action.REDACT,
    "PL_PESEL": Action.REDACT,
    "US_SSN": Action.REDACT,
    "NATIONAL_ID": Action.REDACT,
}


def _action(entity_type: str) -> Action:
    return GDPR.get(entity_type, Action.REDACT)


def test_keep_never_protects_a_value_another_recogniser_removes() -> None:
    """A date read over two phone numbers: the phones' hash covers the date's span too."""
    text = "Call 60-56-85-91 or 0490 75 40 81 now"
    dets = [
        Detection("DATE_TIME", 5, 24, 0.85),
        Detection("PHONE_NUMBER", 5, 16, 0.75),
        Detection("PHONE_NUMBER", 20, 33, 0.75),
    ]
    [finding] = resolve(dets, _action)
    assert text[finding.start : finding.end] == "60-56-85-91 or 0490 75 40 81"
    assert finding.action is Action.HASH and finding.entity_type == "PHONE_NUMBER"


def test_strictest_action_wins_on_the_union() -> None:
    """A kept location inside a redacted street address: the whole union is redacted."""
    dets = [Detection("LOCATION", 4, 17, 0.85), Detection("STREET_ADDRESS", 0, 17, 0.75)]
    [finding] = resolve(dets, _action)
    assert finding.action is Action.REDACT and (finding.start, finding.end) == (0, 17)
    # and a kept span reaching past the removed one extends the removal
    dets = [Detection("URL", 10, 40, 0.5), Detection("PERSON", 0, 12, 0.8)]
    [finding] = resolve(dets, _action)
    assert finding.action is Action.HASH and (finding.start, finding.end) == (0, 40)


def test_only_keep_stays_keep() -> None:
    """Findings that all ask to keep stay kept (nothing to protect)."""
    [finding] = resolve([Detection("DATE_TIME", 0, 5, 0.9), Detection("URL", 3, 9, 0.5)], _action)
    assert finding.action is Action.KEEP


def test_the_widest_specific_member_names_the_finding() -> None:
    """A PESEL pattern inside a 19-digit card does not rename the card; a format-checked
    type (US_SSN) names a value over the label-based NATIONAL_ID."""
    [card] = resolve(
        [Detection("CREDIT_CARD", 0, 19, 0.9), Detection("PL_PESEL", 0, 11, 1.0)], _action
    )
    assert card.entity_type == "CREDIT_CARD"
    [ssn] = resolve(
        [Detection("NATIONAL_ID", 4, 15, 0.75), Detection("US_SSN", 4, 15, 0.5)], _action
    )
    assert ssn.entity_type == "US_SSN"


def test_pseudonym_is_computed_from_the_naming_value() -> None:
    """A name whose finding grew over an overlapping location keeps the name's token."""
    pseudo = Pseudonymizer(SecretStr("k"))
    rewriter = Rewriter(pseudo, "*", 4)
    text = "Anna Kovács Budapest"
    grown = resolve([Detection("PERSON", 0, 11, 0.8), Detection("LOCATION", 5, 20, 0.85)], _action)
    plain = [Finding("PERSON", 0, 11, 0.8, Action.HASH)]
    assert rewriter.rewrite(text, grown) == pseudo.token("PERSON", "Anna Kovács")
    assert rewriter.rewrite(text, plain) == pseudo.token("PERSON", "Anna Kovács") + " Budapest"


def test_engine_removes_values_a_kept_type_overlaps(engine_for: EngineFactory) -> None:
    """The issue's cases: a 19-digit card and phones the model reads as dates are removed."""
    texts = [
        "Please charge card 4131034282458809939 for the renewal.",
        "Call me on 60-56-85-91 or 0490 75 40 81 tomorrow.",
        "Phones: (37) 788-063 and 07700 063 966.",
    ]
    results = engine_for("gdpr").redact_text(texts)
    for raw in ("4131034282458809939", "60-56-85-91", "0490 75 40 81", "788-063", "063 966"):
        assert all(raw not in (r.text or "") for r in results), raw
    assert "<CREDIT_CARD>" in (results[0].text or "")


def test_a_strict_format_names_a_cluster_over_a_loose_phone_layout() -> None:
    """ "SSN 412-67-3390" is also a possible phone number; the SSN format names it."""
    from streams.compliance.detector import Detection
    from streams.compliance.policy import Action
    from streams.compliance.transform import resolve

    dets = [
        Detection("PHONE_NUMBER", 4, 15, 0.75),
        Detection("US_SSN", 4, 15, 0.6),
    ]
    (finding,) = resolve(dets, lambda _: Action.REDACT)
    assert finding.entity_type == "US_SSN"
