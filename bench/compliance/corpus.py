"""A seeded, labelled corpus of English texts about people of many countries.

Every text is built from one of ``SHAPES`` (mail with signature, support ticket, CV,
invoice, shipping form, chat log, clinical note, minutes, HR letter, ...), filled with Faker
values of one of ``LOCALES``. Each planted value is labelled by construction with its span.
``split()`` divides the texts by a fixed seed into a tune half and a report half: rules may
be tuned on the first only; results are reported on the second.

The corpus is reproducible: ``generate(n, seed)`` gives the same texts in every process,
whatever ``PYTHONHASHSEED`` and whatever the calendar day. Every random choice comes from a
seeded ``random.Random`` (``World.rng`` or a Faker instance's own), never from the global
``random`` module (which some Faker providers use: Spanish NIF/NIE, Mexican CURP), no
Faker list built from a set is picked from in its hash order (Italian cities), and dates
that Faker would count from today are counted from ``REFERENCE_DATE``.

Labels:

* direct identifiers (``DIRECT``): PERSON, STREET_ADDRESS, PHONE_NUMBER, EMAIL_ADDRESS,
  CREDIT_CARD, IBAN_CODE, NATIONAL_ID, IP_ADDRESS: none may survive;
* quasi-identifiers (``QUASI``): LOCATION (postcode/city/country of a person's address),
  DATE_OF_BIRTH and NRP (a person's nationality): changing them is not an error, keeping
  them is not counted as a leak.

Everything else is unlabelled on purpose (companies, order numbers, amounts, dates, times,
product codes, gene and drug names, software, cities mentioned without an address): a change
there is a false positive.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from faker import Faker
from faker.providers.person import Provider as PersonProvider
from faker.providers.ssn.es_MX import FORBIDDEN_WORDS, STATES_RENAPO, curp_checksum

DIRECT = (
    "PERSON",
    "STREET_ADDRESS",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "NATIONAL_ID",
    "IP_ADDRESS",
)
QUASI = ("LOCATION", "DATE_OF_BIRTH", "NRP")
LABELS = DIRECT + QUASI

# "Today" for every date counted from now (dates of birth, recent dates): a fixed day, so
# that the texts do not change with the calendar.
REFERENCE_DATE = date(2026, 6, 1)

# Faker locales and the country each stands for. ja_JP contributes romanised names only.
LOCALES: tuple[str, ...] = (
    "en_US",
    "en_GB",
    "en_IE",
    "en_CA",
    "en_AU",
    "en_NZ",
    "en_IN",
    "de_DE",
    "de_AT",
    "fr_FR",
    "es_ES",
    "es_MX",
    "it_IT",
    "pt_BR",
    "pt_PT",
    "pl_PL",
    "nl_NL",
    "hu_HU",
    "cs_CZ",
    "sv_SE",
    "da_DK",
    "fi_FI",
    "ro_RO",
    "id_ID",
    "ja_JP",
)

_COUNTRY = {
    "en_US": "USA",
    "en_GB": "United Kingdom",
    "en_IE": "Ireland",
    "en_CA": "Canada",
    "en_AU": "Australia",
    "en_NZ": "New Zealand",
    "en_IN": "India",
    "de_DE": "Germany",
    "de_AT": "Austria",
    "fr_FR": "France",
    "es_ES": "Spain",
    "es_MX": "Mexico",
    "it_IT": "Italy",
    "pt_BR": "Brazil",
    "pt_PT": "Portugal",
    "pl_PL": "Poland",
    "nl_NL": "Netherlands",
    "hu_HU": "Hungary",
    "cs_CZ": "Czech Republic",
    "sv_SE": "Sweden",
    "da_DK": "Denmark",
    "fi_FI": "Finland",
    "ro_RO": "Romania",
    "id_ID": "Indonesia",
    "ja_JP": "Japan",
}

_JP_WARDS = (
    "Shibuya",
    "Minato",
    "Chiyoda",
    "Setagaya",
    "Nakano",
    "Kita",
    "Chuo",
    "Naka",
    "Higashi",
    "Nishi",
)
_JP_CITIES = ("Tokyo", "Osaka", "Yokohama", "Nagoya", "Sapporo", "Fukuoka", "Kobe", "Sendai")
_JP_TOWNS = ("Ebisu", "Azabu", "Sakuragaoka", "Honcho", "Kamiyama", "Takanawa", "Motomachi")


@dataclass(frozen=True, slots=True)
class Span:
    label: str
    start: int
    end: int
    locale: str = ""


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    spans: tuple[Span, ...]
    shape: str = ""
    locale: str = ""


@dataclass(frozen=True, slots=True)
class V:
    """A labelled value to plant."""

    label: str
    text: str
    locale: str = ""


_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Doc:
    """Accumulates text and the spans of the labelled values planted in it."""

    parts: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    length: int = 0

    def add(self, piece: str | V) -> None:
        if isinstance(piece, V):
            end = self.length + len(piece.text)
            self.spans.append(Span(piece.label, self.length, end, piece.locale))
            piece = piece.text
        self.parts.append(piece)
        self.length += len(piece)

    def f(self, template: str, **values: str | V) -> None:
        """Append ``template`` with ``{slot}`` replaced by the given values."""
        cursor = 0
        for m in _SLOT.finditer(template):
            self.add(template[cursor : m.start()])
            self.add(values[m.group(1)])
            cursor = m.end()
        self.add(template[cursor:])

    def sample(self, shape: str, locale: str) -> Sample:
        return Sample("".join(self.parts), tuple(self.spans), shape, locale)


def _ascii(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if ord(c) < 128).lower().replace(" ", "").replace("'", "")


_IBAN_LOCALES = ("de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "en_GB")
_IBAN_LENGTH = {
    "DE": 22,
    "FR": 27,
    "ES": 24,
    "IT": 27,
    "NL": 18,
    "PL": 28,
    "PT": 25,
    "GB": 22,
    "AT": 20,
    "CZ": 24,
    "DK": 18,
    "FI": 18,
    "HU": 28,
    "IE": 22,
    "RO": 24,
    "SE": 24,
    "BR": 29,
    "CH": 21,
}


def _iban_ok(iban: str) -> bool:
    if _IBAN_LENGTH.get(iban[:2]) != len(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _years_from_reference(years: int) -> date:
    """``REFERENCE_DATE`` moved by ``years`` (1 March for 29 February in a common year)."""
    try:
        return REFERENCE_DATE.replace(year=REFERENCE_DATE.year + years)
    except ValueError:
        return date(REFERENCE_DATE.year + years, 3, 1)


def _date_between(rnd: random.Random, start: date, end: date) -> date:
    """A day from ``start`` to ``end`` (both included), chosen by ``rnd``."""
    return start + timedelta(days=rnd.randint(0, (end - start).days))


def _date_of_birth(rnd: random.Random, minimum_age: int = 0, maximum_age: int = 115) -> date:
    """As Faker's ``date_of_birth`` (ages ``minimum_age`` to ``maximum_age``), ages counted
    at ``REFERENCE_DATE`` instead of today."""
    start = _years_from_reference(-(maximum_age + 1)) + timedelta(days=1)
    return _date_between(rnd, start, _years_from_reference(-minimum_age))


def _stable_order(fk: Faker) -> Faker:
    """``fk`` with value lists that Faker builds from a set (in hash order, which changes
    with ``PYTHONHASHSEED``: the Italian cities) put in sorted order."""
    for prov in fk.providers:
        cities = getattr(prov, "cities", None)
        if isinstance(cities, list):
            prov.cities = sorted(cities)
    return fk


_DOI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _nif(rnd: random.Random) -> str:
    """A Spanish NIF (as Faker's ``nif``, which draws from the global ``random``)."""
    body = rnd.randrange(0, 100_000_000)
    return f"{body:08d}{_DOI_LETTERS[body % 23]}"


def _nie(rnd: random.Random) -> str:
    """A Spanish NIE (as Faker's ``nie``, which draws from the global ``random``)."""
    first, body = rnd.randrange(0, 3), rnd.randrange(0, 10_000_000)
    return f"{'XYZ'[first]}{body:07d}{_DOI_LETTERS[int(f'{first}{body:07d}') % 23]}"


def _curp(rnd: random.Random) -> str:
    """A Mexican CURP (as Faker's ``curp``, which draws from the global ``random`` and
    counts the date of birth from today)."""
    letters, vowels = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "AEIOU"
    consonants = "".join(c for c in letters if c not in vowels)
    born = _date_of_birth(rnd)
    initials = rnd.choice(letters) + rnd.choice(vowels) + rnd.choice(letters) + rnd.choice(letters)
    curp = (
        born.strftime("%y%m%d")
        + rnd.choice("HM")
        + rnd.choice(STATES_RENAPO)
        + rnd.choice(consonants)
        + rnd.choice(consonants)
        + rnd.choice(letters)
        + ("0" if born.year < 2000 else "A")
    )
    curp = FORBIDDEN_WORDS.get(initials, initials) + curp
    return curp + str(curp_checksum(curp))


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    return next(str(d) for d in range(10) if _luhn_ok(f"{digits}{d}"))


def _personnummer(rnd: random.Random) -> str:
    """A Swedish personnummer ``YYMMDD-SSSQ`` (as Faker's ``sv_SE`` ``ssn``, which counts
    the age from now)."""
    born = REFERENCE_DATE - timedelta(days=rnd.randrange(18 * 365, 90 * 365))
    digits = f"{born:%y%m%d}{rnd.randrange(0, 999):03d}"
    return f"{digits[:6]}-{digits[6:]}{_luhn_digit(digits)}"


def _henkilotunnus(rnd: random.Random) -> str:
    """A Finnish henkilötunnus ``DDMMYYCSSSQ`` (as Faker's ``fi_FI`` ``ssn``, which counts
    the age from today)."""
    born = REFERENCE_DATE - timedelta(days=rnd.randrange(0, 105 * 365))
    day = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}"
    suffix = f"{rnd.randrange(2, 899):03d}"
    century = "A" if born.year >= 2000 else "-" if born.year >= 1900 else "+"
    return f"{day}{century}{suffix}{'0123456789ABCDEFHJKLMNPRSTUVWXY'[int(day + suffix) % 31]}"


def _pesel(fk: Faker) -> str:
    """A Polish PESEL, the date of birth counted from ``REFERENCE_DATE``."""
    born = _date_of_birth(fk.random)
    return str(fk.pesel(date_of_birth=datetime(born.year, born.month, born.day)))


def _sv_nummer(fk: Faker) -> str:
    """An Austrian SV-Nummer for a date of birth from 1970 to ``REFERENCE_DATE``."""
    ssn: Callable[..., str] = fk.ssn  # de_AT's takes a birthdate
    return str(ssn(birthdate=_date_between(fk.random, date(1970, 1, 1), REFERENCE_DATE)))


def _fodselsnummer(fk: Faker) -> str:
    """A Norwegian fødselsnummer for an age of 18 to 90 at ``REFERENCE_DATE``."""
    born = REFERENCE_DATE - timedelta(days=fk.random.randrange(18 * 365, 90 * 365))
    ssn: Callable[..., str] = fk.ssn  # no_NO's takes a date of birth
    return str(ssn(dob=f"{born:%Y%m%d}"))


@dataclass
class Persona:
    """One data subject: a name and identifiers of one locale."""

    locale: str
    first: str
    last: str
    full: str
    title: str
    pronoun: str
    email: str
    phone: str
    street: str
    city_line: str
    city: str
    country: str
    dob: str
    nid_label: str
    nid: str
    iban: str
    card: str
    ip: str

    def name(self) -> V:
        return V("PERSON", self.full, self.locale)

    def firstv(self) -> V:
        return V("PERSON", self.first, self.locale)

    def lastv(self) -> V:
        return V("PERSON", self.last, self.locale)

    def mail(self) -> V:
        return V("EMAIL_ADDRESS", self.email, self.locale)

    def tel(self) -> V:
        return V("PHONE_NUMBER", self.phone, self.locale)

    def streetv(self) -> V:
        return V("STREET_ADDRESS", self.street, self.locale)

    def cityv(self) -> V:
        return V("LOCATION", self.city_line, self.locale)

    def countryv(self) -> V:
        return V("LOCATION", self.country, self.locale)

    def dobv(self) -> V:
        return V("DATE_OF_BIRTH", self.dob, self.locale)

    def nidv(self) -> V:
        return V("NATIONAL_ID", self.nid, self.locale)

    def ibanv(self) -> V:
        return V("IBAN_CODE", self.iban, self.locale)

    def cardv(self) -> V:
        return V("CREDIT_CARD", self.card, self.locale)

    def ipv(self) -> V:
        return V("IP_ADDRESS", self.ip, self.locale)


class World:
    """Seeded Faker instances per locale and the persona factory."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        for i, loc in enumerate(LOCALES):
            fk = Faker(loc)
            fk.seed_instance(seed * 1000 + i)
            self.fakers[loc] = _stable_order(fk)
        self.en = self.fakers["en_US"]
        self.used: list[str] = []

    # -- values ------------------------------------------------------------------------

    def _name(self, loc: str) -> tuple[str, str, str, str, str]:
        fk, rng = self.fakers[loc], self.rng
        female = rng.random() < 0.5
        if loc == "ja_JP":
            first = str(fk.first_romanized_name())
            last = str(fk.last_romanized_name())
        else:
            first = str(fk.first_name_female() if female else fk.first_name_male())
            last = str(fk.last_name())
        full = f"{first} {last}"
        r = rng.random()
        if loc == "hu_HU" and r < 0.5:
            full = f"{last} {first}"
        elif loc in ("es_ES", "es_MX") and r < 0.4:
            last2 = str(fk.last_name())
            last = f"{last} {last2}"
            full = f"{first} {last}"
        elif r < 0.12:
            full = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        title = "Ms." if female else "Mr."
        if rng.random() < 0.15:
            title = "Dr."
        return first, last, full, title, "she" if female else "he"

    def _email(self, loc: str, first: str, last: str) -> str:
        fk, rng = self.fakers[loc], self.rng
        r = rng.random()
        f, la = _ascii(first) or "user", _ascii(last.split()[0]) or "mail"
        domain = str(self.en.domain_name())
        if r < 0.3:
            return str(fk.email())
        if r < 0.55:
            return (
                rng.choice(
                    [f"{f}.{la}", f"{f[0]}.{la}", f"{f}_{la}", f"{f}{la}{rng.randint(1, 99)}"]
                )
                + "@"
                + rng.choice([str(self.en.free_email_domain()), domain])
            )
        if r < 0.65:
            return f"{f.capitalize()}.{la.capitalize()}@{domain.upper()}"
        # Shapes seen in real mail: bounce and list addresses, tags, digits, sub-domains,
        # internal hosts without a public suffix.
        n = rng.randint(10, 99999)
        tag = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))
        return rng.choice(
            [
                f"{rng.randint(1, 9)}.{n}.{rng.randint(1, 9)}f-{tag}.{rng.randint(1, 9)}"
                f"@newsletter.{domain}",
                f"bounce-{n}-{f}={la}.com@lists.{domain}",
                f"{f}+{rng.choice(['orders', 'news', 'spam', 'x1'])}@{domain}",
                f"list.{la}@host.{domain}",
                f"{f}.{la}-{n}@mail.{domain}",
                f"{f[0]}{la}@{rng.choice(['corp', 'intranet', 'hq'])}.{la}.internal",
                f"{la}_{f}{n % 100}@{rng.choice(['mx', 'smtp', 'post'])}.{domain}",
                f"{n}@{rng.choice(['users', 'noreply-relay', 'reply'])}.{domain}",
                f"{f}-{la}@{domain}",
            ]
        )

    def _phone(self, loc: str) -> str:
        fk, rng = self.fakers[loc], self.rng
        phone = str(fk.phone_number())
        if loc == "en_US" and rng.random() < 0.15:
            phone = str(fk.numerify("+1 ###-###-####"))
        return phone.strip()

    def _address(self, loc: str) -> tuple[str, str, str]:
        """(street line(s), postcode and city line, city)."""
        rng = self.rng
        if loc == "ja_JP":
            block = f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            street = f"{block} {rng.choice(_JP_TOWNS)}"
            if rng.random() < 0.4:
                street = f"{rng.choice(_JP_TOWNS)} Heights {rng.randint(101, 905)}, {street}"
            city = rng.choice(_JP_CITIES)
            return (
                street,
                f"{rng.choice(_JP_WARDS)}-ku, {city} {rng.randint(100, 999)}-"
                + (f"{rng.randint(0, 9999):04d}"),
                city,
            )
        fk = self.fakers[loc]
        street = str(fk.street_address()).strip()
        units = ("en_US", "en_CA", "en_AU", "en_NZ", "en_GB", "en_IE")
        if (
            loc in units
            and rng.random() < 0.25
            and not re.search(r"(Apt|Suite|Unit|Flat|Studio)", street)
        ):
            unit = rng.choice(["Apt.", "Suite", "Unit", "Flat"])
            if loc == "en_GB":
                street = f"Flat {rng.randint(1, 40)}, {street}"
            else:
                street = f"{street}, {unit} {rng.randint(1, 999)}"
        city = str(fk.city())
        pc = str(fk.postcode())
        if loc == "en_CA":
            line = f"{city}, {fk.province_abbr()} {pc}"
        elif loc in ("en_US", "es_MX"):
            line = f"{city}, {fk.state_abbr()} {pc}"
        elif loc == "en_AU":
            line = f"{city} {fk.state_abbr()} {pc}"
        elif loc in ("en_GB", "en_IE"):
            line = rng.choice([f"{city} {pc}", f"{city}\n{pc}", f"{city}, {pc}"])
        elif loc == "en_IN":
            line = rng.choice([f"{city} {pc}", f"{city} - {pc}"])
        elif loc == "en_NZ":
            line = f"{city} {pc}"
        elif loc == "es_ES":
            line = rng.choice([f"{pc} {city}", f"{city}, {pc}"])
        elif loc == "it_IT":
            line = rng.choice([f"{pc} {city}", f"{pc}, {city} ({fk.state_abbr()})"])
        elif loc == "pt_BR":
            line = f"{pc} {city} - {fk.estado_sigla()}"
        elif loc == "id_ID":
            line = f"{city} {pc}"
        elif loc == "hu_HU":
            line = rng.choice([f"{pc} {city}", f"{city}, {pc}"])
        else:
            line = f"{pc} {city}"
        return street, line, city

    def _national_id(self, loc: str) -> tuple[str, str]:
        fk, rng = self.fakers[loc], self.rng
        table: dict[str, list[tuple[str, Callable[[], str]]]] = {
            "en_US": [("SSN", lambda: str(fk.ssn()))],
            "en_GB": [
                ("National Insurance number", lambda: str(fk.ssn())),
                ("NI number", lambda: str(fk.ssn()).replace(" ", "")),
            ],
            "en_CA": [("SIN", lambda: str(fk.ssn()))],
            "es_ES": [("NIF", lambda: _nif(fk.random)), ("NIE", lambda: _nie(fk.random))],
            "es_MX": [("CURP", lambda: _curp(fk.random))],
            "it_IT": [("codice fiscale", lambda: str(fk.ssn()))],
            "pl_PL": [("PESEL", lambda: _pesel(fk))],
            "nl_NL": [("BSN", lambda: str(fk.ssn()))],
            "fr_FR": [("social security number", lambda: str(fk.ssn()))],
            "pt_BR": [("CPF", lambda: str(fk.cpf()))],
            "sv_SE": [("personnummer", lambda: _personnummer(fk.random))],
            "fi_FI": [("henkilötunnus", lambda: _henkilotunnus(fk.random))],
            "ro_RO": [("CNP", lambda: str(fk.ssn()))],
            "en_IN": [("Aadhaar", lambda: _group(str(fk.aadhaar_id()), rng))],
            "de_AT": [("SV-Nummer", lambda: _sv_nummer(fk))],
        }
        if loc not in table:
            return "SSN", str(self.en.ssn())
        label, make = rng.choice(table[loc])
        return label, make()

    def _card(self) -> str:
        rng = self.rng
        kind = rng.choice(
            [
                "visa16",
                "visa16",
                "visa19",
                "mastercard",
                "mastercard",
                "amex",
                "discover",
                "diners",
                "jcb16",
                "maestro",
                "visa13",
            ]
        )
        number = str(self.en.credit_card_number(card_type=kind))
        assert _luhn_ok(number)
        r = rng.random()
        if len(number) == 16 and r < 0.5:
            sep = rng.choice([" ", "-"])
            number = sep.join(number[i : i + 4] for i in range(0, 16, 4))
        elif len(number) == 15 and kind == "amex" and r < 0.5:
            number = f"{number[:4]} {number[4:10]} {number[10:]}"
        elif len(number) == 19 and r < 0.4:
            number = " ".join(number[i : i + 4] for i in range(0, 19, 4))
        return number

    def _iban(self, loc: str) -> str:
        iban = str(self.fakers[loc].iban())
        if not _iban_ok(iban):  # some locales fall back to an invalid generic IBAN
            iban = str(self.fakers[self.rng.choice(_IBAN_LOCALES)].iban())
        if self.rng.random() < 0.5:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def _birth_and_ip(self, fk: Faker) -> tuple[str, str]:
        """A date of birth (ages 18 to 85) in one of five layouts, and an IP address."""
        rng = self.rng
        dob = _date_of_birth(fk.random, 18, 85)
        dob_text = rng.choice(
            [
                dob.strftime("%d/%m/%Y"),
                dob.isoformat(),
                dob.strftime("%d %B %Y"),
                dob.strftime("%B %d, %Y"),
                dob.strftime("%d.%m.%Y"),
            ]
        )
        ip = str(self.en.ipv4_public()) if rng.random() < 0.8 else str(self.en.ipv6())
        return dob_text, ip

    def persona(self, loc: str | None = None) -> Persona:
        rng = self.rng
        loc = loc or rng.choice(LOCALES)
        self.used.append(loc)
        fk = self.fakers[loc]
        first, last, full, title, pronoun = self._name(loc)
        street, city_line, city = self._address(loc)
        nid_label, nid = self._national_id(loc)
        dob_text, ip = self._birth_and_ip(fk)
        return Persona(
            locale=loc,
            first=first,
            last=last,
            full=full,
            title=title,
            pronoun=pronoun,
            email=self._email(loc, first, last),
            phone=self._phone(loc),
            street=street,
            city_line=city_line,
            city=city,
            country=_COUNTRY[loc],
            dob=dob_text,
            nid_label=nid_label,
            nid=nid,
            iban=self._iban(loc),
            card=self._card(),
            ip=ip,
        )

    # -- unlabelled distractors ------------------------------------------------------

    def company(self) -> str:
        return str(self.fakers[self.rng.choice(LOCALES[:18])].company()).replace("\n", " ")

    def some_city(self) -> str:
        return str(self.fakers[self.rng.choice(LOCALES[:24])].city())

    def date(self) -> str:
        d = _date_between(self.en.random, _years_from_reference(-2), _years_from_reference(1))
        return self.rng.choice(
            [d.strftime("%d %B %Y"), d.isoformat(), d.strftime("%B %d"), d.strftime("%d/%m/%Y")]
        )

    def code(self, prefix: str) -> str:
        return f"{prefix}-{self.rng.randint(2019, 2026)}-{self.rng.randint(100, 99999):05d}"

    def amount(self) -> str:
        cur = self.rng.choice(["€", "$", "£", "CHF ", "PLN ", "HUF "])
        return f"{cur}{self.rng.randint(5, 9999):,}.{self.rng.randint(0, 99):02d}"

    def product(self) -> str:
        return self.rng.choice(
            [
                "ThinkPad X1 Carbon",
                "Model S-200 router",
                "SKU 4411-AB-09",
                "Galaxy Tab A8",
                "part no. 7731-220-01",
                "the Pro plan",
                "firmware v2.14.3",
                "Office 365 E3 licence",
                "iPhone 14 Pro",
                "Windows 11 laptop",
                "Kafka connector 3.6.1",
                "HP LaserJet M404",
                "order line 3 (qty 12)",
            ]
        )


def _group(digits: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return digits


_GENES = ("BRCA1", "TP53", "EGFR", "KRAS", "HER2", "MYC", "PTEN", "CDK4/6", "IL-6", "TNF-alpha")
_DRUGS = ("metformin 500 mg", "atorvastatin 20 mg", "ramipril 5 mg", "amoxicillin", "ibuprofen")
_TECH = ("Kafka", "Kubernetes", "OpenSearch", "Grafana", "Jenkins", "Terraform", "Okta", "Jira")

Shape = Callable[[Doc, World], None]


def _pick(w: World, *options: str) -> str:
    return w.rng.choice(options)


def _nationality(w: World, *options: str) -> V:
    """A data subject's nationality: a quasi-identifier (label NRP)."""
    return V("NRP", w.rng.choice(options))


def _signature(d: Doc, w: World, p: Persona, *, address: bool) -> None:
    d.f(
        _pick(
            w,
            "Best regards,\n",
            "Kind regards,\n",
            "Thanks,\n",
            "Cheers,\n",
            "Regards,\n",
            "Sincerely,\n",
            "Many thanks,\n",
            "Best,\n",
            "--\n",
            "Warm wishes,\n",
        )
    )
    d.f("{n}\n", n=p.name() if w.rng.random() < 0.8 else p.firstv())
    r = w.rng.random()
    if r < 0.5:
        d.f(_pick(w, "Tel: {t}\n", "Mobile: {t}\n", "Phone {t}\n", "{t}\n", "M: {t}\n"), t=p.tel())
    if address:
        d.f("{s}\n{c}\n", s=p.streetv(), c=p.cityv())


def shape_mail_signature(d: Doc, w: World) -> None:
    p, agent = w.persona(), w.persona()
    d.f("From: {n} <{e}>\n", n=p.name(), e=p.mail())
    d.f("To: support@{dom}\n", dom=str(w.en.domain_name()))
    d.f(
        "Subject: {s} {o}\n\n",
        s=_pick(w, "Problem with order", "Refund for", "Question about"),
        o=w.code("ORD"),
    )
    d.f(_pick(w, "Hello,\n\n", "Hi there,\n\n", "Dear support team,\n\n", "Good morning,\n\n"))
    d.f(
        "I ordered the {prod} on {dt} and it still has not arrived. ", prod=w.product(), dt=w.date()
    )
    if w.rng.random() < 0.5:
        d.f(
            "My neighbour {n} said a courier left a note at {pc}. ",
            n=agent.name(),
            pc=V("STREET_ADDRESS", agent.street, agent.locale),
        )
    d.f(
        _pick(
            w,
            "You can call me on {t} any time after 5pm.\n\n",
            "Please ring {t} if anything is unclear.\n\n",
            "My mobile is {t}.\n\n",
        ),
        t=p.tel(),
    )
    _signature(d, w, p, address=w.rng.random() < 0.6)


def shape_ticket(d: Doc, w: World) -> None:
    p, agent = w.persona(), w.persona()
    d.f(
        "Ticket #{n} | priority {pr} | opened {dt}\n",
        n=str(w.rng.randint(10000, 99999)),
        pr=_pick(w, "P1", "P2", "P3"),
        dt=w.date(),
    )
    d.f(
        _pick(w, "Requester: {n}\n", "Reported by: {n}\n", "Customer: {n}\n", "Caller: {n}\n"),
        n=p.name(),
    )
    d.f("Email: {e}\nPhone: {t}\n", e=p.mail(), t=p.tel())
    if w.rng.random() < 0.5:
        d.f("Source IP: {ip}\n", ip=p.ipv())
    d.f("Assigned to: {a}\n\n", a=agent.name())
    d.f(
        "Description:\n{f} cannot log in to {tech} since the update to {prod}. ",
        f=p.firstv(),
        tech=w.rng.choice(_TECH),
        prod=w.product(),
    )
    d.f(
        _pick(
            w,
            "{pr} tried a reset from {ip}.\n",
            "Failed attempts came from {ip}.\n",
            "Last seen from {ip}.\n",
        ),
        pr=p.pronoun.capitalize(),
        ip=p.ipv(),
    )
    d.f("Update from {a}: reset done, asked the user to confirm by mail.\n", a=agent.firstv())


def shape_cv(d: Doc, w: World) -> None:
    p, ref1, ref2 = w.persona(), w.persona(), w.persona()
    d.f("{n}\n", n=p.name())
    d.f(
        _pick(
            w,
            "{s}, {c} | {t} | {e}\n\n",
            "{s} · {c}\n{t} · {e}\n\n",
            "Address: {s}, {c}\nPhone: {t}\nE-mail: {e}\n\n",
        ),
        s=p.streetv(),
        c=p.cityv(),
        t=p.tel(),
        e=p.mail(),
    )
    if w.rng.random() < 0.5:
        d.f(
            "Date of birth: {b}  Nationality: {nat}\n\n",
            b=p.dobv(),
            nat=_nationality(
                w,
                "Hungarian",
                "Polish",
                "Brazilian",
                "Italian",
                "Irish",
                "Indian",
                "Japanese",
                "German",
            ),
        )
    d.f(
        "PROFILE\nData engineer with {y} years of experience in {t1} and {t2}.\n\n",
        y=str(w.rng.randint(2, 20)),
        t1=w.rng.choice(_TECH),
        t2=w.rng.choice(_TECH),
    )
    d.f(
        "EXPERIENCE\n{y1}\u2013{y2}  Senior Engineer, {co}, {city}\n",
        y1="2019",
        y2="2024",
        co=w.company(),
        city=w.some_city(),
    )
    d.f("{y1}\u2013{y2}  Analyst, {co}\n\n", y1="2015", y2="2019", co=w.company())
    d.f(
        "REFERENCES\n{r1}, Head of IT, {co} \u2013 {t}\n",
        r1=ref1.name(),
        co=w.company(),
        t=ref1.tel(),
    )
    d.f("{r2} \u2013 {e}\n", r2=ref2.name(), e=ref2.mail())


def shape_invoice(d: Doc, w: World) -> None:
    p = w.persona()
    d.f("INVOICE {inv}\nDate: {dt}\n\n", inv=w.code("INV"), dt=w.date())
    d.f(_pick(w, "Bill to:\n", "Billing address:\n", "Customer:\n", "Invoice to:\n"))
    d.f("{n}\n{s}\n{c}\n{co}\n\n", n=p.name(), s=p.streetv(), c=p.cityv(), co=p.countryv())
    if w.rng.random() < 0.5:
        d.f("Customer tax ID ({l}): {i}\n", l=p.nid_label, i=p.nidv())
    d.f(
        "1 x {prod} .......... {a}\nShipping .......... {b}\n",
        prod=w.product(),
        a=w.amount(),
        b=w.amount(),
    )
    d.f(
        _pick(
            w,
            "Please transfer the total to IBAN {x} within 14 days.\n",
            "Paid by card {c} on {dt}.\n",
        ),
        x=p.ibanv(),
        c=p.cardv(),
        dt=w.date(),
    )
    d.f("Questions: {e}\n", e=p.mail())


def shape_shipping(d: Doc, w: World) -> None:
    p, sender = w.persona(), w.persona()
    d.f(
        "SHIPPING LABEL  {trk}\n",
        trk=f"1Z{w.rng.randint(10**9, 10**10 - 1)}AA{w.rng.randint(10, 99)}",
    )
    d.f(
        "Ship to:\n{n}\n{s}\n{c}\n{co}\nTel. {t}\n\n",
        n=p.name(),
        s=p.streetv(),
        c=p.cityv(),
        co=p.countryv(),
        t=p.tel(),
    )
    d.f("Sender: {n}, {s}, {c}\n", n=sender.name(), s=sender.streetv(), c=sender.cityv())
    d.f(
        "Weight: {kg} kg  Parcels: 1/1  Service: {svc}\n",
        kg=str(w.rng.randint(1, 30)),
        svc=_pick(w, "Express 12:00", "Economy", "Standard (DDP)"),
    )


