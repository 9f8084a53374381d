"""Decoding of records into typed events: poison records become dead letters with a reason."""

from __future__ import annotations

from schemas import ChangeEvent, Op, Stage
from streams.stages import RawRecord, decode_batch, passthrough_document


def _valid() -> bytes:
    return ChangeEvent(
        source_id="s", document_id="d", op=Op.UPSERT, version=1, content="hello"
    ).to_bytes()


def test_good_records_decode_and_bad_ones_are_dead_lettered_in_order() -> None:
    """One poison record never stops the batch: the valid ones still come out."""
    records = [
        RawRecord(b"{oops", b"k1", "t", 0, 10),
        RawRecord(_valid(), b"s/d", "t", 0, 11),
        RawRecord(b"\xff\xfe", b"k3", "t", 1, 12),
        RawRecord(None, b"k4", "t", 1, 13),
        RawRecord(b'{"op": "upsert"}', b"k5", "t", 1, 14),
        RawRecord(b"x" * 2000, b"k6", "t", 1, 15),
    ]
    out = decode_batch(records, ChangeEvent, Stage.DECODE, max_bytes=1000)
    assert [ev.document_id for _, ev in out.ok] == ["d"]
    reasons = {d.key: d for d in out.dead}
    assert set(reasons) == {"k1", "k3", "k5", "k6"}
    assert out.tombstones == 1
    assert reasons["k3"].error_class == "UnicodeDecodeError"
    assert "source_id" in reasons["k5"].message and "version" in reasons["k5"].message
    assert "oversized" in reasons["k6"].message
    assert reasons["k1"].offset == 10 and reasons["k1"].partition == 0


def test_validation_messages_do_not_echo_input_values() -> None:
    """Dead-letter reasons name fields and problems, never the (possibly personal) values."""
    bad = (
        b'{"source_id": "s", "document_id": "d", "op": "upsert", "version": "jane.doe@example.com"}'
    )
    out = decode_batch([RawRecord(bad, b"k")], ChangeEvent, Stage.DECODE, max_bytes=10_000)
    assert "jane.doe" not in out.dead[0].message
    assert "version" in out.dead[0].message


def test_passthrough_keeps_text_and_identity() -> None:
    """With compliance switched off the document is handed on unchanged."""
    ev = ChangeEvent(source_id="s", document_id="d", op=Op.UPSERT, version=4, content="text")
    doc = passthrough_document(ev)
    assert (doc.key, doc.version, doc.text, doc.event_id) == (ev.key, 4, "text", ev.event_id)


def test_a_poison_item_is_isolated_and_the_rest_processed() -> None:
    """One document that crashes a stage is singled out; the others in its batch go on."""
    from streams.stages import run_isolating

    def stage(items: object) -> list[int]:
        values = list(items)  # type: ignore[call-overload]
        if 13 in values:
            raise ValueError("unlucky document")
        return [v * 2 for v in values]

    out = run_isolating(stage, [1, 13, 3])
    assert out.ok == [(1, 2), (3, 6)]
    assert [(item, str(exc)) for item, exc in out.poison] == [(13, "unlucky document")]


def test_a_stage_failing_on_every_item_crashes_loudly() -> None:
    """When nothing succeeds even alone, it is a bug, not poison: no silent dead-lettering."""
    import pytest

    from streams.stages import run_isolating

    def broken(items: object) -> list[int]:
        raise RuntimeError("model file missing")

    with pytest.raises(RuntimeError, match="model file missing"):
        run_isolating(broken, [1, 2, 3])
