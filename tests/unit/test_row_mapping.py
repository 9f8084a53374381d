"""Row -> document mapping shared by the SQL source and the Debezium translation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from schemas import Op
from schemas.row_mapping import RowMapping, RowMappingError, render, value_list

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("alice, bob,,alice", ("alice", "bob")),
        (["alice", "bob"], ("alice", "bob")),
        ('["a", "b"]', ("a", "b")),
        ('{sales,"hr team"}', ("sales", "hr team")),
        ("", ()),
    ],
)
def test_acl_values(value: object, expected: tuple[str, ...]) -> None:
    assert value_list(value) == expected


def test_render_values_and_specs() -> None:
    row = {
        "a": None,
        "when": datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        "day": date(2025, 1, 2),
        "amount": Decimal("12.50"),
        "ok": True,
        "n": 3.14159,
    }
    assert render("[{a}] {when} {day} {amount} {ok} {n:.2f} {{x}}", row) == (
        "[] 2025-01-02T03:04:00+00:00 2025-01-02 12.50 true 3.14 {x}"
    )
    with pytest.raises(RowMappingError, match="'missing'"):
        render("{missing}", row)


def test_document_and_events() -> None:
    mapping = RowMapping(
        id_columns=("tenant", "id"),
        text_template="{body}",
        document_id_prefix="t/",
        acl_users_column="users",
        tags_column="tags",
        tags=("x",),
        classification_column="cls",
        metadata_columns=("tenant", "none"),
    )
    row = {
        "tenant": "acme",
        "id": 7,
        "body": "hello",
        "users": ["u1"],
        "tags": "b,a",
        "cls": "",
        "none": None,
    }
    doc = mapping.to_document(row)
    assert doc.document_id == "t/acme/7"
    assert doc.tags == ("a", "b", "x")
    assert doc.classification_hint is None
    assert doc.metadata == {"tenant": "acme"}
    event = doc.upsert("src", 5)
    assert (event.key, event.op, event.version, event.content) == (
        "src/t/acme/7",
        Op.UPSERT,
        5,
        "hello",
    )
    assert doc.content_hash() == mapping.to_document(dict(row)).content_hash()
    assert doc.content_hash() != mapping.to_document({**row, "body": "other"}).content_hash()
    with pytest.raises(RowMappingError, match="empty"):
        mapping.document_id({**row, "id": " "})
    assert mapping.columns() == ("tenant", "id", "body", "users", "cls", "tags", "none")