def shape_chat(d: Doc, w: World) -> None:
    p, agent = w.persona(), w.persona()
    h, m = w.rng.randint(8, 20), w.rng.randint(0, 50)
    who = agent.first if w.rng.random() < 0.5 else agent.full

    def line(speaker: V | str, text: str, **kw: str | V) -> None:
        nonlocal m
        m += w.rng.randint(0, 3)
        d.f("[{h}:{m}] {s}: ", h=f"{h:02d}", m=f"{m:02d}", s=speaker)
        d.f(text + "\n", **kw)

    line(
        V("PERSON", who, agent.locale),
        "Hello, you are chatting with {a}. How can I help?",
        a=V("PERSON", who, agent.locale),
    )
    line(
        p.name(),
        _pick(
            w,
            "hi, my card {c} was charged twice",
            "hi, my parcel never came",
            "hello, I need to change my address",
        ),
        c=p.cardv(),
    )
    line(
        V("PERSON", who, agent.locale), "Sorry to hear that! Can you confirm your e-mail and phone?"
    )
    line(p.name(), "sure, {e} and {t}", e=p.mail(), t=p.tel())
    line(
        p.name(),
        _pick(w, "new address is {s}, {c}", "I live at {s}, {c}", "deliver to {s}, {c} please"),
        s=p.streetv(),
        c=p.cityv(),
    )
    line(
        V("PERSON", who, agent.locale),
        "Thanks {f}, updated. Reference {r}.",
        f=p.firstv(),
        r=w.code("CS"),
    )


def shape_clinical(d: Doc, w: World) -> None:
    p, doc = w.persona(), w.persona()
    d.f("CLINIC NOTE  {dt}\n", dt=w.date())
    d.f("Patient: {n}   DOB: {b}\n", n=p.name(), b=p.dobv())
    d.f("{l}: {i}\n", l=p.nid_label, i=p.nidv())
    d.f("Address: {s}, {c}\nContact: {t}\n\n", s=p.streetv(), c=p.cityv(), t=p.tel())
    d.f(
        "{ti} {la}, {age}, presents with fatigue. Family history: {g} mutation (mother). "
        "Continue {dr}; {g2} panel ordered. HbA1c 7.2%.\n",
        ti=p.title,
        la=p.lastv(),
        age=f"{w.rng.randint(18, 85)}-year-old",
        g=w.rng.choice(_GENES),
        dr=w.rng.choice(_DRUGS),
        g2=w.rng.choice(_GENES),
    )
    d.f(
        "Seen by Dr. {dn}. Next visit {dt} at the {city} site.\n",
        dn=doc.name(),
        dt=w.date(),
        city=w.some_city(),
    )


def shape_minutes(d: Doc, w: World) -> None:
    people = [w.persona() for _ in range(w.rng.randint(3, 5))]
    d.f(
        "Minutes \u2013 {proj} steering group, {dt}\n",
        proj=_pick(w, "Atlas", "Phoenix", "Borealis", "Migration 2.0"),
        dt=w.date(),
    )
    d.add(_pick(w, "Attendees: ", "Present: ", "Participants: ", "Attendees:\n"))
    bullets = d.parts[-1].endswith("\n")
    attendees = people[:-1]
    for i, q in enumerate(attendees):
        if bullets:
            d.f("- {n}\n", n=q.name())
            continue
        sep = ", " if i < len(attendees) - 2 else " and " if i == len(attendees) - 2 else "\n"
        d.f("{n}" + sep, n=q.name())
    d.f("Apologies: {n}\n\n", n=people[-1].name())
    d.f(
        "1. {a} presented the {tech} migration plan; budget {amt} approved.\n",
        a=people[0].lastv() if w.rng.random() < 0.5 else people[0].name(),
        tech=w.rng.choice(_TECH),
        amt=w.amount(),
    )
    d.f(
        "2. Action: {b} to contact {co} about the contract by {dt}.\n",
        b=people[1].firstv(),
        co=w.company(),
        dt=w.date(),
    )
    d.f(
        "3. {c} will share the dial-in ({t}) with the vendor.\n",
        c=people[2].name(),
        t=people[2].tel(),
    )


def shape_hr_letter(d: Doc, w: World) -> None:
    p, hr = w.persona(), w.persona()
    d.f("{co}\nHuman Resources\n\n", co=w.company())
    d.f("{n}\n{s}\n{c}\n\n{dt}\n\n", n=p.name(), s=p.streetv(), c=p.cityv(), dt=w.date())
    d.f("Dear {ti} {la},\n\n", ti=p.title, la=p.lastv())
    d.f(
        "We are pleased to confirm your appointment as {role} from {dt}. Your salary will be "
        "paid monthly to the account {x}. Please bring your {l} ({i}) on your first day.\n\n",
        role=_pick(w, "Project Manager", "Data Analyst", "Nurse", "Sales Lead"),
        dt=w.date(),
        x=p.ibanv(),
        l=p.nid_label,
        i=p.nidv(),
    )
    d.f(_pick(w, "Yours sincerely,\n", "Kind regards,\n", "Yours faithfully,\n"))
    d.f("{n}\nHR Business Partner\n", n=hr.name())


def shape_payment(d: Doc, w: World) -> None:
    p = w.persona()
    d.f("Payment request {r}\n", r=w.code("PAY"))
    d.f(
        _pick(
            w,
            "Please charge card {c} (exp {e}) for {n}.\n",
            "Cardholder: {n}\nCard number: {c}\nExpiry: {e}\n",
        ),
        c=p.cardv(),
        e=f"{w.rng.randint(1, 12):02d}/{w.rng.randint(26, 31)}",
        n=p.name(),
    )
    d.f("Billing address: {s}, {c}.\n", s=p.streetv(), c=p.cityv())
    d.f("If declined, debit {x} instead and notify {e}.\n", x=p.ibanv(), e=p.mail())
    d.f("Amount: {a}, reference {r}.\n", a=w.amount(), r=w.code("REF"))


def shape_lease(d: Doc, w: World) -> None:
    landlord, tenant = w.persona(), w.persona()
    d.f("TENANCY AGREEMENT dated {dt}\n\n", dt=w.date())
    d.f("Landlord: {n}, of {s}, {c}\n", n=landlord.name(), s=landlord.streetv(), c=landlord.cityv())
    d.f(
        "Tenant: {n}, born {b}, {l} {i}\n",
        n=tenant.name(),
        b=tenant.dobv(),
        l=tenant.nid_label,
        i=tenant.nidv(),
    )
    d.f("Property: {s}, {c}\n\n", s=tenant.streetv(), c=tenant.cityv())
    d.f(
        "Rent of {a} is due on the 1st of each month to {x}. The deposit of {b} is held by {co}.\n",
        a=w.amount(),
        x=landlord.ibanv(),
        b=w.amount(),
        co=w.company(),
    )
    d.f("Emergency contact for repairs: {t}.\n", t=landlord.tel())


def shape_signup(d: Doc, w: World) -> None:
    p = w.persona()
    d.f("New account registration \u2013 {dt}\n", dt=w.date())
    d.f(
        "First name: {f}\nLast name: {la}\nDate of birth: {b}\n",
        f=p.firstv(),
        la=p.lastv(),
        b=p.dobv(),
    )
    d.f(
        "Street: {s}\nPostcode/City: {c}\nCountry: {co}\n",
        s=p.streetv(),
        c=p.cityv(),
        co=p.countryv(),
    )
    d.f(
        "Mobile: {t}\nE-mail: {e}\nID document ({l}): {i}\n",
        t=p.tel(),
        e=p.mail(),
        l=p.nid_label,
        i=p.nidv(),
    )
    d.f(
        "Registered from {ip} using {ua}.\n",
        ip=p.ipv(),
        ua=_pick(w, "Firefox 128", "Chrome 126 on Android 14", "Safari 17.5"),
    )


def shape_incident(d: Doc, w: World) -> None:
    p, analyst = w.persona(), w.persona()
    d.f("Security incident {r} ({sev})\n", r=w.code("SEC"), sev=_pick(w, "high", "medium"))
    d.f("Analyst: {a}\n", a=analyst.name())
    d.f("Affected user: {n} ({e})\n", n=p.name(), e=p.mail())
    d.f(
        "Summary: {cnt} failed logins to the {tech} console from {ip1} and {ip2} between "
        "{h1} and {h2} UTC, followed by a successful login from {ip3}.\n",
        cnt=str(w.rng.randint(5, 500)),
        tech=w.rng.choice(_TECH),
        ip1=p.ipv(),
        ip2=V("IP_ADDRESS", str(w.en.ipv4_public()), p.locale),
        h1="02:14",
        h2="02:57",
        ip3=V("IP_ADDRESS", str(w.en.ipv4_public()), p.locale),
    )
    d.f(
        "Actions: password reset, MFA re-enrolment; {f} confirmed by phone ({t}).\n",
        f=p.firstv(),
        t=p.tel(),
    )


def shape_complaint_letter(d: Doc, w: World) -> None:
    p = w.persona()
    d.f("{n}\n{s}\n{c}\n{t}\n\n", n=p.name(), s=p.streetv(), c=p.cityv(), t=p.tel())
    d.f("{co}\nCustomer Relations\n\n{dt}\n\n", co=w.company(), dt=w.date())
    d.f(
        "Dear Sir or Madam,\n\nI am writing to complain about the {prod} delivered on {dt}. "
        "Despite three calls, nobody has collected it. ",
        prod=w.product(),
        dt=w.date(),
    )
    d.f(
        "Please refund {a} to my card ending {last4} or contact me at {e}.\n\n",
        a=w.amount(),
        last4=str(w.rng.randint(1000, 9999)),
        e=p.mail(),
    )
    d.f(_pick(w, "Yours faithfully,\n", "Yours sincerely,\n"))
    d.f("{n}\n", n=p.name())


def shape_bounce(d: Doc, w: World) -> None:
    p, q = w.persona(), w.persona()
    d.f("Delivery Status Notification (Failure)\n\n")
    d.f("Your message to {n} <{e}> could not be delivered.\n", n=p.name(), e=p.mail())
    d.f("Final-Recipient: rfc822; {e}\nAction: failed\nStatus: 5.1.1\n", e=p.mail())
    d.f("Return-Path: <{e}>\n", e=q.mail())
    d.f(
        "List-Unsubscribe: <mailto:{e}?subject=unsubscribe>, <https://lists.{dom}/u/{tok}>\n",
        e=q.mail(),
        dom=str(w.en.domain_name()),
        tok=str(w.rng.randint(10**6, 10**7)),
    )
    d.f(
        "Reporting-MTA: dns; mx{k}.{dom}\n", k=str(w.rng.randint(1, 9)), dom=str(w.en.domain_name())
    )


def shape_crm_note(d: Doc, w: World) -> None:
    p, spouse = w.persona(), w.persona(None)
    d.f("{dt} \u2013 call notes\n", dt=w.date())
    d.f(
        _pick(w, "Spoke with {n} on {t}. ", "Called {n} at {t}. ", "{n} rang us from {t}. "),
        n=p.name(),
        t=p.tel(),
    )
    d.f(
        _pick(
            w,
            "{pr} lives at {s}, {c} and ",
            "{n2} lives at {s}, {c} and ",
            "Home address is {s}, {c}; {pr} ",
        ),
        pr=p.pronoun.capitalize(),
        n2=p.firstv(),
        s=p.streetv(),
        c=p.cityv(),
    )
    d.f("wants the {prod} delivered before {dt}. ", prod=w.product(), dt=w.date())
    d.f(
        "{pr} mentioned {n} will sign for it if {pr2} is out.\n",
        pr=p.pronoun.capitalize(),
        n=spouse.name(),
        pr2=p.pronoun,
    )
    d.f("Follow up by mail: {e}.\n", e=p.mail())


def shape_booking(d: Doc, w: World) -> None:
    p, q = w.persona(), w.persona()
    d.f(
        "Booking confirmation {ref}\n\n",
        ref="".join(w.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
    )
    d.f("Passenger 1: {n}\n", n=p.name())
    d.f("Passenger 2: {n}\n", n=q.name())
    d.f(
        "Flight {fl} {a} → {b}, {dt} 07:45\n",
        fl=f"{_pick(w, 'LH', 'BA', 'AF', 'IB', 'LO')} {w.rng.randint(100, 9999)}",
        a=w.some_city(),
        b=w.some_city(),
        dt=w.date(),
    )
    d.f("Contact: {e} / {t}\n", e=p.mail(), t=p.tel())
    d.f("Paid with {c}. Seats 14A, 14B. Baggage 2 x 23 kg.\n", c=p.cardv())


def shape_founders(d: Doc, w: World) -> None:
    a, b, c = w.persona(), w.persona(), w.persona()
    co = w.company()
    r = w.rng.random()
    if r < 0.4:
        d.f(
            "About us\n{co} was founded in {y} by {a}, {b} and {c}. ",
            co=co,
            y=str(w.rng.randint(1990, 2022)),
            a=a.name(),
            b=b.name(),
            c=c.name(),
        )
    elif r < 0.7:
        d.f(
            "{co} \u2013 our story\nThe founders: {a}, {b} and {c} met at university in {city}. ",
            co=co,
            a=a.lastv(),
            b=b.lastv(),
            c=c.lastv(),
            city=w.some_city(),
        )
    else:
        d.f("{co} board\nDirectors: {a}; {b}; {c}.\n", co=co, a=a.name(), b=b.name(), c=c.name())
    d.f(
        "Today the company employs {n} people and runs on {tech}. Press contact: {p} ({e}).\n",
        n=str(w.rng.randint(10, 900)),
        tech=w.rng.choice(_TECH),
        p=a.name(),
        e=a.mail(),
    )


def shape_intro(d: Doc, w: World) -> None:
    p = w.persona()
    d.f(
        _pick(
            w, "Hello, my name is {f} and ", "Hi! My name is {n}, ", "Good afternoon, I'm {n} and "
        ),
        f=p.firstv(),
        n=p.name(),
    )
    d.f(
        _pick(w, "I moved to {s}, {c} last month. ", "I am writing from {s}, {c}. "),
        s=p.streetv(),
        c=p.cityv(),
    )
    d.f("Could you update my records? My phone is {t} and my e-mail {e}. ", t=p.tel(), e=p.mail())
    d.f("My {l} is {i} if you need it.\nThank you,\n{f}\n", l=p.nid_label, i=p.nidv(), f=p.firstv())


def shape_claim(d: Doc, w: World) -> None:
    p, witness = w.persona(), w.persona()
    d.f("Claim {r}\nPolicyholder: {n}\n", r=w.code("CLM"), n=p.name())
    d.f(
        "Incident: rear-end collision on {dt} outside {s}, {c}.\n",
        dt=w.date(),
        s=V("STREET_ADDRESS", witness.street, witness.locale),
        c=V("LOCATION", witness.city_line, witness.locale),
    )
    d.f("Witness: {n}, {t}\n", n=witness.name(), t=witness.tel())
    d.f(
        "{n} lives at {s}, {c}. Damage estimate {a}. Pay out to {x}.\n",
        n=p.name(),
        s=p.streetv(),
        c=p.cityv(),
        a=w.amount(),
        x=p.ibanv(),
    )


def shape_school(d: Doc, w: World) -> None:
    parent, child, teacher = w.persona(), w.persona(), w.persona()
    child_name = V("PERSON", f"{child.first} {parent.last}", parent.locale)
    d.f("Dear {ti} {la},\n\n", ti=parent.title, la=parent.lastv())
    d.f(
        "{c} did very well in the maths olympiad on {dt}. The trip to {city} needs your consent "
        "by Friday; please return the form or call the office.\n\n",
        c=child_name,
        dt=w.date(),
        city=w.some_city(),
    )
    d.f("Emergency contact on file: {t}, {e}.\n\n", t=parent.tel(), e=parent.mail())
    d.f(_pick(w, "Best wishes,\n", "Kind regards,\n"))
    d.f("{n}\nClass teacher\n", n=teacher.name())


def shape_science(d: Doc, w: World) -> None:
    """No personal data at all: technical vocabulary that must not be changed."""
    g1, g2, g3 = w.rng.sample(_GENES, 3)
    d.f(
        "Abstract. We measured {g1} and {g2} expression in {n} tumour samples using the "
        "{tech} pipeline (v{v}). Loss of {g3} correlated with poor response to {dr} "
        "(HR 1.8, 95% CI 1.2-2.7, p = 0.004). Samples were processed at the {city} "
        "biobank between {d1} and {d2}. Raw reads are deposited under accession "
        "GSE{acc}.\n",
        g1=g1,
        g2=g2,
        g3=g3,
        n=str(w.rng.randint(40, 900)),
        tech=w.rng.choice(("Nextflow", "Snakemake", "Galaxy", "Cromwell")),
        v=f"{w.rng.randint(1, 4)}.{w.rng.randint(0, 20)}.{w.rng.randint(0, 9)}",
        dr=w.rng.choice(_DRUGS),
        city=w.some_city(),
        d1=w.date(),
        d2=w.date(),
        acc=str(w.rng.randint(100000, 299999)),
    )


SHAPES: dict[str, Shape] = {
    "mail_signature": shape_mail_signature,
    "support_ticket": shape_ticket,
    "cv": shape_cv,
    "invoice": shape_invoice,
    "shipping_form": shape_shipping,
    "chat_log": shape_chat,
    "clinical_note": shape_clinical,
    "meeting_minutes": shape_minutes,
    "hr_letter": shape_hr_letter,
    "payment_request": shape_payment,
    "tenancy_agreement": shape_lease,
    "signup_form": shape_signup,
    "security_incident": shape_incident,
    "complaint_letter": shape_complaint_letter,
    "bounce_mail": shape_bounce,
    "crm_note": shape_crm_note,
    "booking": shape_booking,
    "company_about": shape_founders,
    "introduction": shape_intro,
    "insurance_claim": shape_claim,
    "school_letter": shape_school,
    "science_abstract": shape_science,
}


# -- Held-out shapes: written after the rules were tuned on the shapes above, never used
# for tuning. They appear only in the report half (see ``split``) and show how the rules
# generalise to layouts and phrasings they were not fitted to.


def shape_forum_post(d: Doc, w: World) -> None:
    p, upstairs, landlord = w.persona(), w.persona(), w.persona()
    handle = f"{_ascii(p.first)[:6]}{w.rng.randint(70, 99)}"
    d.f(
        "Re: noise complaint, what are my options?\nPosted by {h} on {dt}\n\n",
        h=handle,
        dt=w.date(),
    )
    d.f(
        "We moved into the flat at {s}, {c} in spring. Since then {n} upstairs plays the "
        "drums every night until 2am. ",
        s=p.streetv(),
        c=p.cityv(),
        n=upstairs.name(),
    )
    d.f(
        "I left a note for {f} and even asked our landlord, {l}, to step in - nothing. ",
        f=upstairs.firstv(),
        l=landlord.name(),
    )
    d.f(
        "If anyone knows a mediator near {city}, drop me a line at {e} or text {t}.\n-- {f}\n",
        city=V("LOCATION", p.city, p.locale),
        e=p.mail(),
        t=p.tel(),
        f=p.firstv(),
    )


def shape_legal_notice(d: Doc, w: World) -> None:
    seller, buyer = w.persona(), w.persona()
    d.f(
        "DEED OF SALE\n\nThis agreement is made on {dt} between {a}, residing at {s}, {c} "
        '(passport no. {pp}) ("the Seller"), and {b} of {s2}, {c2} ("the Buyer").\n\n',
        dt=w.date(),
        a=seller.name(),
        s=seller.streetv(),
        c=seller.cityv(),
        pp=V(
            "NATIONAL_ID",
            f"{w.rng.choice('CFGHJKLMNPRTVWXYZ')}{w.rng.randint(10**7, 10**8 - 1)}",
            seller.locale,
        ),
        b=buyer.name(),
        s2=buyer.streetv(),
        c2=buyer.cityv(),
    )
    d.f(
        "1. The Seller transfers to the Buyer the {prod} for the sum of {a}, paid to {x}.\n",
        prod=w.product(),
        a=w.amount(),
        x=seller.ibanv(),
    )
    d.f(
        "2. Disputes are settled under the law of {country}.\n\nSigned: {a}    Signed: {b}\n",
        country=V("LOCATION", seller.country, seller.locale),
        a=seller.name(),
        b=buyer.name(),
    )


def shape_voicemail(d: Doc, w: World) -> None:
    p = w.persona()
    d.f("Voicemail from {t} received {dt} 09:14 (0:42)\n", t=p.tel(), dt=w.date())
    d.f(
        "Transcript: \"Hi, it's {n} calling about invoice {inv}. I think you still have my "
        "old address, I'm now at {s} in {city}. ",
        n=p.name(),
        inv=w.code("INV"),
        s=p.streetv(),
        city=V("LOCATION", p.city, p.locale),
    )
    d.f(
        'You can reach me on {t} after six, or just mail {e}. Thanks, bye."\n',
        t=V("PHONE_NUMBER", w._phone(p.locale), p.locale),
        e=p.mail(),
    )


def shape_expense_report(d: Doc, w: World) -> None:
    p, mgr = w.persona(), w.persona()
    d.f(
        "EXPENSE CLAIM {r}\nEmployee: {n} | Cost centre: CC-{cc}\n\n",
        r=w.code("EXP"),
        n=p.name(),
        cc=str(w.rng.randint(1000, 9999)),
    )
    d.add("| Date | Merchant | Amount | Paid with |\n|---|---|---|---|\n")
    for _ in range(w.rng.randint(2, 4)):
        d.f(
            "| {dt} | {m} | {a} | card **** {l4} |\n",
            dt=w.date(),
            m=w.company(),
            a=w.amount(),
            l4=str(w.rng.randint(1000, 9999)),
        )
    d.f("\nReimburse to: {x} (account holder {n})\n", x=p.ibanv(), n=p.name())
    d.f("Approved: {m} <{e}>\n", m=mgr.name(), e=mgr.mail())


def shape_obituary(d: Doc, w: World) -> None:
    p, spouse = w.persona(), w.persona()
    kids = [w.persona(p.locale) for _ in range(3)]
    d.f(
        "{n}, {age}, of {city}, passed away peacefully on {dt}. ",
        n=p.name(),
        age=str(w.rng.randint(60, 99)),
        city=V("LOCATION", p.city, p.locale),
        dt=w.date(),
    )
    d.f(
        "Beloved {rel} of the late {s} and devoted parent of {a}, {b} and {c}. ",
        rel=_pick(w, "wife", "husband", "partner"),
        s=spouse.name(),
        a=kids[0].firstv(),
        b=kids[1].firstv(),
        c=kids[2].firstv(),
    )
    d.f(
        "The funeral will take place at the chapel on {s} on {dt}. Enquiries to {t}.\n",
        s=V("STREET_ADDRESS", w.persona(p.locale).street, p.locale),
        dt=w.date(),
        t=kids[0].tel(),
    )


def shape_whatsapp(d: Doc, w: World) -> None:
    p, q = w.persona(), w.persona()
    day = f"{w.rng.randint(1, 28):02d}/{w.rng.randint(1, 12):02d}/{w.rng.randint(2023, 2026)}"
    h = w.rng.randint(8, 21)

    def msg(who: V, text: str, **kw: str | V) -> None:
        d.f(
            "{day}, {h}:{m} - {who}: ",
            day=day,
            h=f"{h:02d}",
            m=f"{w.rng.randint(0, 59):02d}",
            who=who,
        )
        d.f(text + "\n", **kw)

    msg(p.name(), "are you still selling the {prod}?", prod=w.product())
    msg(q.name(), "yes! where do you live? I can drop it off")
    msg(p.name(), "{s}, {c}. ring the bell twice", s=p.streetv(), c=p.cityv())
    msg(q.name(), "ok, tomorrow 6pm. my number is {t} in case", t=q.tel())
    msg(p.name(), "perfect, see you, {f}", f=q.firstv())


def shape_csv_export(d: Doc, w: World) -> None:
    d.add("id,name,email,phone,street,postcode_city,plan\n")
    for i in range(w.rng.randint(2, 4)):
        p = w.persona()
        d.f(
            '{i},{n},{e},{t},"{s}","{c}",{plan}\n',
            i=str(1000 + i),
            n=p.name(),
            e=p.mail(),
            t=p.tel(),
            s=p.streetv(),
            c=p.cityv(),
            plan=_pick(w, "pro", "basic", "trial"),
        )


def shape_referral(d: Doc, w: World) -> None:
    p, gp, child = w.persona(), w.persona(), w.persona()
    d.f("Re: {n}, DOB {b}, {l} {i}\n\n", n=p.name(), b=p.dobv(), l=p.nid_label, i=p.nidv())
    d.f(
        "Dear Dr {la},\n\nThank you for seeing this {age}-year-old who lives with {pr} "
        "daughter {c} at {s}, {city}. ",
        la=gp.lastv(),
        age=str(w.rng.randint(30, 90)),
        pr="her" if p.pronoun == "she" else "his",
        c=V("PERSON", child.first, child.locale),
        s=p.streetv(),
        city=p.cityv(),
    )
    d.f(
        "{pr} has had worsening breathlessness since {dt}; echo showed an EF of 35%. "
        "Current medication: {dr}.\n\n",
        pr=p.pronoun.capitalize(),
        dt=w.date(),
        dr=w.rng.choice(_DRUGS),
    )
    d.f("With best wishes\n\n{n}\nConsultant Cardiologist, tel. {t}\n", n=gp.name(), t=gp.tel())


HELD_OUT_SHAPES: dict[str, Shape] = {
    "forum_post": shape_forum_post,
    "legal_notice": shape_legal_notice,
    "voicemail": shape_voicemail,
    "expense_report": shape_expense_report,
    "obituary": shape_obituary,
    "whatsapp_export": shape_whatsapp,
    "csv_export": shape_csv_export,
    "referral_letter": shape_referral,
}


# -- Second held-out group: written after the first benchmark report (which showed the
# rules failing on the first held-out group), before the rules were extended; never tuned
# on. They appear only in the report half.


def shape_tenant_email(d: Doc, w: World) -> None:
    p, partner, caretaker = w.persona(), w.persona(), w.persona()
    d.f(
        "hi {f},\n\nquick one - me and my partner {pn} are still waiting for the boiler "
        "repair at {s} ({c}). ",
        f=V("PERSON", w.persona(p.locale).first, p.locale),
        pn=partner.name(),
        s=p.streetv(),
        c=p.cityv(),
    )
    d.f(
        "The caretaker ({ti} {cl}) said it was ordered weeks ago. Can you chase it? "
        "Best to reach me on {t}.\n\nta,\n{i}.\n",
        ti=caretaker.title.rstrip("."),
        cl=caretaker.lastv(),
        t=p.tel(),
        i=p.firstv(),
    )


def shape_witness_statement(d: Doc, w: World) -> None:
    p, suspect, friend = w.persona(), w.persona(), w.persona()
    d.f(
        "STATEMENT OF WITNESS\nName: {n}\nAge: {a}\nOccupation: {o}\nAddress: {s}, {c}\n"
        "Telephone: {t}\n\n",
        n=p.name(),
        a=str(w.rng.randint(19, 80)),
        o=_pick(w, "teacher", "nurse", "student", "retired"),
        s=p.streetv(),
        c=p.cityv(),
        t=p.tel(),
    )
    d.f(
        "On {dt} I was walking along {st} with my friend {fr} when a man, later identified "
        "to me as {su}, ran out of the shop. {fr2} shouted after him.\n",
        dt=w.date(),
        st=V("STREET_ADDRESS", w.persona(p.locale).street, p.locale),
        fr=friend.name(),
        su=suspect.name(),
        fr2=friend.firstv(),
    )


def shape_guest_list(d: Doc, w: World) -> None:
    d.add("Arrivals today\n")
    for _ in range(w.rng.randint(3, 5)):
        p = w.persona()
        d.f(
            "Room {r} | {la}, {f} | {n} nights | {t}\n",
            r=str(w.rng.randint(101, 640)),
            la=V("PERSON", p.last.upper(), p.locale),
            f=p.firstv(),
            n=str(w.rng.randint(1, 9)),
            t=p.tel(),
        )


def shape_alumni_news(d: Doc, w: World) -> None:
    a, b, c = w.persona(), w.persona(), w.persona()
    d.f(
        "Class of {y} news\n\n{a} ({nick} to most of us) has left {co} and now runs a "
        "bakery in {city}. ",
        y=str(w.rng.randint(1985, 2012)),
        a=a.name(),
        nick=a.firstv(),
        co=w.company(),
        city=V("LOCATION", a.city, a.locale),
    )
    d.f(
        "Congratulations to {b} and {c} on their wedding in {month}! Send your news to {e}.\n",
        b=b.name(),
        c=c.name(),
        month=_pick(w, "June", "May", "September"),
        e=a.mail(),
    )


def shape_driver_notes(d: Doc, w: World) -> None:
    d.add("Route 7 - driver notes\n")
    for stop in range(w.rng.randint(2, 4)):
        p = w.persona()
        d.f(
            "Stop {k}: {s}, {c}. Customer {f} not home, parcel left with {n} next door (signed).\n",
            k=str(stop + 11),
            s=p.streetv(),
            c=p.cityv(),
            f=p.firstv(),
            n=w.persona(p.locale).name(),
        )


def shape_bank_statement(d: Doc, w: World) -> None:
    p = w.persona()
    d.f(
        "Account holder: {n}\nIBAN: {x}\n\nDate   Description                 Amount\n",
        n=p.name(),
        x=p.ibanv(),
    )
    for _ in range(w.rng.randint(2, 4)):
        q = w.persona()
        d.f(
            "{dt}  TRANSFER TO {N}  -{a}\n",
            dt=f"{w.rng.randint(1, 28):02d}/{w.rng.randint(1, 12):02d}",
            N=V("PERSON", q.full.upper(), q.locale),
            a=w.amount(),
        )
    d.f("{dt}  CARD PAYMENT {co}  -{a}\n", dt="30/06", co=w.company().upper(), a=w.amount())


def shape_badges(d: Doc, w: World) -> None:
    d.add("Badge print run\n")
    for _ in range(w.rng.randint(3, 5)):
        p = w.persona()
        d.f(
            "#{k}  {n}  /  {co}  /  {cty}\n",
            k=str(w.rng.randint(100, 999)),
            n=p.name(),
            co=w.company(),
            cty=p.countryv(),
        )


def shape_social_dm(d: Doc, w: World) -> None:
    p, cousin = w.persona(), w.persona()
    d.f(
        "hey it's {f}! saw your post about the room on {s}, is it still free? my cousin {c} "
        "might want it too. my number's {t} x\n",
        f=p.firstv(),
        s=p.streetv(),
        c=cousin.name(),
        t=p.tel(),
    )


FRESH_SHAPES: dict[str, Shape] = {
    "tenant_email": shape_tenant_email,
    "witness_statement": shape_witness_statement,
    "guest_list": shape_guest_list,
    "alumni_news": shape_alumni_news,
    "driver_notes": shape_driver_notes,
    "bank_statement": shape_bank_statement,
    "conference_badges": shape_badges,
    "social_dm": shape_social_dm,
}


# -- Third held-out group: written before any results on it were seen and without reading
# the detector; never tuned on. Generated by its own seeded World after the other texts, so
# adding it changed neither the other texts nor their split; all of it is in the report half.


def _handle(first: str, last: str, rng: random.Random) -> str:
    """A chat handle made from a name (``maria.gonzalez``, ``mgonzalez``, ``maria.g``)."""
    f, la = _ascii(first) or "user", _ascii(last.split()[0]) or "x"
    return rng.choice([f"{f}.{la}", f"{f[0]}{la}", f"{f}.{la[0]}", f"{f}{la}", f"{f}_{la[:3]}"])


def _nick(first: str, rng: random.Random) -> str:
    """A short form of a first name as friends write it (``Kat``, ``Alex``, ``Jo``)."""
    if len(first) <= 4 or " " in first or "-" in first:
        return first
    return first[: rng.choice([3, 4])]


def _airline(name: str) -> str:
    """A name as airline systems print it: ASCII capitals, no spaces or hyphens."""
    norm = unicodedata.normalize("NFKD", name)
    return "".join(c for c in norm if c.isascii() and c.isalpha()).upper()


def _odd_break(v: V, rng: random.Random, p: float = 0.35) -> V:
    """``v`` with one space turned into a line break, as scanned text often has."""
    spaces = [i for i, c in enumerate(v.text) if c == " "]
    if not spaces or rng.random() >= p:
        return v
    i = rng.choice(spaces)
    return V(v.label, v.text[:i] + "\n" + v.text[i + 1 :], v.locale)


_OCR_SWAPS = {"l": "1", "O": "0", "e": "c", "h": "b", "i": "l", "S": "5", "o": "0"}


def _scan(d: Doc, body: Doc, rng: random.Random, width: int) -> None:
    """Append ``body`` to ``d`` hard-wrapped at about ``width`` and with OCR letter swaps,
    both outside labelled values only (same length, so the spans stay exact)."""
    text = list("".join(body.parts))
    inside = [False] * len(text)
    for s in body.spans:
        for k in range(s.start, s.end):
            inside[k] = True
    col = 0
    for k, c in enumerate(text):
        if c == "\n":
            col = 0
            continue
        col += 1
        if inside[k]:
            continue
        if c == " " and col > width + rng.randint(-8, 4):
            text[k] = "\n"
            col = 0
        elif c in _OCR_SWAPS and rng.random() < 0.03:
            text[k] = _OCR_SWAPS[c]
    offset = d.length
    d.add("".join(text))
    d.spans.extend(Span(s.label, s.start + offset, s.end + offset, s.locale) for s in body.spans)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def shape_email_thread(d: Doc, w: World) -> None:
    a, b, c = w.persona(), w.persona(), w.persona()
    proj = _pick(w, "Q3 offsite", "Helios rollout", "vendor audit", "data-room migration")
    d.f("From: {n} <{e}>\n", n=a.name(), e=a.mail())
    d.f(
        "Sent: {wd}, {dt} {h}:{m}\n",
        wd=_pick(w, *_WEEKDAYS),
        dt=w.date(),
        h=f"{w.rng.randint(7, 19):02d}",
        m=f"{w.rng.randint(0, 59):02d}",
    )
    d.f("To: {n} <{e}>\n", n=b.name(), e=b.mail())
    d.f("Subject: RE: Fwd: {proj}\n\n", proj=proj)
    d.f(
        "{f}, Thursday works for me. I'll bring the {prod} and the updated {tech} diagram; "
        "{co} confirmed the room.\n\n{me}\n\n",
        f=b.firstv(),
        prod=w.product(),
        tech=w.rng.choice(_TECH),
        co=w.company(),
        me=a.firstv(),
    )
    d.f(
        "On {wd}, {dt} at {h}:{m}, {n} <{e}> wrote:\n",
        wd=_pick(w, *_WEEKDAYS),
        dt=w.date(),
        h=f"{w.rng.randint(7, 19):02d}",
        m=f"{w.rng.randint(0, 59):02d}",
        n=b.name(),
        e=b.mail(),
    )
    d.f(
        "> Hi {f},\n> could we move it to Thursday? My train from {city} gets in late.\n",
        f=a.firstv(),
        city=w.some_city(),
    )
    d.f("> If the dial-in fails again just ring my mobile, {t}.\n>\n", t=b.tel())
    d.add("> ---------- Forwarded message ---------\n")
    d.f(
        "> From: {n} <{e}>\n> Date: {dt}\n> Subject: {proj}\n> To: {b}\n>\n",
        n=c.name(),
        e=c.mail(),
        dt=w.date(),
        proj=proj,
        b=b.mail(),
    )
    d.f(
        "> Dear all, we are booked at the {co} office from 09:30. Invoice {inv} ({amt}) is "
        "paid.\n> Parking is free for the first {k} cars.\n>\n> {n}\n",
        co=w.company(),
        inv=w.code("INV"),
        amt=w.amount(),
        k=str(w.rng.randint(3, 12)),
        n=c.name(),
    )
    if w.rng.random() < 0.5:
        d.f(
            "> {s}\n> {c}\n",
            s=c.streetv(),
            c=V("LOCATION", c.city_line.replace("\n", " "), c.locale),
        )
    else:
        d.f("> {t}\n", t=c.tel())


def shape_team_roster(d: Doc, w: World) -> None:
    team = _pick(w, "Platform", "Payments", "Data", "Customer Success", "SRE")
    d.f("## {team} team roster (updated {dt})\n\n", team=team, dt=w.date())
    d.add("| Name | Role | Office | Mobile | Email |\n|------|------|--------|--------|-------|\n")
    people = [w.persona() for _ in range(w.rng.randint(3, 5))]
    for p in people:
        d.f(
            "| {n} | {role} | {office} | {t} | {e} |\n",
            n=p.name(),
            role=_pick(
                w, "Team lead", "Senior engineer", "Engineer", "QA", "Product owner", "Scrum master"
            ),
            office=w.some_city(),
            t=p.tel(),
            e=p.mail(),
        )
    on_call, backup = people[0], people[-1]
    d.f(
        "\nOn call this week: **{f}** (backup: {b}). Escalations go to #{ch}-oncall or the "
        "PagerDuty service `{tech}-prod`.\n",
        f=on_call.firstv(),
        b=backup.name(),
        ch=team.lower().replace(" ", "-"),
        tech=w.rng.choice(_TECH).lower(),
    )


def shape_scanned_letter(d: Doc, w: World) -> None:
    p, handler = w.persona(), w.persona()
    rng = w.rng
    co = w.company().upper()
    d.f("{co}\nCOLLECTIONS DEPARTMENT\n\n", co=co)
    d.f("OUR REF: {r}        DATE: {dt}\n\n", r=w.code("COL"), dt=w.date())
    upper = rng.random() < 0.5
    name = V("PERSON", p.full.upper(), p.locale) if upper else p.name()
    d.f(
        "{ti} {n}\n{s}\n{c}\n",
        ti=p.title.rstrip(".").upper() if upper else p.title,
        n=name,
        s=_odd_break(p.streetv(), rng, 0.2),
        c=p.cityv(),
    )
    if rng.random() < 0.5:
        d.f("{co}\n", co=V("LOCATION", p.country.upper(), p.locale))
    d.f("\nRE: ACCOUNT NO. {acct}\n\n", acct=f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}")
    body = Doc()
    body.f("Dear {ti} {la},\n\n", ti=p.title, la=p.lastv())
    body.f(
        "We write regarding the outstanding balance of {amt} on the above account. Our "
        "records show that the direct debit from IBAN {x} was returned unpaid on {dt}. "
        "Unless payment is received within 14 days we may pass the matter to {agency}. ",
        amt=w.amount(),
        x=p.ibanv(),
        dt=w.date(),
        agency=w.company(),
    )
    body.f(
        "If you have already paid, please disregard this letter. Otherwise please contact "
        "your case handler, {h}, on {t} (Monday to Friday, 9am to 5pm) quoting the reference "
        "above.\n",
        h=_odd_break(handler.name(), rng),
        t=handler.tel(),
    )
    _scan(d, body, rng, rng.randint(48, 64))
    d.f(
        "\nYOURS SINCERELY\n\n\n{h}\nCASE HANDLER\n\nPage 1 of {k}\n",
        h=V("PERSON", handler.full.upper(), handler.locale),
        k=str(rng.randint(1, 3)),
    )


def shape_prescription_label(d: Doc, w: World) -> None:
    p, doc = w.persona(), w.persona()
    rng = w.rng
    d.f(
        "{ph} PHARMACY  #{store}\n",
        ph=_pick(
            w, "ROWLANDS", "CVS", "WALGREENS", "BOOTS", "APOTHEKE AM MARKT", "FARMACIA CENTRALE"
        ),
        store=str(rng.randint(100, 9999)),
    )
    d.f("Rx# {rx}    Filled: {dt}\n", rx=str(rng.randint(1000000, 9999999)), dt=w.date())
    d.f(
        "{la}, {f}\n",
        la=V("PERSON", p.last.upper(), p.locale),
        f=V("PERSON", p.first.upper(), p.locale),
    )
    if rng.random() < 0.6:
        d.f("DOB {b}\n", b=p.dobv())
    if rng.random() < 0.5:
        d.f("{s}, {c}\n", s=p.streetv(), c=V("LOCATION", p.city_line.replace("\n", " "), p.locale))
    drug = w.rng.choice(_DRUGS)
    d.f(
        "{drug}\nTAKE {k} TABLET(S) BY MOUTH {freq} WITH FOOD\nQty: {q}   Refills: {r}\n"
        "NDC {ndc}   Lot {lot}   Exp {exp}\n",
        drug=drug.upper(),
        k=_pick(w, "1", "2", "ONE", "TWO"),
        freq=_pick(w, "TWICE DAILY", "ONCE DAILY", "EVERY 8 HOURS"),
        q=str(rng.choice([14, 28, 30, 60, 90])),
        r=str(rng.randint(0, 5)),
        ndc=f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)}",
        lot=f"{rng.choice('ABCDK')}{rng.randint(1000, 99999)}",
        exp=f"{rng.randint(1, 12):02d}/{rng.randint(2026, 2029)}",
    )
    d.f("Prescriber: Dr. {n}\n", n=doc.name() if rng.random() < 0.6 else doc.lastv())
    d.add("CAUTION: may cause drowsiness. Do not drink alcohol. Keep out of reach of children.\n")


