"""Entity type names the compliance stage can detect, and HIPAA Safe Harbor coverage."""

from __future__ import annotations

from typing import Final

# Detected by Presidio's own recognisers (spaCy NER or patterns).
PRESIDIO_ENTITIES: Final = frozenset(
    {
        "PERSON",
        "LOCATION",
        "NRP",
        "DATE_TIME",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "US_SSN",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "US_BANK_NUMBER",
        "IBAN_CODE",
        "IP_ADDRESS",
        "MAC_ADDRESS",
        "URL",
        "UUID",
        "CRYPTO",
        "MEDICAL_LICENSE",
    }
)

# Detected by ragstream's own recognisers (streams/compliance/recognizers.py).
CUSTOM_ENTITIES: Final = frozenset(
    {
        "MRN",
        "ACCOUNT_NUMBER",
        "HEALTH_PLAN_ID",
        "LICENSE_NUMBER",
        "VEHICLE_ID",
        "DEVICE_ID",
        "BIOMETRIC_ID",
        "STREET_ADDRESS",
        "ZIP_CODE",
        "DATE_OF_BIRTH",
    }
)

# National identifiers, tax and licence numbers: Presidio's national recognisers (UK, ES,
# IT, PL, SG, AU, IN) and ragstream's labelled NATIONAL_ID (any country).
NATIONAL_ENTITIES: Final = frozenset(
    {
        "NATIONAL_ID",
        "UK_NHS",
        "UK_NINO",
        "UK_PASSPORT",
        "UK_DRIVING_LICENCE",
        "ES_NIF",
        "ES_NIE",
        "ES_PASSPORT",
        "IT_FISCAL_CODE",
        "IT_DRIVER_LICENSE",
        "IT_IDENTITY_CARD",
        "IT_PASSPORT",
        "IT_VAT_CODE",
        "PL_PESEL",
        "SG_NRIC_FIN",
        "SG_UEN",
        "AU_ABN",
        "AU_ACN",
        "AU_TFN",
        "AU_MEDICARE",
        "IN_PAN",
        "IN_AADHAAR",
        "IN_PASSPORT",
        "IN_VOTER",
    }
)

KNOWN_ENTITIES: Final = PRESIDIO_ENTITIES | CUSTOM_ENTITIES | NATIONAL_ENTITIES

# HIPAA Safe Harbor (45 CFR 164.514(b)(2)) identifiers and the entity types that cover them
# in text. An empty tuple means text detection cannot cover it.
SAFE_HARBOR: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("names", ("PERSON",)),
    ("geographic subdivisions smaller than a state", ("STREET_ADDRESS", "ZIP_CODE", "LOCATION")),
    ("dates (except year) related to an individual", ("DATE_TIME", "DATE_OF_BIRTH")),
    ("telephone numbers", ("PHONE_NUMBER",)),
    ("fax numbers", ("PHONE_NUMBER",)),
    ("e-mail addresses", ("EMAIL_ADDRESS",)),
    ("social security numbers", ("US_SSN", "US_ITIN")),
    ("medical record numbers", ("MRN",)),
    ("health plan beneficiary numbers", ("HEALTH_PLAN_ID",)),
    ("account numbers", ("ACCOUNT_NUMBER", "US_BANK_NUMBER", "IBAN_CODE", "CREDIT_CARD")),
    (
        "certificate/license numbers",
        ("LICENSE_NUMBER", "MEDICAL_LICENSE", "US_DRIVER_LICENSE", "US_PASSPORT"),
    ),
    ("vehicle identifiers and serial numbers", ("VEHICLE_ID",)),
    ("device identifiers and serial numbers", ("DEVICE_ID", "MAC_ADDRESS")),
    ("web URLs", ("URL",)),
    ("IP addresses", ("IP_ADDRESS",)),
    ("biometric identifiers", ("BIOMETRIC_ID",)),
    ("full-face photographs", ()),
    (
        "any other unique identifying number or code",
        ("UUID", "CRYPTO", *sorted(NATIONAL_ENTITIES)),
    ),
)
