"""Operating connectors: reconnecting from the checkpoint with backoff instead of exiting,
the metrics every source serves over HTTP, and `connect filesystem --config FILE`."""

from __future__ import annotations

import json
import signal
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from connectors.base import Batch, SourceUnavailable
from connectors.metrics import serve_metrics
from connectors.runner import run_source
from connectors.sql import SqlSource
from connectors.sql_config import SqlSourceConfig
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, Settings, get_settings
from schemas import ChangeEvent, Op
from tests.sql_scenario import MAPPING, at, make_table, row

pytestmark = pytest.mark.unit


def sample(name: str, source: str, outcome: str | None = None) -> float:
    labels = {"source": source} if outcome is None else {"source": source, "outcome": outcome}
    return REGISTRY.get_sample_value(name, labels) or 0.0


class FlakySource:
    """Fails to open ``failures`` times (the database is down), then publishes one event."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.opened = 0
        self.sent = False
        self.committed: list[object] = []

    @property
    def source_id(self) -> str:
        return "flaky"

    def open(self) -> None:
        self.opened += 1
        if self.opened <= self.failures:
            raise SourceUnavailable(f"database down (try {self.opened})")

    def poll(self, timeout: float) -> Batch[str] | None:
        if self.sent:
            return None
        self.sent = True
        event = ChangeEvent(
            source_id="flaky", document_id="d", op=Op.UPSERT, version=1, content="hello"
        )
        return Batch(events=(event,), dead_letters=(), checkpoint="cp-1")

    def commit(self, checkpoint: str, dead_lettered: frozenset[str] = frozenset()) -> None:
        self.committed.append(checkpoint)

    def close(self) -> None:
        pass


def test_a_lost_connection_is_retried_from_the_checkpoint() -> None:
    source = FlakySource(failures=2)
    publisher = InMemoryPublisher()
    stop = threading.Event()
    reports: list[tuple[str, int, float]] = []
    errors_before = sample("ragstream_connector_errors_total", "flaky", "SourceUnavailable")

    def on_retry(error: BaseException, attempt: int, delay: float) -> None:
        reports.append((str(error), attempt, delay))

    def stop_when_published(p: InMemoryPublisher) -> bool:
        return bool(p.events)

    thread = threading.Thread(
        target=lambda: publisher.wait_for(stop_when_published, 10) and stop.set()
    )
    thread.start()
    summary = run_source(
        source, publisher, stop, once=False, reconnect_max_backoff_s=0.05, on_retry=on_retry
    )
    thread.join(10)

    assert [r[:2] for r in reports] == [
        ("database down (try 1)", 1),
        ("database down (try 2)", 2),
    ]
    assert all(delay == 0.05 for _, _, delay in reports)
    assert source.opened == 3 and source.committed == ["cp-1"]
    assert (summary.upserts, summary.reconnects) == (1, 2)
    assert sample("ragstream_connector_errors_total", "flaky", "SourceUnavailable") == (
        errors_before + 2
    )
    assert sample("ragstream_connector_pending_changes", "flaky") == 0
    assert sample("ragstream_connector_lag_seconds", "flaky") == 0
    assert sample("ragstream_connector_last_commit_timestamp_seconds", "flaky") > 0
    assert sample("ragstream_connector_newest_change_timestamp_seconds", "flaky") > 0


def test_kafka_unreachable_at_start_is_retried() -> None:
    """Creating the topics (``prepare``) fails while the broker is down: retried, not fatal."""
    from infra.kafka_admin import TopicSetupError

    attempts = {"n": 0}

    def ensure_topics() -> None:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise TopicSetupError("Kafka at 127.0.0.1:1 unreachable")

    source = FlakySource(failures=0)
    publisher = InMemoryPublisher()
    stop = threading.Event()
    reports: list[str] = []
    watcher = threading.Thread(
        target=lambda: publisher.wait_for(lambda p: bool(p.events), 10) and stop.set()
    )
    watcher.start()
    summary = run_source(
        source,
        publisher,
        stop,
        once=False,
        reconnect_max_backoff_s=0.05,
        prepare=ensure_topics,
        on_retry=lambda error, attempt, delay: reports.append(type(error).__name__),
    )
    watcher.join(10)
    assert reports == ["TopicSetupError", "TopicSetupError"]
    assert (attempts["n"], summary.upserts) == (3, 1)


def test_once_fails_fast_on_a_lost_connection() -> None:
    with pytest.raises(SourceUnavailable):
        run_source(FlakySource(failures=1), InMemoryPublisher(), threading.Event(), once=True)


def test_sql_source_waits_for_a_database_that_is_down_at_start(tmp_path: Path) -> None:
    """A database unreachable at start is retried (not an exit) and the source then runs."""
    folder = tmp_path / "db"
    url = f"sqlite:///{folder / 'crm.db'}"  # the folder does not exist yet: cannot open
    config = SqlSourceConfig(
        source_id="crm",
        url=url,
        table="notes",
        mapping=MAPPING,
        watermark_column="updated_at",
        poll_interval_s=0.05,
    )
    settings = Settings(
        connectors=ConnectorSettings(state_dir=tmp_path / "state", reconnect_max_backoff_s=0.1)
    )
    publisher = InMemoryPublisher()
    stop = threading.Event()
    retries: list[str] = []

    def database_comes_back(error: BaseException, attempt: int, delay: float) -> None:
        retries.append(type(error).__name__)
        if attempt == 2:
            folder.mkdir()
            engine = sa.create_engine(url)
            table = make_table(engine, "notes", soft_delete=False)
            with engine.begin() as conn:
                conn.execute(table.insert(), [row(1, at(1))])

    thread = threading.Thread(
        target=SqlSource(config, settings, publisher).run,
        args=(stop,),
        kwargs={"on_retry": database_comes_back},
        daemon=True,
    )
    thread.start()
    try:
        assert publisher.wait_for(lambda p: len(p.events) == 1, timeout=20)
    finally:
        stop.set()
        thread.join(10)
    assert retries[:2] == ["SourceUnavailable", "SourceUnavailable"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_metrics_are_served_over_http() -> None:
    port = serve_metrics(free_port(), "127.0.0.1")
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for name in (
        "ragstream_connector_events_published_total",
        "ragstream_connector_dead_letters_total",
        "ragstream_connector_errors_total",
        "ragstream_connector_lag_seconds",
        "ragstream_connector_pending_changes",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in body, name


# -- the command line --------------------------------------------------------------------------


class _CliPublisher(InMemoryPublisher):
    made: ClassVar[list[_CliPublisher]] = []

    def __init__(self, *_: object, **__: object) -> None:
        super().__init__()
        _CliPublisher.made.append(self)

    def close(self, timeout: float = 10.0) -> None:
        pass


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    import connectors.publisher
    import infra.kafka_admin

    monkeypatch.setattr(connectors.publisher, "KafkaPublisher", _CliPublisher)
    monkeypatch.setattr(infra.kafka_admin, "ensure_topics", lambda settings: None)
    monkeypatch.setenv("RAGSTREAM_CONNECTORS__STATE_DIR", str(tmp_path / "cli-state"))
    monkeypatch.delenv("RAGSTREAM_SETTINGS_FILE", raising=False)
    monkeypatch.delenv("RAGSTREAM_CONNECTORS__SOURCE_ID", raising=False)
    monkeypatch.chdir(tmp_path)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    get_settings.cache_clear()
    _CliPublisher.made.clear()
    yield
    _CliPublisher.made.clear()
    get_settings.cache_clear()
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def test_connect_filesystem_with_a_config_file(tmp_path: Path, cli: None) -> None:
    from ragstream.cli import app

    share = tmp_path / "share"
    (share / "clinic").mkdir(parents=True)
    (share / "clinic" / "visit.md").write_text("# Visit")
    (share / "menu.txt").write_text("soup")
    config = tmp_path / "share.yaml"
    config.write_text(
        "root: share\nsource_id: handbook\ntags: [internal]\n"
        "path_tags:\n  clinic/: phi\nrescan_interval_s: 0\n"
    )
    port = free_port()

    result = CliRunner().invoke(
        app,
        ["connect", "filesystem", "--config", str(config), "--once", "--metrics-port", str(port)],
    )

    assert result.exit_code == 0, result.output
    tags = {e.key: e.tags for e in _CliPublisher.made[-1].events}
    assert tags == {
        "handbook/clinic/visit.md": ("internal", "phi"),
        "handbook/menu.txt": ("internal",),
    }
    assert f"metrics: http://127.0.0.1:{port}/metrics" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["upserts"] == 2
    assert (tmp_path / "cli-state" / "filesystem-handbook.json").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("root: [1, 2]\n", "root: Input is not a valid path"),
        ("root: x\nunknown: 1\n", "unknown: Extra inputs are not permitted"),
        ("- a list\n", "must hold a mapping"),
    ],
)
def test_connect_filesystem_bad_config_is_exit_2(
    tmp_path: Path, cli: None, content: str, message: str
) -> None:
    from ragstream.cli import app

    config = tmp_path / "bad.yaml"
    config.write_text(content)
    result = CliRunner().invoke(app, ["connect", "filesystem", "--config", str(config)])
    assert result.exit_code == 2
    assert message in result.stderr


def test_connect_filesystem_needs_a_folder(cli: None) -> None:
    from ragstream.cli import app

    result = CliRunner().invoke(app, ["connect", "filesystem", "--once"])
    assert result.exit_code == 2
    assert "give the folder (PATH) or --config FILE" in result.stderr


def test_every_connect_command_has_the_metrics_port() -> None:
    from ragstream.cli import app

    for command in ("filesystem", "sql", "sharepoint"):
        result = CliRunner().invoke(app, ["connect", command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        assert "--metrics-port" in result.stdout, command