def shape_court_list(d: Doc, w: World) -> None:
    judge, claimant, counsel, defendant = w.persona(), w.persona(), w.persona(), w.persona()
    rng = w.rng
    city = w.some_city()
    d.f(
        "{city} {court}\nDaily cause list for {wd} {dt}\n\n",
        city=city,
        court=_pick(w, "County Court", "Magistrates' Court", "Crown Court", "District Court"),
        wd=_pick(w, *_WEEKDAYS),
        dt=w.date(),
    )
    d.f(
        "Courtroom {k}\nBefore: {ti} {j}\n\n",
        k=str(rng.randint(1, 12)),
        ti=_pick(w, "District Judge", "His Honour Judge", "Her Honour Judge", "Judge"),
        j=judge.name() if rng.random() < 0.5 else judge.lastv(),
    )
    d.f(
        "10:00  {case}  {c} v {co}\n       Small claims hearing (1 hr). Counsel: {cn} for the "
        "claimant\n",
        case=f"K{rng.randint(10, 99)}QZ{rng.randint(100, 999)}",
        c=claimant.name(),
        co=w.company(),
        cn=counsel.name(),
    )
    d.f(
        "10:30  {case}  {co1} v {co2}\n       Case management conference (30 min)\n",
        case=f"HC-{rng.randint(2024, 2026)}-{rng.randint(100, 9999):06d}",
        co1=w.company(),
        co2=w.company(),
    )
    d.f(
        "11:15  {case}  {la}, {f} ({age}) of {s}, {c}\n",
        case=w.code("CR"),
        la=V("PERSON", defendant.last.upper(), defendant.locale),
        f=defendant.firstv(),
        age=str(rng.randint(18, 80)),
        s=defendant.streetv(),
        c=V("LOCATION", defendant.city_line.replace("\n", " "), defendant.locale),
    )
    d.f(
        "       {charge}. Interpreter ({lang}) booked.\n",
        charge=_pick(
            w,
            "Theft from a shop",
            "Driving without insurance",
            "Criminal damage",
            "Failure to appear",
        ),
        lang=_pick(w, "Polish", "Romanian", "Portuguese", "Hungarian", "Spanish"),
    )
    d.add("\nListing office: ext. 4471. Lists are subject to change without notice.\n")


def shape_log_dump(d: Doc, w: World) -> None:
    p, q = w.persona(), w.persona()
    rng = w.rng
    ts = (
        f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    )
    cid = str(rng.randint(10000, 999999))
    if rng.random() < 0.5:
        d.f(
            "{ts} ERROR [sync-worker-{k}] crm.push failed for contact {cid}: 422 Unprocessable "
            "Entity\n",
            ts=ts,
            k=str(rng.randint(1, 8)),
            cid=cid,
        )
        d.f(
            'payload={"id": {cid}, "name": "{n}", "email": "{e}", "phone": "{t}", ',
            cid=cid,
            n=p.name(),
            e=p.mail(),
            t=p.tel(),
        )
        d.f(
            '"address": {"line1": "{s}", "city": "{c}", "country": "{co}"}, '
            '"plan": "{plan}", "source_ip": "{ip}"}\n',
            s=V("STREET_ADDRESS", p.street.replace("\n", ", "), p.locale),
            c=V("LOCATION", p.city, p.locale),
            co=p.countryv(),
            plan=_pick(w, "pro", "basic", "enterprise"),
            ip=p.ipv(),
        )
        d.f(
            "{ts} WARN  retrying in 30s (attempt 2/5); upstream={co} api v3, {tech} lag 1.2s\n",
            ts=ts,
            co=w.company(),
            tech=w.rng.choice(_TECH),
        )
    else:
        d.f(
            "# exported by admin-cli 4.2.{k} on {dt}\n- id: {cid}\n  name: {n}\n",
            k=str(rng.randint(0, 9)),
            dt=w.date(),
            cid=cid,
            n=p.name(),
        )
        d.f('  contact:\n    email: {e}\n    phone: "{t}"\n', e=p.mail(), t=p.tel())
        if rng.random() < 0.5:
            d.f("  date_of_birth: {b}\n", b=p.dobv())
        d.f(
            "  notes: >\n    Called on {dt} about the {prod}; wants the contract sent to "
            "{qn} at {co}\n    instead. Agreed a discount of {amt}.\n  tags: [{tech}, renewal]\n",
            dt=w.date(),
            prod=w.product(),
            qn=q.name(),
            co=w.company(),
            amt=w.amount(),
            tech=w.rng.choice(_TECH).lower(),
        )


def shape_support_chat_nicknames(d: Doc, w: World) -> None:
    cust, agent, agent2 = w.persona(), w.persona(), w.persona()
    rng = w.rng
    nick = _nick(cust.first, rng)
    cn = V("PERSON", nick, cust.locale)
    an = agent.firstv()
    d.f("Chat transcript - {co} Help Centre - {dt}\n", co=w.company(), dt=w.date())
    d.f("System: {n} joined the chat (customer, order {o})\n", n=cust.name(), o=w.code("ORD"))
    d.f("System: {n} joined the chat (agent)\n", n=agent.name())
    d.f(
        "{a}: Hi {c}! I'm {a2}, thanks for waiting. What can I do for you?\n",
        a=an,
        c=cust.firstv(),
        a2=an,
    )
    d.f(
        "{c}: hey {a}, {c2} is fine :) my {prod} won't pair with the {tech} app since yesterday\n",
        c=cust.firstv(),
        a=an,
        c2=cn,
        prod=w.product(),
        tech=_pick(w, "Home", "Connect", "SmartLife"),
    )
    d.f(
        "{a}: Sorry about that, {c}. Let me loop in {b} from the hardware team.\n",
        a=an,
        c=cn,
        b=agent2.firstv(),
    )
    d.f("System: {n} joined the chat (agent)\n", n=agent2.name())
    b2 = V("PERSON", _nick(agent2.first, rng), agent2.locale)
    d.f(
        "{b}: Hi {c}, {b2} here. A factory reset usually fixes it. If not we'll swap the unit.\n",
        b=agent2.firstv(),
        c=cn,
        b2=b2,
    )
    d.f(
        "{c}: tried that twice. just send a new one pls. text me on {t} when it ships\n",
        c=cn,
        t=cust.tel(),
    )
    d.f(
        "{b}: Will do. Shipping to {s}, {city}, right?\n",
        b=b2,
        s=cust.streetv(),
        city=V("LOCATION", cust.city_line.replace("\n", " "), cust.locale),
    )
    d.f("{c}: yep. thanks {b} and {a}!\n", c=cn, b=b2, a=an)


def shape_newsletter_bios(d: Doc, w: World) -> None:
    a, b, c, ed = w.persona(), w.persona(), w.persona(), w.persona()
    co = w.company()
    dept = _pick(w, "Finance", "Logistics", "the Help Desk", "Research", "Facilities")
    d.f(
        "{co} Inside - {month} issue\n\nMeet the team: {dept}\n\n",
        co=co,
        month=_pick(w, "March", "June", "October", "December"),
        dept=dept,
    )
    pos = "her" if a.pronoun == "she" else "his"
    d.f(
        "{n} joined us in {y} from {co2} in {city}, where {pr} led the {tech} rollout. When "
        "not wrangling dashboards, {f} is usually out on the trails around {home} with {pos} "
        "dog, {pet}.\n\n",
        n=a.name(),
        y=str(w.rng.randint(2012, 2025)),
        co2=w.company(),
        city=w.some_city(),
        pr=a.pronoun,
        tech=w.rng.choice(_TECH),
        f=a.firstv(),
        home=V("LOCATION", a.city, a.locale),
        pos=pos,
        pet=_pick(w, "Biscuit", "Luna", "Max", "Pepper", "Bruno"),
    )
    d.f(
        "If you have ever had an invoice stuck in approval, you have probably met {n}. "
        "Before {co} {f} spent nine years at {co2}, and {pr} still makes the best {food} in "
        'the building. "The {prod} changed my life," {f2} says, only half joking.\n\n',
        n=b.name(),
        co=co,
        f=b.firstv(),
        co2=w.company(),
        pr=b.pronoun,
        food=_pick(w, "banana bread", "espresso", "kimchi", "pierogi"),
        prod=w.product(),
        f2=b.firstv(),
    )
    d.f(
        "Our newest face is {n}, our {nat} analyst who moved to {home} last spring. {f} speaks "
        "four languages and is training for the {race}.\n\n",
        n=c.name(),
        nat=_nationality(
            w, "Portuguese", "Hungarian", "Finnish", "Mexican", "Indonesian", "Irish", "Czech"
        ),
        home=V("LOCATION", c.city, c.locale),
        f=c.firstv(),
        race=_pick(w, "Berlin Marathon", "Tour de France Challenge", "Boston Marathon"),
    )
    d.f(
        "Want to be featured next time? Write to the editor, {f}, at {e}.\n",
        f=ed.firstv(),
        e=ed.mail(),
    )


def shape_airline_ticket(d: Doc, w: World) -> None:
    rng = w.rng
    pax = [w.persona() for _ in range(rng.randint(1, 3))]
    carrier = _pick(w, "LH", "BA", "AF", "KL", "LO", "IB", "TP", "SK")
    pnr = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    d.f(
        "ELECTRONIC TICKET ITINERARY/RECEIPT\nBOOKING REF: {pnr}   ISSUED: {dt}   AGENT: "
        "WEB/{c}\n\nPASSENGER                         TICKET NUMBER\n",
        pnr=pnr,
        dt=w.date(),
        c=carrier,
    )
    for i, p in enumerate(pax):
        if p.title == "Dr.":
            title = "DR"
        else:
            title = "MR" if p.pronoun == "he" else rng.choice(["MS", "MRS"])
        d.f(
            "{k}. {la}/{f} {ti}      {tkt}\n",
            k=str(i + 1),
            la=V("PERSON", _airline(p.last) or "X", p.locale),
            f=V("PERSON", _airline(p.first) or "X", p.locale),
            ti=title,
            tkt=f"{rng.randint(100, 999)}-{rng.randint(10**9, 10**10 - 1)}",
        )
    d.add("\nFLIGHT   DATE    FROM            TO              DEP    ARR    CL  STATUS\n")
    for _ in range(rng.randint(1, 3)):
        d.f(
            "{c} {n}  {day}  {a}  {b}  {dep}  {arr}  {cl}   OK\n",
            c=carrier,
            n=str(rng.randint(100, 9999)),
            day=f"{rng.randint(1, 28):02d}{_pick(w, 'JAN', 'MAR', 'JUN', 'SEP', 'NOV')}",
            a=w.some_city().upper()[:14].ljust(14),
            b=w.some_city().upper()[:14].ljust(14),
            dep=f"{rng.randint(6, 21):02d}:{rng.choice([0, 15, 30, 45]):02d}",
            arr=f"{rng.randint(6, 23):02d}:{rng.choice([5, 20, 35, 50]):02d}",
            cl=_pick(w, "Y", "M", "B", "J"),
        )
    lead = pax[0]
    d.f(
        "\nBAGGAGE: 1PC 23KG   FARE CALC: NUC{nuc} END ROE0.9{roe}\nFORM OF PAYMENT: CC "
        "{cc}XXXXXXXXXXXX{l4}\n",
        nuc=f"{rng.randint(80, 900)}.{rng.randint(0, 99):02d}",
        roe=str(rng.randint(100, 999)),
        cc=_pick(w, "VI", "CA", "AX"),
        l4=str(rng.randint(1000, 9999)),
    )
    d.f("CONTACT: {t} / {e}\n", t=lead.tel(), e=lead.mail())
    d.f(
        "\nDear {ti} {la}, thank you for flying with us. Check-in opens 30 hours before "
        "departure.\n",
        ti=lead.title,
        la=lead.lastv(),
    )


def shape_slack_export(d: Doc, w: World) -> None:
    rng = w.rng
    a, b, c = w.persona(), w.persona(), w.persona()
    ha = V("PERSON", _handle(a.first, a.last, rng), a.locale)
    hb = V("PERSON", _handle(b.first, b.last, rng), b.locale)
    hc = V("PERSON", _handle(c.first, c.last, rng), c.locale)
    shown = {
        id(a): ha if rng.random() < 0.5 else a.name(),
        id(b): hb if rng.random() < 0.5 else b.name(),
        id(c): hc if rng.random() < 0.5 else c.name(),
    }
    ticket = f"{_pick(w, 'OPS', 'INFRA', 'PAY', 'DATA')}-{rng.randint(100, 9999)}"
    tech = w.rng.choice(_TECH)
    clock = rng.randint(8 * 60, 16 * 60)

    def post(who: V | str, text: str, **kw: str | V) -> None:
        nonlocal clock
        clock += rng.randint(0, 9)
        h, m = divmod(clock, 60)
        d.f(
            "{who}  {h}:{m} {ap}\n",
            who=who,
            h=str(h if h <= 12 else h - 12),
            m=f"{m:02d}",
            ap="AM" if h < 12 else "PM",
        )
        d.f(text + "\n", **kw)

    d.f(
        "#{ch}  (exported {dt})\n\n",
        ch=_pick(w, "proj-helios", "ops-alerts", "team-data", "release-train"),
        dt=w.date(),
    )
    post(
        shown[id(a)],
        "morning! @{b} the {tech} deploy failed again on staging, see {t}",
        b=hb,
        tech=tech,
        t=ticket,
    )
    post(
        shown[id(b)],
        ":eyes: on it. @{a} can you paste the log from {host}?",
        a=ha,
        host=f"stg-{tech.lower()}-{rng.randint(1, 9)}",
    )
    post(
        "Jira Cloud APP",
        '{t} "Staging deploy broken" moved to In Progress by {n}',
        t=ticket,
        n=b.name(),
    )
    post(
        shown[id(c)],
        "fyi I'm OOO tomorrow (dentist), reach me on {tel} if prod burns. cc @{a} @{b}",
        tel=c.tel(),
        a=ha,
        b=hb,
    )
    post(shown[id(a)], "thx {f} :pray:", f=c.firstv())


GROUP3_SHAPES: dict[str, Shape] = {
    "email_thread": shape_email_thread,
    "team_roster_md": shape_team_roster,
    "scanned_letter": shape_scanned_letter,
    "prescription_label": shape_prescription_label,
    "court_list": shape_court_list,
    "log_record_dump": shape_log_dump,
    "support_chat_nicknames": shape_support_chat_nicknames,
    "newsletter_bios": shape_newsletter_bios,
    "airline_eticket": shape_airline_ticket,
    "slack_export": shape_slack_export,
}


def group3_count(n: int) -> int:
    """Texts per group-3 shape for a corpus of ``n``: the share each other shape gets."""
    if n <= 0:
        return 0
    return max(1, round(n / (len(SHAPES) + len(HELD_OUT_SHAPES) + len(FRESH_SHAPES))))


# -- Fourth held-out group: twelve more shapes written without reading the detector and
# before any results on them were seen; never tuned on. Generated by a World of their own
# after group 3, so adding them changed neither the other texts nor their split; all of it
# is in the report half. Names come in more forms here (middle names, hyphenated and
# particle surnames, "Surname, Given", "SURNAME Given", initials) and the texts carry
# eponyms, street-named companies and people-named brands that are not personal data.

_PARTICLES: dict[str, tuple[str, ...]] = {
    "nl_NL": ("van", "van der", "de", "van den", "ter"),
    "de_DE": ("von", "von der", "zu"),
    "de_AT": ("von",),
    "fr_FR": ("de", "du", "Le"),
    "it_IT": ("De", "Di", "Lo", "Della"),
    "es_ES": ("de", "del"),
    "es_MX": ("de la", "del"),
    "pt_BR": ("da", "dos", "de"),
    "pt_PT": ("da", "dos"),
    "sv_SE": ("af",),
}


def _renamed(p: Persona, last: str, middle: str = "") -> Persona:
    """``p`` with the surname ``last`` (and a middle name), the full name rebuilt in the
    same order (given name first, or surname first as Hungarian names often are)."""
    if p.full == f"{p.last} {p.first}":
        full = f"{last} {p.first}"
    elif p.full.endswith(f" {p.last}"):
        given = p.full[: -len(p.last) - 1]
        full = f"{given} {middle} {last}" if middle else f"{given} {last}"
    else:
        full = f"{p.first} {last}"
    p.last, p.full = last, full
    return p


def _person(w: World, loc: str | None = None) -> Persona:
    """A persona whose name is sometimes richer than Faker's: a hyphenated surname, a
    surname with a particle or a middle name."""
    p = w.persona(loc)
    if p.locale == "ja_JP":
        return p
    rng, fk = w.rng, w.fakers[p.locale]
    r = rng.random()
    if r < 0.2:
        other = str(fk.last_name())
        if other != p.last and " " not in p.last:
            _renamed(p, f"{p.last}-{other}")
    elif r < 0.38 and p.locale in _PARTICLES:
        _renamed(p, f"{rng.choice(_PARTICLES[p.locale])} {p.last}")
    elif r < 0.55 and p.full != f"{p.last} {p.first}" and "." not in p.full:
        middle = str(fk.first_name_female() if p.pronoun == "she" else fk.first_name_male())
        if middle != p.first:
            _renamed(p, p.last, middle)
    return p


def _relative(w: World, p: Persona) -> Persona:
    """Someone of ``p``'s family: same locale and surname."""
    return _renamed(w.persona(p.locale), p.last)


def _given(p: Persona) -> str:
    """The given name(s) as the full name has them (with a middle name or an initial)."""
    if p.full.endswith(f" {p.last}"):
        return p.full[: -len(p.last) - 1]
    if p.full.startswith(f"{p.last} "):
        return p.full[len(p.last) + 1 :]
    return p.first


def _surname_comma(p: Persona) -> V:
    return V("PERSON", f"{p.last}, {_given(p)}", p.locale)


def _caps_surname(p: Persona) -> V:
    return V("PERSON", f"{p.last.upper()} {_given(p)}", p.locale)


def _initial(p: Persona) -> V:
    return V("PERSON", f"{_given(p)[0]}. {p.last}", p.locale)


def _any_name(w: World, p: Persona) -> V:
    """The full name in one of the ways forms and lists write it."""
    r = w.rng.random()
    if r < 0.5:
        return p.name()
    if r < 0.7:
        return _surname_comma(p)
    if r < 0.85:
        return _caps_surname(p)
    return _initial(p)


def _flat(v: V) -> V:
    """``v`` on one line (city lines of some locales have a line break)."""
    return V(v.label, v.text.replace("\n", " "), v.locale)


def _child_dob(w: World, young: int = 2009, old: int = 2017) -> V:
    rng = w.rng
    y, m, day = rng.randint(young, old), rng.randint(1, 12), rng.randint(1, 28)
    return V(
        "DATE_OF_BIRTH",
        rng.choice(
            [
                f"{day:02d}/{m:02d}/{y}",
                f"{y}-{m:02d}-{day:02d}",
                f"{day}.{m}.{y}",
                f"{day} {_MONTHS[m - 1]} {y}",
            ]
        ),
    )


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_EPONYM_ROOMS = ("Lovelace", "Turing", "Curie", "Hopper", "Darwin", "Tesla", "Fleming", "Nobel")
_STREET_FIRMS = (
    "Baker Street Estates",
    "Abbey Road Lettings",
    "Harley Street Homes",
    "Park Lane Residential",
    "King's Road Property",
    "Fleet Street Partners",
    "Bond Street Realty",
)
_BRAND_CARS = (
    "Ford Focus Estate",
    "Mercedes-Benz C 200",
    "Tesla Model 3",
    "Peugeot 308 SW",
    "Skoda Octavia",
    "Porsche Macan",
    "Toyota Yaris Hybrid",
    "Opel Astra",
)


def _licence(p: Persona, rng: random.Random) -> str:
    """A driving licence number, British style from the surname or a plain one."""
    if p.locale in ("en_GB", "en_IE") or rng.random() < 0.3:
        sur = (_airline(p.last) + "99999")[:5]
        first = _airline(p.first) or "X"
        return (
            f"{sur}{rng.randint(0, 9)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randint(0, 9)}{first[0]}{rng.choice('ABCDEFGHJKLMNPRSTW9')}"
            f"{rng.randint(0, 9)}{rng.choice('ABCDEFGHJKLMN')}{rng.choice('ABCDEFGHJKLMN')}"
        )
    return rng.choice(
        [
            f"{rng.choice('ABCDFGHKLMNPRSTWY')}{rng.randint(10**6, 10**7 - 1)}",
            f"{rng.randint(10**8, 10**9 - 1)}",
            f"{rng.choice('BDFHKMNPT')}{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
            f"-{rng.randint(1000, 9999)}",
        ]
    )


