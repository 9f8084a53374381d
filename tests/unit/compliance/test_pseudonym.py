"""Keyed pseudonyms and subject ids."""

from __future__ import annotations

import re

import pytest

from streams.compliance.pseudonym import Pseudonymizer, SubjectKind, subject_ids_for

pytestmark = pytest.mark.unit


def test_token_stable_and_key_dependent() -> None:
    """The same value and key give the same token; another key gives another token."""
    a, b = Pseudonymizer("key-a"), Pseudonymizer("key-b")
    token = a.token("PERSON", "John Smith")
    assert re.fullmatch(r"<PERSON_[0-9a-f]{8}>", token)
    assert a.token("PERSON", "john  SMITH") == token
    assert b.token("PERSON", "John Smith") != token
    assert "john" not in token.lower()


def test_subject_ids_normalise_identifiers() -> None:
    """Spelling variants of one e-mail, phone or name give one subject id."""
    h = Pseudonymizer("k")
    assert h.subject_id(SubjectKind.EMAIL, "John.Smith@Example.com") == h.subject_id(
        SubjectKind.EMAIL, "john.smith@example.com"
    )
    assert h.subject_id(SubjectKind.PHONE, "+1 (212) 555-0199") == h.subject_id(
        SubjectKind.PHONE, "212.555.0199"
    )
    assert h.subject_id(SubjectKind.NAME, "  JOHN   Smith ") == h.subject_id(
        SubjectKind.NAME, "john smith"
    )


def test_subject_ids_for_is_sorted_unique() -> None:
    """The DSR helper returns each id once, sorted, and differs across keys."""
    ids = subject_ids_for("k", emails=["a@b.com", "A@B.com"], names=["Ann Lee"])
    assert ids == tuple(sorted(ids)) and len(ids) == 2
    assert subject_ids_for("other", emails=["a@b.com"])[0] not in ids
