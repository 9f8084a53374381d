"""A source without ACLs gets the policy's default ACL (issue #7, item 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemas import Acl, ChangeEvent, Op
from streams.compliance import (
    ComplianceEngine,
    PolicyError,
    load_policy,
    parse_policy,
    shipped_policies,
)

EngineFactory = Callable[..., ComplianceEngine]

pytestmark = pytest.mark.unit

BASE = 'id: p\nversion: "1"\nrules:\n  - framework: gdpr\n    applies_to: {all: true}\n'


NO_ACL = Acl()


def _event(acl: Acl = NO_ACL, op: Op = Op.UPSERT) -> ChangeEvent:
    return ChangeEvent(
        source_id="share",
        document_id="handbook.md",
        op=op,
        version=1,
        content="The office opens at nine." if op is Op.UPSERT else None,
        acl=acl,
    )


def _engine(engine_for: EngineFactory, policy_text: str) -> ComplianceEngine:
    base = engine_for("gdpr")
    return ComplianceEngine(base._settings, parse_policy(policy_text), detector=base._detector)


def test_shipped_policies_give_acl_less_documents_the_internal_group() -> None:
    """Conservative default: documents without an ACL are not public under any shipped policy."""
    for name in shipped_policies():
        default = load_policy(name).default_acl
        assert default is not None, name
        assert default.groups == ("internal",) and default.users == (), name


def test_event_without_acl_gets_the_default(engine_for: EngineFactory) -> None:
    [outcome] = engine_for("default").process([_event()])
    assert outcome.document is not None
    assert outcome.document.acl == Acl(groups=("internal",))
    assert outcome.audit.detail["acl"] == "policy default"


def test_source_acl_is_kept(engine_for: EngineFactory) -> None:
    """An ACL recorded by the source is never widened nor replaced."""
    own = Acl(users=("alice",))
    [outcome] = engine_for("default").process([_event(own)])
    assert outcome.document is not None and outcome.document.acl == own
    assert "acl" not in outcome.audit.detail


def test_deletes_carry_the_same_acl(engine_for: EngineFactory) -> None:
    [outcome] = engine_for("default").process([_event(op=Op.DELETE)])
    assert outcome.document is not None and outcome.document.op is Op.DELETE
    assert outcome.document.acl == Acl(groups=("internal",))


def test_policy_without_default_acl_keeps_documents_public(engine_for: EngineFactory) -> None:
    [outcome] = _engine(engine_for, BASE).process([_event()])
    assert outcome.document is not None and outcome.document.acl == Acl()


def test_users_and_groups(engine_for: EngineFactory) -> None:
    text = "default_acl:\n  users: [records-officer]\n  groups: [all-staff, legal]\n" + BASE
    [outcome] = _engine(engine_for, text).process([_event()])
    assert outcome.document is not None
    assert outcome.document.acl == Acl(users=("records-officer",), groups=("all-staff", "legal"))


@pytest.mark.parametrize(
    ("block", "line", "needle"),
    [
        ("default_acl: {}\n", 1, "at least one user or group"),
        ("default_acl:\n  groups: ['']\n", 2, "at least 1 character"),
        ("default_acl:\n  teams: [x]\n", 2, "Extra inputs"),
        ("default_acl:\n  groups: all-staff\n", 2, "tuple"),
    ],
)
def test_default_acl_errors_name_the_line(block: str, line: int, needle: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(block + BASE)
    problem = err.value.problems[0]
    assert problem.line == line, str(err.value)
    assert problem.location.startswith("default_acl")
    assert needle in problem.message
