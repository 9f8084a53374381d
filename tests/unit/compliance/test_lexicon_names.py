"""The name lexicon (lexicon.py, lexicon_names.py), NRP group words (groups.py), and what
they change for the detector: names without context found, technical words left alone."""

from __future__ import annotations

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.groups import is_group_word
from streams.compliance.lexicon import lexicon
from streams.compliance.lexicon_names import (
    caps_surname_names,
    handle_names,
    inverted_names,
    lexicon_names,
    model_person_supported,
    relabelled_entities,
)
from streams.compliance.persons import clean_person_span
from streams.compliance.phones import find_phones

pytestmark = pytest.mark.unit


def _found(text: str) -> set[str]:
    return {text[n.start : n.end] for n in lexicon_names(text)}


def _persons(detector: PresidioDetector, text: str) -> set[str]:
    """The PERSON strings the whole detector finds in ``text``."""
    [found] = detector.detect([text])
    return {text[d.start : d.end] for d in found if d.entity_type == "PERSON"}


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


def test_names_with_particles_of_any_standing() -> None:
    """A particle between a given name and a capitalised word is a name's shape, even when
    the surname is rare and the given name is also a month ("Jan")."""
    text = (
        "Martin v. Löwis wrote the patch. Thanks to Jan de Vries for the review.\n"
        "Regards, Siobhán Ní Bhriain. Anna De Santis met him."
    )
    assert _found(text) >= {
        "Martin v. Löwis",
        "Jan de Vries",
        "Siobhán Ní Bhriain",
        "Anna De Santis",
    }
    assert _found("Mar del Plata, the van der Waals radius, the Jan 2024 report") == set()


def test_names_typed_in_lower_case_after_an_introduction() -> None:
    from streams.compliance.lexicon_names import lowercase_names

    text = (
        "hi, this is priya raghunathan, my order never arrived. thanks, anna\n"
        "i am happy, this is great, i am sure this is fine, call me maybe, regards team"
    )
    found = {text[n.start : n.end] for n in lowercase_names(text)}
    assert found == {"priya raghunathan", "anna"}


def test_lists_of_given_names() -> None:
    from streams.compliance.lexicon_names import given_name_lists

    text = "They had 6: Carolina, Auriville, Hugolina, Elisabeth, Damjan and Birlant."
    found = {text[n.start : n.end] for n in given_name_lists(text)}
    assert found == {"Carolina", "Auriville", "Hugolina", "Elisabeth", "Damjan", "Birlant"}
    other = (
        "We use NumPy, SciPy, Matplotlib and Pandas. Red, Green and Blue. "
        "Monday, Tuesday and Friday; Alpha, Beta and Gamma."
    )
    assert given_name_lists(other) == []
    places = "Offices in Paris, Sydney, Austin and Florence."
    entities = [
        (places.index(w), places.index(w) + len(w), "GPE")
        for w in places[11:-1].replace(" and", ",").split(", ")
    ]
    assert given_name_lists(places, entities) == []


def test_single_names_next_to_verbs_of_speech(detector: PresidioDetector) -> None:
    text = (
        '"I\'m so jealous!" said Miłosław. Dzhambek shouted at Iwao. "Yes," says Wiśniewska. '
        "Her maiden name is Lavrentyev. Kafka said nothing; Will said no; the function is "
        "called by Numpy."
    )
    persons = _persons(detector, text)
    assert {"Miłosław", "Dzhambek", "Iwao", "Wiśniewska", "Lavrentyev"} <= persons
    assert not persons & {"Kafka", "Will", "Numpy"}


def test_names_after_roles_lower_case_titles_vocatives_and_pairs(
    detector: PresidioDetector,
) -> None:
    text = (
        "Join accounts with ms. Csenger. Polycarp, can I please speak to your boss? "
        "They detained tennis player Tihomila Crnić. Lind and Fanucci were engineers.\n"
        "Directed By:    Božena Skoumalová\n"
        "Yes, I can. Python, do you know? The player Settings Menu. Red and Blue were chosen."
    )
    persons = _persons(detector, text)
    assert {"Polycarp", "Tihomila Crnić", "Lind", "Fanucci", "Božena Skoumalová"} <= persons
    assert any("Csenger" in p for p in persons)
    assert not {p for p in persons if p.split()[0] in {"Yes", "Python", "Settings", "Red"}}


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
    header = "Anna Lind  Description                 Amount"
    assert clean_person_span(header, 0, len(header)) == (0, len("Anna Lind"))  # next column
    assert clean_person_span("Anna Lind\tStockholm", 0, 19) == (0, len("Anna Lind"))


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
    persons = _persons(detector, text)
    assert "KATARZYNA NOWAK" in persons


