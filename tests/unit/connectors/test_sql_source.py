"""SqlSource on SQLite: the shared scenario plus the edges (integer watermarks, bad rows,
too-late commits, watching, oversized events, configuration errors)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.sql import SourceUnavailable, SqlSource
from connectors.sql_config import (
    ConfigFileError,
    SqlSourceConfig,
    WatermarkKind,
    load_sql_config,
)
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, Settings
from schemas import Op
from schemas.row_mapping import RowMapping
from tests.sql_scenario import MAPPING, Harness, at, harness, micros, ops, row, run_scenario

pytestmark = pytest.mark.unit


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.mark.parametrize("soft_delete", [True, False], ids=["soft-delete", "keyset-delete"])
def test_scenario_on_sqlite(sqlite_url: str, tmp_path: Path, soft_delete: bool) -> None:
    h = harness(sqlite_url, "notes", tmp_path / "state", soft_delete=soft_delete)
    run_scenario(h, soft_delete=soft_delete)


@pytest.fixture
def h(sqlite_url: str, tmp_path: Path) -> Harness:
    return harness(sqlite_url, "notes", tmp_path / "state", soft_delete=False)


def test_commit_older_than_the_overlap_is_missed(h: Harness) -> None:
    """The documented limit: a commit later than the overlap window is not seen."""
    h.insert(row(1, at(1000)))
    h.run_once()
    h.insert(row(2, at(1000 - 301)))
    assert h.run_once() == []


def test_query_source_with_integer_version(sqlite_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE tickets (ticket_no INTEGER PRIMARY KEY, subject TEXT, "
                "status TEXT, rev INTEGER, archived INTEGER DEFAULT 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO tickets VALUES (1, 'Printer', 'open', 5, 0), (2, 'VPN', 'open', 6, 0)"
            )
        )
    config = SqlSourceConfig(
        source_id="helpdesk",
        url=sqlite_url,
        query="SELECT ticket_no, subject, status, rev, archived FROM tickets "
        "WHERE status != 'spam'",
        mapping=RowMapping(
            id_column="ticket_no",
            text_template="{subject} ({status})",
            document_id_prefix="ticket/",
        ),
        watermark_column="rev",
        watermark_kind=WatermarkKind.INTEGER,
        overlap_versions=3,
        soft_delete_column="archived",
    )
    settings = Settings(connectors=ConnectorSettings(state_dir=tmp_path / "state"))

    def run() -> list[tuple[str, Op, int]]:
        publisher = InMemoryPublisher()
        SqlSource(config, settings, publisher).run(threading.Event(), once=True)
        return ops(publisher.events)

    assert run() == [("ticket/1", Op.UPSERT, 5), ("ticket/2", Op.UPSERT, 6)]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE tickets SET status = 'closed', rev = 7 WHERE ticket_no = 1"))
        conn.execute(sa.text("INSERT INTO tickets VALUES (3, 'Late', 'open', 4, 0)"))  # late
        conn.execute(sa.text("UPDATE tickets SET archived = 1, rev = 8 WHERE ticket_no = 2"))
    assert run() == [
        ("ticket/3", Op.UPSERT, 4),
        ("ticket/1", Op.UPSERT, 7),
        ("ticket/2", Op.DELETE, 8),
    ]
    # a version column reset by a re-insert still yields a higher version
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE tickets SET archived = 0, subject = 'VPN again', rev = 9 "
                "WHERE ticket_no = 2"
            )
        )
    assert run() == [("ticket/2", Op.UPSERT, 9)]


def test_bad_row_is_dead_lettered_once(h: Harness) -> None:
    h.insert(row(1, at(1)), row(2, at(2), body="x" * 10))
    bad = h.config.mapping.model_copy(update={"text_template": "{body:d}"})
    publisher = InMemoryPublisher()
    h.source(publisher, mapping=bad).run(threading.Event(), once=True)
    assert publisher.events == []
    assert [d.error_class for d in publisher.dead_letters] == ["RowMappingError"] * 2
    assert publisher.dead_letters[0].key == "crm/1"
    assert "format spec" in publisher.dead_letters[0].message
    again = InMemoryPublisher()
    h.source(again, mapping=bad).run(threading.Event(), once=True)
    assert again.dead_letters == [] and again.events == []
    # fixed mapping: the rows are published
    assert [e.document_id for e in h.run_once()] == ["1", "2"]


def test_null_watermark_rows_are_not_read(sqlite_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE kb (id INTEGER PRIMARY KEY, body TEXT, rev INTEGER)"))
        conn.execute(sa.text("INSERT INTO kb VALUES (1, 'one', 1), (2, 'two', NULL)"))
    config = SqlSourceConfig(
        source_id="kb",
        url=sqlite_url,
        table="kb",
        mapping=RowMapping(id_column="id", text_template="{body}"),
        watermark_column="rev",
        watermark_kind=WatermarkKind.INTEGER,
    )
    publisher = InMemoryPublisher()
    settings = Settings(connectors=ConnectorSettings(state_dir=tmp_path / "state"))
    SqlSource(config, settings, publisher).run(threading.Event(), once=True)
    assert ops(publisher.events) == [("1", Op.UPSERT, 1)]


def test_oversized_event_is_not_recorded_as_published(h: Harness) -> None:
    h.insert(row(1, at(1)))
    publisher = InMemoryPublisher()
    source = h.source(publisher)
    source.open()
    try:
        batch = source.poll(0.1)
        assert batch is not None and [e.key for e in batch.events] == ["crm/1"]
        source.commit(batch.checkpoint, frozenset({"crm/1"}))
    finally:
        source.close()
    # unchanged: not sent again; changed: published
    assert h.run_once() == []
    h.update(1, body="smaller now", updated_at=at(2))
    assert ops(h.run_once()) == [("1", Op.UPSERT, micros(at(2)))]


def test_watching_publishes_new_rows(h: Harness) -> None:
    h.insert(row(1, at(1)))
    publisher = InMemoryPublisher()
    source = h.source(publisher, poll_interval_s=0.05, keyset_interval_s=0.05)
    stop = threading.Event()
    worker = threading.Thread(target=source.run, args=(stop,), daemon=True)
    worker.start()
    try:
        assert publisher.wait_for(lambda p: len(p.events) == 1, timeout=10)
        h.insert(row(2, at(2)))
        assert publisher.wait_for(lambda p: len(p.events) == 2, timeout=10)
        h.delete(1)
        assert publisher.wait_for(lambda p: len(p.events) == 3, timeout=10)
    finally:
        stop.set()
        worker.join(10)
    assert ops(publisher.events)[1:] == [
        ("2", Op.UPSERT, micros(at(2))),
        ("1", Op.DELETE, micros(at(1)) + 1),
    ]


def test_checkpoint_file_holds_watermark_and_hashes(h: Harness) -> None:
    h.insert(row(1, at(1)))
    publisher = InMemoryPublisher()
    source = h.source(publisher)
    source.run(threading.Event(), once=True)
    text = source.checkpoint_file.read_text()
    assert source.checkpoint_file.name == "sql-crm.json"
    assert f'"watermark":{micros(at(1))}' in text
    assert '"1":{"v":' in text


def test_missing_column_fails_at_open(h: Harness) -> None:
    mapping = MAPPING.model_copy(update={"text_template": "{nope}"})
    with pytest.raises(ValueError, match=r"columns \['nope'\] not found"):
        h.source(InMemoryPublisher(), mapping=mapping).run(threading.Event(), once=True)


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    config = SqlSourceConfig(
        source_id="x",
        url="postgresql+psycopg://postgres:secret@127.0.0.1:1/none",
        table="t",
        mapping=MAPPING,
        watermark_column="updated_at",
    )
    settings = Settings(connectors=ConnectorSettings(state_dir=tmp_path))
    with pytest.raises(SourceUnavailable) as info:
        SqlSource(config, settings, InMemoryPublisher()).run(threading.Event(), once=True)
    assert "127.0.0.1:1" in str(info.value)
    assert "secret" not in str(info.value)


def test_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text(
        "source_id: crm\n"
        "url: postgresql+psycopg://app:${CRM_PASSWORD}@db/crm\n"
        "table: notes\n"
        "watermark_column: updated_at\n"
        "mapping:\n"
        "  id_column: id\n"
        "  text_template: '{title}: {body}'\n"
    )
    config = load_sql_config(path)
    assert config.mapping.id_columns == ("id",)
    assert config.detects_hard_deletes
    monkeypatch.setenv("CRM_PASSWORD", "pw")
    assert config.resolved_url() == "postgresql+psycopg://app:pw@db/crm"
    monkeypatch.delenv("CRM_PASSWORD")
    with pytest.raises(ValueError, match="CRM_PASSWORD"):
        config.resolved_url()
    path.write_text("source_id: crm\nurl: sqlite://\nwatermark_column: u\nmapping: {}\n")
    with pytest.raises(ConfigFileError) as info:
        load_sql_config(path)
    assert "give exactly one of table and query" in str(info.value) or "mapping" in str(info.value)
    with pytest.raises(ConfigFileError, match="cannot read"):
        load_sql_config(tmp_path / "missing.yaml")


def test_templates_are_restricted() -> None:
    base: dict[str, Any] = {"id_column": "id"}
    for bad in ("{0}", "{}", "{a.__class__}", "{a[0]}", "{a!r}"):
        with pytest.raises(ValueError):
            RowMapping.model_validate({**base, "text_template": bad})
    RowMapping.model_validate({**base, "text_template": "{{literal}} {amount:.2f}"})
