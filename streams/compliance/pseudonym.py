"""Keyed pseudonyms: stable HMAC-SHA256 tokens for values, and subject ids for erasure.

The same normalised identifier and key always give the same token or subject id, in any
document and any process; another key gives unrelated ones; neither can be reversed
without the key. Tokens and subject ids use different HMAC domains, so a token in a text
cannot be matched against the subject ids stored beside it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import SecretStr

_WS = re.compile(r"\s+")
_NON_DIGIT = re.compile(r"\D")
TOKEN_HEX_CHARS = 8
SUBJECT_ID_HEX_CHARS = 32
ID_TOKEN_HEX_CHARS = 16


class SubjectKind(StrEnum):
    """Identifier kinds that make a subject id."""

    EMAIL = "email"
    NAME = "name"
    PHONE = "phone"
    SSN = "ssn"


# Which detected entity types identify a data subject, and as what.
SUBJECT_ENTITY_KINDS: dict[str, SubjectKind] = {
    "EMAIL_ADDRESS": SubjectKind.EMAIL,
    "PERSON": SubjectKind.NAME,
    "PHONE_NUMBER": SubjectKind.PHONE,
    "US_SSN": SubjectKind.SSN,
}


def normalise_email(value: str) -> str:
    return value.strip().strip("<>.,;:").lower()


def normalise_name(value: str) -> str:
    return _WS.sub(" ", value.strip().strip(".,;:'\"()")).casefold()


def normalise_phone(value: str) -> str:
    """Digits only, without the extension; a NANP country code 1 or an 00 prefix dropped."""
    base = re.split(r"(?i)\s*(?:x|ext\.?|extension)\s*\d", value, maxsplit=1)[0]
    digits = _NON_DIGIT.sub("", base)
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def normalise_digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


_NORMALISERS = {
    SubjectKind.EMAIL: normalise_email,
    SubjectKind.NAME: normalise_name,
    SubjectKind.PHONE: normalise_phone,
    SubjectKind.SSN: normalise_digits,
}


def normalise(entity_type: str, value: str) -> str:
    """The canonical form of a detected value (so spelling variants share a token)."""
    kind = SUBJECT_ENTITY_KINDS.get(entity_type)
    if kind is not None:
        return _NORMALISERS[kind](value)
    return _WS.sub(" ", value.strip()).casefold()


class Pseudonymizer:
    """Keyed tokens and subject ids; holds the key, never logs a value."""

    def __init__(self, key: SecretStr | str | bytes) -> None:
        if isinstance(key, SecretStr):
            key = key.get_secret_value()
        self._key = key.encode("utf-8") if isinstance(key, str) else key
        if not self._key:
            raise ValueError("the HMAC key must not be empty")

    def _mac(self, domain: str, *parts: str) -> str:
        message = "\x1f".join((domain, *parts)).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def token(self, entity_type: str, value: str) -> str:
        """A stable placeholder such as ``<PERSON_3f9a1c2b>``."""
        digest = self._mac("token", entity_type, normalise(entity_type, value))
        return f"<{entity_type}_{digest[:TOKEN_HEX_CHARS]}>"

    def id_token(self, entity_type: str, value: str) -> str:
        """A pseudonym for a segment of a document id or URI, such as
        ``DATE_TIME_3f9a1c2b7d0e4a65``: an HMAC of the exact value (no normalising, so two
        different ids never meet on one key), safe in paths, URIs and Kafka keys."""
        digest = self._mac("id", value)
        return f"{entity_type}_{digest[:ID_TOKEN_HEX_CHARS]}"

    def subject_id(self, kind: SubjectKind, value: str) -> str | None:
        """The subject id of one identifier (None when it normalises to nothing)."""
        canonical = _NORMALISERS[kind](value)
        if not canonical:
            return None
        return self._mac("subject", kind.value, canonical)[:SUBJECT_ID_HEX_CHARS]

    def subject_id_for_entity(self, entity_type: str, value: str) -> str | None:
        """The subject id of a detected value, if its entity type identifies a subject."""
        kind = SUBJECT_ENTITY_KINDS.get(entity_type)
        return None if kind is None else self.subject_id(kind, value)


def subject_ids_for(
    key: SecretStr | str | bytes,
    *,
    emails: Iterable[str] = (),
    names: Iterable[str] = (),
    phones: Iterable[str] = (),
    ssns: Iterable[str] = (),
) -> tuple[str, ...]:
    """Subject ids for identifiers given by a data-subject request (the DSR CLI).

    Produces exactly the ids ingestion records on CleanDocument.subject_ids for the same
    identifiers and key (sorted, unique).
    """
    hasher = Pseudonymizer(key)
    wanted = [
        *((SubjectKind.EMAIL, v) for v in emails),
        *((SubjectKind.NAME, v) for v in names),
        *((SubjectKind.PHONE, v) for v in phones),
        *((SubjectKind.SSN, v) for v in ssns),
    ]
    ids = {sid for kind, value in wanted if (sid := hasher.subject_id(kind, value)) is not None}
    return tuple(sorted(ids))
