"""Debezium -> ChangeEvent translation with recorded events (tests/fixtures/debezium/NOTICE)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from schemas import Op
from schemas.row_mapping import RowMapping
from streams.debezium import (
    DebeziumConfig,
    DebeziumError,
    DebeziumTable,
    Ignored,
    Translated,
    Truncated,
    translate,
    translate_record,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "debezium"
CUSTOMERS = DebeziumTable(
    source_id="crm",
    mapping=RowMapping(
        id_column="id",
        text_template="{first_name} {last_name} <{email}>",
        title_template="{first_name} {last_name}",
        document_id_prefix="customer/",
        tags=("crm",),
    ),
)
PRODUCTS = DebeziumTable(
    source_id="shop",
    mapping=RowMapping(
        id_column="id",
        text_template="{name}: {description} ({weight} kg)",
        title_template="{name}",
    ),
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def lines(name: str) -> list[bytes]:
    return [line for line in fixture(name).splitlines() if line.strip()]


def event_of(outcome: object) -> Any:
    assert isinstance(outcome, Translated), outcome
    return outcome.event


def test_create_with_schema_envelope() -> None:
    event = event_of(translate(fixture("create.value.json"), CUSTOMERS))
    assert event.key == "crm/customer/1"
    assert event.op is Op.UPSERT
    assert event.content == "Anne Kretchmar <annek@noanswer.org>"
    assert event.title == "Anne Kretchmar"
    assert event.version == 24023128  # source.lsn
    assert event.occurred_at == datetime.fromtimestamp(1559033904.863, tz=UTC)
    assert event.tags == ("crm",)


def test_update_and_delete() -> None:
    update = event_of(translate(fixture("update.value.json"), CUSTOMERS))
    assert (update.op, update.content) == (Op.UPSERT, "Anne Marie Kretchmar <annek@noanswer.org>")
    delete = event_of(translate(fixture("delete.value.json"), CUSTOMERS))
    assert (delete.key, delete.op, delete.version, delete.content) == (
        "crm/customer/1",
        Op.DELETE,
        46523128,
        None,
    )


def test_truncate_is_a_typed_outcome() -> None:
    outcome = translate(fixture("truncate.value.json"), CUSTOMERS)
    assert outcome == Truncated(
        source_id="crm",
        table="public.customers",
        version=46523128,
        occurred_at=datetime.fromtimestamp(1559033904.863, tz=UTC),
    )


def test_logical_message_and_tombstone_are_ignored() -> None:
    assert translate(fixture("message-transactional.value.json"), CUSTOMERS) == Ignored(
        "logical decoding message"
    )
    assert translate(None, CUSTOMERS) == Ignored("tombstone")
    assert translate(b'{"schema": null, "payload": null}', CUSTOMERS) == Ignored("tombstone")


def test_stream_with_keys_in_order() -> None:
    """create, update, delete, tombstone. (The documentation's example gives the create and
    the update the same LSN; real PostgreSQL LSNs grow with every change.)"""
    outcomes = []
    for line in lines("stream.jsonl"):
        record = json.loads(line)
        value = None if record["value"] is None else json.dumps(record["value"])
        outcomes.append(translate(value, CUSTOMERS, key=json.dumps(record["key"])))
    kinds = [
        (o.event.op, o.event.version) if isinstance(o, Translated) else type(o).__name__
        for o in outcomes
    ]
    assert kinds == [
        (Op.UPSERT, 24023128),
        (Op.UPSERT, 24023128),
        (Op.DELETE, 46523128),
        "Ignored",
    ]


@pytest.mark.parametrize(
    "name",
    ["debezium-postgres-data-schema-include.txt", "debezium-postgres-data-replica-identity.txt"],
)
def test_recorded_postgres_events(name: str) -> None:
    """Snapshot reads, creates, updates and a delete from a real Debezium 1.2.1 capture;
    versions (LSNs) grow per document."""
    keyed = name.endswith("replica-identity.txt")
    events = []
    for line in lines(name):
        value = json.loads(line)
        payload = value.get("payload", value)
        # REPLICA IDENTITY DEFAULT: the delete has no 'before'; the Kafka key names the row
        key = {"id": 111} if keyed and payload["op"] == "d" else None
        events.append(event_of(translate(line, PRODUCTS, key=key)))
    assert [e.op for e in events].count(Op.UPSERT) == 15
    assert [(e.document_id, e.op) for e in events][-1] == ("111", Op.DELETE)
    assert events[0].content == "scooter: Small 2-wheel scooter (3.14 kg)"
    updated = [e for e in events if e.document_id == "106"]
    assert [e.content for e in updated] == [
        "hammer: 16oz carpenter's hammer (1.0 kg)",
        "hammer: 18oz carpenter hammer (1.0 kg)",
    ]
    by_doc: dict[str, int] = {}
    for event in events:
        assert event.version > by_doc.get(event.document_id, -1)
        by_doc[event.document_id] = event.version


def test_delete_without_before_or_key_is_an_error() -> None:
    delete = lines("debezium-postgres-data-replica-identity.txt")[-1]
    with pytest.raises(DebeziumError, match="REPLICA IDENTITY"):
        translate(delete, PRODUCTS)


def test_version_falls_back_to_ts_ms() -> None:
    value = {
        "before": None,
        "after": {"id": 7, "first_name": "A", "last_name": "B", "email": "a@b"},
        "source": {
            "connector": "mysql",
            "db": "shop",
            "table": "customers",
            "ts_ms": 1700000000000,
        },
        "op": "c",
        "ts_ms": 1700000000500,
    }
    assert event_of(translate(value, CUSTOMERS)).version == 1700000000000
    del value["source"]
    assert event_of(translate(value, CUSTOMERS)).version == 1700000000500


def test_bad_records_raise() -> None:
    with pytest.raises(DebeziumError, match="not JSON"):
        translate(b"{nope", CUSTOMERS)
    with pytest.raises(DebeziumError, match="op"):
        translate(b'{"after": {"id": 1}}', CUSTOMERS)
    with pytest.raises(DebeziumError, match="after"):
        translate(b'{"op": "c", "after": null, "ts_ms": 1}', CUSTOMERS)
    with pytest.raises(DebeziumError, match="first_name"):
        translate(b'{"op": "c", "after": {"id": 1}, "ts_ms": 1}', CUSTOMERS)
    with pytest.raises(DebeziumError, match="no version"):
        translate(b'{"op": "c", "after": {"id": 1}}', CUSTOMERS)


def test_logical_types_are_decoded_with_a_schema() -> None:
    schema = {
        "type": "struct",
        "fields": [
            {
                "type": "struct",
                "field": "after",
                "fields": [
                    {"type": "int32", "field": "id"},
                    {"type": "int32", "field": "born", "name": "io.debezium.time.Date"},
                    {"type": "int64", "field": "seen", "name": "io.debezium.time.MicroTimestamp"},
                    {
                        "type": "bytes",
                        "field": "balance",
                        "name": "org.apache.kafka.connect.data.Decimal",
                        "parameters": {"scale": "2"},
                    },
                ],
            }
        ],
    }
    payload = {
        "op": "c",
        "after": {
            "id": 1,
            "born": 19000,
            "seen": 1_700_000_000_123_456,
            "balance": base64.b64encode((12345).to_bytes(2, "big", signed=True)).decode(),
        },
        "source": {"lsn": 10, "schema": "public", "table": "accounts"},
    }
    table = DebeziumTable(
        source_id="bank",
        mapping=RowMapping(id_column="id", text_template="{born} {seen} {balance}"),
    )
    event = event_of(translate({"schema": schema, "payload": payload}, table))
    assert event.content == f"{date(2022, 1, 8)} 2023-11-14T22:13:20.123456 {Decimal('123.45')}"


def test_routing_by_table() -> None:
    config = DebeziumConfig(tables={"public.customers": CUSTOMERS})
    assert isinstance(translate_record(config, fixture("create.value.json")), Translated)
    assert isinstance(translate_record(config, fixture("truncate.value.json")), Truncated)
    other = lines("debezium-postgres-data-replica-identity.txt")[0]
    assert translate_record(config, other) == Ignored("table inventory.products not configured")
    assert translate_record(config, None) == Ignored("tombstone")
    message = fixture("message-transactional.value.json")
    assert translate_record(config, message) == Ignored("logical decoding message")


def test_delete_id_from_the_documented_key() -> None:
    value = json.loads(fixture("delete.value.json"))
    value["payload"]["before"] = None
    event = event_of(translate(value, CUSTOMERS, key=fixture("key.json")))
    assert (event.key, event.op) == ("crm/customer/1", Op.DELETE)
