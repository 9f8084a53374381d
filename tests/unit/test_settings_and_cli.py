"""Settings sources, and CLI behaviour that needs no services."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.settings import Settings
from ragstream.cli import app
from ragstream.cli_search import snippet


def test_defaults_point_at_the_local_stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without configuration the components talk to the compose/ stack on 127.0.0.1."""
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert s.opensearch.url == "http://127.0.0.1:9200"
    assert s.kafka.changes_topic == "ragstream.changes"
    assert s.kafka.dlq_raw_topic == "ragstream.dlq.raw"


def test_environment_overrides_the_settings_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A YAML file configures everything; an environment variable wins over it."""
    f = tmp_path / "rs.yaml"
    f.write_text(
        "kafka:\n  bootstrap_servers: broker:9092\n  partitions: 8\nlog:\n  level: DEBUG\n"
    )
    monkeypatch.setenv("RAGSTREAM_SETTINGS_FILE", str(f))
    monkeypatch.setenv("RAGSTREAM_KAFKA__PARTITIONS", "3")
    s = Settings()
    assert s.kafka.bootstrap_servers == "broker:9092"
    assert s.kafka.partitions == 3
    assert s.log.level == "DEBUG"


def test_a_named_settings_file_that_is_missing_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A typo in RAGSTREAM_SETTINGS_FILE fails loudly instead of silently using defaults."""
    monkeypatch.setenv("RAGSTREAM_SETTINGS_FILE", str(tmp_path / "nope.yaml"))
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml"):
        Settings()


def test_help_explains_every_command() -> None:
    """`ragstream --help` lists the commands an operator needs."""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("worker", "connect", "query", "stack", "redact", "dsr", "audit", "dlq"):
        assert command in result.output


def test_redact_rejects_a_broken_policy_file_with_the_line(tmp_path: Path) -> None:
    """An operator's policy typo is reported with its line, and nothing is processed."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: mine\nversion: '1'\nrules:\n  - framework: gdpr\n"
        "    applies_to: {all: true}\n    entities: {PERSON: shred}\n"
    )
    result = CliRunner().invoke(app, ["redact", "--policy", str(bad)], input="Jane Doe")
    assert result.exit_code == 2
    assert "line 6" in result.output


def test_snippet_centres_on_the_query_words() -> None:
    """Query output shows the part of a long chunk that matched, not just its beginning."""
    chunk = "intro " * 100 + "the hotel nightly limit is $225 " + "outro " * 100
    shown = snippet(chunk, "hotel nightly limit")
    assert "$225" in shown and shown.startswith("...") and shown.endswith("...")
    assert snippet("short text", "absent") == "short text"


def test_path_tags_add_to_the_source_tags() -> None:
    """Files under a tagged folder get its compliance tags (e.g. phi turns on HIPAA)."""
    from infra.settings import ConnectorSettings

    c = ConnectorSettings(
        tags=("internal",), path_tags={"clinic/": ("phi",), "finance/": ("financial",)}
    )
    assert c.tags_for("clinic/visit.md") == ("internal", "phi")
    assert c.tags_for("hr/leave.md") == ("internal",)


def test_a_malformed_path_tag_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """`--path-tag` needs PREFIX=TAG; a typo is an error, not an untagged PHI folder."""
    result = CliRunner().invoke(
        app, ["connect", "filesystem", str(tmp_path), "--path-tag", "clinic"]
    )
    assert result.exit_code == 2
    assert "PREFIX=TAG" in result.output


def test_the_public_default_hmac_key_is_refused_outside_development() -> None:
    """Pseudonyms made with a public key can be brute-forced: the default needs an opt-in."""
    from pydantic import SecretStr

    from infra.settings import ComplianceSettings, InsecureKeyError

    with pytest.raises(InsecureKeyError, match="RAGSTREAM_COMPLIANCE__HMAC_KEY"):
        ComplianceSettings(allow_dev_key=False).require_secret_key()
    with pytest.raises(InsecureKeyError, match="shorter"):
        ComplianceSettings(hmac_key=SecretStr("short"), allow_dev_key=False).require_secret_key()
    ComplianceSettings(allow_dev_key=True).require_secret_key()
    ComplianceSettings(hmac_key=SecretStr("x" * 40), allow_dev_key=False).require_secret_key()


def test_cli_redact_refuses_the_default_key_without_the_dev_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infra.settings import get_settings

    monkeypatch.setenv("RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY", "false")
    monkeypatch.delenv("RAGSTREAM_COMPLIANCE__HMAC_KEY", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["redact"], input="Call Jane on 555-0100\n")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "RAGSTREAM_COMPLIANCE__HMAC_KEY" in result.output


def test_commands_that_erase_purge_or_export_check_the_callers_role(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With an access file, an auditor may not purge or erase, and a query user may not
    export the audit trail; each refusal exits 4 before anything runs, with the reason."""
    import getpass

    access = tmp_path / "access.yaml"
    access.write_text(f"users:\n  {getpass.getuser()}: [ragstream_query]\n")
    monkeypatch.setenv("RAGSTREAM_ACCESS__FILE", str(access))
    runner = CliRunner()
    for args in (
        ["purge"],
        ["dsr", "erase", "--email", "a@example.com"],
        ["audit", "export"],
        ["dlq", "replay", "--all"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 4, (args, result.output)
        assert "ragstream_" in result.output, result.output
