"""Short name forms (name_forms.py): an initial and a surname, rare names standing alone in
texts that name someone, the rest of a table column of names; companies and places stay."""

from __future__ import annotations

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.lexicon_names import inverted_names
from streams.compliance.name_forms import (
    column_names,
    in_company,
    initial_surnames,
    rare_lone_names,
)

pytestmark = pytest.mark.unit


def _spans(text: str, spans: list) -> set[str]:  # type: ignore[type-arg]
    return {text[s.start : s.end] for s in spans}


def test_an_initial_and_a_surname_is_a_name() -> None:
    text = (
        "14:00 | Curie | I. dos da Rosa & L. von Hoffmann | A. Kaczmarkiewicz-Szymonik\n"
        "Chair: J. Hoogers. Cited: M. Praxmarer-Haindl (2021)."
    )
    assert _spans(text, initial_surnames(text)) == {
        "I. dos da Rosa",
        "L. von Hoffmann",
        "A. Kaczmarkiewicz-Szymonik",
        "J. Hoogers",
        "M. Praxmarer-Haindl",
    }


def test_outline_letters_and_abbreviations_are_not_initials() -> None:
    text = "A. Introduction\nB. Methods and Results\nThe U.S. Army and E. coli. Plan B. Patients"
    assert initial_surnames(text) == []
    assert initial_surnames("Supplied by J. Hoogers GmbH") == []


def test_rare_names_standing_alone_but_not_words_rooms_or_places() -> None:
    text = (
        "16:30 | Fleming | Hirvonen\n11:00 | Lovelace | Ibarra\n"
        "Notes by WIBOWO; Tuula will call. Trip in Sevilla. Theorem of Dijkstra, Kafka topics."
    )
    found = _spans(text, rare_lone_names(text))
    assert {"Hirvonen", "Ibarra", "WIBOWO", "Tuula"} <= found
    assert not found & {"Fleming", "Lovelace", "Sevilla", "Dijkstra", "Kafka", "Notes", "Trip"}


def test_surnames_inside_company_names_are_not_people() -> None:
    text = (
        "Engineer, Ouwerkerk & Lagerweij, Malmö\nAnalyst, Oberhauser GmbH\n"
        "Romiti, Mascheroni e Visintini Group\nTeixeira e Filhos\nKuehne + Nagel Logistics"
    )
    malmo = (text.index("Malmö"), text.index("Malmö") + 5, "GPE")  # the model's place
    assert rare_lone_names(text, [malmo]) == []
    start = text.index("Oberhauser")
    assert in_company(text, start, start + len("Oberhauser"))


def test_the_rest_of_a_name_column_is_names() -> None:
    text = (
        "10:30 | Tesla | Anna Kowalski\n11:00 | Fleming | Brugnaro\n"
        "11:30 | Hopper | Jan Novak\n12:00 | Curie | Maria Rossi\n"
    )
    found = [(text.index(n), text.index(n) + len(n)) for n in ("Anna Kowalski", "Jan Novak")]
    found.append((text.index("Maria Rossi"), text.index("Maria Rossi") + len("Maria Rossi")))
    assert _spans(text, column_names(text, found)) == {"Brugnaro"}
    # a column with one name in it says nothing about its other cells
    assert column_names(text, found[:1]) == []


def test_inverted_name_with_a_surname_no_lexicon_knows() -> None:
    text = (
        "Speakers: Ketel, Femke (Costela Gomes); Codrongianos, April 10 departure; "
        "lenders: Barclays, Morgan Stanley"
    )
    assert _spans(text, inverted_names(text)) == {"Ketel, Femke"}


def test_detector_uses_rare_lone_names_only_where_someone_is_named(
    detector: PresidioDetector,
) -> None:
    personal = "From: Ana Lima <ana.lima@example.org>\nHirvonen signed the form; ask Ibarra."
    [found] = detector.detect([personal])
    persons = {personal[d.start : d.end] for d in found if d.entity_type == "PERSON"}
    assert {"Hirvonen", "Ibarra"} <= persons
    technical = "Hirvonen is the build host; Ibarra runs the nightly job."
    [found] = detector.detect([technical])
    assert [technical[d.start : d.end] for d in found if d.entity_type == "PERSON"] == []
