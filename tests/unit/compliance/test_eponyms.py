"""Things named after people (eponyms.py): methods, laws, diseases, rooms and lectures are
not people; a person's own test, number or room still is one."""

from __future__ import annotations

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.eponyms import named_thing

pytestmark = pytest.mark.unit


def _named(text: str, value: str) -> bool:
    start = text.index(value)
    return named_thing(text, start, start + len(value))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The Kaiser window is a taper formed by a Bessel function.", "Kaiser"),
        ("Use Dijkstra's algorithm for shortest paths.", "Dijkstra"),
        ("Kalman filters at the edge", "Kalman"),
        ("A patient with Down syndrome", "Down"),
        ("Coffee in the Nelson Room at 3", "Nelson"),
        ("Marie Curie Keynote at 09:00", "Marie Curie Keynote"),
        ("the Alan Turing Memorial Lecture", "Alan Turing"),
        ("Newton's method converges quadratically", "Newton"),
    ],
)
def test_things_named_after_people(text: str, value: str) -> None:
    assert _named(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Anna's test results came back normal.", "Anna"),
        ("John's number is 0170 555 0101.", "John"),
        ("Call Anna Lind tomorrow about the window.", "Anna Lind"),
        ("Dr. Anna Lind, Room 204", "Anna Lind"),
        ("Patient: Anna Lind    Ward 5    Bed 2", "Anna Lind"),
        ("Anna Lind\tRoom 12", "Anna Lind"),
        ("Maria's room is on the second floor.", "Maria"),
    ],
)
def test_people_stay_people(text: str, value: str) -> None:
    assert not _named(text, value)


def test_detector_keeps_eponyms_and_finds_the_person(detector: PresidioDetector) -> None:
    text = (
        "From: Anna Lind <anna.lind@example.org>\n"
        "Anna tried the Hamming window and the Wald distribution in Room 4."
    )
    [found] = detector.detect([text])
    persons = {text[d.start : d.end] for d in found if d.entity_type == "PERSON"}
    assert "Anna Lind" in persons
    assert not persons & {"Hamming", "Wald"}


def test_hyphenated_eponyms_and_clinical_names() -> None:
    """ "Kaplan-Meier method", "Mann-Whitney test", "Hodgkin lymphoma", "Krebs cycle" are
    things; "Anna's cells" and "Anna Smith ran the test" are about a person."""
    for text, name, thing in (
        ("We used the Kaplan-Meier method to", "Kaplan", True),
        ("a Mann-Whitney test was", "Mann", True),
        ("Hodgkin lymphoma cells express CD30", "Hodgkin", True),
        ("the Krebs cycle", "Krebs", True),
        ("searched the Cochrane database and PubMed", "Cochrane", True),
        ("data from the Framingham Heart Study", "Framingham", True),
        ("Anna's study was cut short", "Anna", False),
        ("Anna's cells were cultured", "Anna", False),
        ("Anna Smith ran the test", "Anna Smith", False),
    ):
        assert _names_a_thing(text, name) is thing, text


def test_a_surname_that_is_a_head_noun_is_a_person() -> None:
    for text, span, thing in (
        ("our landlord, Jesse Park, to step in", "Jesse Park", False),
        ("J. Bridge signed the form", "J. Bridge", False),
        ("in the Nelson Room at ten", "Nelson Room", True),
        ("the Marie Curie Keynote", "Marie Curie Keynote", True),
    ):
        assert _names_a_thing(text, span) is thing, text


def _names_a_thing(text: str, span: str) -> bool:
    """``named_thing`` for the first occurrence of ``span`` in ``text``."""
    from streams.compliance.eponyms import named_thing

    i = text.index(span)
    return named_thing(text, i, i + len(span))