def shape_rsvp_tsv(d: Doc, w: World) -> None:
    rng = w.rng
    a, b = _person(w), _person(w)
    d.f(
        "{fa} & {fb} \u2013 wedding RSVPs (copied from Google Sheets, {dt})\n",
        fa=a.firstv(),
        fb=b.firstv(),
        dt=w.date(),
    )
    d.add("Guest\tParty\tRSVP\tMeal\tTable\tEmail\tPhone\tAddress\tNotes\n")
    for _ in range(rng.randint(3, 6)):
        g = _person(w)
        d.f("{n}\t", n=_any_name(w, g))
        going = rng.random() < 0.75
        d.f(
            "{k}\t{r}\t{m}\t{t}\t",
            k=str(rng.randint(1, 4)),
            r="Yes" if going else _pick(w, "No", "Maybe", "no reply"),
            m=_pick(w, "Beef Wellington", "Chicken Kiev", "Vegan risotto", "Eggs Benedict (brunch)")
            if going
            else "",
            t=f"{rng.randint(1, 14)} ({_pick(w, 'Lake Como', 'Amalfi', 'Loch Ness', 'Bled')})"
            if going
            else "",
        )
        d.f("{e}\t", e=g.mail())
        if rng.random() < 0.8:
            d.f("{t}", t=g.tel())
        d.add("\t")
        if rng.random() < 0.6:
            d.f(
                "{s}, {c}",
                s=V("STREET_ADDRESS", g.street.replace("\n", ", "), g.locale),
                c=_flat(g.cityv()),
            )
        d.add("\t")
        r = rng.random()
        if r < 0.25:
            d.f("+1: {n}", n=w.persona(g.locale).name())
        elif r < 0.45:
            kid1, kid2 = _relative(w, g), _relative(w, g)
            d.f("brings kids {a} and {b}", a=kid1.firstv(), b=kid2.firstv())
        elif r < 0.6:
            d.f("nut allergy; shuttle from the {h}", h=_pick(w, "Hilton", "Marriott", "Ibis"))
        elif r < 0.75:
            d.f("sits with the {co} crowd", co=w.company())
        d.add("\n")
    d.add("\nTOTAL\t=SUM(B2:B7)\t\t\t\t\t\t\t\n")


def shape_property_listing(d: Doc, w: World) -> None:
    rng = w.rng
    seller, agent = _person(w), _person(w)
    firm = _pick(w, *_STREET_FIRMS)
    d.f(
        "{firm} | Ref {r}\nFOR SALE \u2013 guide price {amt}\n\n",
        firm=firm,
        r=w.code("PRP"),
        amt=w.amount(),
    )
    d.f(
        "{beds}-bedroom {kind}, {s}, {c}\n\n",
        beds=str(rng.randint(1, 5)),
        kind=_pick(w, "semi-detached house", "townhouse", "top-floor apartment", "cottage"),
        s=seller.streetv(),
        c=_flat(seller.cityv()),
    )
    d.f(
        "Set on a quiet tree-lined road a short walk from {city} station and the {pub}, this "
        "{sqm} m\u00b2 ({sqft} sq ft) home was built by {co} in {y} and has been lovingly "
        "kept by the current owner. EPC rating {epc}; council tax band {band}. ",
        city=w.some_city(),
        pub=_pick(w, "Duke of Wellington pub", "Lord Nelson", "Victoria Park", "Marks & Spencer"),
        sqm=str(rng.randint(45, 240)),
        sqft=f"{rng.randint(480, 2600):,}",
        co=w.company(),
        y=str(rng.randint(1890, 2019)),
        epc=_pick(w, "B", "C", "D"),
        band=_pick(w, "C", "D", "E"),
    )
    d.f(
        _pick(
            w,
            "The vendor, {n}, is relocating and open to sensible offers. ",
            "Sold with no onward chain ({n} is moving abroad). ",
            "Owner {n} will consider a quick completion. ",
        ),
        n=_initial(seller) if rng.random() < 0.3 else seller.name(),
    )
    d.f(
        "Open house {wd} {h}:00\u2013{h2}:00.\n\nViewings strictly by appointment with {a}, "
        "{role} \u2013 {t} / {e}\n",
        wd=_pick(w, "Saturday", "Sunday"),
        h=str(rng.randint(10, 12)),
        h2=str(rng.randint(13, 15)),
        a=agent.name(),
        role=_pick(w, "Senior Negotiator", "Sales Manager", "Branch Partner"),
        t=agent.tel(),
        e=agent.mail(),
    )
    d.add("Particulars are for guidance only and do not form part of any contract.\n")


def shape_membership_renewal(d: Doc, w: World) -> None:
    rng = w.rng
    member, sec, helper = _person(w), _person(w), _person(w)
    club = _pick(
        w,
        "St Bartholomew's Parish Choir",
        "Riverside Rowing Club",
        "Kingsley Road Allotment Society",
        "Wednesday Bridge Club",
        "Hallam Street Chess Club",
    )
    d.f("{club}\nMembership Secretary: {s} \u00b7 {e}\n\n", club=club, s=sec.name(), e=sec.mail())
    upper = rng.random() < 0.4
    d.f(
        "{ti} {n}\n{s}\n{c}\n\n{dt}\n\nMembership no. {no}\n\n",
        ti=member.title,
        n=V("PERSON", member.full.upper(), member.locale) if upper else member.name(),
        s=member.streetv(),
        c=member.cityv(),
        dt=w.date(),
        no=f"M{rng.randint(1000, 99999)}",
    )
    d.f(
        "Dear {ti} {la},\n\nYour {kind} membership expires on {dt}. The fee for the coming "
        "year is {amt}; members born before 1960 pay the concession rate, and our records "
        "give your date of birth as {b} (please tell us if this is wrong). ",
        ti=member.title.rstrip("."),
        la=member.lastv(),
        kind=_pick(w, "family", "single", "senior", "full"),
        dt=w.date(),
        amt=w.amount(),
        b=member.dobv(),
    )
    if rng.random() < 0.6:
        d.f(
            "Unless you tell us otherwise we will collect it by direct debit from {x} on the "
            "first working day of {m}.\n\n",
            x=member.ibanv(),
            m=_pick(w, *_MONTHS),
        )
    else:
        d.f(
            "Please pay by cheque payable to the {club} or by card on {t}.\n\n",
            club=club,
            t=sec.tel(),
        )
    d.f(
        "News: the {ev} in the {hall} raised {amt} for the Alzheimer's Society, thanks "
        "above all to {h}. Gift Aid forms are enclosed.\n\nYours sincerely,\n\n{s}\n"
        "Hon. Membership Secretary\n",
        ev=_pick(w, "Whitsun fair", "Burns Night supper", "quiz night", "spring regatta"),
        hall=_pick(w, "St Mary's Church Hall", "Nelson Room", "Victoria Pavilion"),
        amt=w.amount(),
        h=helper.name() if rng.random() < 0.5 else _initial(helper),
        s=sec.name(),
    )


def shape_report_card(d: Doc, w: World) -> None:
    rng = w.rng
    parent = _person(w)
    child = _relative(w, parent)
    head = _person(w)
    teachers = [_person(w) for _ in range(4)]
    year = rng.randint(2023, 2026)
    form = f"{rng.randint(7, 11)}{rng.choice('ABCDKLMR')}"
    d.f(
        "{school} \u2013 End of Year Report {y}/{y2}\n\n",
        school=_pick(
            w,
            f"{w.some_city()} Grammar School",
            "St Aidan's Academy",
            "Newton Park High School",
            "Queen Elizabeth's School",
        ),
        y=str(year - 1),
        y2=str(year)[2:],
    )
    d.f(
        "Student: {n}    Form: {form}    Student no.: {no}\nDate of birth: {b}\n",
        n=_caps_surname(child) if rng.random() < 0.5 else _surname_comma(child),
        form=form,
        no=str(rng.randint(100000, 999999)),
        b=_child_dob(w),
    )
    d.f(
        "Parent/guardian: {ti} {n} ({t}, {e})\n\n",
        ti=parent.title,
        n=parent.name(),
        t=parent.tel(),
        e=parent.mail(),
    )
    d.add("Subject        Attainment  Effort  Teacher\n")
    for subject, t in zip(("English", "Mathematics", "Physics", "History"), teachers, strict=True):
        d.f(
            "{s}{g}{e}{ti} {la}\n",
            s=subject.ljust(15),
            g=_pick(w, "A*", "A", "B+", "B", "C", "7", "6", "5").ljust(12),
            e=str(rng.randint(1, 4)).ljust(8),
            ti=_pick(w, "Mr", "Ms", "Mrs", "Dr"),
            la=t.lastv(),
        )
    f = child.firstv()
    d.f(
        "\nEnglish: {f} wrote a thoughtful essay on Shakespeare's Macbeth and on Animal "
        "Farm; spelling still needs care.\n",
        f=f,
    )
    d.f(
        "Mathematics: secure with Pythagoras' theorem and the Fibonacci sequence; {f} should "
        "now practise Venn diagrams and Euler's formula.\n",
        f=child.firstv(),
    )
    d.f(
        "Physics: good practical work on Newton's laws and Ohm's law ({pr} built the best "
        "Faraday cage in the class).\n",
        pr=child.pronoun,
    )
    d.f(
        "Form tutor: attendance {att}%. {f} has been a kind member of {form} and helped with "
        "the trip to {city}.\n\nHeadteacher: {h}\n",
        att=f"{rng.randint(88, 100)}.{rng.randint(0, 9)}",
        f=child.firstv(),
        form=form,
        city=w.some_city(),
        h=head.name() if rng.random() < 0.5 else _initial(head),
    )


_ORIGINS = ("Portugal", "China", "Viet Nam", "Italy", "Turkey", "Peru", "Morocco", "Sweden")


def shape_customs_declaration(d: Doc, w: World) -> None:
    rng = w.rng
    sender, rcpt = _person(w), _person(w)
    d.f(
        "CUSTOMS DECLARATION  CN 23          No. {no}\nMay be opened officially\n\n",
        no=f"CP{rng.randint(10**8, 10**9 - 1)}{_pick(w, 'DE', 'GB', 'PL', 'NL', 'FR')}",
    )
    d.f(
        "FROM\nName: {n}\nBusiness: {biz}\nStreet: {s}\nPostcode / City: {c}\nCountry: {co}\n\n",
        n=_any_name(w, sender),
        biz=w.company() if rng.random() < 0.3 else "",
        s=sender.streetv(),
        c=_flat(sender.cityv()),
        co=sender.countryv(),
    )
    d.f(
        "TO\nName: {n}\nStreet: {s}\nPostcode / City: {c}\nCountry: {co}\nTel.: {t}\nE-mail: {e}\n",
        n=_any_name(w, rcpt),
        s=rcpt.streetv(),
        c=_flat(rcpt.cityv()),
        co=rcpt.countryv(),
        t=rcpt.tel(),
        e=rcpt.mail(),
    )
    if rng.random() < 0.6:
        d.f(
            "Importer's reference (tax code / VAT no.): {l} {i}\n",
            l=rcpt.nid_label,
            i=rcpt.nidv(),
        )
    d.add(
        "\nDetailed description of contents | Qty | Net weight (kg) | Value | HS tariff no. "
        "| Country of origin\n"
    )
    for _ in range(rng.randint(1, 3)):
        d.f(
            "{desc} | {q} | {kg} | {v} | {hs} | {orig}\n",
            desc=_pick(
                w,
                "Wool scarves",
                "Levi's 501 jeans",
                "Earl Grey tea",
                "Lego Technic set",
                "Children's books (paperback)",
                "Ceramic mugs",
                "Dr. Martens boots",
            ),
            q=str(rng.randint(1, 6)),
            kg=f"{rng.randint(0, 3)}.{rng.randint(5, 95):02d}",
            v=w.amount(),
            hs=f"{rng.randint(3900, 9600)}.{rng.randint(10, 99)}",
            orig=_pick(w, *_ORIGINS),
        )
    d.f(
        "\nCategory of item: [{g}] Gift  [{s}] Commercial sample  [ ] Documents  "
        "[ ] Returned goods\nPostal charges: {amt}    Licence / certificate no.: none\n\n"
        "I certify that the particulars given in this declaration are correct.\n"
        "Date and sender's signature: {dt}  {n}\n",
        g="X" if rng.random() < 0.6 else " ",
        s=" ",
        amt=w.amount(),
        dt=w.date(),
        n=_initial(sender) if rng.random() < 0.4 else sender.name(),
    )


_EPONYM_CONDITIONS = (
    "Parkinson's disease",
    "Crohn's disease",
    "Hashimoto's thyroiditis",
    "Alzheimer's dementia",
    "Addison's disease",
    "Raynaud's phenomenon",
    "Sjogren's syndrome",
)
_HOSPITALS = (
    "St Thomas' Hospital",
    "Addenbrooke's Hospital",
    "Johns Hopkins Hospital",
    "Karolinska University Hospital",
    "Charite Campus Mitte",
    "Royal Victoria Infirmary",
)


def shape_discharge_summary(d: Doc, w: World) -> None:
    rng = w.rng
    p, consultant, gp = _person(w), _person(w), _person(w)
    kin = _relative(w, p) if rng.random() < 0.6 else _person(w)
    rel = _pick(w, "daughter", "son", "niece", "partner", "neighbour")
    d.f(
        "DISCHARGE SUMMARY \u2013 {h}, {ward} Ward\n",
        h=_pick(w, *_HOSPITALS),
        ward=_pick(w, "Nightingale", "Florence", "Lister", "Cavell", "Harvey"),
    )
    d.f(
        "Patient: {n}    DOB: {b}    {l}: {i}\n",
        n=_caps_surname(p) if rng.random() < 0.5 else p.name(),
        b=p.dobv(),
        l=p.nid_label,
        i=p.nidv(),
    )
    d.f(
        "Consultant: Dr {c}    Admitted: {d1}    Discharged: {d2}\n\n",
        c=consultant.name() if rng.random() < 0.5 else consultant.lastv(),
        d1=w.date(),
        d2=w.date(),
    )
    d.f(
        "{ti} {la} is a {age}-year-old {nat} {sex} with a background of {c1} and {c2}, "
        "admitted via the emergency department after a fall at home. ",
        ti=p.title.rstrip(".") if p.title != "Dr." else "Dr",
        la=p.lastv(),
        age=str(rng.randint(55, 94)),
        nat=_nationality(
            w, "Portuguese", "Polish", "Irish", "Hungarian", "Indian", "Filipino", "Romanian"
        ),
        sex="woman" if p.pronoun == "she" else "man",
        c1=_pick(w, *_EPONYM_CONDITIONS),
        c2=_pick(w, "type 2 diabetes", "atrial fibrillation", "COPD", "Barrett's oesophagus"),
    )
    pos = "her" if p.pronoun == "she" else "his"
    d.f(
        "{pr} {rel}, {k}, who is {pos} main carer, reported two weeks of increasing "
        "confusion. GCS 14/15 on arrival; CT head showed no bleed. Babinski sign negative. "
        "Treated for a urinary infection with {dr} and reviewed by the falls team.\n\n",
        pr=pos.capitalize(),
        rel=rel,
        k=kin.name(),
        pos=pos,
        dr=_pick(w, "nitrofurantoin", "co-amoxiclav", "trimethoprim"),
    )
    d.f(
        "Discharged home to {s}, {c} with a package of care from {co} (four visits a day). "
        "Medication changes: {drug} started; levodopa unchanged.\n\n",
        s=p.streetv(),
        c=_flat(p.cityv()),
        co=w.company(),
        drug=w.rng.choice(_DRUGS),
    )
    d.f(
        "Actions for GP (Dr {g}, {gt}): please check U&Es in one week and refer to the "
        "memory clinic if no improvement.\nNext of kin: {k} ({rel}), {t}\n",
        g=gp.lastv(),
        gt=gp.tel(),
        k=_surname_comma(kin) if rng.random() < 0.4 else kin.name(),
        rel=rel,
        t=kin.tel(),
    )


def shape_tax_worksheet(d: Doc, w: World) -> None:
    rng = w.rng
    p = _person(w)
    spouse = _relative(w, p) if rng.random() < 0.7 else _person(w, p.locale)
    kids = [_relative(w, p) for _ in range(rng.randint(0, 2))]
    year = rng.randint(2022, 2025)
    d.f(
        "{y} INCOME TAX WORKSHEET \u2013 prepared by {co} (draft, not for filing)\n\n",
        y=str(year),
        co=_pick(w, "H&R Block", "Wall Street Tax Services", "Jackson Hewitt", w.company()),
    )
    d.f(
        "Taxpayer:   {n}\nTax ID ({l}): {i}\nDate of birth: {b}\n",
        n=_surname_comma(p) if rng.random() < 0.6 else _caps_surname(p),
        l=p.nid_label,
        i=p.nidv(),
        b=p.dobv(),
    )
    d.f(
        "Filing status: {fs}\nSpouse: {n}   Spouse tax ID: {i}\n",
        fs=_pick(w, "Married filing jointly", "Joint assessment", "Married filing separately"),
        n=spouse.name(),
        i=V("NATIONAL_ID", spouse.nid, spouse.locale),
    )
    d.f(
        "Home address: {s}, {c}\nDaytime phone: {t}    E-mail: {e}\n\n",
        s=p.streetv(),
        c=_flat(p.cityv()),
        t=p.tel(),
        e=p.mail(),
    )
    if kids:
        d.add("Dependants:\n")
        for k, kid in enumerate(kids):
            d.f(
                "  {k}. {n}, born {b}, {rel}, months in home: 12\n",
                k=str(k + 1),
                n=kid.name(),
                b=_child_dob(w, 2006, 2022),
                rel="daughter" if kid.pronoun == "she" else "son",
            )
        d.add("\n")
    d.add("Line  Description                                         Amount\n")
    d.f(
        "1a    Wages (from {emp}, employer no. {ein})      {a}\n",
        emp=w.company(),
        ein=f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
        a=w.amount(),
    )
    d.f(
        "2b    Taxable interest ({b1}, {b2})                    {a}\n",
        b1=_pick(w, "Wells Fargo", "Charles Schwab", "Deutsche Bank", "Barclays"),
        b2=_pick(w, "Goldman Sachs Marcus", "Edward Jones", "ING", "Morgan Stanley"),
        a=w.amount(),
    )
    d.f(
        "12    Standard deduction                                  {a}\n"
        "19    Child tax credit (Schedule 8812)                    {b}\n",
        a=w.amount(),
        b=w.amount(),
    )
    d.f(
        "\nExpected refund {a}: direct deposit to {x}.\nPrepared by {n} on {dt}; client "
        "to review and sign.\n",
        a=w.amount(),
        x=p.ibanv(),
        n=_person(w).name(),
        dt=w.date(),
    )


def shape_sports_registration(d: Doc, w: World) -> None:
    rng = w.rng
    parent = _person(w)
    child = _relative(w, parent)
    parent2 = _relative(w, parent) if rng.random() < 0.6 else _person(w, parent.locale)
    emergency, coach = _person(w), _person(w)
    club = _pick(
        w,
        "Abbey Road Juniors FC",
        "Wellington Park Hockey Club",
        "St Patrick's GAA",
        "Nottingham Forest Community Trust",
        "Ajax Amateurs U-teams",
    )
    season = rng.randint(2024, 2026)
    d.f(
        "{club} \u2013 Junior Registration {y}/{y2}\n\nPLAYER\nSurname: {la}\nFirst name(s): "
        "{f}\nDate of birth: {b}    Age group: U{age}    Shirt size: {sz}\n",
        club=club,
        y=str(season),
        y2=str(season + 1)[2:],
        la=V("PERSON", child.last.upper(), child.locale) if rng.random() < 0.5 else child.lastv(),
        f=V("PERSON", _given(child), child.locale),
        b=_child_dob(w, 2011, 2019),
        age=str(rng.randint(8, 16)),
        sz=_pick(w, "YS", "YM", "YL", "S"),
    )
    d.f("Home address: {s}, {c}\n\n", s=parent.streetv(), c=_flat(parent.cityv()))
    d.f(
        "PARENT / GUARDIAN 1: {n}    Mobile: {t}    Email: {e}\n",
        n=parent.name(),
        t=parent.tel(),
        e=parent.mail(),
    )
    if rng.random() < 0.7:
        d.f("PARENT / GUARDIAN 2: {n}    Mobile: {t}\n", n=parent2.name(), t=parent2.tel())
    d.f(
        "EMERGENCY CONTACT (if parents unreachable): {n} ({rel}) \u2013 {t}\n\n",
        n=_any_name(w, emergency),
        rel=_pick(w, "grandmother", "aunt", "family friend", "uncle", "childminder"),
        t=emergency.tel(),
    )
    d.f(
        "MEDICAL: {m}\nPhoto consent: {pc}    Subs: {amt} paid by card ending {l4}\n",
        m=_pick(
            w,
            "asthma, carries a salbutamol inhaler",
            "Osgood-Schlatter disease (left knee), no jumping drills",
            "Sever's disease, physio letter attached",
            "none known",
            "Type 1 diabetes, Dexcom sensor on arm",
        ),
        pc=_pick(w, "Yes", "No", "Team photos only"),
        amt=w.amount(),
        l4=str(rng.randint(1000, 9999)),
    )
    d.f(
        "Coach: {c} (FA Level 1, DBS checked {dt}). Training Tuesdays 18:00 at the {ground}.\n",
        c=coach.name() if rng.random() < 0.6 else coach.firstv(),
        dt=w.date(),
        ground=_pick(w, "Jubilee Ground", "Lord's Field", "Victoria Rec", "Wembley Way pitches"),
    )


def shape_car_rental(d: Doc, w: World) -> None:
    rng = w.rng
    p, extra, agent = _person(w), _person(w), _person(w)
    d.f(
        "{brand} RENTAL AGREEMENT  No. {no}\n\n",
        brand=_pick(w, "HERTZ", "SIXT", "EUROPCAR", "AVIS", "ENTERPRISE"),
        no=str(rng.randint(10**8, 10**9 - 1)),
    )
    d.f(
        "Pick-up: {a} Airport T{k}, {d1} 10:30    Return: {b} Central Station, {d2} 18:00\n",
        a=w.some_city(),
        k=str(rng.randint(1, 3)),
        d1=w.date(),
        b=w.some_city(),
        d2=w.date(),
    )
    d.f(
        "Vehicle: {car}  Reg. {reg}  Fuel out: full  Mileage out: {km} km\n\n",
        car=_pick(w, *_BRAND_CARS),
        reg=f"{rng.choice('BFHKMRSW')}{rng.choice('ABCDEFGHKL')}-{rng.randint(100, 9999)}",
        km=f"{rng.randint(800, 90000):,}",
    )
    d.f(
        "MAIN DRIVER\nName: {n}\nDate of birth: {b}\nAddress: {s}, {c}, {co}\n",
        n=_any_name(w, p),
        b=p.dobv(),
        s=p.streetv(),
        c=_flat(p.cityv()),
        co=p.countryv(),
    )
    d.f(
        "Driving licence no.: {lic}    Issued in: {co}\nMobile: {t}    E-mail: {e}\n\n",
        lic=V("NATIONAL_ID", _licence(p, rng), p.locale),
        co=p.countryv(),
        t=p.tel(),
        e=p.mail(),
    )
    if rng.random() < 0.6:
        d.f(
            "ADDITIONAL DRIVER\nName: {n}    DOB: {b}    Licence: {lic}\n\n",
            n=_any_name(w, extra),
            b=extra.dobv(),
            lic=V("NATIONAL_ID", _licence(extra, rng), extra.locale),
        )
    d.f(
        "PAYMENT\nCard: {c} (exp {exp})    Deposit pre-authorised: {dep}\n"
        "Charges: {days} days x {rate}; CDW + Super Cover {sc}; young driver fee n/a\n\n",
        c=p.cardv(),
        exp=f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}",
        dep=w.amount(),
        days=str(rng.randint(1, 14)),
        rate=w.amount(),
        sc=w.amount(),
    )
    d.f(
        "Renter's signature: {sig}    Counter agent: {a} (staff no. {k})\n",
        sig=_initial(p),
        a=agent.firstv(),
        k=str(rng.randint(1000, 9999)),
    )


def shape_vcards(d: Doc, w: World) -> None:
    rng = w.rng
    for _ in range(rng.randint(1, 3)):
        p = _person(w)
        prefix = "Dr." if p.title == "Dr." else ""
        d.add("BEGIN:VCARD\nVERSION:3.0\n")
        d.f("N:{la};{f};;{pre};\n", la=p.lastv(), f=p.firstv(), pre=prefix)
        d.f("FN:{n}\n", n=p.name())
        if rng.random() < 0.7:
            d.f(
                "ORG:{co};{dept}\nTITLE:{t}\n",
                co=w.company(),
                dept=_pick(w, "Sales", "R&D", "Procurement", "Legal"),
                t=_pick(w, "Account Manager", "Head of Data", "Buyer", "Counsel"),
            )
        d.f("TEL;TYPE=CELL,VOICE:{t}\n", t=p.tel())
        d.f("EMAIL;TYPE=INTERNET,{k}:{e}\n", k=_pick(w, "HOME", "WORK", "PREF"), e=p.mail())
        if rng.random() < 0.7:
            d.f(
                "ADR;TYPE=HOME:;;{s};{c};;;{co}\n",
                s=V("STREET_ADDRESS", p.street.replace("\n", ", "), p.locale),
                c=V("LOCATION", p.city, p.locale),
                co=p.countryv(),
            )
        if rng.random() < 0.5:
            d.f("BDAY:{b}\n", b=p.dobv())
        if rng.random() < 0.6:
            d.f(
                "NOTE:Met at {ev} in {city}. Intro via {n}.\n",
                ev=_pick(w, "KubeCon", "Web Summit", "MWC", "Hannover Messe", "FOSDEM"),
                city=w.some_city(),
                n=w.persona().name(),
            )
        d.f(
            "URL:https://www.{dom}\nREV:{y}-{m}-{dd}T{h}:{mi}:00Z\nUID:{uid}\nEND:VCARD\n",
            dom=str(w.en.domain_name()),
            y=str(rng.randint(2019, 2025)),
            m=f"{rng.randint(1, 12):02d}",
            dd=f"{rng.randint(1, 28):02d}",
            h=f"{rng.randint(0, 23):02d}",
            mi=f"{rng.randint(0, 59):02d}",
            uid=str(w.en.uuid4()),
        )


def shape_calendar_invite(d: Doc, w: World) -> None:
    rng = w.rng
    org = _person(w)
    guests = [_person(w) for _ in range(rng.randint(2, 4))]
    room = _pick(w, *_EPONYM_ROOMS)
    y, m, day, h = (
        rng.randint(2024, 2026),
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randint(7, 16),
    )
    d.add(
        "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\n"
        "CALSCALE:GREGORIAN\nMETHOD:REQUEST\nBEGIN:VEVENT\n"
    )
    d.f(
        "DTSTART:{y}{m}{dd}T{h}0000Z\nDTEND:{y}{m}{dd}T{h2}0000Z\n",
        y=str(y),
        m=f"{m:02d}",
        dd=f"{day:02d}",
        h=f"{h:02d}",
        h2=f"{h + 1:02d}",
    )
    d.f("ORGANIZER;CN={n}:mailto:{e}\n", n=org.name(), e=org.mail())
    d.f("UID:{u}@google.com\n", u=str(w.en.hexify("^" * 26)))
    for g in guests:
        quoted = rng.random() < 0.4
        d.f(
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE={role};PARTSTAT={ps};RSVP=TRUE;CN="
            + ('"{n}"' if quoted else "{n}")
            + ";X-NUM-GUESTS=0:mailto:{e}\n",
            role=_pick(w, "REQ-PARTICIPANT", "OPT-PARTICIPANT"),
            ps=_pick(w, "NEEDS-ACTION", "ACCEPTED", "TENTATIVE"),
            n=_surname_comma(g) if quoted else g.name(),
            e=g.mail(),
        )
    d.f(
        "ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;CN=Room {room} ({k}):mailto:"
        "c_{r}@resource.calendar.google.com\n",
        room=room,
        k=str(rng.randint(4, 20)),
        r=str(w.en.hexify("^" * 18)),
    )
    proj = _pick(w, "Helios", "Q3 budget", "Kafka consumer lag", "GDPR audit", "Pricing v2")
    d.f(
        "DESCRIPTION:Agenda:\\n1. {proj} status\\n2. Budget ({amt})\\n3. AOB\\n\\nJoin Zoom: "
        "https://zoom.us/j/{z}\\nIf the link fails call me on {t}.\\n-- {f}\n",
        proj=proj,
        amt=w.amount(),
        z=str(rng.randint(10**9, 10**10 - 1)),
        t=org.tel(),
        f=org.firstv(),
    )
    d.f(
        "LOCATION:Room {room}\\, Building {b}\\, {city}\nSUMMARY:{proj} sync\n"
        "SEQUENCE:0\nSTATUS:CONFIRMED\nEND:VEVENT\nEND:VCALENDAR\n",
        room=room,
        b=str(rng.randint(1, 9)),
        city=w.some_city(),
        proj=proj,
    )


def shape_phone_call_summary(d: Doc, w: World) -> None:
    rng = w.rng
    caller, agent, sup = _person(w), _person(w), _person(w)
    relative = _relative(w, caller) if rng.random() < 0.6 else _person(w)
    she = caller.pronoun
    her = "her" if she == "she" else "his"
    if relative.pronoun == "he":
        rel = _pick(w, "father", "uncle", "grandfather", "brother")
    else:
        rel = _pick(w, "mother", "aunt", "grandmother", "sister")
    rel_pr = "his" if relative.pronoun == "he" else "her"
    d.f(
        "Call summary \u2013 {co} customer line \u2013 {dt}, {h}:{m} ({k} min) \u2013 agent "
        "{a}\n\n",
        co=w.company(),
        dt=w.date(),
        h=str(rng.randint(8, 18)),
        m=f"{rng.randint(0, 59):02d}",
        k=str(rng.randint(3, 40)),
        a=agent.firstv(),
    )
    d.f(
        "Caller said {her} name was {n} and that {she} was ringing on behalf of {her} {rel}, "
        "{r}, who is in hospital with {cond}. ",
        her=her,
        n=caller.name() if rng.random() < 0.7 else _any_name(w, caller),
        she=she,
        rel=rel,
        r=relative.name(),
        cond=_pick(w, "Guillain-Barre syndrome", "Bell's palsy", "Lyme disease", "a broken hip"),
    )
    if " " not in relative.last and _airline(relative.last) and rng.random() < 0.5:
        d.f(
            "{She} spelled the surname for me: {sp}. ",
            She=she.capitalize(),
            sp=V("PERSON", "-".join(_airline(relative.last)), relative.locale),
        )
    d.f(
        "{She} gave {her} number as {t} and asked us to post the forms to {her} {rel}'s "
        "address, {s}, {c}, rather than to {her} own. ",
        She=she.capitalize(),
        her=her,
        t=caller.tel(),
        rel=rel,
        s=relative.streetv(),
        c=_flat(relative.cityv()),
    )
    d.f(
        "For security {she} confirmed {rp} date of birth ({b}) and the last four digits of "
        "the account, {l4}. {She} also mentioned that {rp} policy is with {co} since the "
        "merger with Standard Life.\n\n",
        she=she,
        rp=rel_pr,
        b=relative.dobv(),
        l4=str(rng.randint(1000, 9999)),
        She=she.capitalize(),
        co=w.company(),
    )
    d.f(
        "Outcome: power of attorney form sent; escalated to {s} for the hardship review. "
        "Callback requested {when} on {t}.\n",
        s=sup.name() if rng.random() < 0.5 else _initial(sup),
        when=_pick(w, "between 9 and 11", "after 5pm", "on Thursday morning"),
        t=V("PHONE_NUMBER", w._phone(caller.locale), caller.locale),
    )


