"""`schemas export` and `connect sql` argument handling (no services)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ragstream import cli_sources
from schemas import ChangeEvent

pytestmark = pytest.mark.unit

runner = CliRunner()


def test_schemas_export_to_stdout_is_the_change_event_schema() -> None:
    result = runner.invoke(cli_sources.app, ["schemas", "export"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["title"] == "ChangeEvent"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"source_id", "document_id", "op", "version"} <= set(schema["required"])
    assert schema == {"$schema": schema["$schema"], **ChangeEvent.model_json_schema()}


def test_schemas_export_to_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "json"
    result = runner.invoke(cli_sources.app, ["schemas", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "ChangeEvent.schema.json" in names and "DeadLetter.schema.json" in names
    written = json.loads((out / "ChangeEvent.schema.json").read_text())
    assert written["properties"]["op"]["$ref"].endswith("/Op")


def test_connect_sql_with_a_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("source_id: crm\nurl: sqlite://\ntable: t\n")
    result = runner.invoke(cli_sources.app, ["connect", "sql", "--config", str(config)])
    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert "watermark_column: Field required" in result.stderr
    missing = runner.invoke(
        cli_sources.app, ["connect", "sql", "--config", str(tmp_path / "none.yaml")]
    )
    assert missing.exit_code == 2
    assert "cannot read" in missing.stderr


def test_register_adds_the_commands_to_the_main_cli() -> None:
    root = typer.Typer()
    connect = typer.Typer()
    root.add_typer(connect, name="connect")
    cli_sources.register(root, connect)
    result = runner.invoke(root, ["connect", "sql", "--help"])
    assert result.exit_code == 0 and "--once" in result.stdout
    assert runner.invoke(root, ["schemas", "export", "--help"]).exit_code == 0
