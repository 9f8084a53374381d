"""A nationality or religion describing a group or a thing is nobody's personal data."""

from __future__ import annotations

import pytest

from streams.compliance.groups import describes_group

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "word", "group"),
    [
        ("in Japanese cohorts", "Japanese", True),
        ("spread across Israeli hospitals", "Israeli", True),
        ("under German law", "German", True),
        ("the Danish national registry", "Danish", True),
        ("the American Mathematical Society", "American", True),
        ("in Chinese and Japanese populations", "Chinese", True),
        ("Swedish, Danish or Norwegian registries", "Swedish", True),
        ("a Chinese and a Japanese man", "Chinese", False),
        ("a 45-year-old Japanese man", "Japanese", False),
        ("Nationality: Japanese\n", "Japanese", False),
        ("She is Muslim and lives", "Muslim", False),
        ("a devout Catholic priest", "Catholic", False),
    ],
)
def test_group_or_person(text: str, word: str, group: bool) -> None:
    end = text.index(word) + len(word)
    assert describes_group(text, end) is group


def test_detector_keeps_nationality_of_a_cohort(detector: object) -> None:
    """End to end: the cohort's nationality stays, the person's is found."""
    from streams.compliance import PresidioDetector

    assert isinstance(detector, PresidioDetector)
    text = "Gastric cancer in Japanese cohorts. Patient: a 45-year-old Japanese man."
    [found] = detector.detect([text])
    nrp = [d.start for d in found if d.entity_type == "NRP"]
    assert text.index("Japanese cohorts") not in nrp