GROUP4_SHAPES: dict[str, Shape] = {
    "rsvp_tsv": shape_rsvp_tsv,
    "property_listing": shape_property_listing,
    "membership_renewal": shape_membership_renewal,
    "report_card": shape_report_card,
    "customs_declaration": shape_customs_declaration,
    "discharge_summary": shape_discharge_summary,
    "tax_worksheet": shape_tax_worksheet,
    "sports_registration": shape_sports_registration,
    "car_rental": shape_car_rental,
    "vcards": shape_vcards,
    "calendar_invite": shape_calendar_invite,
    "phone_call_summary": shape_phone_call_summary,
}


def group4_count(n: int) -> int:
    """Texts per group-4 shape for a corpus of ``n``: the same share as group 3's."""
    return group3_count(n)


# -- Fifth held-out group: ten more shapes written without reading the detector, after
# the rules added on groups 3 and 4's first results, and before any results on them were
# seen; never tuned on (the blind group). Generated by a World of their own after group 4,
# so adding them changed neither the other texts nor their split; all of it is in the
# report half. Names come surname first with and without a comma, in capitals, as
# initials, as nicknames after the first mention and as directory usernames; the texts
# carry pet, character and ship names, eponyms and people-named firms that are not
# personal data.


def _surname_first(p: Persona) -> V:
    """``Surname Given`` without a comma, as registers and some forms write it."""
    return V("PERSON", f"{p.last} {_given(p)}", p.locale)


def _person_as(w: World, pronoun: str, loc: str | None = None) -> Persona:
    """A persona (as ``_person``) whose pronoun is ``pronoun`` (a few tries)."""
    p = _person(w, loc)
    for _ in range(20):
        if p.pronoun == pronoun:
            break
        p = _person(w, loc)
    return p


def _relative_as(w: World, p: Persona, pronoun: str) -> Persona:
    """Someone of ``p``'s family (same locale and surname) whose pronoun is ``pronoun``."""
    q = w.persona(p.locale)
    for _ in range(20):
        if q.pronoun == pronoun:
            break
        q = w.persona(p.locale)
    return _renamed(q, p.last)


def _nickv(p: Persona, rng: random.Random) -> V:
    return V("PERSON", _nick(p.first, rng), p.locale)


def _ad_user(p: Persona, rng: random.Random) -> V:
    """A directory account name made from a name (``jdoe``, ``m.kowalski``)."""
    f, la = _ascii(p.first) or "user", _ascii(p.last) or "x"
    return V(
        "PERSON",
        rng.choice([f"{f[0]}{la}", f"{f[0]}.{la}", f"{f}.{la}", f"{la}{f[0]}", f"{la[:6]}{f[:2]}"]),
        p.locale,
    )


def _name_forms(w: World, p: Persona) -> V:
    """The full name in any of the forms, surname-first ones included."""
    r = w.rng.random()
    if r < 0.2:
        return _surname_first(p)
    return _any_name(w, p)


def shape_recommendations(d: Doc, w: World) -> None:
    rng = w.rng
    subject = _person(w)
    d.f(
        "{n} \u00b7 {role} at {co}\nlinkedin.com/in/{slug}\n\nRecommendations\n"
        "Received (2) | Given (1)\n\n",
        n=subject.name(),
        role=_pick(w, "Senior Data Engineer", "Product Owner", "Head of Procurement", "UX Lead"),
        co=w.company(),
        slug=V(
            "PERSON",
            f"{_ascii(subject.first) or 'x'}-{_ascii(subject.last) or 'x'}",
            subject.locale,
        ),
    )
    nick = _nickv(subject, rng)
    for _ in range(2):
        r = _person(w)
        d.f(
            "{n} \u00b7 {deg}\n{role} at {co}\n{dt}, {f} {rel} {s}\n",
            n=r.name(),
            deg=_pick(w, "1st", "2nd", "3rd+"),
            role=_pick(w, "CTO", "Engineering Manager", "Account Director", "Scrum Master"),
            co=w.company(),
            dt=w.date(),
            f=r.firstv(),
            rel=_pick(w, "managed", "worked with", "was senior to", "reported to"),
            s=subject.firstv(),
        )
        d.f(
            '"I had the pleasure of working with {s} on our {tech} migration at {co}. {k} '
            "has a rare mix of rigour and humour: {pr} rebuilt the {prod} pipeline in six "
            "weeks, ran the Six Sigma workshop that everyone actually attended, and "
            "mentored {m} through {pos2} first on-call rota. Any team would be lucky to "
            'have {k2}."\n',
            s=subject.firstv(),
            tech=rng.choice(_TECH),
            co=w.company(),
            k=nick,
            pr=subject.pronoun,
            prod=_pick(w, "Salesforce", "SAP Ariba", "Tableau", "Power BI", "Dynamics 365"),
            m=_person(w).firstv(),
            pos2=_pick(w, "her", "his", "their"),
            k2=nick,
        )
        d.f(
            "  \u21b3 {s}: Thank you {f}, that means a lot! See you at {ev}?\n\n",
            s=nick,
            f=V("PERSON", _nick(r.first, rng), r.locale),
            ev=_pick(w, "Web Summit", "re:Invent", "the Gartner summit", "PyCon"),
        )
    e1, e2 = _person(w), _person(w)
    d.f(
        "Skills\n{tech} \u00b7 Endorsed by {a} and {k} others\nStakeholder management \u00b7 "
        "Endorsed by {b} (mutual connection)\n",
        tech=rng.choice(_TECH),
        a=e1.name(),
        k=str(rng.randint(3, 40)),
        b=_initial(e2) if rng.random() < 0.4 else e2.name(),
    )


def shape_onboarding_checklist(d: Doc, w: World) -> None:
    rng = w.rng
    p, mgr, buddy, hr = _person(w), _person(w), _person(w), _person(w)
    kin = _relative(w, p) if rng.random() < 0.5 else _person(w)
    co = w.company()
    room = _pick(w, *_EPONYM_ROOMS)
    d.f("NEW STARTER CHECKLIST \u2013 {co} People Team\n\n", co=co)
    d.f(
        "Starter:        {n}\nPreferred name: {k}\nStart date:     {dt}\nRole / grade:   {r}\n"
        "Line manager:   {m}\nBuddy:          {b}\nAD username:    {ad}\nWork e-mail:    {e}\n\n",
        n=_surname_comma(p) if rng.random() < 0.5 else _caps_surname(p),
        k=_nickv(p, rng),
        dt=w.date(),
        r=_pick(w, "Analyst, G6", "Software Engineer II", "Payroll Officer, band C", "Buyer, L3"),
        m=_name_forms(w, mgr),
        b=buddy.name(),
        ad=_ad_user(p, rng),
        e=p.mail(),
    )
    d.f(
        "BEFORE DAY 1\n[x] Contract signed (DocuSign envelope {env})\n[x] Right to work: "
        "passport seen by {hr} on {dt}\n[{pay}] Payroll: {l} {i}, salary to {x}\n"
        "[ ] Welcome pack posted to {s}, {c}\n",
        env=str(w.en.hexify("^^^^^^^^-^^^^")),
        hr=_initial(hr),
        dt=w.date(),
        pay="x" if rng.random() < 0.5 else " ",
        l=p.nid_label,
        i=p.nidv(),
        x=p.ibanv(),
        s=p.streetv(),
        c=_flat(p.cityv()),
    )
    d.f(
        "[ ] Laptop: {lap}, asset tag {tag}, Okta + Jamf enrolment\n"
        "[ ] Emergency contact: {k} ({rel}), {t}\n\n",
        lap=_pick(w, "MacBook Pro 14", "Dell Latitude 7440", "Lenovo ThinkPad T14"),
        tag=f"IT-{rng.randint(10000, 99999)}",
        k=kin.name(),
        rel=_pick(w, "partner", "friend", "mother" if kin.pronoun == "she" else "brother"),
        t=kin.tel(),
    )
    d.f(
        "WEEK 1\n[ ] Mon 09:30 welcome coffee with {m} in the {room} room\n[ ] Tue lunch with "
        "{b} at {cafe}\n[ ] Wed fire-safety e-learning (Grenfell update module)\n"
        "[ ] Fri 1:1 with {m2}: 30/60/90 plan\n\nNotes: {k} prefers {k2} in meetings; "
        "building pass photo still needed.\n",
        m=mgr.firstv(),
        room=room,
        b=V("PERSON", _nick(buddy.first, rng), buddy.locale),
        cafe=_pick(w, "Nando's", "Wagamama", "Pret A Manger", "Leon"),
        m2=_initial(mgr) if rng.random() < 0.5 else mgr.lastv(),
        k=p.firstv(),
        k2=_nickv(p, rng),
    )


def shape_lost_property(d: Doc, w: World) -> None:
    rng = w.rng
    owner, finder, officer = _person(w), _person(w), _person(w)
    fam = _relative(w, owner)
    d.f(
        "{force} \u2013 LOST / FOUND PROPERTY REPORT\nRef: LP/{n}/{yy}    Station: {st}\n\n",
        force=_pick(w, "Metropolitan Police", "Greater Manchester Police", "Garda Siochana"),
        n=str(rng.randint(1000, 99999)),
        yy=str(rng.randint(23, 26)),
        st=_pick(w, "Charing Cross", "Wellington Street", "Kingsway", "Victoria Road"),
    )
    d.f(
        "OWNER / REPORTING PERSON\nName: {n}\nDOB: {b}\nAddress: {s}, {c}\nTel: {t}  "
        "Email: {e}\n\n",
        n=_surname_first(owner) if rng.random() < 0.5 else _caps_surname(owner),
        b=owner.dobv(),
        s=owner.streetv(),
        c=_flat(owner.cityv()),
        t=owner.tel(),
        e=owner.mail(),
    )
    d.f(
        "Lost: {dt}, approx. {h}:{m}, on the number {bus} bus towards {city} or at the "
        "{place}.\n\nPROPERTY\n1. Wallet, {wal}, containing: debit card {card}; driving "
        "licence in the name of {n}; Tesco Clubcard; Boots Advantage card\n2. {ph}, IMEI "
        "{imei}, lock screen photo of a dog ({pet})\n3. House keys on a {fob} fob\n\n",
        dt=w.date(),
        h=str(rng.randint(7, 22)),
        m=f"{rng.randint(0, 59):02d}",
        bus=str(rng.randint(3, 390)),
        city=w.some_city(),
        place=_pick(w, "Nelson's Column", "Albert Dock", "King's Cross concourse", "Marble Arch"),
        wal=_pick(w, "brown leather (Fossil)", "black Ted Baker", "navy Tommy Hilfiger"),
        card=owner.cardv(),
        n=owner.name(),
        ph=_pick(w, "iPhone 13", "Samsung Galaxy S23", "Google Pixel 7"),
        imei=str(rng.randint(10**14, 10**15 - 1)),
        pet=_pick(w, "Biscuit", "Winston", "Mabel", "Sherlock", "Pickle"),
        fob=_pick(w, "Manchester United", "Hello Kitty", "Ferrari", "Guinness"),
    )
    d.f(
        "FINDER: {n}, {t} \u2013 handed in item 1 at the front counter. {f} declined a "
        "reward.\nRecording officer: PC {k} {o}\n\n",
        n=_any_name(w, finder),
        t=finder.tel(),
        f=finder.firstv(),
        k=str(rng.randint(1000, 9999)),
        o=officer.lastv(),
    )
    d.f(
        "OUTCOME: owner informed by SMS on {dt}. Item 1 collected by {r} ({rel}) with a "
        "signed authority from {o}; items 2 and 3 not recovered.\n",
        dt=w.date(),
        r=fam.name(),
        rel=_pick(w, "husband", "son", "brother")
        if fam.pronoun == "he"
        else _pick(w, "wife", "daughter", "sister"),
        o=_initial(owner),
    )


_PETS = ("Bella", "Max", "Poppy", "Winston", "Luna", "Oscar", "Milo", "Dolly", "Alfie", "Mabel")
_BREEDS = (
    "Jack Russell terrier",
    "Cavalier King Charles spaniel",
    "Dobermann",
    "Gordon setter",
    "Labrador retriever",
    "British Shorthair",
    "Maine Coon",
    "Dandie Dinmont terrier",
)


def shape_vet_record(d: Doc, w: World) -> None:
    rng = w.rng
    owner, vet, nurse = _person(w), _person(w), _person(w)
    child = _relative(w, owner)
    pet = _pick(w, *_PETS)
    d.f(
        "{clinic} \u2013 Clinical record\nPatient: {pet} ({breed}, {sex}, {age}y)   "
        "Microchip {chip}\n",
        clinic=_pick(
            w,
            "Herriot House Veterinary Surgery",
            "Pasteur Animal Hospital",
            "St Francis Vets",
            "Medivet Wellington Road",
        ),
        pet=pet,
        breed=_pick(w, *_BREEDS),
        sex=_pick(w, "MN", "FN", "M", "F"),
        age=str(rng.randint(1, 15)),
        chip=str(rng.randint(10**14, 10**15 - 1)),
    )
    d.f(
        "Owner: {n}    Tel {t}    {e}\nAddr: {s}, {c}\nInsurer: {ins}  Pol. {pol}\n\n",
        n=_caps_surname(owner) if rng.random() < 0.5 else _surname_first(owner),
        t=owner.tel(),
        e=owner.mail(),
        s=owner.streetv(),
        c=_flat(owner.cityv()),
        ins=_pick(w, "Petplan", "Agria", "Bought By Many", "ManyPets"),
        pol=str(rng.randint(10**7, 10**8 - 1)),
    )
    d.f(
        "{dt}  {v}  Hx: O ({o}) reports {pet} lethargic x2d, inappetent, 1x vomit. Lives "
        "w/ {pet2} (cat). O's {kid} {son} walked her in {park} Sun.\n",
        dt=w.date(),
        v=_initial(vet),
        o=owner.firstv(),
        pet=pet,
        pet2=_pick(w, "Garfield", "Tigger", "Salem", "Felix", "Mr Whiskers"),
        kid="son" if child.pronoun == "he" else "daughter",
        son=child.firstv(),
        park=_pick(w, "Victoria Park", "Hampstead Heath", "Phoenix Park", "Alexandra Park"),
    )
    d.f(
        "CE: T 39.{t1}, HR {hr}, MM pink, CRT<2s, abdo tense cranially. BAR but quiet.\n"
        "A: ?gastroenteritis ddx pancreatitis, FB, Addison's (hypoadrenocorticism).\n"
        "P: SNAP cPL, bloods (Idexx), {drug}, maropitant 1 mg/kg SC. Recheck 48h.\n",
        t1=str(rng.randint(0, 9)),
        hr=str(rng.randint(80, 160)),
        drug=_pick(w, "Hill's i/d diet", "Royal Canin GI low fat", "Pro-Kolin paste"),
    )
    d.f(
        "Est. {amt} given to O, consent signed. Admitted; nurse {n} ({k}) on obs.\n-- {v} MRCVS\n",
        amt=w.amount(),
        n=nurse.name(),
        k=_nickv(nurse, rng),
        v=vet.name(),
    )


_LECTURES = (
    "Ada Lovelace Lecture",
    "Alan Turing Memorial Lecture",
    "Marie Curie Keynote",
    "Grace Hopper Address",
)
_TALKS = (
    "Revisiting Dijkstra's algorithm for streaming graphs",
    "Kalman filters at the edge",
    "Markov chain Monte Carlo without tears",
    "Gaussian processes for demand forecasting",
    "Bloom filters in OpenSearch",
    "What Conway's law means for data teams",
    "Bayesian A/B tests at scale",
    "Fourier features for time series",
)


def shape_speaker_programme(d: Doc, w: World) -> None:
    rng = w.rng
    conf = _pick(w, "DataConf Europe", "EuroML Summit", "Streaming Days", "NordicAI")
    chair_pc = _person(w)
    d.f(
        "{conf} {y} \u2013 Programme, Day {k} ({dt})\nVenue: {city} Congress Centre, halls "
        "{r1} and {r2}\n\n",
        conf=conf,
        y=str(rng.randint(2025, 2027)),
        k=str(rng.randint(1, 3)),
        dt=w.date(),
        city=w.some_city(),
        r1=_EPONYM_ROOMS[0],
        r2=_EPONYM_ROOMS[2],
    )
    key = _person(w)
    d.f(
        '09:00  {lec}: "{talk}"\n       {ti} {n} ({co}, {cty})\n       Chair: {c}\n\n',
        lec=_pick(w, *_LECTURES),
        talk=_pick(w, *_TALKS),
        ti=_pick(w, "Prof.", "Dr", "Prof. Dr."),
        n=key.name() if rng.random() < 0.5 else _caps_surname(key),
        co=_pick(w, "ETH Zurich", "TU Delft", "Sorbonne Universite", "KTH", w.company()),
        cty=key.countryv(),
        c=_name_forms(w, _person(w)),
    )
    d.add("Time   | Room | Talk | Speaker(s) | Chair\n")
    for _ in range(rng.randint(3, 5)):
        sp, chair = _person(w), _person(w)
        h = rng.randint(10, 17)
        d.f(
            "{h}:{m} | {room} | {talk} | {sp} ({co}, {cty})",
            h=str(h),
            m=_pick(w, "00", "30", "45"),
            room=_pick(w, *_EPONYM_ROOMS),
            talk=_pick(w, *_TALKS),
            sp=_name_forms(w, sp),
            co=w.company(),
            cty=sp.countryv(),
        )
        if rng.random() < 0.35:
            co2 = _person(w)
            d.f(" & {n}", n=_initial(co2))
        d.f(" | {c}\n", c=_initial(chair) if rng.random() < 0.5 else chair.lastv())
    d.f(
        "\nSpeakers: slides to {e} by 18:00 the day before. Programme chair: {n}, "
        "mobile {t} (WhatsApp preferred).\nSponsors: Databricks, Confluent, Siemens.\n",
        e=chair_pc.mail(),
        n=chair_pc.name(),
        t=chair_pc.tel(),
    )


def shape_parish_register(d: Doc, w: World) -> None:
    rng = w.rng
    church = _pick(
        w,
        "St Peter's Church",
        "St Mary Magdalene",
        "Christ Church",
        "St Stephen's Cathedral",
        "Holy Trinity",
    )
    d.f(
        "Certified copy of entries in the register of {ch}, {city}\n\n",
        ch=church,
        city=w.some_city(),
    )
    father = _person_as(w, "he")
    mother = _person_as(w, "she", father.locale)
    child = _relative(w, father)
    god1, god2, priest = _person(w), _person(w), _person(w)
    d.f(
        "BAPTISM  No. {no}\nWhen baptised: {dt}\nWhen born: {b}\nChild's Christian "
        "name(s): {c}\nParents' Christian names: {f} and {m}\nSurname: {s}\n",
        no=str(rng.randint(100, 2400)),
        dt=w.date(),
        b=_child_dob(w, 2016, 2025),
        c=V("PERSON", _given(child), child.locale),
        f=V("PERSON", _given(father), father.locale),
        m=V("PERSON", _given(mother), mother.locale),
        s=V("PERSON", father.last.upper(), father.locale),
    )
    d.f(
        "Mother's maiden name: {mm}\nAbode: {st}, {c}\nFather's occupation: {occ}\n"
        "Godparents: {g1}; {g2}\nBy whom baptised: Revd {p}\n\n",
        mm=mother.lastv(),
        st=father.streetv(),
        c=_flat(father.cityv()),
        occ=_pick(w, "engineer", "nurse", "electrician", "teacher", "software developer"),
        g1=god1.name(),
        g2=_surname_comma(god2) if rng.random() < 0.4 else god2.name(),
        p=_initial(priest),
    )
    groom, bride = _person_as(w, "he"), _person_as(w, "she")
    gf, bf = _relative_as(w, groom, "he"), _relative_as(w, bride, "he")
    wit1, wit2 = _person(w), _person(w)
    d.f(
        "MARRIAGE  No. {no}  solemnized at {ch} on {dt}\n",
        no=str(rng.randint(50, 900)),
        ch=church,
        dt=w.date(),
    )
    d.add("Name and surname | Age | Condition | Rank or profession | Residence | Father\n")
    for p, fa, cond in ((groom, gf, "Bachelor"), (bride, bf, "Spinster")):
        d.f(
            "{n} | {a} | {cond} | {job} | {s}, {c} | {f}\n",
            n=p.name() if rng.random() < 0.6 else _caps_surname(p),
            a=str(rng.randint(22, 48)),
            cond=_pick(w, cond, "Divorced", cond),
            job=_pick(w, "Accountant", "Chef", "Pharmacist", "Pilot", "Student"),
            s=p.streetv(),
            c=_flat(p.cityv()),
            f=V("PERSON", f"{_given(fa)} {p.last}", p.locale),
        )
    d.f(
        "Married according to the Rites and Ceremonies of the Church of England by "
        "banns by me, {p}.\nIn the presence of: {w1}, {w2}\n",
        p=_caps_surname(priest) if rng.random() < 0.5 else priest.name(),
        w1=wit1.name(),
        w2=_name_forms(w, wit2),
    )


_VESSELS = ("MAERSK EMMA", "MSC ISABELLA", "EVER GIVEN", "CMA CGM JULES VERNE", "HMM ALGECIRAS")
_PORTS = ("ROTTERDAM", "HAMBURG", "ANTWERP", "FELIXSTOWE", "GDANSK", "VALENCIA", "NHAVA SHEVA")


def shape_bill_of_lading(d: Doc, w: World) -> None:
    rng = w.rng
    shipper, cons, notify, agent = _person(w), _person(w), _person(w), _person(w)
    d.f(
        "BILL OF LADING FOR OCEAN TRANSPORT OR MULTIMODAL TRANSPORT    B/L No. {bl}\n\n",
        bl=f"{_pick(w, 'MAEU', 'MEDU', 'CMDU')}{rng.randint(10**8, 10**9 - 1)}",
    )
    private = rng.random() < 0.5
    if private:
        d.f(
            "SHIPPER\n{n}\n{s}\n{c}, {co}\n\n",
            n=V("PERSON", shipper.full.upper(), shipper.locale),
            s=shipper.streetv(),
            c=_flat(shipper.cityv()),
            co=shipper.countryv(),
        )
    else:
        d.f(
            "SHIPPER\n{firm}\nattn. {n}, export dept.\n\n",
            firm=_pick(w, "Lloyd & Partners Freight", "Hudson Bay Trading", w.company()),
            n=_any_name(w, shipper),
        )
    d.f(
        "CONSIGNEE\n{n}\n{s}\n{c}\n{co}\nTel. {t}\n\n",
        n=_name_forms(w, cons),
        s=cons.streetv(),
        c=_flat(cons.cityv()),
        co=cons.countryv(),
        t=cons.tel(),
    )
    if rng.random() < 0.3:
        d.add("NOTIFY PARTY\nSAME AS CONSIGNEE\n\n")
    else:
        d.f(
            "NOTIFY PARTY\n{n} c/o {firm}\n{e} / {t}\n\n",
            n=_any_name(w, notify),
            firm=_pick(w, "Kuehne + Nagel", "DB Schenker", "Ferguson Customs Brokers"),
            e=notify.mail(),
            t=notify.tel(),
        )
    vessel = _pick(w, *_VESSELS)
    d.f(
        "VESSEL / VOYAGE: {v} / {voy}    PORT OF LOADING: {a}    PORT OF DISCHARGE: {b}\n"
        "PLACE OF DELIVERY: {city}\n\n",
        v=vessel,
        voy=f"{rng.randint(100, 999)}{_pick(w, 'W', 'E', 'N', 'S')}",
        a=_pick(w, *_PORTS),
        b=_pick(w, *_PORTS),
        city=w.some_city().upper(),
    )
    d.f(
        "MARKS & NOS | CONTAINER / SEAL | DESCRIPTION OF GOODS | GROSS WEIGHT | MEASUREMENT\n"
        "{mk} | {cn} / {seal} | 1 X 40' HC SAID TO CONTAIN {k} PKGS {goods} HS {hs} | "
        "{kg} KGS | {cbm} CBM\n\n",
        mk=_pick(w, "N/M", "AS ADDRESSED", f"LOT {rng.randint(1, 99)}"),
        cn=f"{_pick(w, 'MSKU', 'TGHU', 'CAIU')}{rng.randint(10**6, 10**7 - 1)}",
        seal=str(rng.randint(10**6, 10**7 - 1)),
        k=str(rng.randint(20, 900)),
        goods=_pick(
            w,
            "HOUSEHOLD GOODS AND PERSONAL EFFECTS",
            "FORD TRANSIT SPARE PARTS",
            "WELLINGTON BOOTS",
            "EARL GREY TEA",
        ),
        hs=f"{rng.randint(3900, 9600)}.{rng.randint(10, 99)}",
        kg=f"{rng.randint(1200, 26000):,}",
        cbm=f"{rng.randint(20, 76)}.{rng.randint(0, 9)}",
    )
    d.f(
        "FREIGHT PREPAID    SHIPPED ON BOARD {dt}\nSigned for the carrier {car} by {a}, as agent\n",
        dt=w.date(),
        car=_pick(w, "Maersk A/S", "MSC Mediterranean Shipping Company S.A.", "CMA CGM S.A."),
        a=_initial(agent) if rng.random() < 0.5 else agent.name(),
    )


def shape_admissions_letter(d: Doc, w: World) -> None:
    rng = w.rng
    p, tutor, officer = _person(w), _person(w), _person(w)
    uni = _pick(
        w,
        "University of Wellington Park",
        "King's College",
        "Newton Institute of Technology",
        "Carnegie Mellon",
    )
    year = rng.randint(2025, 2027)
    d.f(
        "{uni} \u2013 Undergraduate Admissions\nOur ref: UG/{y}/{r}    Applicant ID: {aid}\n\n",
        uni=uni,
        y=str(year),
        r=str(rng.randint(10000, 99999)),
        aid=str(rng.randint(10**9, 10**10 - 1)),
    )
    d.f(
        "{ti} {n}\n{s}\n{c}\n{co}\n\n{dt}\n\n",
        ti=p.title,
        n=V("PERSON", p.full.upper(), p.locale) if rng.random() < 0.3 else p.name(),
        s=p.streetv(),
        c=p.cityv(),
        co=p.countryv(),
        dt=w.date(),
    )
    d.f(
        "Dear {f},\n\nI am delighted to offer you a place on the {prog} starting in "
        "September {y}. The offer is conditional on {cond}. ",
        f=p.firstv(),
        prog=_pick(
            w,
            "BSc Computer Science with a Year in Industry",
            "BA Philosophy, Politics and Economics",
            "MEng Mechanical Engineering",
            "BSc Biomedical Science",
        ),
        y=str(year),
        cond=_pick(w, "A*AA at A level", "an IB score of 38", "IELTS 7.0 overall"),
    )
    d.f(
        "Our records give your date of birth as {b} and your fee status as overseas "
        "({nat} national); please tell us within 14 days if either is wrong.\n\n",
        b=p.dobv(),
        nat=_nationality(
            w, "Polish", "Brazilian", "Indonesian", "Hungarian", "Mexican", "Romanian", "Irish"
        ),
    )
    d.f(
        "You have also been shortlisted for the {sch}. You will live in {hall}, and your "
        "personal tutor will be {tut} ({te}), who will contact you over the summer. "
        "Welcome Week events include a talk in the Darwin Lecture Theatre and a tour of the "
        "Bodleian-style Rhodes Library.\n\n",
        sch=_pick(w, "Isaac Newton Scholarship", "Fulbright award", "Erasmus+ exchange"),
        hall=_pick(w, "Wolfson Hall", "Nightingale House", "Mandela Court", "Franklin Hall"),
        tut=_initial(tutor) if rng.random() < 0.4 else tutor.name(),
        te=tutor.mail(),
    )
    d.f(
        "Yours sincerely,\n\n{o}\nAdmissions Officer, on behalf of the Admissions Tutor\n"
        "cc: {t2}\n",
        o=officer.name(),
        t2=_surname_comma(tutor),
    )


_AD_GROUPS = (
    "GRP-FIN-AP-RW",
    "SG_SAP_FI_DISPLAY",
    "APP-Salesforce-SalesOps",
    "VPN-Contractors",
    "SG-Tableau-Creators",
    "O365-SharedMbx-Invoices",
)


def shape_access_request(d: Doc, w: World) -> None:
    rng = w.rng
    req, mgr, tech, leaver = _person(w), _person(w), _person(w), _person(w)
    ur, um, ut = _ad_user(req, rng), _ad_user(mgr, rng), _ad_user(tech, rng)
    d.f(
        "RITM{n} \u2013 Access request \u2013 {state}\nRequested for: {who} ({u})    "
        "Requested by: {by}\nDepartment: {dept}    Location: {city} office, floor {fl}\n",
        n=str(rng.randint(10**6, 10**7 - 1)),
        state=_pick(w, "Work in progress", "Awaiting approval", "Closed complete"),
        who=req.name() if rng.random() < 0.5 else _surname_comma(req),
        u=ur,
        by=um if rng.random() < 0.5 else _name_forms(w, mgr),
        dept=_pick(w, "Finance", "Sales Ops", "Procurement", "HR Systems"),
        city=w.some_city(),
        fl=str(rng.randint(1, 12)),
    )
    d.f(
        "Item: add to {g1}, {g2}; SAP role Z_FI_AP_CLERK (SoD check vs Z_FI_VENDOR_MAINT)\n"
        "Workstation: WS-{site}-{k}  IP {ip}\nApprover (line manager): {m}  "
        "\u2013 {st} {dt}\n\nWork notes\n",
        g1=_pick(w, *_AD_GROUPS),
        g2=_pick(w, *_AD_GROUPS),
        site=_pick(w, "LON", "WAW", "AMS", "MUC", "DUB"),
        k=f"{rng.randint(1, 9999):04d}",
        ip=req.ipv(),
        m=_caps_surname(mgr) if rng.random() < 0.5 else mgr.name(),
        st=_pick(w, "Approved", "Approved (temp.)", "Requested"),
        dt=w.date(),
    )
    d.f(
        "{dt} 09:{m1} {t} (Service Desk): acct {u} exists, mbx OK. added to groups, "
        "waiting AAD sync. SAP needs GRC ticket.\n",
        dt=w.date(),
        m1=f"{rng.randint(0, 59):02d}",
        t=ut,
        u=ur,
    )
    d.f(
        "{dt} 11:{m1} {m}: approved until {dt2}. pls also copy perms from {lv} ({lu}, "
        "leaver, disabled) \u2013 {f} takes over {pos} AP queue.\n",
        dt=w.date(),
        m1=f"{rng.randint(0, 59):02d}",
        m=um,
        dt2=w.date(),
        lv=leaver.name(),
        lu=_ad_user(leaver, rng),
        f=req.firstv(),
        pos="her" if leaver.pronoun == "she" else "his",
    )
    d.f(
        "{dt} 14:{m1} {t}: done. {f}, log off/on or run gpupdate /force. Tableau licence "
        "pending (Creator, {amt}/yr). Closing. \u2013 {tf}\n",
        dt=w.date(),
        m1=f"{rng.randint(0, 59):02d}",
        t=ut,
        f=V("PERSON", _nick(req.first, rng), req.locale),
        amt=w.amount(),
        tf=tech.firstv(),
    )


_PLAYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "The Importance of Being Earnest",
        (
            "John Worthing",
            "Algernon Moncrieff",
            "Lady Bracknell",
            "Gwendolen Fairfax",
            "Cecily Cardew",
            "Miss Prism",
            "Rev. Canon Chasuble",
            "Lane",
        ),
    ),
    (
        "Hedda Gabler",
        (
            "Hedda Tesman",
            "George Tesman",
            "Judge Brack",
            "Eilert Lovborg",
            "Thea Elvsted",
            "Aunt Julia",
            "Berte",
        ),
    ),
    (
        "Twelfth Night",
        (
            "Viola",
            "Orsino",
            "Olivia",
            "Malvolio",
            "Sir Toby Belch",
            "Feste",
            "Maria",
            "Sir Andrew Aguecheek",
        ),
    ),
    (
        "Uncle Vanya",
        (
            "Ivan Voynitsky",
            "Sonya",
            "Dr Astrov",
            "Yelena",
            "Professor Serebryakov",
            "Telegin",
            "Marina",
        ),
    ),
)


def shape_cast_list(d: Doc, w: World) -> None:
    rng = w.rng
    title, roles = rng.choice(_PLAYS)
    company = _pick(w, "The Garrick Players", "Old Vic Amateurs", "Brecht Street Theatre")
    d.f(
        "{co} present\n{t}\n{venue}, {dt} \u2013 7.30pm nightly, matinee Sat\n\n"
        "CAST (in order of appearance)\n",
        co=company,
        t=title.upper(),
        venue=_pick(w, "The Shaw Theatre", "Ibsen Hall", "The Lyric", "St George's Hall"),
        dt=w.date(),
    )
    k = rng.randint(4, min(6, len(roles)))
    actors = [_person(w) for _ in range(k)]
    for role, a in zip(roles[:k], actors, strict=True):
        d.f("{r}{dots} {n}\n", r=role, dots=" " + "." * (26 - len(role)), n=_name_forms(w, a))
    under = _person(w)
    d.f("Understudy ({r}): {n}\n\n", r=roles[0], n=_initial(under))
    director, sm = _person(w), _person(w)
    d.f(
        "Director  {dn}\nDesign  {ds}\nStage manager  {sm}\n\n",
        dn=director.name(),
        ds=_pick(w, "Marks & Spencer costume hire", "Angels Costumes", "Bermans & Nathans"),
        sm=_any_name(w, sm),
    )
    a = actors[0]
    b = actors[1]
    d.f(
        "ABOUT THE COMPANY\n{n} ({r}) last appeared with us as Lady Macbeth; by day "
        "{pr} teaches physics in {city}. {k} says the hardest part of playing {r2} is "
        "keeping a straight face opposite {b}. {bk}, who plays {r3}, joined after our "
        "Pygmalion tour and is the only cast member who has met the Queen's corgis.\n\n",
        n=a.name(),
        r=roles[0],
        pr=a.pronoun,
        city=V("LOCATION", a.city, a.locale),
        k=_nickv(a, rng),
        r2=roles[0],
        b=b.firstv(),
        bk=_nickv(b, rng),
        r3=roles[1],
    )
    d.f(
        "Front of house on the night: {n}, {t}. Please switch off mobiles; no photography "
        "of Act II's Hamlet parody.\n",
        n=sm.firstv(),
        t=sm.tel(),
    )


GROUP5_SHAPES: dict[str, Shape] = {
    "recommendations_thread": shape_recommendations,
    "onboarding_checklist": shape_onboarding_checklist,
    "lost_property_report": shape_lost_property,
    "vet_record": shape_vet_record,
    "speaker_programme": shape_speaker_programme,
    "parish_register": shape_parish_register,
    "bill_of_lading": shape_bill_of_lading,
    "admissions_letter": shape_admissions_letter,
    "access_request": shape_access_request,
    "cast_list": shape_cast_list,
}


def group5_count(n: int) -> int:
    """Texts per group-5 shape for a corpus of ``n``: the same share as group 3's."""
    return group3_count(n)


# -- Sixth held-out group: twelve more shapes written without reading the detector or any
# per-shape results, after group 5's rules; never tuned on (the blind group). Generated by
# a World of their own after group 5 (``World6``), so adding them changed neither the
# other texts nor their split; all of it is in the report half. The people here have
# names from many more languages of origin (Vietnamese, Turkish, Yoruba, Igbo, Hausa,
# Kikuyu/Kalenjin and Swahili, Zulu, Akan, Urdu, Thai, Chinese and Korean romanised,
# Arabic and Hebrew romanised, Filipino, Irish, Icelandic, Baltic, Uzbek, Azerbaijani,
# South Slavic, Slovak, Norwegian, Latin American Spanish, Belgian, Swiss, and Russian,
# Ukrainian, Bulgarian and Greek transliterated), often spelled without their diacritics,
# in their own name order, and they live in their own country or elsewhere (values tied
# to where one lives: address, phone, national ID and IBAN, carry the locale of that
# home). The texts are exports, logs and forms (vCard 4.0, raw mail headers, flattened
# HTML, JSON lines, Markdown, YAML, timed transcripts) and running prose.

# Name origins of group 6 (Faker locales; ar_AA, ko_KR, he_IL and fil_PH draw romanised
# names from the short lists below, as Faker has none in Latin script for them; ru_RU,
# uk_UA, bg_BG and el_GR are transliterated; zh_CN and zh_TW use Faker's romanised names).
GROUP6_ORIGINS: tuple[str, ...] = (
    "vi_VN",
    "tr_TR",
    "yo_NG",
    "ig_NG",
    "ha_NG",
    "en_KE",
    "sw",
    "zu_ZA",
    "tw_GH",
    "en_PK",
    "en_TH",
    "zh_CN",
    "zh_TW",
    "ko_KR",
    "ar_AA",
    "he_IL",
    "fil_PH",
    "ga_IE",
    "is_IS",
    "lt_LT",
    "lv_LV",
    "et_EE",
    "uz_UZ",
    "az_AZ",
    "hr_HR",
    "sk_SK",
    "sl_SI",
    "no_NO",
    "es_AR",
    "es_CO",
    "es_CL",
    "nl_BE",
    "de_CH",
    "ru_RU",
    "uk_UA",
    "bg_BG",
    "el_GR",
    "pt_BR",
    "pl_PL",
    "cs_CZ",
    "hu_HU",
    "ro_RO",
    "id_ID",
)

# Homes with an address, phone and ID format of their own (written here, Faker has none
# in a usable form) and those Faker gives in a usable form.
_CUSTOM_HOMES = ("tr_TR", "en_NG", "en_KE", "zu_ZA", "ko_KR", "ar_AE", "he_IL", "fil_PH")
_FAKER_HOMES = (
    "vi_VN",
    "hr_HR",
    "sk_SK",
    "sl_SI",
    "no_NO",
    "es_AR",
    "es_CO",
    "es_CL",
    "nl_BE",
    "de_CH",
)

# Where people of each origin live (their own country first where it has a home format).
_HOMES: dict[str, tuple[str, ...]] = {
    "vi_VN": ("vi_VN", "vi_VN", "en_US", "en_AU", "de_DE", "fr_FR"),
    "tr_TR": ("tr_TR", "tr_TR", "de_DE", "de_AT", "nl_NL", "en_GB"),
    "yo_NG": ("en_NG", "en_NG", "en_GB", "en_US", "en_CA"),
    "ig_NG": ("en_NG", "en_NG", "en_GB", "en_US", "en_IE"),
    "ha_NG": ("en_NG", "en_NG", "en_GB", "ar_AE"),
    "en_KE": ("en_KE", "en_KE", "en_GB", "en_US", "fi_FI"),
    "sw": ("en_KE", "en_KE", "en_GB", "sv_SE"),
    "zu_ZA": ("zu_ZA", "zu_ZA", "en_GB", "en_AU", "en_NZ"),
    "tw_GH": ("en_GB", "en_US", "de_DE", "nl_NL", "en_CA"),
    "en_PK": ("en_GB", "en_US", "en_CA", "ar_AE", "no_NO"),
    "en_TH": ("en_AU", "en_US", "en_GB", "de_CH", "sv_SE"),
    "zh_CN": ("en_US", "en_CA", "en_AU", "en_NZ", "en_GB", "de_DE"),
    "zh_TW": ("en_US", "en_CA", "en_AU", "ja_JP"),
    "ko_KR": ("ko_KR", "ko_KR", "en_US", "en_CA", "en_AU", "de_DE"),
    "ar_AA": ("ar_AE", "ar_AE", "fr_FR", "en_GB", "de_DE", "en_CA", "sv_SE"),
    "he_IL": ("he_IL", "he_IL", "en_US", "en_GB", "de_DE"),
    "fil_PH": ("fil_PH", "fil_PH", "en_US", "en_CA", "en_GB", "ar_AE", "en_AU"),
    "ga_IE": ("en_IE", "en_IE", "en_GB", "en_US"),
    "is_IS": ("no_NO", "da_DK", "en_GB", "sv_SE"),
    "lt_LT": ("en_GB", "en_IE", "no_NO", "de_DE"),
    "lv_LV": ("en_GB", "en_IE", "sv_SE", "de_DE"),
    "et_EE": ("fi_FI", "en_GB", "sv_SE", "de_DE"),
    "uz_UZ": ("ko_KR", "de_DE", "pl_PL", "tr_TR"),
    "az_AZ": ("tr_TR", "de_DE", "en_GB"),
    "hr_HR": ("hr_HR", "hr_HR", "de_AT", "de_DE", "de_CH"),
    "sk_SK": ("sk_SK", "sk_SK", "cs_CZ", "de_AT", "en_GB"),
    "sl_SI": ("sl_SI", "sl_SI", "de_AT", "it_IT"),
    "no_NO": ("no_NO", "no_NO", "es_ES", "sv_SE"),
    "es_AR": ("es_AR", "es_AR", "es_ES", "it_IT"),
    "es_CO": ("es_CO", "es_CO", "es_ES", "en_US"),
    "es_CL": ("es_CL", "es_CL", "es_ES", "sv_SE"),
    "nl_BE": ("nl_BE", "nl_BE", "nl_NL", "fr_FR"),
    "de_CH": ("de_CH", "de_CH", "de_DE", "en_GB"),
    "ru_RU": ("de_DE", "en_US", "en_GB", "he_IL", "es_ES", "fi_FI"),
    "uk_UA": ("pl_PL", "de_DE", "cs_CZ", "en_CA", "en_IE"),
    "bg_BG": ("es_ES", "de_DE", "en_GB", "nl_NL"),
    "el_GR": ("en_AU", "en_US", "en_GB", "de_DE"),
    "pt_BR": ("pt_BR", "pt_PT", "en_IE", "en_US"),
    "pl_PL": ("pl_PL", "en_GB", "en_IE", "de_DE", "no_NO"),
    "cs_CZ": ("cs_CZ", "sk_SK", "de_DE"),
    "hu_HU": ("hu_HU", "de_AT", "en_GB"),
    "ro_RO": ("ro_RO", "it_IT", "es_ES", "en_GB"),
    "id_ID": ("id_ID", "nl_NL", "en_AU"),
}

_COUNTRY6 = {
    "vi_VN": "Viet Nam",
    "hr_HR": "Croatia",
    "sk_SK": "Slovakia",
    "sl_SI": "Slovenia",
    "no_NO": "Norway",
    "es_AR": "Argentina",
    "es_CO": "Colombia",
    "es_CL": "Chile",
    "nl_BE": "Belgium",
    "de_CH": "Switzerland",
    "tr_TR": "Türkiye",
    "en_NG": "Nigeria",
    "en_KE": "Kenya",
    "zu_ZA": "South Africa",
    "ko_KR": "Republic of Korea",
    "ar_AE": "United Arab Emirates",
    "he_IL": "Israel",
    "fil_PH": "Philippines",
}


def _bar(names: str) -> tuple[str, ...]:
    return tuple(names.split("|"))


def _pairs(table: str) -> dict[str, str]:
    return dict(p.split("=") for p in table.split())


# Romanised names (female, male, surnames) for origins whose Faker names are not in Latin
# script.
_ROMANISED: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "ar_AA": (
        _bar(
            "Fatima|Aisha|Mariam|Noura|Layla|Huda|Salma|Rania|Yasmin|Hala|Reem|Amal|Dalia|"
            "Lina|Nour|Hanan|Samira|Zainab|Maha|Ghada|Rasha|Farah|Shaimaa|Asmaa"
        ),
        _bar(
            "Mohammed|Ahmed|Omar|Khalid|Youssef|Hassan|Ali|Ibrahim|Tariq|Karim|Walid|Samir|"
            "Faisal|Hamza|Mahmoud|Mustafa|Nabil|Rami|Ziad|Abdullah|Abdel Rahman|Saif|Majed|"
            "Bilal"
        ),
        _bar(
            "Al-Hashimi|Al Mansouri|El-Sayed|Haddad|Khoury|Nasser|Saleh|Abdelaziz|Al-Farsi|"
            "Ben Ali|El Amrani|Hamdan|Al-Qahtani|Aziz|Darwish|Farouk|Ghanem|Habib|Jaber|"
            "Kassem|Mansour|Othman|Qasim|Sabbagh|Taha|Yassin|Abu Shakra|Al Zaabi|Bouazza|"
            "Chaouki"
        ),
    ),
    "ko_KR": (
        _bar(
            "Ji-yeon|Seo-yeon|Min-ji|Ha-eun|Soo-jin|Eun-ji|Yuna|Ji-woo|Hye-jin|Da-eun|"
            "Seo-hyun|Jiyoung|Minseo|Chae-won|Yeon-woo|Sun-hee|Mi-kyung"
        ),
        _bar(
            "Min-jun|Seo-jun|Ji-ho|Do-hyun|Hyun-woo|Jun-ho|Sung-min|Tae-yang|Jae-won|"
            "Dong-hyun|Young-ho|Jinwoo|Sanghoon|Kyung-soo|Woo-jin|Byung-chul"
        ),
        _bar(
            "Kim|Lee|Park|Choi|Jung|Kang|Cho|Yoon|Jang|Lim|Han|Oh|Seo|Shin|Kwon|Hwang|Ahn|"
            "Song|Yoo|Hong|Jeon|Ko|Moon|Yang|Baek|Nam|Noh"
        ),
    ),
    "he_IL": (
        _bar(
            "Noa|Yael|Tamar|Shira|Maya|Michal|Adi|Hila|Efrat|Rivka|Orly|Talia|Liat|Ayelet|"
            "Nurit|Sarit|Dafna|Galit|Hadas"
        ),
        _bar(
            "Yossi|Avi|Itai|Eitan|Noam|Omer|Ariel|Uri|Gilad|Amit|Doron|Moshe|Yehuda|Ronen|"
            "Tal|Eyal|Nadav|Shlomo|Yoav"
        ),
        _bar(
            "Cohen|Levi|Mizrahi|Peretz|Biton|Dahan|Avraham|Friedman|Azoulay|Katz|Ben-David|"
            "Shapiro|Ohana|Goldberg|Rosenberg|Ben-Haim|Segal|Amar|Malka|Hadad|Ashkenazi|"
            "Carmeli|Ben-Ami|Yosef|Zilberman"
        ),
    ),
    "fil_PH": (
        _bar(
            "Maria Cristina|Ma. Theresa|Jocelyn|Rowena|Maricel|Jennylyn|Lorna|Rosario|Analyn|"
            "Kristine Joy|Divina|Marivic|Jhoanna|Lovely|Mary Grace|Liezl|Cherry Ann|Rizza"
        ),
        _bar(
            "Jose Mari|Juan Carlos|Rodrigo|Ramon|Emmanuel|Mark Anthony|Jerome|Rommel|Arnel|"
            "Reynaldo|Joel|Jayson|Christian Paul|Ferdinand|Noel|Dindo|Bong|Jun"
        ),
        _bar(
            "Dela Cruz|Santos|Reyes|Bautista|Garcia|Mendoza|Villanueva|Ramos|Aquino|Castillo|"
            "Macaraeg|Dimaculangan|Manalo|Pangilinan|Soriano|Tolentino|Delos Santos|"
            "De Guzman|Salvador|Magbanua|Lacson|Evangelista|Panganiban|Dizon"
        ),
    ),
}

_CYRILLIC = _pairs(
    "а=a б=b в=v г=g ґ=g д=d е=e ё=yo є=ye ж=zh з=z и=i і=i ї=yi й=y к=k л=l м=m н=n о=o "  # noqa: RUF001
    "п=p р=r с=s т=t у=u ф=f х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu я=ya"  # noqa: RUF001
)
# Ukrainian and Bulgarian letters that read differently from Russian.
_CYRILLIC_UK = _pairs("г=h и=y")  # noqa: RUF001
_CYRILLIC_BG = _pairs("ъ=a щ=sht х=h")  # noqa: RUF001
_GREEK_PAIRS = _pairs("ου=ou αι=ai ει=ei οι=oi γγ=ng γκ=gk μπ=b")  # noqa: RUF001
_GREEK = _pairs(
    "α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m ν=n ξ=x ο=o π=p ρ=r σ=s ς=s τ=t "  # noqa: RUF001
    "υ=y φ=f χ=ch ψ=ps ω=o"  # noqa: RUF001
)


def _transliterate(name: str, loc: str) -> str:
    """A Cyrillic or Greek name in Latin letters, as passports and e-mail signatures
    write it (``Zinaida Popova``, ``Chrysanthi Gkatzogianni``)."""
    base = "".join(
        c for c in unicodedata.normalize("NFD", name.lower()) if unicodedata.category(c) != "Mn"
    )
    out = []
    i = 0
    while i < len(base):
        c = base[i]
        if loc == "el_GR":
            pair = base[i : i + 2]
            if pair in _GREEK_PAIRS:
                out.append(_GREEK_PAIRS[pair])
                i += 2
                continue
            out.append(_GREEK.get(c, c))
        else:
            table = {**_CYRILLIC, **(_CYRILLIC_UK if loc == "uk_UA" else {})}
            if loc == "bg_BG":
                table.update(_CYRILLIC_BG)
            out.append("" if c in "'\u2019\u02bc" else table.get(c, c))
        i += 1
    latin = "".join(out)
    return "-".join(
        " ".join(w[:1].upper() + w[1:] for w in part.split(" ")) for part in latin.split("-")
    )


_FOLD = _pairs("\u0131=i İ=I đ=d Đ=D ł=l Ł=L ø=o Ø=O æ=ae Æ=Ae ð=d Ð=D þ=th Þ=Th ß=ss ə=a Ə=A")


def _fold(text: str) -> str:
    """``text`` without diacritics, as people often type their names (``Nguyen Thi Lan``,
    ``Sener Ozturk``); case and spaces kept."""
    text = "".join(_FOLD.get(c, c) for c in text)
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if unicodedata.category(c) != "Mn")


def _person_provider(fk: Faker) -> Any:
    for prov in fk.providers:
        if isinstance(prov, PersonProvider):
            return prov
    raise LookupError("no person provider")


def _relist(values: Any, convert: Callable[[str], str]) -> Any:
    if isinstance(values, dict):  # weights: Faker wants an OrderedDict
        out: OrderedDict[str, float] = OrderedDict()
        for k, v in values.items():
            out[convert(k)] = out.get(convert(k), 0.0) + float(v)
        return out
    return tuple(dict.fromkeys(convert(v) for v in values))


_NAME_LISTS = (
    "first_names",
    "first_names_female",
    "first_names_male",
    "last_names",
    "last_names_female",
    "last_names_male",
    "middle_names",
    "middle_names_female",
    "middle_names_male",
)


def _latin_faker(loc: str, seed: int) -> Faker:
    """A Faker for origin ``loc`` whose person names come out in Latin script."""
    if loc in _ROMANISED:
        fk = Faker("en_US")
        female, male, last = _ROMANISED[loc]
        prov = _person_provider(fk)
        prov.first_names_female, prov.first_names_male = female, male
        prov.first_names, prov.last_names = female + male, last
    else:
        fk = Faker(loc)
        prov = _person_provider(fk)

        def latin(name: str) -> str:
            return _transliterate(name, loc)

        if loc in ("ru_RU", "uk_UA", "bg_BG", "el_GR"):
            for attr in _NAME_LISTS:
                if hasattr(prov, attr):
                    setattr(prov, attr, _relist(getattr(prov, attr), latin))
        elif loc == "zh_CN":
            prov.first_names = prov.first_names_female = prov.first_names_male = (
                prov.first_romanized_names
            )
            prov.last_names = prov.last_romanized_names
        elif loc == "zh_TW":

            def title(s: str) -> str:
                return "-".join(p.capitalize() for p in s.split("-"))

            prov.first_names_female = _relist(prov.first_romanized_names_female, title)
            prov.first_names_male = _relist(prov.first_romanized_names_male, title)
            prov.first_names = _relist(prov.first_romanized_names, title)
            prov.last_names = _relist(prov.last_romanized_names, title)
    fk.seed_instance(seed)
    return _stable_order(fk)


_FAMILY_FIRST = ("vi_VN", "zh_CN", "zh_TW", "ko_KR", "hu_HU")
_DIACRITICS = _bar(
    "vi_VN|tr_TR|is_IS|lt_LT|lv_LV|et_EE|az_AZ|hr_HR|sk_SK|sl_SI|cs_CZ|pl_PL|ro_RO|hu_HU|"
    "ga_IE|no_NO|pt_BR|es_AR|es_CO|es_CL|de_CH|yo_NG|ha_NG"
)
_VI_MIDDLE = {"she": ("Thị", "Thị", "Ngọc", "Thu"), "he": ("Văn", "Văn", "Đức", "Minh")}


_GENDERED_SURNAMES = _bar("ru_RU|uk_UA|bg_BG|cs_CZ|sk_SK|pl_PL|lt_LT|lv_LV|uz_UZ|az_AZ")


def _kin_surname(last: str, loc: str, pronoun: str) -> str:
    """The family surname in the form a relative of ``pronoun`` would carry it (Slavic
    -ov/-ova, -ski/-ska, Czech and Slovak -ová, Lithuanian -ienė, Latvian -š/-a)."""
    if loc not in _GENDERED_SURNAMES or " " in last or "-" in last:
        return last
    female = pronoun == "she"
    for m, f in (("ov", "ova"), ("ev", "eva"), ("in", "ina"), ("ski", "ska"), ("cki", "cka")):
        if female and last.endswith(m):
            return last[: -len(m)] + f
        if not female and last.endswith(f):
            return last[: -len(f)] + m
    if loc in ("cs_CZ", "sk_SK"):
        if female and last.endswith(("ová", "ova", "á")):
            return last
        if female:
            if last.endswith(("ý", "y")):
                return last[:-1] + "á"
            return (last[:-1] if last.endswith("a") else last) + "ová"
        if last.endswith(("ová", "ova")):
            return last[:-3]
    if loc == "lt_LT":
        if female and last.endswith(("as", "is", "us")):
            return last[:-2] + "ienė"
        if not female and last.endswith("ienė"):
            return last[:-4] + "as"
    if loc == "lv_LV" and female and last.endswith(("š", "s")):
        return last[:-1] + "a"
    return last
    female = pronoun == "she"
    for m, f in (("ov", "ova"), ("ev", "eva"), ("in", "ina"), ("ski", "ska"), ("cki", "cka")):
        if female and last.endswith(m):
            return last[: -len(m)] + f
        if not female and last.endswith(f):
            return last[: -len(f)] + m
    if loc in ("cs_CZ", "sk_SK"):
        if female and not last.endswith("á"):
            return last + "ová"
        if not female and last.endswith("ová"):
            return last[:-3]
    return last


@dataclass
class Resident(Persona):
    """A group-6 persona: named after one locale (``locale``), living in another
    (``home``); address, phone, national ID and IBAN carry the home's locale."""

    home: str = ""

    def tel(self) -> V:
        return V("PHONE_NUMBER", self.phone, self.home)

    def streetv(self) -> V:
        return V("STREET_ADDRESS", self.street, self.home)

    def cityv(self) -> V:
        return V("LOCATION", self.city_line, self.home)

    def countryv(self) -> V:
        return V("LOCATION", self.country, self.home)

    def nidv(self) -> V:
        return V("NATIONAL_ID", self.nid, self.home)

    def ibanv(self) -> V:
        return V("IBAN_CODE", self.iban, self.home)


_TR_STREETS = _bar(
    "Atatürk Cad.|Bağdat Cad.|İstiklal Cad.|Cumhuriyet Cad.|Gazi Mustafa Kemal Bulvar\u0131|"
    "Menekşe Sok.|Lale Sok.|Ç\u0131nar Sok.|K\u0131z\u0131lay Sok.|Ihlamur Sok."
)
_TR_PLACES = (
    ("Kad\u0131köy", "İstanbul", "347"),
    ("Beşiktaş", "İstanbul", "343"),
    ("Çankaya", "Ankara", "066"),
    ("Konak", "İzmir", "352"),
    ("Nilüfer", "Bursa", "161"),
    ("Muratpaşa", "Antalya", "071"),
)
_NG_STREETS = _bar(
    "Adeola Odeku Street|Awolowo Road|Allen Avenue|Herbert Macaulay Way|Ahmadu Bello Way|"
    "Aminu Kano Crescent|Ogunlana Drive|Bode Thomas Street|Adetokunbo Ademola Crescent"
)
_NG_PLACES = (
    ("Victoria Island", "Lagos", "101241"),
    ("Ikoyi", "Lagos", "106104"),
    ("Surulere", "Lagos", "101283"),
    ("Wuse II", "Abuja", "904101"),
    ("Garki", "Abuja", "900103"),
    ("GRA", "Port Harcourt", "500272"),
)
_KE_ROADS = _bar(
    "Ngong Road|Argwings Kodhek Road|Riverside Drive|Othaya Road|Kiambu Road|Lenana Road|"
    "Moi Avenue|Oginga Odinga Street"
)
_KE_BLOCKS = ("Kileleshwa Court", "Jacaranda Gardens", "Sunrise Towers")
_KE_PLACES = (("Kilimani", "Nairobi"), ("Westlands", "Nairobi"), ("Nyali", "Mombasa"))
_ZA_STREETS = _bar(
    "Jan Smuts Avenue|Oxford Road|Long Street|Florida Road|Beyers Naude Drive|"
    "Main Road|Kloof Street|Rivonia Road"
)
_ZA_PLACES = (
    ("Rosebank", "Johannesburg", "2196"),
    ("Gardens", "Cape Town", "8001"),
    ("Morningside", "Durban", "4001"),
    ("Hatfield", "Pretoria", "0083"),
)
_KR_ROADS = _bar("Teheran-ro|Sejong-daero|Olympic-ro|Hannam-daero|Dosan-daero|Gangnam-daero")
_KR_PLACES = (
    ("Gangnam-gu", "Seoul"),
    ("Mapo-gu", "Seoul"),
    ("Yongsan-gu", "Seoul"),
    ("Haeundae-gu", "Busan"),
    ("Bundang-gu", "Seongnam-si"),
)
_AE_TOWERS = ("Marina Heights Tower", "Al Noor Building", "Park View Residence")
_AE_PLACES = (
    ("Al Barsha 2", "Dubai"),
    ("Jumeirah Village Circle", "Dubai"),
    ("Al Khalidiyah", "Abu Dhabi"),
    ("Al Majaz 3", "Sharjah"),
)
_VN_WARDS = ("phường Bến Nghé", "phường 7", "phường Dịch Vọng", "phường Thảo Điền")
_IL_STREETS = _bar("Herzl|Dizengoff|Ben Yehuda|Rothschild|Jabotinsky|Weizmann|HaNevi'im")
_IL_PLACES = (
    ("Tel Aviv-Yafo", "61"),
    ("Haifa", "33"),
    ("Jerusalem", "94"),
    ("Ra'anana", "43"),
    ("Be'er Sheva", "84"),
)
_PH_PLACES = (
    ("San Isidro", "Antipolo City", "1870", "Rizal"),
    ("Poblacion", "Makati City", "1210", "Metro Manila"),
    ("Lahug", "Cebu City", "6000", "Cebu"),
    ("Talamban", "Cebu City", "6000", "Cebu"),
    ("Buhangin", "Davao City", "8000", "Davao del Sur"),
)
_PH_SUBDIVISIONS = _bar("Greenwoods Executive Village|Camella Homes|Villa Verde|BF Homes|Phase 2")

_PHONES6 = {
    "tr_TR": ("+90 5## ### ## ##", "0 (5##) ### ## ##", "05## ### ## ##"),
    "en_NG": ("+234 80# ### ####", "080# ### ####", "+234 (0)81# ### ####", "0905 ### ####"),
    "en_KE": ("+254 7## ### ###", "07## ######", "+254 (0) 7## ######"),
    "zu_ZA": ("+27 8# ### ####", "08# ### ####", "07# ### ####"),
    "ko_KR": ("+82 10-####-####", "010-####-####", "+82-2-###-####"),
    "ar_AE": ("+971 50 ### ####", "+971 56 ### ####", "05#-#######", "04 ### ####"),
    "he_IL": ("+972-5#-###-####", "05#-#######", "+972 3-###-####"),
    "fil_PH": ("+63 9## ### ####", "09##-###-####", "(02) 8###-####"),
}

# Country code and BBAN length of the IBANs written here (checked with ``_iban6_ok``).
_IBAN6 = {
    "hr_HR": ("HR", 17),
    "sl_SI": ("SI", 15),
    "tr_TR": ("TR", 22),
    "ar_AE": ("AE", 19),
    "he_IL": ("IL", 19),
    "no_NO": ("NO", 11),
    "nl_BE": ("BE", 12),
    "sk_SK": ("SK", 20),
    "de_CH": ("CH", 17),
}


def _make_iban(cc: str, bban: str) -> str:
    moved = bban + cc + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{cc}{check:02d}{bban}"


