"""The name lexicon (lexicon.py, lexicon_names.py), NRP group words (groups.py), and what
they change for the detector: names without context found, technical words left alone."""

from __future__ import annotations

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.groups import is_group_word
from streams.compliance.lexicon import lexicon
from streams.compliance.lexicon_names import (
    lexicon_names,
    model_person_supported,
    relabelled_entities,
)
from streams.compliance.persons import clean_person_span
from streams.compliance.phones import find_phones

pytestmark = pytest.mark.unit


def _found(text: str) -> set[str]:
    return {text[n.start : n.end] for n in lexicon_names(text)}


def test_lexicon_knows_names_of_many_countries_and_english_words() -> None:
    lex = lexicon()
    assert len(lex) > 300_000
    for given in ("Anna", "Tomomi", "Laurits", "Oluwaseun", "Siobhán", "Bartosz"):
        info = lex.lookup(given)
        assert info is not None and info.given(), given
    for surname in ("Nishiyama", "Kónya", "Møller", "Vasquez", "Okafor"):
        info = lex.lookup(surname)
        assert info is not None and info.surname(), surname
    data = lex.lookup("Data")
    assert data is not None and data.is_common_word  # a "name" in one country, a word in English
    mark = lex.lookup("Mark")
    assert mark is not None and not mark.is_common_word  # a name in many countries
    assert lex.lookup("The") is None and lex.lookup("False") is None and lex.lookup("Mon") is None


def test_names_without_context_in_any_case_and_order() -> None:
    text = (
        "TRANSFER TO JOHN SMITH 12.04. Tomomi Nishiyama lives at the corner.\n"
        "Table 4: Anna Kovacs, Peter Muller and Kónya Béla\n"
        "Laurits Møller joined; John F. Kennedy spoke."
    )
    assert _found(text) >= {
        "JOHN SMITH",
        "Tomomi Nishiyama",
        "Anna Kovacs",
        "Peter Muller",
        "Kónya Béla",
        "Laurits Møller",
        "John F. Kennedy",
    }


def test_places_headings_and_technical_phrases_are_not_names() -> None:
    text = (
        "Offices in San Francisco, Los Angeles and Santa Clara. The Fourier Transform of "
        "Gene Expression Data. Machine Learning Guide. Mon Tue Wed. See False. "
        "Password Reset Steps. Array API Standard."
    )
    assert _found(text) == set()


def test_model_person_needs_a_name_word() -> None:
    for technical in (
        "Fourier Transform",
        "DESCRIPTION",
        "Python",
        "Array API",
        "NaNs",
        "GenericAlias",
        "Convert",
        "Logarithm",
        "Ni",
    ):
        assert not model_person_supported(technical), technical
    for name in ("Anna", "Tomomi", "M. Bartlett", "Mary LEE", "Owen F. van den Berg", "McKay"):
        assert model_person_supported(name), name


def test_entities_of_other_labels_that_read_as_names() -> None:
    text = "Billing address: Sophie Lang. Our partner Acme Systems in New York."
    ents = [(17, 28, "ORG"), (43, 55, "ORG"), (59, 67, "GPE")]
    assert {text[n.start : n.end] for n in relabelled_entities(text, ents)} == {"Sophie Lang"}


def test_nrp_is_a_closed_class() -> None:
    for group in ("Irish", "Afro-Brazilians", "Sunni Muslims", "Catholic", "Democrats"):
        assert is_group_word(group), group
    for word in ("Gaussian", "Hermitian", "Boolean", "Nyquist", "Parser", "Decode"):
        assert not is_group_word(word), word


def test_decimals_and_compact_dates_are_not_phones() -> None:
    text = "e = 2.718281, took 1000.000 ms, built 20220615, value 56294995342131.5"
    assert find_phones(text) == []
    phone = "call me on 030 1234 5678"
    assert [phone[p.start : p.end] for p in find_phones(phone)] == ["030 1234 5678"]


def test_person_spans_end_at_quotes_and_never_hold_code() -> None:
    text = 'Stanton A. "Primer of Biostatistics"'
    assert clean_person_span(text, 0, len(text)) == (0, len("Stanton A."))
    assert clean_person_span("R + Rj", 0, 6) is None


def test_detector_leaves_technical_text_alone(detector: PresidioDetector) -> None:
    """The regression behind issue #9: gene, method and heading words pseudonymised as
    PERSON or NRP wreck retrieval of technical text."""
    text = (
        "DESCRIPTION\n\nCompute the Fourier Transform of a Hermitian matrix with a Gaussian "
        "window. The Array API standard defines NaNs. Convert the Boolean mask with Python.\n"
        "Methylation status of MGMT and RASSF1A was measured in Staphylococcus aureus."
    )
    [found] = detector.detect([text])
    assert [text[d.start : d.end] for d in found if d.entity_type in {"PERSON", "NRP"}] == []


def test_detector_finds_names_the_model_alone_misses(detector: PresidioDetector) -> None:
    text = "STATEMENT 03/2026\n12.03 SEPA TRANSFER TO KATARZYNA NOWAK 250.00 EUR\n"
    [found] = detector.detect([text])
    persons = {text[d.start : d.end] for d in found if d.entity_type == "PERSON"}
    assert "KATARZYNA NOWAK" in persons
