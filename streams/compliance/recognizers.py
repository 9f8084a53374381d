"""Recognisers ragstream adds to Presidio: identifiers Presidio does not know (medical
record, account, health plan, licence, vehicle, device and biometric numbers, ZIP codes,
labelled dates of birth), Presidio's national recognisers set up for English text, and an
offline e-mail validator (for callers that use Presidio's e-mail recogniser).

Phone numbers, e-mail and street addresses are found outside the registry: see
``phones.py``, ``identifiers.py`` and ``addresses.py``.

Labelled identifiers ("MRN: 1234567") use a look-behind, so the finding covers the value
only and the label stays readable in the redacted text ("MRN: <MRN>").
"""

from __future__ import annotations

from functools import lru_cache

import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    AuAbnRecognizer,
    AuAcnRecognizer,
    AuMedicareRecognizer,
    AuTfnRecognizer,
    EmailRecognizer,
    EsNieRecognizer,
    EsNifRecognizer,
    EsPassportRecognizer,
    InAadhaarRecognizer,
    InPanRecognizer,
    InPassportRecognizer,
    InVoterRecognizer,
    ItDriverLicenseRecognizer,
    ItFiscalCodeRecognizer,
    ItIdentityCardRecognizer,
    ItPassportRecognizer,
    ItVatCodeRecognizer,
    NhsRecognizer,
    PlPeselRecognizer,
    SgFinRecognizer,
    SgUenRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
)

# Presidio's card pattern misses Mastercard's 2221-2720 range; Luhn still validates it.
MASTERCARD_2_SERIES = Pattern(
    "Mastercard 2-series (weak)",
    r"\b2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)(?:[- ]?\d{4}){3}\b",
    0.3,
)

_SEP = r"\s*(?:number|num|no\.?|nbr|id|#)?\s*[:#=]?\s*"


