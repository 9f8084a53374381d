"""Recognisers ragstream adds to Presidio: an offline e-mail validator and identifiers
Presidio does not know (medical record, account, health plan, licence, vehicle, device and
biometric numbers, street addresses, ZIP codes, labelled dates of birth, US phone layouts).

Labelled identifiers ("MRN: 1234567") use a look-behind, so the finding covers the value
only and the label stays readable in the redacted text ("MRN: <MRN>").
"""

from __future__ import annotations

from functools import lru_cache

import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer

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

_STREET_SUFFIX = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Square|Sq|Trail|Trl|Highway|Hwy|Crossing|Xing"
    r"|Plaza|Plz|Ridge|Rdg|Run|Path|Pass|Point|Pt|Loop|Alley|Aly|Row|Walk|Mall|Pike"
    r"|Heights|Hts|Hills?|Park|Gardens?|Center|Ctr|Crescent|Cres|Grove|Grv|Meadows?"
    r"|Mews|Mill|Mission|Port|Prairie|Ranch|Springs?|Station|Sta|Summit|Valley|Vly"
    r"|View|Villages?|Vista|Well|Wells|Camp|Cape|Creek|Crest|Estates?|Expressway|Falls?"
    r"|Ferry|Field|Fields|Forest|Fork|Forks|Fort|Freeway|Glen|Green|Harbor|Haven|Island"
    r"|Junction|Key|Knolls?|Lake|Lakes|Landing|Light|Lights|Lock|Locks|Manor|Motorway"
    r"|Mountain|Mount|Neck|Orchard|Oval|Pine|Pines|Plains?|Radial|Rapids?|Rest|River"
    r"|Roads|Route|Shoals?|Shores?|Skyway|Spur|Stream|Throughway|Trace|Track|Turnpike"
    r"|Underpass|Union|Unions|Viaduct|Ville|Ways|Bypass|Bridge|Brook|Brooks|Burg|Burgs"
    r"|Bluff|Bluffs|Bottom|Branch|Causeway|Cliff|Cliffs|Club|Common|Commons|Corner"
    r"|Corners|Course|Courts|Cove|Coves|Curve|Dale|Dam|Divide|Drives|Extension|Flat|Flats"
    r"|Ford|Fords|Gateway|Harbors|Hollow|Inlet|Isle|Lodge|Mills|Overpass|Squares|Stravenue"
    r"|Streets|Tunnel|Vista"
)
_UNIT = r"(?:[\s,]+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#)\s*[\w-]+)?"
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    "|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP"
    "|AA|AE|AP"
)


def ragstream_recognizers() -> list[EntityRecognizer]:
    """The recognisers ragstream adds to (or swaps into) Presidio's registry."""
    return [
        OfflineEmailRecognizer(),
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
                    rf"(?<=\b(?:licen[cs]e\s+plate|plate|VIN){_SEP})[A-Z0-9][A-Z0-9 -]{{1,9}}"
                    r"[A-Z0-9]\b",
                    0.6,
                ),
            ],
            context=["vin", "vehicle", "car", "plate"],
        ),
        PatternRecognizer(
            supported_entity="STREET_ADDRESS",
            name="street_address",
            patterns=[
                Pattern(
                    "us_street",
                    rf"(?-i:\b\d{{1,6}}(?:\s+[A-Z][a-z]+\.?){{1,4}}\s+(?:{_STREET_SUFFIX})\b\.?)"
                    rf"{_UNIT}",
                    0.6,
                ),
                Pattern("po_box", r"\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b", 0.6),
            ],
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
        PatternRecognizer(
            supported_entity="PHONE_NUMBER",
            name="us_phone",
            patterns=[
                Pattern(
                    "us_phone",
                    r"(?<![\w+-])(?:\+?1[-.\s]?|001[-.\s])?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}"
                    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?(?![\w-])",
                    0.6,
                ),
                Pattern("us_phone_compact", r"(?<![\w+-])\+1\d{10}(?![\w-])", 0.6),
            ],
            context=["phone", "tel", "telephone", "cell", "mobile", "fax", "call"],
        ),
    ]
