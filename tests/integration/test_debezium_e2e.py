"""Debezium end to end: real PostgreSQL -> real Debezium connector in Kafka Connect -> worker
(debezium agent -> compliance -> chunk_embed -> sink) -> OpenSearch.

Rows inserted, updated and deleted in a table appear, change and disappear in the index;
the replication slot and publication are dropped at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import Namespace, wait_for
from tests.integration.helpers import consistency_problems

PG_PORT = int(os.environ.get("RAGSTREAM_POSTGRES_PORT", "5432"))
PG_PASSWORD = os.environ.get("RAGSTREAM_POSTGRES_PASSWORD", "postgres")
PG_DB = os.environ.get("RAGSTREAM_POSTGRES_DB", "ragstream")
CONNECT = os.environ.get("RAGSTREAM_CONNECT_URL", "http://127.0.0.1:8083")


def _pg() -> psycopg.Connection[Any]:
    return psycopg.connect(
        host="127.0.0.1",
        port=PG_PORT,
        user="postgres",
        password=PG_PASSWORD,
        dbname=PG_DB,
        connect_timeout=5,
        autocommit=True,
    )


def _connect(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        CONNECT + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


@pytest.fixture
def cdc(stack: None) -> None:
    """PostgreSQL and Kafka Connect with Debezium must be up (scripts/test.sh starts them)."""
    try:
        with _pg() as conn:
            conn.execute("SELECT 1")
        plugins = _connect("GET", "/connector-plugins")
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL or Kafka Connect unreachable ({exc}); "
            "run `RAGSTREAM_STACK_CDC=1 bash compose/stack.sh up`"
        )
    assert any("PostgresConnector" in p["class"] for p in plugins), plugins


@pytest.fixture
def table(cdc: None, ns: Namespace) -> Iterator[tuple[str, str]]:
    """A fresh table, a Debezium connector capturing only it; slot and publication dropped."""
    name = f"notes_{uuid.uuid4().hex[:8]}"
    connector = f"rs-{name}"
    slot = f"slot_{name}"
    publication = f"pub_{name}"
    with _pg() as conn:
        conn.execute(
            f"CREATE TABLE public.{name} (id integer PRIMARY KEY, title text, body text, "
            "readers text)"
        )
        conn.execute(f"ALTER TABLE public.{name} REPLICA IDENTITY FULL")
    _connect(
        "POST",
        "/connectors",
        {
            "name": connector,
            "config": {
                "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "plugin.name": "pgoutput",
                "database.hostname": "127.0.0.1",
                "database.port": str(PG_PORT),
                "database.user": "postgres",
                "database.password": PG_PASSWORD,
                "database.dbname": PG_DB,
                "topic.prefix": ns.name,
                "table.include.list": f"public.{name}",
                "slot.name": slot,
                "publication.name": publication,
                "publication.autocreate.mode": "filtered",
                "snapshot.mode": "initial",
                "tombstones.on.delete": "true",
            },
        },
    )
    try:
        yield name, f"{ns.name}.public.{name}"
    finally:
        with contextlib.suppress(urllib.error.HTTPError):
            _connect("DELETE", f"/connectors/{connector}")

        def slot_dropped() -> bool:
            with _pg() as conn:
                active = conn.execute(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
                ).fetchone()
                if active is None:
                    return True
                if active[0]:
                    return False
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                return True

        wait_for(slot_dropped, 60, "the replication slot to be released and dropped")
        with _pg() as conn:
            conn.execute(f"DROP PUBLICATION IF EXISTS {publication}")
            conn.execute(f"DROP TABLE IF EXISTS public.{name}")


def _live(ns: Namespace) -> dict[str, dict[str, Any]]:
    return {d["document_id"]: d for d in ns.documents()}


def test_rows_flow_from_postgres_through_debezium_to_the_index(
    ns: Namespace, table: tuple[str, str], tmp_path: Path
) -> None:
    name, topic = table
    mapping = tmp_path / "debezium.yaml"
    mapping.write_text(
        json.dumps(
            {
                "tables": {
                    f"public.{name}": {
                        "source_id": "crm",
                        "mapping": {
                            "id_column": "id",
                            "title_template": "{title}",
                            "text_template": "{title}\n\n{body}",
                            "acl_users_column": "readers",
                        },
                    }
                }
            }
        )
    )
    with _pg() as conn:
        conn.execute(
            f"INSERT INTO public.{name} VALUES (1, 'Boiler service', "
            "'The boiler in building seven is serviced every spring. marker-one', 'ops'), "
            "(2, 'Roof inspection', 'Inspect the roof drains before winter. marker-two', NULL)"
        )
    ns.spawn(
        ["worker"],
        "worker",
        {
            "RAGSTREAM_DEBEZIUM__TOPICS": json.dumps([topic]),
            "RAGSTREAM_DEBEZIUM__CONFIG_FILE": str(mapping),
            "RAGSTREAM_EMBEDDING__BACKEND": "hashing",
        },
    )

    def snapshot_indexed() -> dict[str, dict[str, Any]] | None:
        live = _live(ns)
        return live if {"1", "2"} <= set(live) else None

    live = wait_for(snapshot_indexed, 180, "the snapshot rows to be indexed")
    assert "marker-one" in live["1"]["text"]
    assert live["1"]["source_id"] == "crm" and live["1"]["acl_users"] == ["ops"]

    with _pg() as conn:
        conn.execute(
            f"UPDATE public.{name} SET body = 'Serviced in autumn now. marker-three' WHERE id = 1"
        )
        conn.execute(f"DELETE FROM public.{name} WHERE id = 2")
        conn.execute(
            f"INSERT INTO public.{name} VALUES (3, 'Fire drill', 'Twice a year. marker-four', NULL)"
        )

    def changes_applied() -> dict[str, dict[str, Any]] | None:
        live = _live(ns)
        ok = (
            set(live) == {"1", "3"}
            and "marker-three" in live["1"]["text"]
            and not consistency_problems(ns)
        )
        return live if ok else None

    live = wait_for(changes_applied, 120, "the update, delete and insert to be applied")
    assert all("marker-two" not in c["text"] for c in ns.chunks())
    assert all("marker-one" not in c["text"] for c in ns.chunks())
