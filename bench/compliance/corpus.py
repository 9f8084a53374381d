"""A seeded, labelled corpus: Faker values planted in templates, with their spans."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from faker import Faker

LABELS = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "LOCATION",
    "MRN",
)

TEMPLATES = (
    "Hi team, {PERSON} asked us to update her e-mail to {EMAIL_ADDRESS} and her phone to "
    "{PHONE_NUMBER} before Friday.",
    "Patient {PERSON} (MRN: {MRN}) was admitted yesterday; contact the family at {PHONE_NUMBER}.",
    "Please refund the order to card {CREDIT_CARD}. The customer, {PERSON}, can be reached at "
    "{EMAIL_ADDRESS}.",
    "Wire the balance to IBAN {IBAN_CODE} on behalf of {PERSON}.",
    "Employee record: name {PERSON}, SSN {US_SSN}, home address {LOCATION}.",
    "Login alert: suspicious sign-in for {EMAIL_ADDRESS} from IP {IP_ADDRESS} at 03:12 UTC.",
    "Ship the replacement device to {PERSON}, {LOCATION}. Questions: {PHONE_NUMBER}.",
    "Meeting notes: {PERSON} and {PERSON} reviewed the vendor contract; follow-up by "
    "{EMAIL_ADDRESS}.",
    "Medical record number {MRN} belongs to {PERSON}; the lab results went to {EMAIL_ADDRESS}.",
    "Firewall blocked {IP_ADDRESS} and {IP_ADDRESS} after repeated failures on the VPN gateway.",
    "Tax form for {PERSON}: SSN {US_SSN}, payout to {IBAN_CODE}.",
    "Dear {PERSON}, your card {CREDIT_CARD} was charged. Call {PHONE_NUMBER} with questions.",
)
_SLOT = re.compile(r"\{([A-Z_]+)\}")
_IBAN_LOCALES = ("de_DE", "fr_FR", "en_GB", "nl_NL", "es_ES", "it_IT")


@dataclass(frozen=True, slots=True)
class Span:
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    spans: tuple[Span, ...]


class _Values:
    def __init__(self, seed: int) -> None:
        self._fake = Faker("en_US")
        self._fake.seed_instance(seed)
        self._ibans = [Faker(loc) for loc in _IBAN_LOCALES]
        for i, f in enumerate(self._ibans):
            f.seed_instance(seed + i + 1)
        self._rng = random.Random(seed)

    def value(self, label: str) -> str:
        f, rng = self._fake, self._rng
        if label == "PERSON":
            return f"{f.first_name()} {f.last_name()}"
        if label == "EMAIL_ADDRESS":
            return str(f.email())
        if label == "PHONE_NUMBER":
            return rng.choice(
                [
                    f"({f.numerify('2##')}) {f.numerify('###-####')}",
                    f.numerify("2##-###-####"),
                    f.numerify("+1 2##-###-####"),
                    f.numerify("2##.###.####"),
                ]
            )
        if label == "CREDIT_CARD":
            number = str(
                f.credit_card_number(
                    card_type=rng.choice(["visa", "mastercard", "amex", "discover"])
                )
            )
            if rng.random() < 0.5 and len(number) == 16:
                number = " ".join(number[i : i + 4] for i in range(0, 16, 4))
            return number
        if label == "US_SSN":
            return str(f.ssn())
        if label == "IBAN_CODE":
            return str(rng.choice(self._ibans).iban())
        if label == "IP_ADDRESS":
            return str(f.ipv4_public()) if rng.random() < 0.8 else str(f.ipv6())
        if label == "LOCATION":
            return f"{f.street_address()}, {f.city()}, {f.state_abbr()} {f.zipcode()}"
        if label == "MRN":
            return str(rng.randint(1_000_000, 99_999_999))
        raise ValueError(label)


def generate(n: int, seed: int = 7) -> list[Sample]:
    """``n`` texts from the templates with Faker values; spans are exact by construction."""
    values = _Values(seed)
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        template = rng.choice(TEMPLATES)
        parts: list[str] = []
        spans: list[Span] = []
        cursor = 0
        length = 0
        for match in _SLOT.finditer(template):
            literal = template[cursor : match.start()]
            parts.append(literal)
            length += len(literal)
            value = values.value(match.group(1))
            spans.append(Span(match.group(1), length, length + len(value)))
            parts.append(value)
            length += len(value)
            cursor = match.end()
        parts.append(template[cursor:])
        samples.append(Sample("".join(parts), tuple(spans)))
    return samples
