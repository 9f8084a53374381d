"""Identifiers of many countries: phones, street addresses, e-mails, cards, national IDs,
names from context; and what must not be taken for them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemas.document import Sensitivity
from streams.compliance import ComplianceEngine, PresidioDetector, load_policy
from streams.compliance.addresses import find_addresses
from streams.compliance.entities import KNOWN_ENTITIES, NATIONAL_ENTITIES
from streams.compliance.identifiers import find_cards, find_emails, find_labelled_ids
from streams.compliance.persons import context_names
from streams.compliance.phones import find_phones
from streams.compliance.policy import Action

EngineFactory = Callable[..., ComplianceEngine]

pytestmark = pytest.mark.unit


def _found(spans: list, text: str) -> list[str]:
    return [text[s.start : s.end] for s in spans]


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "07700 900 123",
        "(37) 788-063",
        "+36 80 967-9290",
        "(06)50/629-5664",
        "+49 (0)30 1234567",
        "0490 75 40 81",
        "60-56-85-91",
        "+33 2 41 50 00 80",
        "+55 13 6360-8377",
        "+81 3-1234-5678",
        "+91 98765 43210",
        "+61 456 644 724",
        "(02752) 530931",
        "+1-841-258-6834x4978",
        "00420 607 500 080",
        "518 751 350",
    ],
)
def test_phones_of_many_countries(phone: str) -> None:
    text = f"Reach me on {phone} please."
    assert _found(find_phones(text), text) == [phone]


@pytest.mark.parametrize(
    "text",
    [
        "Invoice 2021-03-04 and meeting 04.03.2021",
        "Employed 2015-2019 as analyst",
        "part no. 7731-220-01 shipped",
        "Login from 192.168.10.1 failed",
        "Total 1.234.567 units",
        "firmware v2.14.3 released",
        "Order ORD-2026-08393 placed",
        "Flight on 2024-12-18 07:45 from gate B12",
        "Accession GSE123456 and HR 1.8, 95% CI 1.2-2.7",
    ],
)
def test_not_phones(text: str) -> None:
    assert find_phones(text) == []


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("+372 477 5620-Office,+386 70-727-700-Fax", ["+372 477 5620", "+386 70-727-700"]),
        ("(12) 3082-6765-Office", ["(12) 3082-6765"]),
        ("You can call 21 216 205 5911", ["21 216 205 5911"]),
        ("Phone: 9619.5109", ["9619.5109"]),
        ("pi is 3.14159265 and 1,000,000 units", []),
    ],
)
def test_phones_with_glued_labels_or_after_phone_words(text: str, phones: list[str]) -> None:
    """A label glued with a dash ends the number; after a phone word, digits grouped like
    a phone are one even where no numbering plan tried here accepts them."""
    assert _found(find_phones(text), text) == phones


@pytest.mark.parametrize(
    ("text", "street"),
    [
        (
            "Ship to 233 Erzsébet tér 19., Suite 282, 1051 Budapest",
            "233 Erzsébet tér 19., Suite 282",
        ),
        ("Address: 86036 Rua do Arenque 1634, São Paulo", "86036 Rua do Arenque 1634"),
        ("Tomomi Nishiyama lives at 12 Sakura Street.", "12 Sakura Street"),
        ("Billing address: Sophie Lang\n42 Rue de Rivoli\n75001 Paris", "42 Rue de Rivoli"),
        ("Please send it to Fechnerstraße 5, 47938 Stendal.", "Fechnerstraße 5"),
        ("Lieferung: Agnes-Wesack-Straße 26-83", "Agnes-Wesack-Straße 26-83"),
        ("Office at Via Paruta, 545 Appartamento 9", "Via Paruta, 545 Appartamento 9"),
        ("Domicilio: Calle Mayor 12, 3º B, 28013 Madrid", "Calle Mayor 12"),
        ("We met at 23, rue Victoire Perrier in Lyon", "23, rue Victoire Perrier"),
        ("Adres: aleja Okrężna 776, 90-457 Żory", "aleja Okrężna 776"),
        ("Amystraat 28\n8921 TJ Baard", "Amystraat 28"),
        ("Skolvägen 76\n274 39 Göteborg", "Skolvägen 76"),
        ("Vallekildevej 2, 3623 Bagenkop", "Vallekildevej 2"),
        ("Puuskatie 774\n08751 Padasjoki", "Puuskatie 774"),
        ("Koclířova 77\n774 20 Klobouky u Brna", "Koclířova 77"),
        ("Jalan Laswi No. 74, Bandung 51350", "Jalan Laswi No. 74"),
        ("Bulevardul Oprea Nr. 263, Plosca, 851350", "Bulevardul Oprea Nr. 263"),
        ("Flat 3, 17 Jones Light\nLondon W5 3QB", "Flat 3, 17 Jones Light"),
        ("H.No. 64 Tripathi Marg, Alwar 087513", "H.No. 64 Tripathi Marg"),
        ("Honcho Heights 368, 1-26-7 Sakuragaoka\nKita-ku, Tokyo 362-4630", "1-26-7 Sakuragaoka"),
        (
            "Mail: 391 Johnson Burg Apt. 636\nNew Jeffreymouth, NM 72965",
            "391 Johnson Burg Apt. 636",
        ),
        ("PO Box 4411, Wellington", "PO Box 4411"),
        ("The restaurant is at 65 Frørupvej", "65 Frørupvej"),
        ("I'd like a taxi to Απόλλωνος 134\n2303 ΛΑΚΑΤΑΜΕΙΑ\nCyprus", "Απόλλωνος 134"),
        ("Stephan Þorgeirsson\n\n46 Aasa\n Apt. 432\n Kolila\n Estonia 90411", "46 Aasa"),
        ("> Alibek Godina\n>429 De Veurs Comberg\n>Flat 61\n>Waasten", "Flat 61"),
        ("??? 3914 Ibirapita\n??? Puerta 7\n??? Montevideo", "3914 Ibirapita"),
    ],
)
def test_street_addresses_of_many_countries(text: str, street: str) -> None:
    found = find_addresses(text)
    covered = {i for a in found for i in range(a.start, a.end)}
    start = text.index(street)
    assert set(range(start, start + len(street))) <= covered, _found(found, text)


@pytest.mark.parametrize(
    "text",
    [
        "Order line 2 of the invoice",
        "Upgrade to Windows 11 and Office 365",
        "I complain about the router delivered on 2027-01-12. Despite three calls",
        "2019-2024  Senior Engineer, Acme, Lyon\n2015-2019  Analyst, Beta",
        "Due in 14 days, March 2024",
        "Hedgehog signalling via Gli1 controls stem cell renewal",
        "Knockdown of Sirt1 reduced Akt phosphorylation via Foxo3a",
        "She lives in Paris and works in Berlin.",
        "The meeting takes place Monday in room 4.",
    ],
)
def test_not_street_addresses(text: str) -> None:
    assert find_addresses(text) == [], _found(find_addresses(text), text)


@pytest.mark.parametrize(
    "email",
    [
        "3.20314.4f-dcw3gqtnlgtxgdrr.1@newsletter.example.com",
        "list.example@host.example.com",
        "bounce-12345-jane=example.com@lists.example.org",
        "jane+orders@example.co.uk",
        "j.doe@corp.example.internal",
        "Anna.Kovacs@EXAMPLE.COM",
    ],
)
def test_emails_of_any_shape(email: str) -> None:
    text = f"Return-Path: <{email}>, mailto:{email}"
    assert _found(find_emails(text), text) == [email, email]


def test_obfuscated_email() -> None:
    text = "write to jane.doe [at] example [dot] org"
    assert _found(find_emails(text), text) == ["jane.doe [at] example [dot] org"]
    text = "or jane(at)uni-bonn.de"
    assert _found(find_emails(text), text) == ["jane(at)uni-bonn.de"]


def test_addresses_as_mailing_list_archives_write_them() -> None:
    """Pipermail and Mailman archives print "guido at python.org"; prose says "meet at"."""
    text = (
        "From: guido at python.org (Guido van Rossum)\n"
        "On Tue, jdoe42 at mail.example.co.uk wrote:\n"
        "> Post to numpy-discussion at scipy.org, docs are available at docs.python.org;\n"
        "> look at example.com or meet at python.org. Build at acme.local."
    )
    assert _found(find_emails(text), text) == [
        "guido at python.org",
        "jdoe42 at mail.example.co.uk",
        "numpy-discussion at scipy.org",
    ]


def test_cards_12_to_19_digits() -> None:
    text = (
        "Visa 4743 9150 0080 6360 835, amex 3782 822463 10005, card 501858509679, "
        "ref 4111111111111111"
    )
    found = _found(find_cards(text), text)
    assert found == [
        "4743 9150 0080 6360 835",
        "3782 822463 10005",
        "501858509679",
        "4111111111111111",
    ]
    assert find_cards("Order 501858509679 shipped") == []  # 12 digits need a card word


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("CPF", "277.048.436-21"),
        ("PESEL", "81031452631"),
        ("personnummer", "880301-8988"),
        ("National Insurance number", "ZZ 341556 T"),
        ("Aadhaar", "5681 6037 4605"),
        ("passport no.", "C12345678"),
        ("ID document (CURP):", "KAXN160222HMNVZD08"),
        ("codice fiscale", "VRCCCL47R16G698J"),
        ("T.C. Kimlik No:", "10000000146"),
        ("Emirates ID", "784-1987-1234567-1"),
        ("resident registration number", "900101-1234567"),
        ("Teudat Zehut:", "123456782"),
        ("PhilSys number", "1234-5678-9012-3456"),
        ("KRA PIN", "A012345678Z"),
        ("CNIC", "35202-1234567-1"),
        ("citizen ID", "079201001234"),
        ("kennitala", "120174-3399"),
        ("cédula", "1.023.456.789"),
    ],
)
def test_labelled_national_ids(label: str, value: str) -> None:
    text = f"My {label} {value} if you need it."
    assert _found(find_labelled_ids(text), text) == [value]


def test_build_and_ticket_acronyms_are_no_id_labels() -> None:
    text = "The CI 2024-05 build, FIN 2024 results, PRN 2-4 hourly, DUI 2019-22 stats"
    assert find_labelled_ids(text) == []


def test_presidio_national_recognisers_run_on_english(detector: PresidioDetector) -> None:
    """UK, ES, IT, PL, SG, AU and IN recognisers are in the registry for English text."""
    names = {r.name for r in detector.analyzer.registry.get_recognizers("en", all_fields=True)}
    for wanted in (
        "UkNinoRecognizer",
        "EsNifRecognizer",
        "ItFiscalCodeRecognizer",
        "PlPeselRecognizer",
        "SgFinRecognizer",
        "AuTfnRecognizer",
        "InAadhaarRecognizer",
    ):
        assert wanted in names
    assert NATIONAL_ENTITIES <= KNOWN_ENTITIES


def test_policies_remove_national_ids_and_streets() -> None:
    """GDPR redacts national IDs and street addresses; CCPA and HIPAA never keep them."""
    for name, tags in (("gdpr", ()), ("ccpa", ("california",)), ("hipaa", ("phi",))):
        resolved = load_policy(name).resolve("s", tags, Sensitivity.INTERNAL)
        for entity in (*NATIONAL_ENTITIES, "STREET_ADDRESS"):
            assert resolved.action_for(entity) is Action.REDACT, (name, entity)


def _names(text: str, anchors: list[tuple[int, int]] | None = None) -> set[str]:
    return {text[n.start : n.end] for n in context_names(text, [], anchors or [])}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hello, my name is Rubija and I need help.", "Rubija"),
        ("The founders: Kónya, Becker and Vasquez met in 2019.", "Kónya"),
        ("The founders: Kónya, Becker and Vasquez met in 2019.", "Vasquez"),
        ("Attendees:\n- Anna Kovács\n- Piotr Nowak\n", "Piotr Nowak"),
        (
            "It was founded in 1995 by Zsuzsanna Varga, Osamu A. Shimizu and Ortrud Pölitz.",
            "Ortrud Pölitz",
        ),
        ("[10:02] Saul Reavy: my parcel never came", "Saul Reavy"),
        ("Spoke with Noa Batista on the phone.", "Noa Batista"),
        ("Tomomi Nishiyama lives at 12 Sakura Street.", "Tomomi Nishiyama"),
        ("Dear Ms. da Costa,\nthank you.", "Ms. da Costa"),
        ("Please contact Anna Kovács (ak77@example.org) today.", "Anna Kovács"),
        ("Kind regards,\nFrederique de Mol\n", "Frederique de Mol"),
        ("Yours faithfully,\nKlaus-D. Weber\n", "Klaus-D. Weber"),
        ("First name: Codruța\nLast name: Cristea\n", "Codruța"),
        ("Ship to:\nSophie Lang\n42 Rue de Rivoli\n", "Sophie Lang"),
        ("Present: Rosemary A. Douglas\nAction: Rosemary to send the minutes.", "Rosemary"),
        ("She lives with her daughter Ana at the farm.", "Ana"),
        ("I even asked our landlord, Jan Nowak, to step in.", "Jan Nowak"),
        ("Beloved wife of the late Piotr Nowak and parent of Ana, Rui and Eva.", "Piotr Nowak"),
        ("Beloved wife of the late Piotr Nowak and parent of Ana, Rui and Eva.", "Eva"),
        ("12/03/2024, 21:14 - Anna Kovács: are you still selling it?", "Anna Kovács"),
        ("Anna: hi\nBob: hello\nAnna: see you", "Anna"),
        ("Hi, it's Tomasz Wierzbicki calling about the invoice.", "Tomasz Wierzbicki"),
        ("Ana Lima, 84, of Porto, passed away on Monday.", "Ana Lima"),
        ("thanks for the help\n-- Lukas", "Lukas"),
    ],
)
def test_names_from_context(text: str, name: str) -> None:
    assert name in _names(text)


def test_names_in_table_columns() -> None:
    """Cells of a name column in CSV and pipe tables; other columns are left alone."""
    text = (
        "id,name,email,plan\n1000,Anna Kovács,ak@example.org,pro\n"
        '1001,"Lima, Rui",rl@example.org,basic\n\n'
        "| Guest | Room |\n|---|---|\n| Piotr Nowak | 204 |\n"
    )
    assert {"Anna Kovács", "Lima, Rui", "Piotr Nowak"} <= _names(text)
    assert "pro" not in _names(text) and "Room" not in _names(text)


def test_name_opening_a_contact_block() -> None:
    """A name on the line above, or before, a detected street/phone/e-mail is a person."""
    text = "Wahyu Sirait, Head of IT, Acme \u2013 +62 (30) 501 1997\nBanu Prasetyo\nJl. Mawar 5\n"
    phone = text.index("+62")
    street = text.index("Jl.")
    anchors = [(phone, phone + 17), (street, street + 11)]
    assert {"Wahyu Sirait", "Banu Prasetyo"} <= _names(text, anchors)


@pytest.mark.parametrize(
    "text",
    [
        "Loss of BRCA1 and TP53 function was associated with resistance to olaparib.",
        "Attendees: 40 participants from 12 sites.",
        "Expression of Wnt3a, Dickkopf-1 and Frizzled-7 was quantified.",
        "Authors: the Genomics Core (see Methods).",
        "Phosphorylation of Akt required mTORC2 and Rictor but not Raptor.",
        "To: All Staff\nFrom: Clinic RN desk\nDear Hiring Manager,\n",
        "Email: jane@example.org\nPolicyholder: see attached\n",
        "Contact: Weber GmbH <info@weber.example>",
        "Fleet Cloud met the deadline. Note: retry\nNote: again",
        "09:00 - Welcome: coffee\n10:30 - Keynote: scaling Kafka",
    ],
)
def test_no_names_in_technical_or_label_text(text: str) -> None:
    assert _names(text) == set()


def test_detector_drops_model_mistakes(detector: PresidioDetector) -> None:
    """Model PERSON findings with digits, bare titles and labels are dropped."""
    text = "Claim CLM-2022-70834\nPolicyholder: Valerie Hodgson\nReference GSE170454 for BRCA1."
    [dets] = detector.detect([text])
    persons = {text[d.start : d.end] for d in dets if d.entity_type == "PERSON"}
    assert persons == {"Valerie Hodgson"}


def test_gdpr_redacts_issue_examples(engine_for: EngineFactory) -> None:
    """Every direct identifier of the issue's examples is gone under GDPR."""
    text = (
        "My name is Rubija. Tomomi Nishiyama lives at 233 Erzsébet tér 19., Suite 282, "
        "1051 Budapest. Billing address: Sophie Lang\n42 Rue de Rivoli\n75001 Paris\n"
        "The founders: Kónya, Becker and Vasquez. Bounces: "
        "3.20314.4f-dcw3gqtnlgtxgdrr.1@newsletter.example.com, list.example@host.example.com"
    )
    [result] = engine_for("gdpr").redact_text([text])
    out = result.text or ""
    for raw in (
        "Rubija",
        "Tomomi",
        "Nishiyama",
        "Erzsébet",
        "Suite 282",
        "Sophie",
        "Rivoli",
        "Kónya",
        "Becker",
        "Vasquez",
        "dcw3gqtnlgtxgdrr",
        "list.example",
    ):
        assert raw not in out, (raw, out)
    assert "Budapest" in out and "Paris" in out  # city-level locations are kept
