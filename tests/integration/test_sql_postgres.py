"""SqlSource against the real PostgreSQL of the local stack (`bash compose/stack.sh up
postgres`): the SQLite scenario again, a genuine late commit from a concurrent transaction,
array ACL columns, and `connect sql --once` publishing to the real Kafka."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from connectors.sql import SqlSource
from connectors.sql_config import SqlSourceConfig
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, Settings
from schemas import ChangeEvent, Op
from schemas.row_mapping import RowMapping
from tests.integration.conftest import REPO, Namespace
from tests.integration.kafka_read import read_topic
from tests.sql_scenario import harness, run_scenario

PG_PORT = os.environ.get("RAGSTREAM_POSTGRES_PORT", "5432")
PG_PASSWORD = os.environ.get("RAGSTREAM_POSTGRES_PASSWORD", "postgres")
PG_DB = os.environ.get("RAGSTREAM_POSTGRES_DB", "ragstream")
PG_URL = f"postgresql+psycopg://postgres:{PG_PASSWORD}@127.0.0.1:{PG_PORT}/{PG_DB}"


@pytest.fixture(scope="session")
def postgres() -> str:
    """The stack's PostgreSQL must be up; fail loudly, never skip."""
    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=int(PG_PORT),
            user="postgres",
            password=PG_PASSWORD,
            dbname=PG_DB,
            connect_timeout=5,
        ) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL at 127.0.0.1:{PG_PORT}/{PG_DB} unreachable ({exc}); "
            "run `bash compose/stack.sh up postgres`"
        )
    return PG_URL


@pytest.fixture
def table_name(postgres: str) -> Iterator[str]:
    name = f"notes_{uuid.uuid4().hex[:10]}"
    yield name
    engine = sa.create_engine(postgres)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.mark.parametrize("soft_delete", [True, False], ids=["soft-delete", "keyset-delete"])
def test_scenario_on_postgres(
    postgres: str, table_name: str, tmp_path: Path, soft_delete: bool
) -> None:
    h = harness(postgres, table_name, tmp_path / "state", soft_delete=soft_delete)
    try:
        run_scenario(h, soft_delete=soft_delete)
    finally:
        h.engine.dispose()


def test_concurrent_late_commit_is_caught_by_the_overlap(
    postgres: str, table_name: str, tmp_path: Path
) -> None:
    """T1 writes updated_at = now() (its start time) but commits after T2 and after a pass
    that already moved the watermark past it: the overlap re-read publishes it; a source
    without overlap misses it."""
    engine = sa.create_engine(postgres)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f'CREATE TABLE "{table_name}" (id int PRIMARY KEY, body text NOT NULL, '
                "readers text[], teams text[], updated_at timestamptz NOT NULL DEFAULT now())"
            )
        )
    mapping = RowMapping(
        id_column="id",
        text_template="{body}",
        acl_users_column="readers",
        acl_groups_column="teams",
    )

    def config(source_id: str, overlap_s: float) -> SqlSourceConfig:
        return SqlSourceConfig(
            source_id=source_id,
            url=postgres,
            table=table_name,
            mapping=mapping,
            watermark_column="updated_at",
            overlap_s=overlap_s,
        )

    settings = Settings(connectors=ConnectorSettings(state_dir=tmp_path / "state"))

    def run(source_id: str, overlap_s: float) -> list[ChangeEvent]:
        publisher = InMemoryPublisher()
        SqlSource(config(source_id, overlap_s), settings, publisher).run(
            threading.Event(), once=True
        )
        return publisher.events

    late = engine.connect()
    try:
        late_tx = late.begin()
        late.execute(
            sa.text(
                f'INSERT INTO "{table_name}" (id, body, readers, teams) '
                "VALUES (1, 'late', ARRAY['alice','bob'], '{sales}')"
            )
        )
        time.sleep(0.05)
        with engine.begin() as conn:
            conn.execute(sa.text(f"INSERT INTO \"{table_name}\" (id, body) VALUES (2, 'early')"))
        assert [e.document_id for e in run("with-overlap", 300)] == ["2"]
        assert [e.document_id for e in run("no-overlap", 0)] == ["2"]
        late_tx.commit()
    finally:
        late.close()
    caught = run("with-overlap", 300)
    assert [(e.document_id, e.op) for e in caught] == [("1", Op.UPSERT)]
    assert caught[0].acl.users == ("alice", "bob")
    assert caught[0].acl.groups == ("sales",)
    assert run("no-overlap", 0) == []  # what the overlap window is for
    engine.dispose()


def test_connect_sql_cli_publishes_to_kafka(
    postgres: str, table_name: str, ns: Namespace, tmp_path: Path
) -> None:
    engine = sa.create_engine(postgres)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f'CREATE TABLE "{table_name}" (id int PRIMARY KEY, title text, body text, '
                "updated_at timestamptz NOT NULL DEFAULT now())"
            )
        )
        conn.execute(
            sa.text(
                f'INSERT INTO "{table_name}" (id, title, body) VALUES '
                "(1, 'Refunds', 'Refunds take five days.'), (2, 'Shipping', 'We ship daily.')"
            )
        )
    engine.dispose()
    config = tmp_path / "sql.yaml"
    config.write_text(
        json.dumps(
            {
                "source_id": "kb",
                "url": PG_URL.replace(PG_PASSWORD, "${TEST_PG_PASSWORD}"),
                "table": table_name,
                "watermark_column": "updated_at",
                "mapping": {
                    "id_column": "id",
                    "text_template": "# {title}\n\n{body}",
                    "title_template": "{title}",
                },
            }
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ragstream.cli_sources",
            "connect",
            "sql",
            "--config",
            str(config),
            "--once",
        ],
        cwd=REPO,
        env={**os.environ, **ns.env, "TEST_PG_PASSWORD": PG_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["upserts"] == 2
    records = read_topic(ns.settings.kafka.bootstrap_servers, ns.settings.kafka.changes_topic)
    events = sorted(
        (ChangeEvent.from_bytes(value) for _key, value in records if value is not None),
        key=lambda e: e.document_id,
    )
    assert [(e.key, e.title) for e in events] == [("kb/1", "Refunds"), ("kb/2", "Shipping")]
    assert {key for key, _ in records} == {b"kb/1", b"kb/2"}

    # a bad configuration is a clear error, not a traceback
    config.write_text("source_id: kb\nurl: sqlite://\n")
    bad = subprocess.run(
        [sys.executable, "-m", "ragstream.cli_sources", "connect", "sql", "--config", str(config)],
        cwd=REPO,
        env={**os.environ, **ns.env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "error:" in bad.stderr and "mapping" in bad.stderr
    assert "Traceback" not in bad.stderr