def test_findings_that_identify_nobody_are_dropped(detector: PresidioDetector) -> None:
    text = (
        "Buffers hold 536870912 bytes; the limit is 1073741823. The sample server is "
        "192.0.2.1 (see RFC 5737), listening on ::1. LANG=C.UTF-8. Large value 2147483648."
    )
    [found] = detector.detect([text])
    kept = {"DATE_TIME", "URL"}  # kept by every shipped policy
    acted_on = [
        (d.entity_type, text[d.start : d.end])
        for d in found
        if d.entity_type not in kept and d.score >= 0.4  # the policies' min_score
    ]
    assert acted_on == []


def test_bare_digits_still_count_next_to_contact_data(detector: PresidioDetector) -> None:
    text = "Anna Kovacs, anna.kovacs@example.org, 4155552671. NHS number 943 476 5919."
    [found] = detector.detect([text])
    kinds = {text[d.start : d.end]: d.entity_type for d in found}
    assert kinds.get("4155552671") == "PHONE_NUMBER"
    assert kinds.get("943 476 5919") in {"UK_NHS", "NATIONAL_ID"}
    assert kinds.get("Anna Kovacs") == "PERSON"


def test_surname_first_forms() -> None:
    text = (
        "Room 285 | SAFITRI, Wirda | 6 nights\nANDERSON, KAREN\n"
        "1. SCHIMPL/THEODORA DR      433-2167202485\n"
        "Smith, John A. wrote from Paris, France and London, Ontario. Ni, Nk."
    )
    found = {text[n.start : n.end] for n in inverted_names(text)}
    assert found == {"SAFITRI, Wirda", "ANDERSON, KAREN", "SCHIMPL/THEODORA DR", "Smith, John A."}


def test_handles_made_of_names_are_identifiers() -> None:
    text = (
        "morning! @anilsson the deploy failed. cc @mariavitoriacamargo @maria.g @here\n"
        "anilsson  2:50 PM\n"
        "@property\ndef x(self): ...\nUse @contextmanager or @declared_attr; mail a@b.org"
    )
    found = [text[n.start : n.end] for n in handle_names(text)]
    assert found == ["@anilsson", "@mariavitoriacamargo", "@maria.g", "anilsson"]


def test_surname_in_capitals_before_given_name() -> None:
    text = "Student: DAVIDS Thilo (born 2012). MURRAY David and MOSS Scott Trevor. NOTE Anna"
    found = {text[n.start : n.end] for n in caps_surname_names(text)}
    assert found == {"DAVIDS Thilo", "MURRAY David", "MOSS Scott Trevor"}


def test_places_and_things_named_after_people_are_not_people() -> None:
    for value in ("Nelson Room", "Gift Aid", "Wednesday Bridge Club"):
        assert not model_person_supported(value), value
    for value in ("Mary Hall", "John Baker", "Dawn Winters"):
        assert model_person_supported(value), value


def test_streets_in_business_names_are_not_addresses() -> None:
    from streams.compliance.addresses import find_addresses

    text = "Listed by Harley Street Homes. Viewing at 12 Harley Street, London."
    assert [text[a.start : a.end] for a in find_addresses(text)] == ["12 Harley Street"]


def test_lone_given_names_only_where_someone_is_named(detector: PresidioDetector) -> None:
    personal = "From: Ana Lima <ana.lima@example.org>\nVesna joined us in June."
    [found] = detector.detect([personal])
    persons = {personal[d.start : d.end] for d in found if d.entity_type == "PERSON"}
    assert "Vesna" in persons and "June" not in persons
    technical = "Vesna is the codename of the release in June."
    [found] = detector.detect([technical])
    assert [d for d in found if d.entity_type == "PERSON"] == []


def test_lone_given_names_skip_words_months_and_countries() -> None:
    from streams.compliance.lexicon_names import lone_given_names

    text = "Mark the Rose in June; Jordan and Vesna met Nathan."
    found = {text[n.start : n.end] for n in lone_given_names(text)}
    assert found == {"Vesna", "Nathan"}


def test_roles_and_titles_are_not_names() -> None:
    """A layout rule may take a role line for a name; titles and English words that are
    no names of standing are not one, a name made of English words still is."""
    from streams.compliance.lexicon_names import role_words_only

    for role in ("Consultant Cardiologist", "Student", "Prof. Dr", "Father"):
        assert role_words_only(role), role
    for name in ("Grace Hill", "Anders Berg", "Rose Young", "Femke Ketel", "Dr. Smith"):
        assert not role_words_only(name), name


def test_inverted_name_needs_a_given_name_not_a_word() -> None:
    """ "Programme, Day 1" is a heading; "Hankard, Don" and "Ketel, Femke" are people."""
    from streams.compliance.lexicon_names import inverted_names

    text = "Programme, Day 1 starts at nine. Signed: Hankard, Don and Ketel, Femke."
    assert [text[n.start : n.end] for n in inverted_names(text)] == [
        "Hankard, Don",
        "Ketel, Femke",
    ]


def test_an_inverted_name_ends_at_two_spaces() -> None:
    from streams.compliance.lexicon_names import inverted_names

    text = "Patient: DOE, JANE  MRN: 00482913"
    assert [text[n.start : n.end] for n in inverted_names(text)] == ["DOE, JANE"]
