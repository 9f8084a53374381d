"""The SQL source scenario run against SQLite (unit) and the real PostgreSQL (integration):
initial load, insert, update, unchanged touch, late commit inside the overlap window,
delete (soft or by key set), restart in the middle of a pass."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.base import PublishError
from connectors.sql import SqlSource
from connectors.sql_config import SqlSourceConfig
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, KafkaSettings, Settings
from schemas import ChangeEvent, Op
from schemas.row_mapping import RowMapping

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
MAPPING = RowMapping(
    id_columns=("id",),
    text_template="# {title}\n\n{body}",
    title_template="{title}",
    uri_template="https://crm.example/notes/{id}",
    acl_users_column="readers",
    acl_groups_column="teams",
    classification_column="level",
    tags_column="labels",
    tags=("crm",),
    metadata_columns=("id",),
)


def micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_table(engine: sa.Engine, name: str, *, soft_delete: bool) -> sa.Table:
    meta = sa.MetaData()
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("readers", sa.String(200)),
        sa.Column("teams", sa.String(200)),
        sa.Column("level", sa.String(50)),
        sa.Column("labels", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if soft_delete:
        columns.append(sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()))
    table = sa.Table(name, meta, *columns)
    meta.drop_all(engine)
    meta.create_all(engine)
    return table


def row(n: int, updated: datetime, body: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": n,
        "title": f"Note {n}",
        "body": body or f"Body of note {n}.",
        "readers": "alice, bob",
        "teams": "sales",
        "level": "internal",
        "labels": "customer,emea",
        "updated_at": updated,
        **extra,
    }


@dataclass
class Harness:
    engine: sa.Engine
    table: sa.Table
    config: SqlSourceConfig
    settings: Settings
    all_events: list[ChangeEvent]

    def insert(self, *rows: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.insert(), list(rows))

    def update(self, n: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.update().where(self.table.c.id == n).values(**values))

    def delete(self, n: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.id == n))

    def source(self, publisher: InMemoryPublisher, **changes: Any) -> SqlSource:
        config = self.config.model_copy(update=changes) if changes else self.config
        return SqlSource(config, self.settings, publisher)

    def run_once(self, **changes: Any) -> list[ChangeEvent]:
        publisher = InMemoryPublisher()
        self.source(publisher, **changes).run(threading.Event(), once=True)
        self.all_events.extend(publisher.events)
        return publisher.events


def harness(url: str, table_name: str, state_dir: Path, *, soft_delete: bool) -> Harness:
    engine = sa.create_engine(url)
    table = make_table(engine, table_name, soft_delete=soft_delete)
    config = SqlSourceConfig(
        source_id="crm",
        url=url,
        table=table_name,
        mapping=MAPPING,
        watermark_column="updated_at",
        overlap_s=300,
        soft_delete_column="deleted" if soft_delete else None,
        batch_size=2,
    )
    settings = Settings(
        connectors=ConnectorSettings(state_dir=state_dir),
        kafka=KafkaSettings(max_event_bytes=64 * 1024),
    )
    return Harness(engine, table, config, settings, [])


def ops(events: list[ChangeEvent]) -> list[tuple[str, Op, int]]:
    return [(e.document_id, e.op, e.version) for e in events]


def run_scenario(h: Harness, *, soft_delete: bool) -> None:
    # initial load: every row, one upsert each, version = updated_at in microseconds
    h.insert(row(1, at(1)), row(2, at(2)), row(3, at(3)))
    events = h.run_once()
    assert ops(events) == [
        ("1", Op.UPSERT, micros(at(1))),
        ("2", Op.UPSERT, micros(at(2))),
        ("3", Op.UPSERT, micros(at(3))),
    ]
    first = events[0]
    assert first.key == "crm/1"
    assert first.content == "# Note 1\n\nBody of note 1."
    assert first.title == "Note 1"
    assert first.uri == "https://crm.example/notes/1"
    assert first.acl.users == ("alice", "bob")
    assert first.acl.groups == ("sales",)
    assert first.classification_hint == "internal"
    assert first.tags == ("crm", "customer", "emea")
    assert first.metadata == {"id": "1"}
    assert first.occurred_at == at(1)

    # nothing changed: nothing published (the overlap re-reads rows, hashes match)
    assert h.run_once() == []

    # insert and update
    h.update(2, body="Changed body.", updated_at=at(10))
    h.insert(row(4, at(11)))
    assert ops(h.run_once()) == [("2", Op.UPSERT, micros(at(10))), ("4", Op.UPSERT, micros(at(11)))]

    # a touch that changes no content publishes nothing
    h.update(3, updated_at=at(12))
    assert h.run_once() == []

    # late commit: a row written with an older timestamp, inside the overlap window
    h.insert(row(5, at(5)))
    assert ops(h.run_once()) == [("5", Op.UPSERT, micros(at(5)))]

    # delete: by the soft-delete column, or by key-set comparison when there is none
    if soft_delete:
        h.update(1, deleted=True, updated_at=at(20))
        assert ops(h.run_once()) == [("1", Op.DELETE, micros(at(20)))]
        h.update(1, deleted=True, updated_at=at(21))  # still deleted: nothing more
        assert h.run_once() == []
    else:
        h.delete(1)
        assert ops(h.run_once()) == [("1", Op.DELETE, micros(at(1)) + 1)]
    # re-created: a version above the delete
    if soft_delete:
        h.update(1, deleted=False, body="Back again.", updated_at=at(22))
    else:
        h.insert(row(1, at(22), body="Back again."))
    (back,) = h.run_once()
    assert (back.op, back.version, back.content) == (
        Op.UPSERT,
        micros(at(22)),
        "# Note 1\n\nBack again.",
    )

    # restart in the middle of a pass: the broker fails the second batch
    h.insert(*(row(n, at(30 + n)) for n in range(10, 17)))
    publisher = InMemoryPublisher()
    publisher.fail_flushes = 0
    source = h.source(publisher)
    original_flush = publisher.flush
    calls = {"n": 0}

    def flaky_flush(timeout: float) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            publisher.fail_flushes = 1
        return original_flush(timeout)

    publisher.flush = flaky_flush  # type: ignore[method-assign]
    with pytest.raises(PublishError):
        source.run(threading.Event(), once=True)
    h.all_events.extend(publisher.events)
    acknowledged = [e.document_id for e in publisher.events]
    assert acknowledged  # the first batch went through and was checkpointed
    resumed = [e.document_id for e in h.run_once()]
    assert acknowledged + resumed == ["10", "11", "12", "13", "14", "15", "16"]

    # a crash after the broker acknowledged but before the checkpoint was saved: the batch
    # is published again with the same versions (at-least-once, idempotent downstream)
    h.insert(row(20, at(50)), row(21, at(51)), row(22, at(52)))
    publisher = InMemoryPublisher()
    source = h.source(publisher)
    original_commit = source.commit
    commits = {"n": 0}

    def crashing_commit(checkpoint: Any, *args: Any) -> None:
        if checkpoint.rows:
            commits["n"] += 1
            if commits["n"] == 1:
                raise KeyboardInterrupt("crash before the checkpoint is saved")
        original_commit(checkpoint, *args)

    source.commit = crashing_commit  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        source.run(threading.Event(), once=True)
    h.all_events.extend(publisher.events)
    crashed = ops(publisher.events)
    assert crashed
    again = h.run_once()
    assert [e.document_id for e in again] == ["20", "21", "22"]
    assert crashed == ops(again[: len(crashed)])

    # across the whole scenario: no (document, version) published twice except the batch
    # whose checkpoint was never saved, and every document ends in its latest state
    counts = Counter((e.document_id, e.version) for e in h.all_events)
    assert {k for k, n in counts.items() if n > 1} == {(d, v) for d, _op, v in crashed}
    latest: dict[str, ChangeEvent] = {}
    for event in h.all_events:
        previous = latest.get(event.document_id)
        assert previous is None or event.version >= previous.version
        latest[event.document_id] = event
    live = sorted((d for d, e in latest.items() if e.op is Op.UPSERT), key=int)
    assert live == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "20",
        "21",
        "22",
    ]