def _iban6_ok(iban: str) -> bool:
    lengths = {cc: n + 4 for cc, n in _IBAN6.values()}
    if lengths.get(iban[:2]) != len(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _digits(rng: random.Random, k: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(k))


def _rut(rng: random.Random) -> str:
    """A Chilean RUT with its check character (``12.345.678-5``)."""
    body = rng.randint(5_000_000, 25_999_999)
    total, factor = 0, 2
    for c in reversed(str(body)):
        total += int(c) * factor
        factor = 2 if factor == 7 else factor + 1
    check = 11 - total % 11
    dv = "0" if check == 11 else "K" if check == 10 else str(check)
    return f"{body:,}".replace(",", ".") + f"-{dv}"


class World6(World):
    """Group 6's World: the corpus locales plus a Faker per group-6 name origin (names in
    Latin script), personas of those origins living at home or abroad."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        for i, loc in enumerate(GROUP6_ORIGINS):
            if loc not in self.fakers:
                self.fakers[loc] = _latin_faker(loc, seed * 1000 + 100 + i)

    def _name(self, loc: str) -> tuple[str, str, str, str, str]:
        fk, rng = self.fakers[loc], self.rng
        female = rng.random() < 0.5
        pronoun = "she" if female else "he"
        first = str(fk.first_name_female() if female else fk.first_name_male())
        gendered = "last_name_female" if female else "last_name_male"
        last = str(getattr(fk, gendered)() if hasattr(fk, gendered) else fk.last_name())
        full = f"{first} {last}"
        r = rng.random()
        if loc == "vi_VN" and r < 0.6:
            full = f"{last} {rng.choice(_VI_MIDDLE[pronoun])} {first}"
        elif loc in _FAMILY_FIRST and r < 0.5:
            full = f"{last} {first}"
        elif loc in ("zh_CN", "zh_TW") and r < 0.7:
            # An English name taken on abroad, the family name kept.
            first = str(self.en.first_name_female() if female else self.en.first_name_male())
            full = f"{first} {last}"
        elif loc in ("ru_RU", "uk_UA") and r < 0.25:
            middle = str(fk.middle_name_female() if female else fk.middle_name_male())
            full = f"{first} {middle} {last}"
        elif loc == "ar_AA" and r < 0.35:
            father = str(fk.first_name_male())
            link = rng.choice(["", "bint " if female else "bin "]) if r < 0.15 else ""
            full = f"{first} {link}{father} {last}"
        elif loc in ("es_AR", "es_CO", "es_CL") and r < 0.4:
            last = f"{last} {fk.last_name()}"
            full = f"{first} {last}"
        elif loc == "fil_PH" and r < 0.45:
            mother = str(fk.last_name())
            middle = mother if r < 0.25 else f"{mother[0]}."
            full = f"{first} {middle} {last}"
        elif r < 0.08:
            full = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        if loc in _DIACRITICS and rng.random() < 0.3:
            first, last, full = _fold(first), _fold(last), _fold(full)
        title = "Ms." if female else "Mr."
        if rng.random() < 0.15:
            title = "Dr."
        return first, last, full, title, pronoun

    def _phone(self, loc: str) -> str:
        rng = self.rng
        if loc not in _CUSTOM_HOMES:
            return super()._phone(loc)
        template = rng.choice(_PHONES6[loc])
        return "".join(str(rng.randint(0, 9)) if c == "#" else c for c in template)

    def _address(self, loc: str) -> tuple[str, str, str]:
        rng = self.rng
        if loc == "tr_TR":
            district, city, pc = rng.choice(_TR_PLACES)
            street = f"{rng.choice(_TR_STREETS)} No: {rng.randint(1, 240)}"
            if rng.random() < 0.6:
                street += rng.choice([f" D: {rng.randint(1, 30)}", f" Daire {rng.randint(1, 30)}"])
            if rng.random() < 0.4:
                street = (
                    f"{rng.choice(['Caferağa', 'Moda', 'Levent', 'Bahçelievler'])} Mah. {street}"
                )
            return street, f"{pc}{rng.randint(10, 99)} {district}/{city}", city
        if loc == "en_NG":
            area, city, pc = rng.choice(_NG_PLACES)
            street = f"{rng.randint(1, 120)} {rng.choice(_NG_STREETS)}"
            if rng.random() < 0.3:
                street = f"Flat {rng.randint(1, 12)}, {street}"
            return street, f"{area}, {city} {pc}", city
        if loc == "en_KE":
            area, city = rng.choice(_KE_PLACES)
            street = rng.choice(
                [
                    f"House No. {rng.randint(1, 80)}, {rng.choice(_KE_ROADS)}",
                    f"Apartment {rng.choice('ABCD')}{rng.randint(1, 24)}, "
                    f"{rng.choice(_KE_BLOCKS)}, {rng.choice(_KE_ROADS)}",
                ]
            )
            return (
                street,
                f"{area}, {city} {rng.choice(['00100', '00200', '00606', '80100'])}",
                city,
            )
        if loc == "zu_ZA":
            suburb, city, pc = rng.choice(_ZA_PLACES)
            return (
                f"{rng.randint(1, 300)} {rng.choice(_ZA_STREETS)}, {suburb}",
                f"{city}, {pc}",
                city,
            )
        if loc == "ko_KR":
            gu, city = rng.choice(_KR_PLACES)
            street = f"{rng.randint(1, 420)}, {rng.choice(_KR_ROADS)}"
            if rng.random() < 0.5:
                street += f" {rng.randint(1, 60)}-gil"
            if rng.random() < 0.5:
                street = f"{rng.randint(101, 115)}-{rng.randint(101, 2504)}, {street}"
            return street, f"{gu}, {city} {rng.randint(1000, 63999):05d}", city
        if loc == "ar_AE":
            area, city = rng.choice(_AE_PLACES)
            street = rng.choice(
                [
                    f"Villa {rng.randint(1, 90)}, Street {rng.randint(1, 40)}"
                    f"{rng.choice(['', 'A', 'B'])}, {area}",
                    f"Flat {rng.randint(101, 3205)}, {rng.choice(_AE_TOWERS)}, {area}",
                ]
            )
            return street, city, city
        if loc == "he_IL":
            city, pc = rng.choice(_IL_PLACES)
            name, no, apt = rng.choice(_IL_STREETS), rng.randint(1, 140), rng.randint(1, 40)
            street = rng.choice(
                [
                    f"{name} St. {no}, Apt. {apt}",
                    f"{no} {name} Street, apt {apt}",
                    f"Rehov {name} {no}/{apt}",
                ]
            )
            return street, f"{city} {pc}{_digits(rng, 5)}", city
        if loc == "fil_PH":
            brgy, city, pc, province = rng.choice(_PH_PLACES)
            street = (
                f"Blk {rng.randint(1, 40)} Lot {rng.randint(1, 60)}, "
                f"{rng.choice(_PH_SUBDIVISIONS)}, Brgy. {brgy}"
            )
            return street, f"{city}, {pc} {province}", city
        if loc == "vi_VN":
            fk = self.fakers[loc]
            street = str(fk.street_address()).strip()
            if rng.random() < 0.5:
                street += f", {rng.choice(_VN_WARDS)}"
            city = str(fk.city())
            return street, rng.choice([city, f"{city} {fk.postcode()}"]), city
        if loc == "es_AR":
            fk = self.fakers[loc]
            city = str(fk.city())
            suffix = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
            pc = f"{rng.choice('BCSXMK')}{rng.randint(1000, 9999)}{suffix}"
            return str(fk.street_address()).strip(), f"{pc} {city}", city
        if loc in ("es_CO", "es_CL"):
            fk = self.fakers[loc]
            city = str(fk.city())
            return str(fk.street_address()).strip(), f"{city}, {fk.postcode()}", city
        return super()._address(loc)

    def _national_id(self, loc: str) -> tuple[str, str]:
        rng = self.rng
        yy, mm, dd = rng.randint(40, 99), rng.randint(1, 12), rng.randint(1, 28)
        table: dict[str, list[tuple[str, Callable[[], str]]]] = {
            "vi_VN": [
                (
                    "CCCD",
                    lambda: f"0{rng.randint(1, 96):02d}{rng.choice('0123')}{yy}{_digits(rng, 6)}",
                )
            ],
            "hr_HR": [("OIB", lambda: str(self.fakers["hr_HR"].ssn()))],
            "sk_SK": [
                (
                    "rodné číslo",
                    lambda: f"{yy}{mm + rng.choice([0, 50]):02d}{dd:02d}/{_digits(rng, 4)}",
                )
            ],
            "sl_SI": [("EMŠO", lambda: f"{dd:02d}{mm:02d}9{yy}50{_digits(rng, 4)}")],
            "no_NO": [("fødselsnummer", lambda: _fodselsnummer(self.fakers["no_NO"]))],
            "es_AR": [
                ("DNI", lambda: f"{rng.randint(10_000_000, 45_999_999):,}".replace(",", "."))
            ],
            "es_CO": [
                ("cédula", lambda: f"{rng.randint(10_000_000, 1_199_999_999):,}".replace(",", "."))
            ],
            "es_CL": [("RUT", lambda: _rut(rng))],
            "nl_BE": [
                (
                    "rijksregisternummer",
                    lambda: f"{yy}.{mm:02d}.{dd:02d}-{_digits(rng, 3)}.{_digits(rng, 2)}",
                )
            ],
            "de_CH": [("AHV-Nr.", lambda: str(self.fakers["de_CH"].ssn()))],
            "tr_TR": [("T.C. Kimlik No", lambda: str(self.fakers["tr_TR"].ssn()))],
            "en_NG": [("NIN", lambda: _digits(rng, 11))],
            "en_KE": [
                ("ID No.", lambda: str(rng.randint(10_000_000, 39_999_999))),
                ("KRA PIN", lambda: f"A{_digits(rng, 9)}{rng.choice('ABCDEFGHKLMNPQRSTWXYZ')}"),
            ],
            "zu_ZA": [
                ("ID number", lambda: f"{yy}{mm:02d}{dd:02d}{_digits(rng, 4)}08{rng.randint(0, 9)}")
            ],
            "ko_KR": [("RRN", lambda: f"{yy}{mm:02d}{dd:02d}-{rng.choice('12')}{_digits(rng, 6)}")],
            "ar_AE": [("Emirates ID", lambda: f"784-19{yy}-{_digits(rng, 7)}-{rng.randint(0, 9)}")],
            "he_IL": [("Teudat Zehut", lambda: _digits(rng, 9))],
            "fil_PH": [
                ("SSS no.", lambda: f"{_digits(rng, 2)}-{_digits(rng, 7)}-{rng.randint(0, 9)}"),
                ("TIN", lambda: f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 3)}-000"),
            ],
            "de_DE": [("Steuer-ID", lambda: f"{rng.randint(1, 9)}{_digits(rng, 10)}")],
            "en_IE": [("PPS number", lambda: f"{_digits(rng, 7)}{rng.choice('ABCDEFGHKLMTW')}A")],
            "en_AU": [("TFN", lambda: f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}")],
            "en_NZ": [
                ("IRD number", lambda: f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 3)}")
            ],
            "da_DK": [("CPR-nummer", lambda: f"{dd:02d}{mm:02d}{yy}-{_digits(rng, 4)}")],
            "cs_CZ": [
                (
                    "rodné číslo",
                    lambda: f"{yy}{mm + rng.choice([0, 50]):02d}{dd:02d}/{_digits(rng, 4)}",
                )
            ],
            "hu_HU": [
                ("TAJ szám", lambda: f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}")
            ],
            "id_ID": [("NIK", lambda: f"3{_digits(rng, 5)}{dd:02d}{mm:02d}{yy}{_digits(rng, 4)}")],
            "pt_PT": [("NIF", lambda: f"{rng.choice('12')}{_digits(rng, 8)}")],
            "ja_JP": [
                ("My Number", lambda: f"{_digits(rng, 4)} {_digits(rng, 4)} {_digits(rng, 4)}")
            ],
        }
        if loc not in table:
            return super()._national_id(loc)
        label, make = rng.choice(table[loc])
        return label, make()

    def _iban(self, loc: str) -> str:
        rng = self.rng
        if loc in _IBAN6:
            cc, k = _IBAN6[loc]
            iban = _make_iban(cc, _digits(rng, k))
            assert _iban6_ok(iban)
        elif loc in LOCALES:
            return super()._iban(loc)
        else:  # no IBAN at home: an account in Europe
            iban = str(self.fakers[rng.choice(_IBAN_LOCALES)].iban())
        if rng.random() < 0.5:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def persona(self, loc: str | None = None, surname: str | None = None) -> Resident:
        """A persona of origin ``loc`` (any group-6 origin when None); ``surname``
        replaces the family name (for relatives)."""
        rng = self.rng
        loc = loc or rng.choice(GROUP6_ORIGINS)
        home = rng.choice(_HOMES[loc])
        self.used.append(loc)
        fk = self.fakers[loc]
        first, last, full, title, pronoun = self._name(loc)
        if surname is not None:
            kin = _kin_surname(surname, loc, pronoun)
            full = full.replace(last, kin) if last in full else f"{first} {kin}"
            last = kin
        street, city_line, city = self._address(home)
        nid_label, nid = self._national_id(home)
        dob_text, ip = self._birth_and_ip(fk)
        return Resident(
            locale=loc,
            first=first,
            last=last,
            full=full,
            title=title,
            pronoun=pronoun,
            email=self._email(loc, _fold(first), _fold(last)),
            phone=self._phone(home),
            street=street,
            city_line=city_line,
            city=city,
            country=_COUNTRY6.get(home) or _COUNTRY[home],
            dob=dob_text,
            nid_label=nid_label,
            nid=nid,
            iban=self._iban(home),
            card=self._card(),
            ip=ip,
            home=home,
        )


def _p6(w: World, loc: str | None = None) -> Persona:
    """A group-6 persona; names written given name first sometimes get a hyphenated
    surname, a particle or a middle name (as ``_person``)."""
    loc = loc or w.rng.choice(GROUP6_ORIGINS)
    if loc in _FAMILY_FIRST or loc in ("ar_AA", "fil_PH", "vi_VN", "ru_RU", "uk_UA"):
        return w.persona(loc)
    return _person(w, loc)


def _kin6(w: World, p: Persona, pronoun: str = "") -> Persona:
    """Someone of ``p``'s family (whose pronoun is ``pronoun`` when given): same origin,
    the family name in the form their gender carries it."""
    if not isinstance(w, World6):
        return _relative(w, p)
    q = w.persona(p.locale, surname=p.last)
    for _ in range(20):
        if not pronoun or q.pronoun == pronoun:
            break
        q = w.persona(p.locale, surname=p.last)
    return q


def _p6_as(w: World, pronoun: str, loc: str | None = None) -> Persona:
    """A group-6 persona whose pronoun is ``pronoun`` (a few tries)."""
    p = _p6(w, loc)
    for _ in range(20):
        if p.pronoun == pronoun:
            break
        p = _p6(w, loc)
    return p


def _street1(p: Persona) -> V:
    """The street line on one line."""
    return V("STREET_ADDRESS", p.street.replace("\n", ", "), _home(p))


def _home(p: Persona) -> str:
    return p.home if isinstance(p, Resident) else p.locale


def _slug(p: Persona, sep: str = "-") -> str:
    return f"{_ascii(p.first) or 'x'}{sep}{_ascii(p.last) or 'x'}"


def _ymd(w: World, young: int = 2004, old: int = 1950) -> tuple[int, int, int]:
    rng = w.rng
    return rng.randint(old, young), rng.randint(1, 12), rng.randint(1, 28)


_LISTS = (
    "dev-announce",
    "pgsql-general",
    "users.2024",
    "ietf-http-wg",
    "kernel-mentees",
    "openstreetmap-talk-de",
    "r-sig-geo",
)
_WEEKDAY_MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def shape_address_book_vcf(d: Doc, w: World) -> None:
    rng = w.rng
    os_name = _pick(w, "iPhone OS 17.4", "Mac OS X 14.2.1", "Android 14 (Samsung One UI 6.1)")
    for _ in range(rng.randint(2, 3)):
        p = _p6(w)
        d.f(
            "BEGIN:VCARD\nVERSION:4.0\nPRODID:-//Apple Inc.//{os}//EN\nKIND:individual\n",
            os=os_name,
        )
        d.f("FN:{n}\n", n=p.name())
        d.f(
            "N:{la};{f};;{pre};\n",
            la=p.lastv(),
            f=p.firstv(),
            pre="Dr." if p.title == "Dr." else "",
        )
        if rng.random() < 0.4:
            d.f("NICKNAME:{k}\n", k=_nickv(p, rng))
        d.f(
            "item1.EMAIL;TYPE=INTERNET;TYPE=pref:{e}\nitem1.X-ABLabel:_$!<{k}>!$_\n",
            e=p.mail(),
            k=_pick(w, "Home", "Work", "Other"),
        )
        tel = p.phone.replace(" ", "-").replace("(", "").replace(")", "")
        d.f(
            'TEL;VALUE=uri;TYPE="cell,voice";PREF=1:tel:{t}\n',
            t=V("PHONE_NUMBER", tel, _home(p)),
        )
        if rng.random() < 0.7:
            street = p.street.replace("\n", ", ")
            d.f(
                'ADR;TYPE=home;LABEL="{s}\\n{c}\\n{co}":;;{s2};{city};;;{co2}\n',
                s=V("STREET_ADDRESS", street, _home(p)),
                c=_flat(p.cityv()),
                co=p.countryv(),
                s2=V("STREET_ADDRESS", street, _home(p)),
                city=V("LOCATION", p.city, _home(p)),
                co2=p.countryv(),
            )
        if rng.random() < 0.5:
            y, m, day = _ymd(w)
            d.f(
                "BDAY:{b}\n",
                b=V(
                    "DATE_OF_BIRTH",
                    f"{y}{m:02d}{day:02d}" if rng.random() < 0.6 else f"--{m:02d}{day:02d}",
                ),
            )
        if rng.random() < 0.6:
            d.f(
                "ORG:{co};{dept}\nTITLE:{t}\n",
                co=w.company(),
                dept=_pick(w, "Supply Chain", "Clinical Research", "Platform", "Finance"),
                t=_pick(w, "Logistics Coordinator", "Staff Engineer", "CRA II", "Controller"),
            )
        r = rng.random()
        if r < 0.35:
            d.f(
                "X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/{s}\n",
                s=V("PERSON", _slug(p), p.locale),
            )
        elif r < 0.6:
            d.f("IMPP;X-SERVICE-TYPE=Skype:skype:{h}\n", h=V("PERSON", _slug(p, "."), p.locale))
        if rng.random() < 0.4:
            spouse = _kin6(w, p)
            d.f(
                "item2.X-ABRELATEDNAMES:{n}\nitem2.X-ABLabel:_$!<{rel}>!$_\n",
                n=spouse.name(),
                rel="Spouse" if rng.random() < 0.7 else "Sister",
            )
        if rng.random() < 0.5:
            d.f(
                "NOTE:Met at {ev} in {city}. Prefers {app}; vegetarian. Follow up re {prod}.\n",
                ev=_pick(w, "Gulfood", "Web Summit Lisbon", "MWC Shanghai", "Computex", "CES"),
                city=w.some_city(),
                app=_pick(w, "WhatsApp", "Signal", "Viber", "Zalo", "KakaoTalk", "LINE"),
                prod=w.product(),
            )
        d.f(
            "CATEGORIES:{cat}\nREV:{y}-{m}-{dd}T{h}:{mi}:00Z\nUID:{uid}\nEND:VCARD\n",
            cat=_pick(w, "Work", "Suppliers,Asia", "Family", "Conference 2024"),
            y=str(rng.randint(2019, 2025)),
            m=f"{rng.randint(1, 12):02d}",
            dd=f"{rng.randint(1, 28):02d}",
            h=f"{rng.randint(0, 23):02d}",
            mi=f"{rng.randint(0, 59):02d}",
            uid=str(w.en.uuid4()).upper(),
        )


def shape_list_digest(d: Doc, w: World) -> None:
    rng = w.rng
    sub = _p6(w)
    lst = _pick(w, *_LISTS)
    host = f"lists.{w.en.domain_name()}"
    wd, mon = _pick(w, *_WEEKDAYS), _pick(w, *_WEEKDAY_MON)
    day, year = rng.randint(1, 28), rng.randint(2023, 2026)
    sub_local, sub_domain = sub.email.split("@", 1) if "@" in sub.email else (sub.email, "x")
    d.f(
        "From {lst}-bounces@{host}  {wd} {mon} {day} {h}:{mi}:{s} {y}\n",
        lst=lst,
        host=host,
        wd=wd,
        mon=mon,
        day=f"{day:2d}",
        h=f"{rng.randint(0, 23):02d}",
        mi=f"{rng.randint(0, 59):02d}",
        s=f"{rng.randint(0, 59):02d}",
        y=str(year),
    )
    d.f(
        "Return-Path: <{v}>\n",
        v=V(
            "EMAIL_ADDRESS",
            f"{lst}-bounces+{sub_local}={sub_domain}@{host}",
            sub.locale,
        ),
    )
    d.f(
        "Received: from mail.{host} (mail.{host}) by mx{k}.{dom} with ESMTPS id {id} for "
        "<{e}>; {wd}, {day} {mon} {y} {h}:{mi}:{s} +0000\n",
        host=host,
        k=str(rng.randint(1, 4)),
        dom=str(w.en.domain_name()),
        id=str(w.en.hexify("^^^^^^^^^^^^")),
        e=sub.mail(),
        wd=wd,
        day=str(day),
        mon=mon,
        y=str(year),
        h=f"{rng.randint(0, 23):02d}",
        mi=f"{rng.randint(0, 59):02d}",
        s=f"{rng.randint(0, 59):02d}",
    )
    d.f(
        "Subject: {lst} Digest, Vol {v}, Issue {i}\nTo: {lst}@{host}\nReply-To: {lst}@{host}\n"
        "List-Id: {name} <{lst}.{host}>\n"
        "List-Unsubscribe: <mailto:{lst}-request@{host}?subject=unsubscribe>\n"
        "Precedence: list\n\n",
        lst=lst,
        v=str(rng.randint(12, 240)),
        i=str(rng.randint(1, 31)),
        host=host,
        name=_pick(w, "Developer announcements", "General discussion", "Working group list"),
    )
    posts = [_p6(w) for _ in range(rng.randint(2, 3))]
    subjects = [
        _pick(
            w,
            "Re: segfault in libpq 16.2 on aarch64",
            "Re: [PATCH v3] fix off-by-one in ring buffer",
            "RFC 9110 Section 15.5.20 clarification",
            "Meetup in Lisbon after FOSDEM?",
            "Re: tile server rate limits",
        )
        for _ in posts
    ]
    d.add("Today's Topics:\n\n")
    for k, (p, subj) in enumerate(zip(posts, subjects, strict=True)):
        d.f("   {k}. {s} ({n})\n", k=str(k + 1), s=subj, n=p.name())
    for k, (p, subj) in enumerate(zip(posts, subjects, strict=True)):
        d.f("\n----------------------------------------------------------------------\n\n")
        d.f("Message: {k}\n", k=str(k + 1))
        d.f("Received: from [{ip}] (port={port} ", ip=p.ipv(), port=str(rng.randint(40000, 65000)))
        if rng.random() < 0.3 and _ascii(p.first).isalpha():
            d.f(
                "helo={f}s-MacBook-Air.local)",
                f=V("PERSON", _fold(p.first.split(" ")[0]), p.locale),
            )
        else:
            d.f("helo={h})", h=_pick(w, "laptop.local", "DESKTOP-4F2K9QL", "fedora.fritz.box"))
        d.f(" by smtp.{dom} with esmtpsa\n", dom=str(w.en.domain_name()))
        d.f(
            "Date: {wd}, {day} {mon} {y} {h}:{mi}:{s} {tz}\nFrom: {n} <{e}>\n",
            wd=_pick(w, *_WEEKDAYS),
            day=str(rng.randint(1, 28)),
            mon=mon,
            y=str(year),
            h=f"{rng.randint(0, 23):02d}",
            mi=f"{rng.randint(0, 59):02d}",
            s=f"{rng.randint(0, 59):02d}",
            tz=_pick(w, "+0700", "+0300", "+0100", "-0500", "+0900", "+0530"),
            n=p.name()
            if rng.random() < 0.7
            else V("PERSON", p.full.upper() if rng.random() < 0.3 else p.full, p.locale),
            e=p.mail(),
        )
        if rng.random() < 0.5:
            d.f("X-Originating-IP: [{ip}]\n", ip=p.ipv())
        d.f(
            "To: {lst}@{host}\nSubject: {s}\nMessage-ID: <{mid}@{dom}>\n\n",
            lst=lst,
            host=host,
            s=subj,
            mid=str(w.en.hexify("^^^^^^^^.^^^^^^")),
            dom=str(w.en.domain_name()),
        )
        other = posts[k - 1] if k else posts[-1]
        d.f(
            "{f} wrote:\n> I can reproduce it with {tech} on a Graviton3 box, but only with "
            "huge pages enabled.\n\nSame here. Bisected it to commit {sha}; reverting it fixes "
            "the crash. Patch attached, tested on {os}.\n\n",
            f=other.name() if rng.random() < 0.5 else other.firstv(),
            tech=w.rng.choice(_TECH),
            sha=str(w.en.hexify("^^^^^^^^^^^^")),
            os=_pick(w, "Debian 12", "Fedora 40", "Ubuntu 24.04", "FreeBSD 14"),
        )
        r = rng.random()
        if r < 0.4:
            d.f("-- \n{n}\n{t}\n", n=p.name(), t=p.tel())
        elif r < 0.7:
            d.f("Regards,\n{f}\n", f=p.firstv())
        else:
            d.f("-- \n{n} | {co}\n", n=p.name(), co=w.company())
    d.f(
        "\n------------------------------\n\nSubject: Digest Footer\n\n_______________________"
        "________________________\n{lst} mailing list -- {lst}@{host}\nTo unsubscribe send an "
        "email to {lst}-leave@{host}\nYou are subscribed as {e}\n",
        lst=lst,
        host=host,
        e=sub.mail(),
    )


_BRANDS = ("Zalando", "Decathlon", "IKEA", "Uniqlo", "Lazada", "Jumia", "Trendyol", "Coolblue")


def shape_html_mail_flat(d: Doc, w: World) -> None:
    rng = w.rng
    p, agent = _p6(w), _p6(w)
    brand = _pick(w, *_BRANDS)
    order = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
    d.f(
        "[image: {b}] <https://cdn.{b2}.com/email/logo@2x.png>\n\nView this email in your "
        "browser <https://click.{b2}.com/?qs={tok}>\n\n",
        b=brand,
        b2=brand.lower(),
        tok=str(w.en.hexify("^" * 24)),
    )
    d.f(
        "Hi&nbsp;{f},\n\nGood news! Your order *#{o}* has shipped and should arrive "
        "*{dt}*.\n\n[Track your parcel] <https://track.{b2}.com/{o}>\n\n",
        f=p.firstv(),
        o=order,
        dt=w.date(),
        b2=brand.lower(),
    )
    d.add("*Delivery address*\n\n")
    d.f("{n}\n{s}\n{c}\n{co}\n\n", n=p.name(), s=p.streetv(), c=_flat(p.cityv()), co=p.countryv())
    if rng.random() < 0.6:
        d.f("*Contact number*\n\n{t}\n\n", t=p.tel())
    d.add("*Order summary*\n\n")
    for _ in range(rng.randint(1, 3)):
        d.f(
            "[image: {item}]\n{item}\nSize: {sz} | Qty: {q}\n{amt}\n\n",
            item=_pick(
                w,
                "Merino crew-neck jumper",
                "Trail running shoes Kiprun XT8",
                "KALLAX shelf unit, white",
                "AirPods Pro (2nd generation)",
                "Moka pot 6 cups",
            ),
            sz=_pick(w, "M", "L", "42", "one size"),
            q=str(rng.randint(1, 3)),
            amt=w.amount(),
        )
    d.f(
        "Subtotal&nbsp;&nbsp;{a}\nShipping&nbsp;&nbsp;FREE\n*Total&nbsp;&nbsp;{b}*\nPaid with "
        "{card} ending in {l4}\n\n",
        a=w.amount(),
        b=w.amount(),
        card=_pick(w, "Visa", "Mastercard", "PayPal", "Klarna"),
        l4=str(rng.randint(1000, 9999)),
    )
    d.f(
        "Questions? Your personal shopper {a} is happy to help: <mailto:{e}> &amp; we reply "
        "within 24 hours.\n\n",
        a=agent.firstv(),
        e=agent.mail(),
    )
    enc = p.email.replace("@", "%40").replace("+", "%2B")
    d.f(
        "------------------------------\nYou are receiving this email because {e} is "
        "registered with {b}. Unsubscribe <https://{b2}.com/u?email={enc}&list=transactional>"
        " | Privacy policy <https://{b2}.com/privacy>\n(c) {y} {b} SE, {city}. All rights "
        "reserved.\n",
        e=p.mail(),
        b=brand,
        b2=brand.lower(),
        enc=V("EMAIL_ADDRESS", enc, p.locale),
        y=str(rng.randint(2023, 2026)),
        city=w.some_city(),
    )


def shape_jsonl_app_log(d: Doc, w: World) -> None:
    rng = w.rng
    p, admin = _p6(w), _p6(w)
    uid = rng.randint(10000, 999999)
    svc = _pick(w, "checkout-api", "accounts-svc", "booking-gateway", "loyalty-worker")
    clock = rng.randint(0, 20000)
    day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def ts() -> str:
        nonlocal clock
        clock += rng.randint(1, 900)
        h, rest = divmod(clock % 86400, 3600)
        return f"{day}T{h:02d}:{rest // 60:02d}:{rest % 60:02d}.{rng.randint(0, 999):03d}Z"

    handle = V("PERSON", _handle(_fold(p.first), _fold(p.last), rng), p.locale)
    ua = _pick(
        w,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.0.0 Safari/537.36",
        "okhttp/4.12.0",
    )
    d.f(
        '{"ts":"{ts}","level":"info","svc":"{svc}","msg":"login succeeded","user":{"id":{uid},'
        '"username":"{h}","display_name":"{n}"},"ip":"{ip}","ua":"{ua}","trace_id":"{tr}"}\n',
        ts=ts(),
        svc=svc,
        uid=str(uid),
        h=handle,
        n=p.name(),
        ip=p.ipv(),
        ua=ua,
        tr=str(w.en.hexify("^" * 32)),
    )
    d.f(
        '{"ts":"{ts}","level":"warn","svc":"{svc}","msg":"address validation failed",'
        '"user_id":{uid},"address":{"line1":"{s}","city":"{c}","country":"{co}"},'
        '"provider":"Loqate","score":0.{sc}}\n',
        ts=ts(),
        svc=svc,
        uid=str(uid),
        s=_street1(p),
        c=V("LOCATION", p.city, _home(p)),
        co=p.countryv(),
        sc=str(rng.randint(10, 69)),
    )
    d.f(
        '{"ts":"{ts}","level":"debug","svc":"{svc}","msg":"payment authorised","user_id":{uid},'
        '"psp":"Adyen","card_bin":"{bin}","card_last4":"{l4}","amount_minor":{a},'
        '"currency":"{cur}"}\n',
        ts=ts(),
        svc=svc,
        uid=str(uid),
        bin=str(rng.randint(400000, 559999)),
        l4=str(rng.randint(1000, 9999)),
        a=str(rng.randint(500, 99999)),
        cur=_pick(w, "EUR", "TRY", "VND", "NGN", "KRW", "CHF"),
    )
    old_phone = V("PHONE_NUMBER", w._phone(_home(p)), _home(p))
    d.f(
        '{"ts":"{ts}","level":"info","svc":"{svc}","msg":"profile updated","user_id":{uid},'
        '"changes":{"phone":["{old}","{new}"],"marketing_opt_in":[true,false]},'
        '"actor":"{adm}"}\n',
        ts=ts(),
        svc=svc,
        uid=str(uid),
        old=old_phone,
        new=p.tel(),
        adm=V("PERSON", _handle(_fold(admin.first), _fold(admin.last), rng), admin.locale),
    )
    if rng.random() < 0.6:
        d.f(
            '{"ts":"{ts}","level":"error","svc":"mailer","msg":"delivery failed","to":"{e}",'
            '"smtp_code":550,"smtp_msg":"5.1.1 mailbox unavailable",'
            '"template":"order_shipped_v4"}\n',
            ts=ts(),
            e=p.mail(),
        )
    enc = p.email.replace("@", "%40").replace("+", "%2B")
    d.f(
        '{"ts":"{ts}","level":"info","svc":"edge","msg":"GET /api/v2/customers?email={enc} 200 '
        '{ms}ms","remote_addr":"{ip}","cache":"MISS"}\n',
        ts=ts(),
        enc=V("EMAIL_ADDRESS", enc, p.locale),
        ms=str(rng.randint(3, 900)),
        ip=p.ipv(),
    )
    d.f(
        '{"ts":"{ts}","level":"info","svc":"scheduler","msg":"job finished","job":"gdpr-export",'
        '"actor":"svc-reconciler","rows":{rows},"duration_ms":{ms}}\n',
        ts=ts(),
        rows=str(rng.randint(1, 50000)),
        ms=str(rng.randint(100, 90000)),
    )


_LICENSES = ("Apache-2.0", "MIT", "BSD-3-Clause", "MPL-2.0", "GPL-3.0-or-later")
_ROLES_EMOJI = ("💻", "📖", "🐛", "💻 🚧", "🌍", "🎨", "⚠️ 💻", "🔧")


def shape_contributors_md(d: Doc, w: World) -> None:
    rng = w.rng
    project = _pick(w, "tinytok", "geoparquet-rs", "fastcsv", "lumen-ui", "osm-tiles-cli")
    d.f(
        "## Contributors ✨\n\nThanks goes to these wonderful people ([emoji key]"
        "(https://allcontributors.org/docs/en/emoji-key)). {proj} is released under the "
        "{lic} licence and builds with Rust {rv} / PyO3 0.{py}.\n\n",
        proj=project,
        lic=_pick(w, *_LICENSES),
        rv=f"1.{rng.randint(70, 82)}",
        py=str(rng.randint(18, 23)),
    )
    d.add("| Avatar | Name | GitHub | Affiliation | Contributions |\n|:---:|---|---|---|---|\n")
    people = [_p6(w) for _ in range(rng.randint(3, 5))]
    handles = []
    for p in people:
        h = V("PERSON", _handle(_fold(p.first), _fold(p.last), rng).replace(".", "-"), p.locale)
        handles.append(h)
        d.f(
            '| <img src="https://avatars.githubusercontent.com/u/{id}?v=4" width="50"> | {n} | '
            "[@{h}](https://github.com/{h2}) | {aff} | {em} |\n",
            id=str(rng.randint(10**5, 10**8)),
            n=_name_forms(w, p) if rng.random() < 0.3 else p.name(),
            h=h,
            h2=h,
            aff=_pick(w, w.company(), "University of Lagos", "KAIST", "TU Wien", "independent"),
            em=_pick(w, *_ROLES_EMOJI),
        )
    d.add(
        "| | dependabot[bot] | [@dependabot](https://github.com/apps/dependabot) | GitHub | "
        "🚧 |\n\n"
    )
    lead, sec = people[0], people[-1]
    d.f(
        "### Maintainers\n\n- {n} <{e}> \u2013 release manager, signs tags with GPG key `0x{k}`\n",
        n=lead.name(),
        e=lead.mail(),
        k=str(w.en.hexify("^" * 16)).upper(),
    )
    d.f(
        "- {n} \u2013 security contact ({e}); please do not open public issues for "
        "vulnerabilities.\n\n",
        n=sec.name(),
        e=sec.mail(),
    )
    co = people[1]
    d.f(
        "Commits from the {v} sprint in {city} carry trailers such as\n\n```\n"
        "Co-authored-by: {n} <{e}>\nCo-authored-by: {n2} <{e2}>\n```\n",
        v=f"v{rng.randint(0, 3)}.{rng.randint(1, 20)}",
        city=w.some_city(),
        n=co.name(),
        e=V(
            "EMAIL_ADDRESS",
            f"{rng.randint(10**6, 10**8)}+{handles[1].text}@users.noreply.github.com",
            co.locale,
        ),
        n2=lead.name(),
        e2=lead.mail(),
    )


def shape_service_owner_yaml(d: Doc, w: World) -> None:
    rng = w.rng
    owner, on1, on2, mgr = _p6(w), _p6(w), _p6(w), _p6(w)
    name = _pick(w, "invoice-renderer", "fx-rates-sync", "kyc-screening", "route-planner")
    tz = _pick(
        w, "Asia/Ho_Chi_Minh", "Europe/Istanbul", "Africa/Lagos", "Asia/Seoul", "America/Bogota"
    )
    d.f(
        "# catalog-info.yaml \u2013 generated by backstage-cli {v}, edit owner block by hand\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
        "  description: {desc}\n  annotations:\n    github.com/project-slug: {org}/{name}\n"
        "    pagerduty.com/service-id: P{pd}\n  tags: [{t1}, {t2}]\nspec:\n  type: service\n"
        "  lifecycle: production\n  owner: group:{grp}\n  system: {sys}\n",
        v=f"0.{rng.randint(20, 29)}.{rng.randint(0, 9)}",
        name=name,
        desc=_pick(
            w,
            "Renders PDF invoices with WeasyPrint and pushes them to S3",
            "Pulls ECB reference rates every 15 minutes into Postgres",
            "Screens new customers against sanctions lists via Dow Jones Risk",
            "Solves vehicle routing with OR-Tools for the Jakarta depot",
        ),
        org=_pick(w, "acme-fin", "globex-logistics", "initech"),
        pd=str(w.en.hexify("^^^^^^")).upper(),
        t1=_pick(w, "python", "go", "kotlin"),
        t2=_pick(w, "kafka", "grpc", "postgres"),
        grp=_pick(w, "billing", "risk", "fleet"),
        sys=_pick(w, "payments", "compliance", "logistics"),
    )
    d.f(
        'owner:\n  name: {n}\n  email: {e}\n  phone: "{t}"\n  slack: "@{h}"\n',
        n=owner.name(),
        e=owner.mail(),
        t=owner.tel(),
        h=V("PERSON", _handle(_fold(owner.first), _fold(owner.last), rng), owner.locale),
    )
    d.f("oncall:\n  timezone: {tz}\n  rotation:\n", tz=tz)
    for p in (on1, on2):
        d.f(
            '    - name: {n}\n      phone: "{t}"\n      weeks: [{a}, {b}]\n',
            n=_name_forms(w, p) if rng.random() < 0.3 else p.name(),
            t=p.tel(),
            a=str(rng.randint(1, 26)),
            b=str(rng.randint(27, 52)),
        )
    d.f(
        "escalation:\n  manager: {m}  # cc {e} for P1 only\n  dpo: privacy@{dom}\n"
        "runtime:\n  image: ghcr.io/{org}/{name}:{tag}\n  replicas: {r}\n  resources: "
        '{cpu: "{cpu}m", memory: {mem}Mi}\n  env:\n    LOG_LEVEL: info\n    '
        "OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector.observability:4317\n",
        m=mgr.name(),
        e=mgr.mail(),
        dom=str(w.en.domain_name()),
        org=_pick(w, "acme-fin", "globex-logistics", "initech"),
        name=name,
        tag=f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        r=str(rng.randint(2, 12)),
        cpu=str(rng.choice([250, 500, 1000])),
        mem=str(rng.choice([256, 512, 1024])),
    )


def shape_meeting_transcript_ts(d: Doc, w: World) -> None:
    rng = w.rng
    a, b, c, absent = _p6(w), _p6(w), _p6(w), _p6(w)
    clock = rng.randint(0, 20)

    def turn(who: V, text: str, **kw: str | V) -> None:
        nonlocal clock
        clock += rng.randint(6, 95)
        h, rest = divmod(clock, 3600)
        d.f(
            "[{h}:{m}:{s}] {who}: ",
            h=f"{h:02d}",
            m=f"{rest // 60:02d}",
            s=f"{rest % 60:02d}",
            who=who,
        )
        d.f(text + "\n", **kw)

    proj = _pick(w, "Jakarta warehouse go-live", "SAP S/4HANA cut-over", "Q3 vendor onboarding")
    d.f(
        "{proj} \u2013 weekly sync \u2013 {dt}\nRecorded in Microsoft Teams \u00b7 transcript "
        "auto-generated, lightly edited\n\n",
        proj=proj,
        dt=w.date(),
    )
    turn(
        a.name(),
        "Okay, I think we're recording. Hi everyone, thanks for joining. {b} and {c}, can "
        "you hear me?",
        b=b.firstv(),
        c=c.firstv(),
    )
    turn(b.name(), "Loud and clear. Morning from {city}!", city=w.some_city())
    turn(
        c.name(),
        "Yes, hi {a}. Sorry, I'm on the train, so I might drop. If I do, call me on {t}.",
        a=a.firstv(),
        t=c.tel(),
    )
    turn(
        a.name(),
        "Sure. So first item: the {tech} migration. {ab} from {co} can't join today, "
        "{pr} sent the signed SOW last night.",
        tech=w.rng.choice(_TECH),
        ab=absent.name(),
        co=w.company(),
        pr=absent.pronoun,
    )
    turn(
        b.name(),
        "Right, and legal wants the contract addressed to {pos} home office, which is {s}, "
        "{city}. I'll put that in the tracker.",
        pos="her" if absent.pronoun == "she" else "his",
        s=_street1(absent),
        city=_flat(absent.cityv()),
    )
    turn(
        c.name(),
        "(inaudible) ...the Kubernetes cluster in eu-west-1 is fine, latency's down to "
        "{ms} milliseconds after the Istio upgrade.",
        ms=str(rng.randint(12, 90)),
    )
    turn(
        a.name(),
        "Great. {c}, can you also send {ab2} the VPN profile? {pos} e-mail is {e}.",
        c=c.firstv(),
        ab2=absent.firstv(),
        pos="Her" if absent.pronoun == "she" else "His",
        e=absent.mail(),
    )
    turn(c.name(), "Will do. Action on me.")
    turn(
        b.name(),
        "Last thing: the go-live party is at {venue} on the {k}th, {a}'s treat apparently.",
        venue=_pick(w, "the Hilton rooftop", "Café Central", "the Guinness Storehouse"),
        k=str(rng.randint(4, 28)),
        a=a.firstv(),
    )
    turn(a.name(), "Ha. Fine. Thanks all, I'll stop the recording.")
    d.f(
        "\nAction items\n- {c}: send VPN profile to {ab} ({e})\n- {b}: update tracker with "
        "contract address\n",
        c=c.firstv(),
        ab=_any_name(w, absent),
        e=absent.mail(),
        b=b.firstv(),
    )


def shape_delivery_note_multi(d: Doc, w: World) -> None:
    rng = w.rng
    forwarder = w.company()
    d.f(
        "DELIVERY NOTE / PACKING LIST            No. DN-{y}-{n}\n{fw} \u2013 groupage service, "
        "EORI {eori}\nDispatch: {dt} from {hub} hub    Truck {plate} / trailer {tr}\n\n",
        y=str(rng.randint(2024, 2026)),
        n=f"{rng.randint(0, 999999):06d}",
        fw=forwarder,
        eori=f"{_pick(w, 'DE', 'NL', 'BE', 'PL')}{rng.randint(10**9, 10**12)}",
        dt=w.date(),
        hub=_pick(w, "Venlo", "Duisburg", "Antwerp", "Poznań", "Budapest"),
        plate=f"{_pick(w, 'WGM', 'DU', 'NL', 'B')}-{rng.randint(100, 9999)}-"
        f"{rng.choice('ABCDEFGHJK')}",
        tr=f"TR-{rng.randint(100, 999)}",
    )
    consignees = [_p6(w) for _ in range(rng.randint(2, 4))]
    for k, p in enumerate(consignees):
        d.f("STOP {k} \u2013 {co}\n", k=str(k + 1), co=p.countryv())
        d.f(
            "  Consignee: {n}\n  Address:   {s}\n             {c}\n",
            n=_name_forms(w, p),
            s=_street1(p),
            c=_flat(p.cityv()),
        )
        d.f("  Contact:   {t}", t=p.tel())
        if rng.random() < 0.6:
            d.f(" / {e}", e=p.mail())
        d.add("\n")
        if rng.random() < 0.6:
            d.f("  Tax ID for customs ({l}): {i}\n", l=p.nid_label, i=p.nidv())
        for _ in range(rng.randint(1, 2)):
            d.f(
                "  {q} x {item}   HS {hs}   {kg} kg   {amt}\n",
                q=str(rng.randint(1, 12)),
                item=_pick(
                    w,
                    "Bosch PSB 750 drill",
                    "Philips Hue starter kit",
                    "Lavazza Qualità Oro 1 kg",
                    "Nespresso Vertuo Next",
                    "Raspberry Pi 5 (8 GB)",
                    "Fjällräven Kånken backpack",
                ),
                hs=f"{rng.randint(8400, 9600)}.{rng.randint(10, 99)}",
                kg=f"{rng.randint(0, 30)}.{rng.randint(0, 9)}",
                amt=w.amount(),
            )
        if rng.random() < 0.4:
            neighbour = _p6(w, p.locale)
            d.f("  If absent leave with neighbour {n}\n", n=_any_name(w, neighbour))
        d.add("\n")
    driver = _p6(w)
    d.f(
        "Driver: {f} ({t})    Incoterms: DAP    Pallets: {pal} EUR\nGoods received in good "
        "condition \u2013 signature / name in capitals: ______________________\n",
        f=driver.firstv() if rng.random() < 0.5 else driver.name(),
        t=driver.tel(),
        pal=str(rng.randint(1, 18)),
    )


_INSURERS = ("Allianz Care", "Cigna Global", "AXA Health", "Bupa Global", "MetLife", "Daman")
_ICD10 = ("E11.9", "I10", "J45.909", "K21.9", "M54.5", "F41.1", "E03.9", "L40.0")


def shape_pharmacy_claim(d: Doc, w: World) -> None:
    rng = w.rng
    member = _p6(w)
    patient = _kin6(w, member) if rng.random() < 0.5 else member
    doctor = _p6(w)
    d.f(
        "{ins} \u2013 PRESCRIPTION DRUG REIMBURSEMENT CLAIM (submit within 90 days of purchase)\n"
        "Claim no. {cn}    Received {dt}\n\nSECTION A \u2013 PLAN MEMBER\n",
        ins=_pick(w, *_INSURERS),
        cn=f"RX{rng.randint(10**7, 10**8 - 1)}",
        dt=w.date(),
    )
    d.f(
        "Member name (Last, First): {n}\nMember ID: {mid}    Group / policy no.: {grp}\n"
        "Date of birth: {b}    Sex: {sx}\n",
        n=_surname_comma(member),
        mid=f"{rng.choice('ABCHKMXZ')}{rng.randint(10**8, 10**9 - 1)}-{rng.randint(1, 9):02d}",
        grp=f"GRP-{rng.randint(1000, 99999)}",
        b=member.dobv(),
        sx="F" if member.pronoun == "she" else "M",
    )
    d.f("{l}: {i}\n", l=member.nid_label, i=member.nidv())
    d.f(
        "Home address: {s}, {c}, {co}\nPhone: {t}    E-mail: {e}\n\n",
        s=_street1(member),
        c=_flat(member.cityv()),
        co=member.countryv(),
        t=member.tel(),
        e=member.mail(),
    )
    d.add("SECTION B \u2013 PATIENT\n")
    if patient is member:
        d.add("Patient is the member: [X] yes  [ ] no\n\n")
    else:
        d.f(
            "Patient is the member: [ ] yes  [X] no\nPatient name: {n}    Relationship: {rel}    "
            "DOB: {b}\n\n",
            n=patient.name(),
            rel=_pick(w, "spouse", "child", "dependent parent"),
            b=_child_dob(w, 1950, 2018),
        )
    d.f(
        "SECTION C \u2013 PRESCRIPTIONS\nRx no.     | Fill date  | Drug / strength (NDC or PZN)"
        "        | Qty | Days | Prescriber      | Paid\n",
    )
    for _ in range(rng.randint(1, 3)):
        d.f(
            "{rx} | {dt} | {drug} ({ndc}) | {q} | {days} | Dr {doc} | {amt}\n",
            rx=str(rng.randint(10**6, 10**7 - 1)),
            dt=w.date(),
            drug=_pick(
                w,
                "Jardiance 10 mg",
                "Eliquis 5 mg",
                "Ventolin HFA 90 mcg",
                "Synthroid 50 mcg",
                "Ozempic 0.5 mg pen",
                *_DRUGS,
            ),
            ndc=f"{rng.randint(10000, 99999)}-{rng.randint(100, 999)}-{rng.randint(10, 99)}",
            q=str(rng.choice([28, 30, 60, 90])),
            days=str(rng.choice([28, 30, 90])),
            doc=doctor.lastv() if rng.random() < 0.6 else doctor.name(),
            amt=w.amount(),
        )
    d.f(
        "Diagnosis (ICD-10): {a}, {b}    Pharmacy: {ph} #{store}, {city}\n\n",
        a=_pick(w, *_ICD10),
        b=_pick(w, *_ICD10),
        ph=_pick(w, "Boots", "Walgreens", "Watsons", "Mercury Drug", "Eczane Nur", "dm-drogerie"),
        store=str(rng.randint(100, 9999)),
        city=w.some_city(),
    )
    d.f(
        "SECTION D \u2013 PAYMENT\nReimburse to account holder {n}\nIBAN {x}\n\nI certify that the "
        "above information is true. Signature: {sig}    Date: {dt}\n",
        n=member.name(),
        x=member.ibanv(),
        sig=_initial(member) if rng.random() < 0.5 else member.name(),
        dt=w.date(),
    )


_FUNDERS = (
    "the Alexander von Humboldt Foundation",
    "a Marie Skłodowska-Curie Actions fellowship",
    "the Wellcome Trust",
    "the Fulbright Program",
    "the DAAD",
    "the Newton Fund",
)
_METHODS = (
    "Navier\u2013Stokes solvers",
    "Bayesian hierarchical models",
    "the Kalman filter",
    "Hilbert-space embeddings",
    "Monte Carlo tree search",
    "the Lotka\u2013Volterra equations",
)


def shape_thesis_acknowledgements(d: Doc, w: World) -> None:
    rng = w.rng
    author = _p6(w)
    sup, co_sup, examiner, chair = _p6(w), _p6(w), _p6(w), _p6(w)
    lab1, lab2, tech = _p6(w), _p6(w), _p6(w)
    father = _kin6(w, author, "he")
    mother = _p6_as(w, "she", author.locale)
    partner, gran = _p6(w), _kin6(w, author, "she")
    d.f(
        "ACKNOWLEDGEMENTS\n\nThis thesis, submitted to the {uni} in {y}, would not exist "
        "without the patience of my supervisor, Prof. {s}, who took a chance on a student "
        "with more enthusiasm for {m} than experience with them. ",
        uni=_pick(
            w,
            "Faculty of Engineering, University of Lagos",
            "Graduate School of KAIST",
            "Department of Physics, ETH Zürich",
            "Universidad de los Andes",
            "Vietnam National University, Hanoi",
        ),
        y=str(rng.randint(2019, 2026)),
        s=sup.name(),
        m=_pick(w, *_METHODS),
    )
    d.f(
        "I am deeply grateful to my co-supervisor, Dr {c}, for countless hours at the "
        "whiteboard and for reading every draft, and to {cf} for insisting that I learn "
        "Julia.\n\n",
        c=co_sup.lastv() if rng.random() < 0.5 else co_sup.name(),
        cf=co_sup.firstv(),
    )
    d.f(
        "I thank the members of my committee, Prof. {e} and Dr {ch}, for their careful "
        "reading and their questions about {m}. My four years were funded by {fund} "
        "(grant no. {g}); computations ran on the {hpc} cluster.\n\n",
        e=_name_forms(w, examiner),
        ch=chair.name(),
        m=_pick(w, *_METHODS),
        fund=_pick(w, *_FUNDERS),
        g=f"{rng.randint(100000, 999999)}",
        hpc=_pick(w, "Snellius", "LUMI", "Piz Daint", "Perlmutter"),
    )
    d.f(
        "Thanks to everyone in the lab: {l1}, who wrote the first version of the "
        "simulation code; {l2} ({k}), for the coffee, the {game} nights and the best "
        "{food} in {city}; and {t}, our technician, who kept the cryostat alive through two "
        "power cuts. ",
        l1=lab1.name(),
        l2=lab2.name(),
        k=_nickv(lab2, rng),
        game=_pick(w, "Catan", "poker", "Mario Kart", "badminton"),
        food=_pick(w, "phở", "jollof rice", "börek", "arepas", "kimchi jjigae", "pierogi"),
        city=w.some_city(),
        t=tech.firstv() if rng.random() < 0.5 else tech.name(),
    )
    d.f("Special thanks to {n}, who proofread the final chapter overnight.\n\n", n=_initial(lab1))
    d.f(
        "I owe more than I can say to my parents, {f} and {m}, who left {home} so that "
        "I could study, and to my partner, {p}, who moved countries twice for this "
        "degree. ",
        f=father.firstv() if rng.random() < 0.6 else father.name(),
        m=mother.firstv() if rng.random() < 0.6 else mother.name(),
        home=_pick(w, "their village", "a good life", "everything they knew"),
        p=partner.firstv() if rng.random() < 0.5 else partner.name(),
    )
    d.f(
        "Finally, this work is dedicated to the memory of my grandmother, {g}, who taught me "
        "to count in {lang} before I could read.\n\n{a}\n{city}, {dt}\n",
        g=gran.name(),
        lang=_pick(w, "Yoruba", "Turkish", "Vietnamese", "Korean", "Arabic", "Tagalog", "Greek"),
        a=author.name(),
        city=w.some_city(),
        dt=_pick(w, *_MONTHS) + f" {rng.randint(2019, 2026)}",
    )


def shape_family_tree(d: Doc, w: World) -> None:
    rng = w.rng
    origin = rng.choice(GROUP6_ORIGINS)
    root = _p6(w, origin)
    spouse = _p6(w, origin)
    kids = [_kin6(w, root) for _ in range(rng.randint(2, 3))]
    born = rng.randint(1905, 1935)
    years = sorted(rng.randint(25, 45) + born for _ in kids)
    place = w.some_city()
    he = root.pronoun.capitalize()
    d.f(
        "Descendants of {n}\nCompiled by the {fam} family history project · last updated {dt}\n\n"
        "Generation 1\n\n1. {n2} was born about {y} in {place}. {he} married {sp} (born {y2}) "
        "in {y3}. {he} died in {y4} and is buried in the {cem} cemetery.\n",
        n=root.name(),
        fam=root.lastv(),
        dt=w.date(),
        n2=root.name(),
        y=str(born),
        place=place,
        he=he,
        sp=spouse.name(),
        y2=str(born + rng.randint(-4, 6)),
        y3=str(born + rng.randint(19, 24)),
        y4=str(born + rng.randint(55, 90)),
        cem=_pick(w, "municipal", "old parish", "Zentralfriedhof", "Rookwood"),
    )
    d.add("   Children:\n")
    numerals = ("i", "ii", "iii")
    for k, kid in enumerate(kids):
        d.f(
            "   {no}. {r}. {n}, b. {y}\n",
            no=str(k + 2),
            r=numerals[k],
            n=kid.name(),
            y=str(years[k]),
        )
    d.add("\nGeneration 2\n\n")
    for k, kid in enumerate(kids[:2]):
        partner = _p6(w)
        d.f(
            "{no}. {n} ({b}) married {p} in {city}. ",
            no=str(k + 2),
            n=kid.name(),
            b=f"b. {years[k]}",
            p=partner.name() if rng.random() < 0.6 else _name_forms(w, partner),
            city=w.some_city(),
        )
        grand = _kin6(w, kid)
        grand_year = min(2007, years[k] + rng.randint(22, 38))
        d.f(
            "Their {child} {g} was born on {b} and lives at {s}, {c} ({co}).",
            child="daughter" if grand.pronoun == "she" else "son",
            g=grand.name(),
            b=V("DATE_OF_BIRTH", f"{rng.randint(1, 28)} {_pick(w, *_MONTHS)} {grand_year}"),
            s=grand.streetv(),
            c=_flat(grand.cityv()),
            co=grand.countryv(),
        )
        if rng.random() < 0.5:
            d.f(" Contact for this branch: {e}.", e=grand.mail())
        d.add("\n\n")
    cousin, researcher = _p6(w), _p6(w)
    d.f(
        "Sources: {y} census (FamilySearch film #{film}); {reg}; DNA match with {c} "
        "({cm} cM shared across {seg} segments on {site}).\n",
        y=str(rng.choice([1950, 1960, 1970])),
        film=str(rng.randint(10**6, 10**7 - 1)),
        reg=_pick(
            w,
            "baptism register of St Joseph's",
            "civil marriage register, book 12",
            "emigrant ship manifest (SS Rotterdam)",
        ),
        c=cousin.name(),
        cm=str(rng.randint(40, 1800)),
        seg=str(rng.randint(2, 40)),
        site=_pick(w, "Ancestry", "MyHeritage", "23andMe", "GEDmatch"),
    )
    d.f(
        "Corrections welcome: {n} <{e}>. Living persons are shown with consent.\n",
        n=researcher.name(),
        e=researcher.mail(),
    )


_QUOTE_HEADERS = (
    "On {wd}, {dd} {mon} {y} at {hh}:{mm}, {n} <{e}> wrote:",
    "Am {dd}.{mn}.{y} um {hh}:{mm} schrieb {n} <{e}>:",
    "Le {dd}/{mn}/{y} à {hh}:{mm}, {n} <{e}> a écrit :",
    "El {dd}/{mn}/{y} a las {hh}:{mm}, {n} (<{e}>) escribió:",
    "Op {dd}-{mn}-{y} om {hh}:{mm} schreef {n} <{e}>:",
    "{y}. {mn}. {dd}. 오후 {hh}:{mm}, {n} <{e}>님이 작성:",
)


def _quote_header(d: Doc, w: World, n: V, e: V | str, prefix: str) -> None:
    rng = w.rng
    d.add(prefix)
    d.f(
        _pick(w, *_QUOTE_HEADERS) + "\n",
        wd=_pick(w, *_WEEKDAYS),
        dd=str(rng.randint(1, 28)),
        mon=_pick(w, *_WEEKDAY_MON),
        mn=f"{rng.randint(1, 12):02d}",
        y=str(rng.randint(2024, 2026)),
        hh=f"{rng.randint(7, 22):02d}",
        mm=f"{rng.randint(0, 59):02d}",
        n=n,
        e=e,
    )


def shape_helpdesk_reply_quoted(d: Doc, w: World) -> None:
    rng = w.rng
    cust, agent, agent2, cc = _p6(w), _p6(w), _p6(w), _p6(w)
    desk = _pick(w, "Zendesk", "Freshdesk", "Help Scout")
    brand = _pick(w, "Trendyol Go", "Jumia Pay", "Grab", "Coolblue", "Tokopedia", "Revolut")
    support = f"support@{brand.lower().replace(' ', '')}.com"
    d.f(
        "##- Please type your reply above this line -##\n\nTicket #{t} | {desk} | status: "
        "Pending\n\n",
        t=str(rng.randint(100000, 9999999)),
        desk=desk,
    )
    d.f(
        "{a} ({b} Support)\n{dt}\n\nHi {f},\n\nThanks for the photos. I've arranged a "
        "replacement {prod}; the courier will call {t} before delivery. Refund reference "
        "{ref}.\n\nBest,\n{af}\n\n",
        a=agent.name(),
        b=brand,
        dt=w.date(),
        f=cust.firstv(),
        prod=w.product(),
        t=cust.tel(),
        ref=w.code("RF"),
        af=agent.firstv(),
    )
    _quote_header(d, w, cust.name(), cust.mail(), "")
    d.f(
        "> Hello,\n> the new one is also broken, same error E{code} after the firmware "
        "update. I'm at home all week at {s}, {c}.\n> CC'ing my {rel} {n} who bought it.\n>\n",
        code=str(rng.randint(10, 99)),
        s=_street1(cust),
        c=_flat(cust.cityv()),
        rel=_pick(w, "brother", "flatmate", "husband", "partner")
        if cc.pronoun == "he"
        else _pick(w, "sister", "flatmate", "wife", "partner"),
        n=cc.name(),
    )
    d.f(
        "> --\n> {n}\n> Sent from my iPhone\n>\n",
        n=cust.name() if rng.random() < 0.6 else cust.firstv(),
    )
    _quote_header(d, w, agent2.name(), support, "> ")
    d.f(
        ">> Dear {ti} {la},\n>> we are sorry to hear that. Could you send the serial number "
        "(on the sticker under the battery, format SN-{sn}) and a photo of the receipt?\n"
        ">> Kind regards, {a2} \u2013 {b} Customer Care\n>>\n",
        ti=cust.title,
        la=cust.lastv(),
        sn=f"{rng.randint(1000, 9999)}-XXXX",
        a2=agent2.name(),
        b=brand,
    )
    _quote_header(d, w, cust.name(), cust.mail(), ">> ")
    d.f(
        ">>> Hi, my order {o} arrived damaged. Account e-mail {e}, phone {t}.\n"
        ">>> Cc: {n} <{ce}>\n",
        o=w.code("ORD"),
        e=cust.mail(),
        t=cust.tel(),
        n=cc.name(),
        ce=cc.mail(),
    )


GROUP6_SHAPES: dict[str, Shape] = {
    "address_book_vcf": shape_address_book_vcf,
    "mailing_list_digest": shape_list_digest,
    "html_mail_flattened": shape_html_mail_flat,
    "jsonl_app_log": shape_jsonl_app_log,
    "contributors_table_md": shape_contributors_md,
    "service_owner_yaml": shape_service_owner_yaml,
    "meeting_transcript_timed": shape_meeting_transcript_ts,
    "delivery_note_multi_country": shape_delivery_note_multi,
    "pharmacy_claim_form": shape_pharmacy_claim,
    "thesis_acknowledgements": shape_thesis_acknowledgements,
    "family_tree": shape_family_tree,
    "helpdesk_reply_quoted": shape_helpdesk_reply_quoted,
}


def group6_count(n: int) -> int:
    """Texts per group-6 shape for a corpus of ``n``: the same share as group 3's."""
    return group3_count(n)


def generate(n: int, seed: int = 7) -> list[Sample]:
    """``n`` texts, the shapes in turn (tuning shapes, then held-out groups 1 and 2), then
    ``group3_count(n)`` texts of each held-out group-3 shape from a World of their own (so
    the first ``n`` texts are the same as before group 3 existed), then ``group4_count(n)``
    texts of each group-4 shape from another World of their own (so all texts before them
    are the same as before group 4 existed), then ``group5_count(n)`` texts of each group-5
    shape from a third World of their own (likewise), then ``group6_count(n)`` texts of
    each group-6 shape from a ``World6`` of their own (likewise); spans are exact by
    construction."""
    world = World(seed)
    shapes = {**SHAPES, **HELD_OUT_SHAPES, **FRESH_SHAPES}
    names = list(shapes)
    samples = []
    for i in range(n):
        shape = names[i % len(names)]
        doc = Doc()
        world.used.clear()
        shapes[shape](doc, world)
        samples.append(doc.sample(shape, ",".join(dict.fromkeys(world.used))))
    for group, count, offset, make_world in (
        (GROUP3_SHAPES, group3_count(n), 3, World),
        (GROUP4_SHAPES, group4_count(n), 4, World),
        (GROUP5_SHAPES, group5_count(n), 5, World),
        (GROUP6_SHAPES, group6_count(n), 6, World6),
    ):
        own = make_world(seed * 1000 + offset)
        own_names = list(group)
        for i in range(count * len(own_names)):
            shape = own_names[i % len(own_names)]
            doc = Doc()
            own.used.clear()
            group[shape](doc, own)
            samples.append(doc.sample(shape, ",".join(dict.fromkeys(own.used))))
    return samples


def split(samples: list[Sample], seed: int = 7) -> tuple[list[Sample], list[Sample]]:
    """(tune half, report half): texts of the tuning shapes shuffled by a fixed seed and
    halved; texts of all held-out groups (1 to 6) go to the report half."""
    tunable = [i for i, s in enumerate(samples) if s.shape in SHAPES]
    random.Random(seed * 7919 + 1).shuffle(tunable)
    half = len(tunable) // 2
    tune_ids = set(tunable[:half])
    tune = [s for i, s in enumerate(samples) if i in tune_ids]
    report = [s for i, s in enumerate(samples) if i not in tune_ids]
    return tune, report
