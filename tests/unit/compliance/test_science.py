"""Scientific text: species, citations, places, genes and populations are nobody."""

from __future__ import annotations

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.groups import about_a_person
from streams.compliance.science import not_a_person, place_or_thing

pytestmark = pytest.mark.unit


def _span(text: str, value: str) -> tuple[int, int]:
    start = text.index(value)
    return start, start + len(value)


@pytest.mark.parametrize(
    ("text", "value", "person"),
    [
        ("predation by grizzly bears (Ursus arctos), and winters", "Ursus arctos", False),
        ("predation by cougars (Puma concolor) and bears", "Puma", False),
        ("We compare BioBERT (Lee et al., 2020) and others", "Lee", False),
        ("since the early 2000s (Legg, 2011), threatening", "Legg", False),
        ("areas of China, including Harbin", "China", False),
        ("Tenant: Bayram auch Schlauchin, born 1999", "Bayram auch Schlauchin", True),
        ("Anna Smith said the results were fine", "Anna Smith", True),
    ],
)
def test_species_citations_and_places_are_nobody(text: str, value: str, person: bool) -> None:
    assert not_a_person(text, *_span(text, value)) is not person


@pytest.mark.parametrize(
    ("text", "value", "thing"),
    [
        ("tumours collected in Khon Kaen. Fluke", "Khon Kaen", True),
        ("clinics in the state of Minas Gerais, Brazil, among", "Minas Gerais", True),
        ("schools in Kampala, Gulu, Mbarara and Lira. Participants", "Lira", True),
        ("577 adults from 33 clinics in Da Qing, China, were", "Da Qing", True),
        ("The factors Ikaros (IKZF1) and Aiolos (IKZF3) were", "Ikaros", True),
        ("Let me loop in Lidia from the hardware team.", "Lidia", False),
        ("Room 169 | KABUS, Mirella | 5 nights", "KABUS, Mirella", False),
        ("Thanks in advance, Anna Smith", "Anna Smith", False),
        ("Dear Anna SMITH, your order", "Anna SMITH", False),
    ],
)
def test_places_genes_and_acronyms_where_they_stand(text: str, value: str, thing: bool) -> None:
    assert place_or_thing(text, *_span(text, value)) is thing


@pytest.mark.parametrize(
    ("text", "value", "person"),
    [
        ("Nationality: Japanese\n", "Japanese", True),
        ("a 45-year-old Japanese man", "Japanese", True),
        ("Our newest face is our Irish analyst who moved", "Irish", True),
        ("She is Muslim and lives in Leeds", "Muslim", True),
        ("(Hungarian national); please", "Hungarian", True),
        ("In northern Europeans, the trait", "Europeans", False),
        ("the Swedish EIRA study", "Swedish", False),
        ("Outcomes of patients of Asian ancestry, who comprised", "Asian", False),
        ("during the West African epidemic", "West African", False),
        ("data from the French and Irish CF registries", "French", False),
    ],
)
def test_a_nationality_is_only_personal_when_said_of_someone(
    text: str, value: str, person: bool
) -> None:
    assert about_a_person(text, *_span(text, value)) is person


def test_detector_leaves_an_abstract_alone(detector: PresidioDetector) -> None:
    text = (
        "Tibetans have lived on the Tibetan Plateau at altitudes above 4,000 m. During "
        "1,663,319 person-years of follow-up in Khon Kaen and Hong Kong, grizzly bears (Ursus "
        "arctos) and patients of Asian ancestry were studied with the Mann-Whitney U test; "
        "Becker muscular dystrophy and Kelvin probe force microscopy (Lee et al., 2020)."
    )
    [found] = detector.detect([text])
    changed = [
        (d.entity_type, text[d.start : d.end])
        for d in found
        if d.entity_type in {"PERSON", "NRP", "STREET_ADDRESS"}
    ]
    assert changed == []
