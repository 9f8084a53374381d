"""The SharePoint source's configuration file, its command line and its pure helpers."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from connectors.sharepoint_client import change_number, in_scope
from connectors.sharepoint_config import (
    CertificateAuth,
    ClientSecretAuth,
    load_sharepoint_config,
)
from connectors.sharepoint_errors import SharePointConfigError
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, Settings
from ragstream import cli_sharepoint
from tests.unit.connectors.sharepoint_replay import (
    READ,
    RECORDED_TEXT_ID,
    TEXT_CONTENT,
    FakeTokenEndpoint,
    SharePointReplay,
    user,
)

pytestmark = pytest.mark.unit

SECRET = "cfg-secret-Hq8~zz"
runner = CliRunner()

YAML = """
source_id: intranet
sites:
  - url: https://contoso.sharepoint.com/sites/hr/
    libraries:
      - title: Documents
        folders: [Policies, /Handbooks/2024/]
        tags: [phi]
      - title: Archive
auth:
  kind: client_secret
  tenant: contoso.onmicrosoft.com
  client_id: 5f1c2d3e-0000-4000-8000-000000000001
  client_secret: ${SP_TEST_SECRET}
page_size: 100
include_extensions: [DOCX, .pdf]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sharepoint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_config_with_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SP_TEST_SECRET", SECRET)
    config = load_sharepoint_config(write(tmp_path, YAML))

    site = config.sites[0]
    assert site.url == "https://contoso.sharepoint.com/sites/hr"
    assert site.libraries[0].folders == ("Policies", "Handbooks/2024")
    assert config.include_extensions == (".docx", ".pdf")
    assert isinstance(config.auth, ClientSecretAuth)
    assert config.auth.client_secret.get_secret_value() == SECRET
    assert SECRET not in repr(config) and SECRET not in str(config.model_dump())
    assert SECRET not in config.model_dump_json()


def test_config_errors_name_the_field_never_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SharePointConfigError, match=r"SP_TEST_SECRET used at auth\.client_secret"):
        load_sharepoint_config(write(tmp_path, YAML))

    monkeypatch.setenv("SP_TEST_SECRET", SECRET)
    bad = YAML.replace("https://contoso", "http://contoso").replace("  kind: client_secret\n", "")
    with pytest.raises(SharePointConfigError) as error:
        load_sharepoint_config(write(tmp_path, bad))
    message = str(error.value)
    assert "sites.0.url" in message and "https://" in message
    assert "auth" in message
    assert SECRET not in message

    with pytest.raises(SharePointConfigError, match="cannot read"):
        load_sharepoint_config(tmp_path / "missing.yaml")
    with pytest.raises(SharePointConfigError, match="not valid YAML"):
        load_sharepoint_config(write(tmp_path, "sites: [\n"))


def test_certificate_auth_wants_a_sha1_thumbprint(tmp_path: Path) -> None:
    text = YAML.replace(
        "  kind: client_secret\n",
        "  kind: certificate\n"
        "  thumbprint: 'ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01'\n"
        "  private_key_path: /secrets/sp.key\n",
    ).replace("  client_secret: ${SP_TEST_SECRET}\n", "")
    config = load_sharepoint_config(write(tmp_path, text))
    assert isinstance(config.auth, CertificateAuth)
    assert config.auth.clean_thumbprint == "ABCDEF0123456789ABCDEF0123456789ABCDEF01"
    with pytest.raises(SharePointConfigError, match="thumbprint"):
        load_sharepoint_config(write(tmp_path, text.replace("'ab:cd:", "'")))


def test_a_folder_must_lie_below_the_library_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SP_TEST_SECRET", SECRET)
    with pytest.raises(SharePointConfigError, match="below the library root"):
        load_sharepoint_config(write(tmp_path, YAML.replace("Policies", "../Other")))


def test_folder_scopes_and_change_numbers() -> None:
    scopes = ["/sites/hr/Shared Documents/Policies"]
    assert in_scope("/sites/hr/Shared Documents/policies/a.docx", scopes)
    assert in_scope("/sites/hr/Shared Documents/Policies", scopes)
    assert not in_scope("/sites/hr/Shared Documents/Policies-old/a.docx", scopes)
    assert change_number(
        "1;3;13326e70-58ba-4e0e-9b30-08189f21d555;637885644885730000;663534720"
    ) == (663534720)
    assert change_number("1;3;x;637885644885730000;-1") is None
    assert change_number(None) is None


# -- the command -------------------------------------------------------------------------------


class _Publisher(InMemoryPublisher):
    made: list[_Publisher] = []  # noqa: RUF012  (the instances the command created)

    def __init__(self, *_: object, **__: object) -> None:
        super().__init__()
        _Publisher.made.append(self)

    def close(self, timeout: float = 10.0) -> None:
        pass


