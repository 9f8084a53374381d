"""Policy files: shipped ones load, broken ones are rejected with line and problem."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.document import Sensitivity
from streams.compliance import PolicyError, load_policy, parse_policy, shipped_policies
from streams.compliance.entities import KNOWN_ENTITIES, SAFE_HARBOR
from streams.compliance.policy import Action

pytestmark = pytest.mark.unit

VALID = """\
id: tiny
version: "1"
rules:
  - framework: gdpr
    applies_to: {all: true}
    entities:
      PERSON: redact
"""


def test_shipped_policies_load() -> None:
    """Every policy shipped in streams/compliance/policies validates, with id and version."""
    names = shipped_policies()
    assert set(names) >= {"default", "gdpr", "ccpa", "hipaa", "sox"}
    for name in names:
        policy = load_policy(name)
        assert policy.id == name
        assert policy.version


def test_default_combines_frameworks_by_tag() -> None:
    """The default policy applies GDPR to all and HIPAA/SOX/CCPA by phi/financial/california."""
    policy = load_policy("default")
    internal = Sensitivity.INTERNAL
    assert policy.resolve("s", (), internal).frameworks == ("gdpr",)
    assert policy.resolve("s", ("phi",), internal).frameworks == ("gdpr", "hipaa")
    assert policy.resolve("s", ("financial",), internal).frameworks == ("gdpr", "sox")
    assert policy.resolve("s", ("california",), internal).frameworks == ("gdpr", "ccpa")


def test_sox_retention_overrides_gdpr_maximum() -> None:
    """A legal minimum retention (SOX, 7 years) wins over GDPR's shorter maximum."""
    resolved = load_policy("default").resolve("s", ("financial",), Sensitivity.INTERNAL)
    assert resolved.retention == timedelta(days=2557)
    assert resolved.action_for("PERSON") is Action.KEEP


def test_hipaa_covers_safe_harbor_text_identifiers() -> None:
    """Every text-detectable Safe Harbor identifier is redacted by the HIPAA policy."""
    resolved = load_policy("hipaa").resolve("s", ("phi",), Sensitivity.INTERNAL)
    for _, entity_types in SAFE_HARBOR:
        for entity_type in entity_types:
            assert entity_type in KNOWN_ENTITIES
            assert resolved.action_for(entity_type) is Action.REDACT


def test_valid_minimal_policy_parses() -> None:
    """A minimal policy with one rule is accepted."""
    assert parse_policy(VALID).rules[0].entities["PERSON"] is Action.REDACT


def test_unknown_action_names_line() -> None:
    """A misspelt action is reported with the line it is on and the allowed values."""
    broken = VALID.replace("PERSON: redact", "PERSON: obliterate")
    with pytest.raises(PolicyError) as err:
        parse_policy(broken, "tiny.yaml")
    problem = err.value.problems[0]
    assert problem.line == 7
    assert "redact" in problem.message
    assert "tiny.yaml:line 7" in str(err.value)


def test_unknown_entity_type_names_line() -> None:
    """A misspelt entity type is reported on its own line."""
    broken = VALID.replace("PERSON: redact", "PERSN: redact")
    with pytest.raises(PolicyError) as err:
        parse_policy(broken)
    assert err.value.problems[0].line == 7
    assert "unknown entity type 'PERSN'" in err.value.problems[0].message


def test_missing_field_names_parent_line() -> None:
    """A rule without applies_to is reported at the rule's line, naming the field."""
    broken = VALID.replace("    applies_to: {all: true}\n", "")
    with pytest.raises(PolicyError) as err:
        parse_policy(broken)
    problem = err.value.problems[0]
    assert problem.line == 4
    assert problem.location == "rules.0.applies_to"
    assert "required" in problem.message.lower()


def test_bad_retention_names_line() -> None:
    """A retention that is not a duration is reported on its line."""
    broken = VALID + "    retention: forever\n"
    with pytest.raises(PolicyError) as err:
        parse_policy(broken)
    assert err.value.problems[0].line == 8
    assert err.value.problems[0].location == "rules.0.retention"


def test_yaml_syntax_error_names_line() -> None:
    """Broken YAML is reported with the line of the syntax problem."""
    with pytest.raises(PolicyError) as err:
        parse_policy('id: x\nversion: "1"\nrules: [\n  {framework: gdpr,\n')
    assert err.value.problems[0].line >= 4
    assert "YAML syntax" in err.value.problems[0].message


def test_unknown_key_rejected() -> None:
    """An unknown key (a typo such as 'entites') is rejected, not silently ignored."""
    broken = VALID.replace("    entities:", "    entites:")
    with pytest.raises(PolicyError) as err:
        parse_policy(broken)
    assert err.value.problems[0].line == 6
