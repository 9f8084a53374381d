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
        | {"andersj"}  # the login that wrote the work note
    )


def test_the_host_of_a_personal_site() -> None:
    """A signature's site named after the person is as identifying as the name; a host
    that is not the name is left alone."""
    text = (
        "--\nGustavo Niemeyer\nhttp://niemeyer.net\nwww.anna-lind.se and jdoe.dev\n"
        "Docs at https://docs.python.org and www.example.com"
    )
    names = ["Gustavo Niemeyer", "Anna Lind", "John Doe"]
    found = {text[n.start : n.end] for n in derived_names(text, names)}
    assert found == {"niemeyer", "anna-lind", "jdoe"}


def test_nothing_is_derived_without_names() -> None:
    text = "Run objects.datatype from the login shell; kochp is not known here."
    assert derived_names(text, []) == []


def test_detector_pseudonymises_the_handle_of_a_named_person(detector: PresidioDetector) -> None:
    text = "Requester: Peder Koch\nWork notes: kochp confirmed the change. Thanks, Ped"
    [found] = detector.detect([text])
    persons = {text[d.start : d.end] for d in found if d.entity_type == "PERSON"}
    assert {"Peder Koch", "kochp"} <= persons


def test_logins_after_actor_fields_and_logins_made_of_a_name() -> None:
    """A ticket names its requester and approver by login; a login made of a given name (or
    an initial) and a surname is a person even when the name itself is not in the text."""
    text = (
        "Requested for: Harold Wallace    Requested by: a.blaha\n"
        "Assignee: nobody   Owner: admin   Reviewer: team-infra   Author: jdoe42\n"
        "cc carolyn.bell, artur.machado, g.smith, ewelina.kulis and l.clare-goulding\n"
    )
    found = {text[n.start : n.end] for n in derived_names(text, ["Harold Wallace"])}
    assert {"a.blaha", "jdoe42", "carolyn.bell", "artur.machado", "g.smith"} <= found
    assert {"ewelina.kulis", "l.clare-goulding"} <= found
    assert not found & {"nobody", "admin", "team-infra"}


def test_code_is_not_a_login() -> None:
    """Dotted code in a text that names someone stays: attributes, modules, methods."""
    text = (
        "Reviewed with Harold Wallace: numpy.linalg, os.path, x.shape, max.norm, f.close, "
        "s.bell, mark.parametrize, anna.data, data_frame, user.name and e.g. rose.config."
    )
    assert [text[n.start : n.end] for n in derived_names(text, ["Harold Wallace"])] == []


def test_logins_of_work_notes_and_acct() -> None:
    text = (
        "2025-07-21 09:13 tejadaar (Service Desk): acct lindsk exists, mbx ok\n"
        "10:00 meeting: notes follow\n12:30 lunch (canteen): ok\nacct settings updated\n"
    )
    found = [text[n.start : n.end] for n in derived_names(text, [])]
    assert found == ["tejadaar", "lindsk"]