@pytest.fixture
def replay() -> Iterator[SharePointReplay]:
    tokens = FakeTokenEndpoint()
    with SharePointReplay(tokens) as site:
        site.documents.roles = [(user("alice@contoso.com", 11), READ)]
        site.add_file(site.documents, "notes.txt", TEXT_CONTENT, unique_id=RECORDED_TEXT_ID)
        yield site


@pytest.fixture
def command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replay: SharePointReplay
) -> Iterator[typer.Typer]:
    """The command with Kafka replaced by an in-memory publisher and Entra ID by the replay's
    token endpoint."""
    import connectors.publisher
    import connectors.sharepoint
    import infra.kafka_admin

    settings = Settings(connectors=ConnectorSettings(state_dir=tmp_path / "state"))
    monkeypatch.setattr(connectors.publisher, "KafkaPublisher", _Publisher)
    monkeypatch.setattr(infra.kafka_admin, "ensure_topics", lambda settings: None)
    monkeypatch.setattr(cli_sharepoint, "_settings", lambda: settings)
    monkeypatch.setattr(
        connectors.sharepoint,
        "SharePointSource",
        functools.partial(connectors.sharepoint.SharePointSource, msal_http_client=replay.tokens),
    )
    monkeypatch.setenv("SP_TEST_SECRET", SECRET)
    _Publisher.made.clear()
    root = typer.Typer()
    connect = typer.Typer()
    root.add_typer(connect, name="connect")
    cli_sharepoint.register(connect)
    yield root
    _Publisher.made.clear()


def replay_config(tmp_path: Path, replay: SharePointReplay) -> Path:
    return write(
        tmp_path,
        f"""
source_id: intranet
sites:
  - url: {replay.site_url}
    libraries: [{{title: Documents}}]
auth:
  kind: client_secret
  tenant: contoso.onmicrosoft.com
  client_id: app
  client_secret: ${{SP_TEST_SECRET}}
""",
    )


def test_connect_sharepoint_once_publishes_and_prints_the_summary(
    command: typer.Typer, tmp_path: Path, replay: SharePointReplay
) -> None:
    result = runner.invoke(
        command,
        ["connect", "sharepoint", "--config", str(replay_config(tmp_path, replay)), "--once"],
    )

    assert result.exit_code == 0, result.output
    assert [e.document_id for e in _Publisher.made[-1].events] == [RECORDED_TEXT_ID]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["upserts"] == 1
    assert "client_secret auth" in result.stderr
    assert (tmp_path / "state" / "sharepoint-intranet.json").is_file()
    assert SECRET not in result.output


def test_connect_sharepoint_refused_credentials_exit_2_without_the_secret(
    command: typer.Typer, tmp_path: Path, replay: SharePointReplay
) -> None:
    replay.tokens.refuse = True
    result = runner.invoke(
        command,
        ["connect", "sharepoint", "--config", str(replay_config(tmp_path, replay)), "--once"],
    )
    assert result.exit_code == 2
    assert "error: Entra ID refused a token" in result.stderr
    assert SECRET not in result.output


def test_connect_sharepoint_unknown_library_and_bad_file_exit_2(
    command: typer.Typer, tmp_path: Path, replay: SharePointReplay
) -> None:
    config = replay_config(tmp_path, replay)
    config.write_text(config.read_text().replace("title: Documents", "title: Dokumente"))
    unknown = runner.invoke(command, ["connect", "sharepoint", "--config", str(config), "--once"])
    assert unknown.exit_code == 2
    assert "library 'Dokumente' not found" in unknown.stderr

    bad = runner.invoke(
        command, ["connect", "sharepoint", "--config", str(write(tmp_path, "source_id: x\n"))]
    )
    assert bad.exit_code == 2
    assert "sites: Field required" in bad.stderr


def test_connect_sharepoint_throttled_is_exit_1(
    command: typer.Typer, tmp_path: Path, replay: SharePointReplay
) -> None:
    replay.throttle("GetByTitle", 10, status=503, retry_after="0")
    config = replay_config(tmp_path, replay)
    config.write_text(config.read_text() + "max_retries: 1\n")
    result = runner.invoke(command, ["connect", "sharepoint", "--config", str(config), "--once"])
    assert result.exit_code == 1
    assert "still throttled (HTTP 503)" in result.stderr


def test_the_module_app_carries_the_command() -> None:
    result = runner.invoke(cli_sharepoint.app, ["connect", "sharepoint", "--help"])
    assert result.exit_code == 0
    assert "--config" in result.stdout and "--once" in result.stdout
