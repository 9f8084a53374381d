"""Event models: validation, wire format, deterministic ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import (
    ChangeEvent,
    Chunk,
    CleanDocument,
    DeadLetter,
    EmbeddedDocument,
    Op,
    Stage,
    chunk_id_for,
    document_key,
)
from schemas.export import json_schemas


def test_change_event_round_trips_through_bytes() -> None:
    """A published event decodes to an equal event on the consumer side."""
    ev = ChangeEvent(source_id="fs", document_id="a/b.md", op=Op.UPSERT, version=3, content="hi")
    assert ChangeEvent.from_bytes(ev.to_bytes()) == ev
    assert ev.key == "fs/a/b.md"


def test_upsert_without_content_and_delete_with_content_are_rejected() -> None:
    """The op and the content must agree, so a sink never indexes an empty upsert."""
    with pytest.raises(ValidationError, match="upsert needs content"):
        ChangeEvent(source_id="fs", document_id="x", op=Op.UPSERT, version=1)
    with pytest.raises(ValidationError, match="delete carries no content"):
        ChangeEvent(source_id="fs", document_id="x", op=Op.DELETE, version=1, content="x")


def test_unknown_fields_and_bad_source_ids_are_rejected() -> None:
    """Wrong schemas fail validation instead of being silently accepted."""
    with pytest.raises(ValidationError):
        ChangeEvent.model_validate(
            {"source_id": "fs", "document_id": "x", "op": "delete", "version": 1, "surprise": 1}
        )
    with pytest.raises(ValidationError):
        ChangeEvent(source_id="has/slash", document_id="x", op=Op.DELETE, version=1)


def test_chunk_ids_are_deterministic_and_distinct() -> None:
    """Replays produce the same ids; other index or version produce other ids."""
    key = document_key("fs", "doc.md")
    assert chunk_id_for(key, 0, 5) == chunk_id_for(key, 0, 5)
    ids = {chunk_id_for(key, i, v) for i in range(5) for v in range(5)}
    assert len(ids) == 25
    assert chunk_id_for("fs/a", 1, 1) != chunk_id_for("fs/a1", 1, 1)


def test_embeddings_travel_as_compact_float32() -> None:
    """Vectors survive the wire (float32 precision) and take far less room than JSON floats."""
    doc = CleanDocument(
        event_id="e",
        source_id="s",
        document_id="d",
        op=Op.UPSERT,
        version=1,
        occurred_at=datetime.now(UTC),
        text="abc",
    )
    vec = tuple(i / 384 for i in range(384))
    item = EmbeddedDocument(
        document=doc,
        model_id="m",
        chunks=(Chunk(chunk_id="c", index=0, text="abc", start=0, end=3, embedding=vec),),
    )
    raw = item.to_bytes()
    back = EmbeddedDocument.from_bytes(raw)
    assert back.chunks[0].embedding == pytest.approx(vec, abs=1e-7)
    assert len(raw) < 3000


def test_dead_letter_keeps_original_bytes_and_truncates_oversized() -> None:
    """A dead letter can be replayed byte for byte, and huge payloads keep a bounded prefix."""
    letter = DeadLetter.wrap(Stage.DECODE, ValueError("bad"), b"\xff\x00raw", key="k")
    assert letter.original() == b"\xff\x00raw" and letter.error_class == "ValueError"
    big = DeadLetter.wrap(Stage.DECODE, "oversized", b"x" * 5000, max_original_bytes=100)
    assert big.original_size == 5000 and len(big.original()) == 100


def test_json_schemas_are_exported_with_versions() -> None:
    """Every wire model has a JSON Schema that names its schema_version."""
    schemas = json_schemas()
    assert {"ChangeEvent", "CleanDocument", "EmbeddedDocument", "AuditRecord", "DeadLetter"} <= set(
        schemas
    )
    for schema in schemas.values():
        assert "schema_version" in schema["properties"]
        json.dumps(schema)