@lru_cache(maxsize=1)
def offline_tld_extractor() -> tldextract.TLDExtract:
    """A TLDExtract that only reads the public suffix list bundled with the package.

    No suffix list URLs and no cache directory: it never opens a socket or writes a file.
    """
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, validating the domain against the bundled suffix list.

    Presidio's own calls the module-level ``tldextract.extract``, which downloads the suffix
    list on first use.
    """

    def validate_result(self, pattern_text: str) -> bool:
        return offline_tld_extractor()(pattern_text).fqdn != ""


def _labelled(entity: str, name: str, labels: str, value: str, score: float) -> PatternRecognizer:
    pattern = Pattern(name, rf"(?<=\b(?:{labels}){_SEP}){value}", score)
    return PatternRecognizer(supported_entity=entity, name=name, patterns=[pattern])


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# A date after a date-of-birth label ("DOB: 1987-06-04", "| Date of birth | 06/04/1987 |",
# "born 4 June 1987"); the label stays readable.
DATE_OF_BIRTH_PATTERN = Pattern(
    "date_of_birth",
    r"(?<=\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?)"
    r"\s*(?:\*\*)?\s*[:|=]?\s*(?:\*\*)?\s*)"
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
    r"(?![\w/-])",
    0.85,
)

_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    "|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP"
    "|AA|AE|AP"
)


def national_recognizers() -> list[EntityRecognizer]:
    """Presidio's national ID, tax and licence recognisers for the UK, Spain, Italy,
    Poland, Singapore, Australia and India, run on English text (several ship for their
    own language only), with English context words added where they had none."""
    en = "en"
    return [
        NhsRecognizer(supported_language=en),
        UkNinoRecognizer(supported_language=en),
        UkPassportRecognizer(supported_language=en),
        UkDrivingLicenceRecognizer(supported_language=en),
        EsNifRecognizer(
            supported_language=en, context=["dni", "nif", "spanish id", "documento", "identidad"]
        ),
        EsNieRecognizer(supported_language=en, context=["nie", "foreigner", "extranjero"]),
        EsPassportRecognizer(supported_language=en, context=["passport", "pasaporte"]),
        ItFiscalCodeRecognizer(
            supported_language=en, context=["codice fiscale", "fiscal code", "tax code", "cf"]
        ),
        ItDriverLicenseRecognizer(
            supported_language=en, context=["patente", "driving licence", "driver's license"]
        ),
        ItIdentityCardRecognizer(
            supported_language=en, context=["carta d'identità", "identity card", "id card", "cie"]
        ),
        ItPassportRecognizer(supported_language=en, context=["passaporto", "passport"]),
        ItVatCodeRecognizer(supported_language=en, context=["partita iva", "piva", "vat", "p.iva"]),
        # Presidio's PESEL pattern has no word boundaries: it fires inside card numbers.
        PlPeselRecognizer(
            supported_language=en,
            context=["pesel"],
            patterns=[
                Pattern(p.name, rf"(?<!\d){p.regex}(?!\d)", p.score)
                for p in PlPeselRecognizer.PATTERNS
            ],
        ),
        SgFinRecognizer(supported_language=en),
        SgUenRecognizer(supported_language=en),
        AuAbnRecognizer(supported_language=en),
        AuAcnRecognizer(supported_language=en),
        AuTfnRecognizer(supported_language=en),
        AuMedicareRecognizer(supported_language=en),
        InPanRecognizer(supported_language=en),
        InAadhaarRecognizer(supported_language=en),
        InPassportRecognizer(supported_language=en),
        InVoterRecognizer(supported_language=en),
    ]


def ragstream_recognizers() -> list[EntityRecognizer]:
    """The recognisers ragstream adds to Presidio's registry."""
    return [
        _labelled(
            "MRN",
            "mrn",
            r"MRN|medical\s+record|patient\s+(?:id|number|no\.?)|chart",
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,14}\b",
            0.85,
        ),
        _labelled(
            "ACCOUNT_NUMBER",
            "account_number",
            r"account|acct\.?|a/c",
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,24}\b",
            0.7,
        ),
        _labelled(
            "HEALTH_PLAN_ID",
            "health_plan_id",
            r"member|beneficiary|subscriber|health\s+plan|insurance|policy|group",
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,19}\b",
            0.7,
        ),
        _labelled(
            "LICENSE_NUMBER",
            "license_number",
            r"licen[cs]e|certificate|cert\.?|permit|registration",
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,19}\b",
            0.6,
        ),
        _labelled(
            "DEVICE_ID",
            "device_id",
            r"device|serial|IMEI|implant|pacemaker",
            r"(?=[A-Z0-9:-]*\d)[A-Z0-9][A-Z0-9:-]{4,29}\b",
            0.6,
        ),
        _labelled(
            "BIOMETRIC_ID",
            "biometric_id",
            r"fingerprint|biometric|retina|iris|voiceprint|face\s*print",
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,39}\b",
            0.6,
        ),
        PatternRecognizer(
            supported_entity="DATE_OF_BIRTH",
            name="date_of_birth",
            patterns=[DATE_OF_BIRTH_PATTERN],
        ),
        PatternRecognizer(
            supported_entity="VEHICLE_ID",
            name="vehicle_id",
            patterns=[
                # VIN: 17 characters, no I, O or Q, at least two digits.
                Pattern("vin", r"(?-i:\b(?=(?:[A-Z]*\d){2})[A-HJ-NPR-Z0-9]{17}\b)", 0.6),
                Pattern(
                    "plate",
                    # "plate"/"VIN" as whole words ("Vinay Sajip" is no VIN)
                    rf"(?<=\b(?:licen[cs]e\s+plate|plate|(?-i:VIN))\b{_SEP})"
                    r"[A-Z0-9][A-Z0-9 -]{1,9}[A-Z0-9]\b",
                    0.6,
                ),
            ],
            context=["vin", "vehicle", "car", "plate"],
        ),
        PatternRecognizer(
            supported_entity="ZIP_CODE",
            name="zip_code",
            patterns=[
                Pattern(
                    "zip_after_state",
                    rf"(?-i:(?<=\b(?:{_STATES})\s{{1,2}})\d{{5}}(?:-\d{{4}})?\b)",
                    0.6,
                ),
                Pattern(
                    "zip_labelled",
                    rf"(?<=\b(?:zip|postal)(?:\s*code)?{_SEP})\d{{5}}(?:-\d{{4}})?\b",
                    0.6,
                ),
            ],
        ),
    ]
