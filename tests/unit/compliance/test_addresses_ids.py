"""Street addresses in tables, exports and broken address blocks; national-ID labels as
keys; and the look-alikes that must stay."""

from __future__ import annotations

import re

import pytest

from streams.compliance.addresses import find_addresses
from streams.compliance.identifiers import find_labelled_ids

pytestmark = pytest.mark.unit


def _covered(text: str, street: str) -> bool:
    """Every word of ``street`` is inside a found span (lines may be found one by one)."""
    covered = {i for a in find_addresses(text) for i in range(a.start, a.end)}
    start = text.index(street)
    return all(
        set(range(start + m.start(), start + m.end())) <= covered
        for m in re.finditer(r"\w+", street)
    )


@pytest.mark.parametrize(
    ("text", "street"),
    [
        # a CSV row that starts with an id ("1001") and a TSV row (tabs separate cells)
        (
            '1001,Nora Krogh,nk@example.com,"Mladoboleslavská 415","580 44 Dobrovice",pro',
            "Mladoboleslavská 415",
        ),
        (
            "K. Smith\t4\tNo\tks@example.com\t\tStudio 3, King Field, Careyview, AL4 1UA\t",
            "Studio 3, King Field",
        ),
        # street types of other languages with a capital, after lower-case words
        ("I now live at Birkedommer Allé 16 in Vallensbæk.", "Birkedommer Allé 16"),
        ("I'm now at Dózsa györgy utca 59. in Falva.", "Dózsa györgy utca 59."),
        ("lives at Annabelboulevard 22, 8302QN Idaerd.", "Annabelboulevard 22"),
        ("walking along Acceso de Danilo Prado 27 with my friend", "Acceso de Danilo Prado 27"),
        ("at 4 Elizabeth Subway (Hardinton TAS 2625). The caretaker", "4 Elizabeth Subway"),
        # the postcode part in parentheses, or followed by the rest of the sentence
        (
            "the boiler repair at Zbynická 93 (262 82 Město Albrechtice). The caretaker",
            "Zbynická 93",
        ),
        (
            "She lives at 563\nMemon Road, Bidar - 642297 and wants a tablet",
            "563\nMemon Road",
        ),
        # an address broken over lines in prose and in address blocks
        (
            "a courier left a note at Studio 25U\nSusan Field. My mobile is 0115 496 0727.",
            "Studio 25U\nSusan Field",
        ),
        ("> Amber Read\n> Flat 51h\nMatthew View\n> Huntburgh IM6 5FJ", "Flat 51h\nMatthew View"),
        ("DR JUHANI REINIKAINEN\nOrmuskatu\n98\n35598 Heinävesi\nFINLAND\n", "Ormuskatu\n98"),
        ("Mr. George Fisher\n903 Mckee\nPrairie\nNatashashire, FL 41323\n", "903 Mckee\nPrairie"),
        ("Ms. Emer Hyman\n82 Banville\nStreet\nAbigail Ville\nR528YPH\n", "82 Banville\nStreet"),
        ("Ms. Nandini Rao\n267, Dar\nVadodara - 163464\n", "267, Dar"),
        # vCards and address-line keys
        ("ADR;TYPE=HOME:;;Suchdolská 617;Městec Králové;;;Czech Republic\n", "Suchdolská 617"),
        (
            '"address": {"line1": "Flat 90, Williamson Turnpike", "city": "Leeds"}',
            "Flat 90, Williamson Turnpike",
        ),
    ],
)
def test_street_found(text: str, street: str) -> None:
    found = [text[a.start : a.end] for a in find_addresses(text)]
    assert _covered(text, street), found


@pytest.mark.parametrize(
    "text",
    [
        "The IBAN FI9374973402452579 was returned unpaid on 21 July\n2024. Unless payment",
        "Gemma Mitchell\t1\tYes\tBeef Wellington\t4 (Amalfi)\thsmith@example.org\t",
        "Build 4\nRelease Notes\nversion 2.1 in 2024",
        "Set Level 3\nWarning threshold to 80",
        '{"line": 12, "column": 4, "level": "warning"}',
    ],
)
def test_no_street_in_dates_tables_or_code(text: str) -> None:
    assert find_addresses(text) == [], [text[a.start : a.end] for a in find_addresses(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"national_id": "85-123456-A-12", "plan": "pro"}', "85-123456-A-12"),
        ("user=jdoe ssn=123-45-6789 status=ok", "123-45-6789"),
        ("nationalId: 900101-1234567", "900101-1234567"),
        ("Name: Jane Roe\nID: 12345678Z", "12345678Z"),
        ("Photo ID: 900101-1234567", "900101-1234567"),
    ],
)
def test_national_id_labels_and_keys(text: str, value: str) -> None:
    assert [text[s.start : s.end] for s in find_labelled_ids(text)] == [value]


@pytest.mark.parametrize(
    "text",
    [
        "Our ref: UG/2025/52062    Applicant ID: 1714355135",
        "Customer ID 12345-678 and Order ID: 99887766",
        "user_id=12345678 order_id: 99887766 session_id=55443322",
    ],
)
def test_ids_of_other_things_are_no_national_ids(text: str) -> None:
    assert find_labelled_ids(text) == []
