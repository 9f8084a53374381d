"""User names, URL slugs and short forms derived from names found in the same text."""

from __future__ import annotations

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.derived_names import derived_names

pytestmark = pytest.mark.unit


def test_user_names_slugs_and_short_forms_of_known_names() -> None:
    text = (
        "Requested for: Margareta Andersson-Ibrahim (andersson-ibrahimm)\n"
        "09:35 andersj: acct andersson-ibrahimm exists. kochp approved; copy perms from "
        "northa. Marg, log off/on.\nlinkedin.com/in/kaique-duarte - thanks Kai!\n"
        "AD username: g.ratta\nThe Mar report was filed; login from the office."
    )
    names = ["Margareta Andersson-Ibrahim", "Peder Koch", "Amber North", "Kaique Duarte"]
    found = [text[n.start : n.end] for n in derived_names(text, names)]
    assert sorted(set(found)) == sorted(
        {"andersson-ibrahimm", "kochp", "northa", "Marg", "kaique-duarte", "Kai", "g.ratta"}
    )


def test_nothing_is_derived_without_names() -> None:
    text = "Run objects.datatype from the login shell; kochp is not known here."
    assert derived_names(text, []) == []


def test_detector_pseudonymises_the_handle_of_a_named_person(detector: PresidioDetector) -> None:
    text = "Requester: Peder Koch\nWork notes: kochp confirmed the change. Thanks, Ped"
    [found] = detector.detect([text])
    persons = {text[d.start : d.end] for d in found if d.entity_type == "PERSON"}
    assert {"Peder Koch", "kochp"} <= persons
