"""Stage functions: the sink's erasure fence and newest-version selection."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import CleanDocument, EmbeddedDocument, Op
from streams.pipeline import erasure_fence, last_version_per_key


def _item(doc_id: str, version: int, subjects: tuple[str, ...] = ()) -> EmbeddedDocument:
    doc = CleanDocument(
        event_id=f"{doc_id}-{version}",
        source_id="s",
        document_id=doc_id,
        op=Op.UPSERT,
        version=version,
        occurred_at=datetime.now(UTC),
        text="some text",
        title="a title",
        subject_ids=subjects,
    )
    return EmbeddedDocument(document=doc, model_id="m", chunks=())


def test_versions_of_erased_subjects_become_versioned_deletes() -> None:
    items = [_item("a", 3, ("sid-erased", "sid-other")), _item("b", 4, ("sid-other",))]
    out, blocked = erasure_fence(items, frozenset({"sid-erased"}))
    assert [b.key for b in blocked] == ["s/a"]
    gone = out[0].document
    assert (gone.op, gone.version, gone.text, gone.title) == (Op.DELETE, 3, None, None)
    assert out[0].chunks == ()
    assert out[1] == items[1]


def test_without_erasures_nothing_changes() -> None:
    items = [_item("a", 1, ("sid",))]
    assert erasure_fence(items, frozenset()) == (items, [])


def test_only_the_newest_version_of_a_document_in_a_batch_is_written() -> None:
    newest = last_version_per_key([_item("a", 1), _item("a", 3), _item("a", 2), _item("b", 1)])
    assert sorted((i.key, i.document.version) for i in newest) == [("s/a", 3), ("s/b", 1)]
