"""The logic of each stage as plain functions over batches; app.py only moves bytes.

Errors travel as data: every function returns what succeeded and, separately, dead letters
for what can never succeed (poison records). Transient failures raise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from pydantic import ValidationError

from schemas import (
    AuditRecord,
    ChangeEvent,
    Chunk,
    CleanDocument,
    DeadLetter,
    EmbeddedDocument,
    Op,
    Stage,
    SubjectRequest,
    chunk_id_for,
)
from streams.chunking import TokenChunker
from streams.embedding import Embedder
from streams.runner import is_transient


@dataclass(frozen=True)
class RawRecord:
    """A Kafka record as the stage got it."""

    value: bytes | None
    key: bytes | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    def key_text(self) -> str | None:
        if self.key is None:
            return None
        return self.key.decode("utf-8", errors="replace")

    def dead(self, stage: Stage, error: BaseException | str) -> DeadLetter:
        return DeadLetter.wrap(
            stage,
            error,
            self.value or b"",
            topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            key=self.key_text(),
        )


T = TypeVar("T", ChangeEvent, CleanDocument, EmbeddedDocument, SubjectRequest)


@dataclass
class Decoded(Generic[T]):
    ok: list[tuple[RawRecord, T]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    tombstones: int = 0


def decode_batch(
    records: Sequence[RawRecord], model: type[T], stage: Stage, max_bytes: int
) -> Decoded[T]:
    """Parse records into ``model``; oversized, undecodable or invalid ones become dead letters."""
    out: Decoded[T] = Decoded()
    for rec in records:
        if rec.value is None:
            # A compaction tombstone (erasure): nothing to process, nothing lost.
            out.tombstones += 1
            continue
        if len(rec.value) > max_bytes:
            out.dead.append(
                rec.dead(stage, f"oversized: {len(rec.value)} bytes > limit {max_bytes}")
            )
            continue
        try:
            text = rec.value.decode("utf-8")
            parsed = model.model_validate_json(text)
        except UnicodeDecodeError as exc:
            out.dead.append(rec.dead(stage, exc))
            continue
        except ValidationError as exc:
            out.dead.append(rec.dead(stage, _short_validation_error(exc)))
            continue
        out.ok.append((rec, parsed))
    return out


def _short_validation_error(exc: ValidationError) -> str:
    """The field paths and problems of a validation error, without the input values."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()]
    return f"schema validation failed: {'; '.join(parts)}"[:2000]


@dataclass(frozen=True)
class ComplianceOutcomeLike:
    """What the compliance stage hands on for one event."""

    document: CleanDocument
    audit: AuditRecord | None


class ComplianceStage(Protocol):
    def warm_up(self) -> None: ...

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]: ...


class PassthroughCompliance:
    """Compliance switched off (``RAGSTREAM_COMPLIANCE__ENABLED=false``): text unchanged."""

    def warm_up(self) -> None:
        return None

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]:
        return [ComplianceOutcomeLike(passthrough_document(e), None) for e in events]


def passthrough_document(event: ChangeEvent) -> CleanDocument:
    return CleanDocument(
        event_id=event.event_id,
        source_id=event.source_id,
        document_id=event.document_id,
        op=event.op,
        version=event.version,
        occurred_at=event.occurred_at,
        text=event.content,
        content_type=event.content_type,
        title=event.title,
        uri=event.uri,
        metadata=event.metadata,
        acl=event.acl,
        tags=event.tags,
    )


class ChunkEmbedStage:
    """Cuts clean documents into token windows and embeds them."""

    def __init__(self, chunker: TokenChunker, embedder: Embedder) -> None:
        self._chunker = chunker
        self._embedder = embedder

    def warm_up(self) -> None:
        self._chunker.warm_up()
        self._embedder.warm_up()

    def process(self, docs: Sequence[CleanDocument]) -> list[EmbeddedDocument]:
        spans_per_doc = [
            self._chunker.split(d.text or "") if d.op is Op.UPSERT else [] for d in docs
        ]
        flat = [s.text for spans in spans_per_doc for s in spans]
        vectors = self._embedder.embed(flat) if flat else None
        out: list[EmbeddedDocument] = []
        row = 0
        for doc, spans in zip(docs, spans_per_doc, strict=True):
            chunks = []
            for span in spans:
                assert vectors is not None
                chunks.append(
                    Chunk(
                        chunk_id=chunk_id_for(doc.key, span.index, doc.version),
                        index=span.index,
                        text=span.text,
                        start=span.start,
                        end=span.end,
                        embedding=tuple(float(x) for x in vectors[row]),
                    )
                )
                row += 1
            out.append(
                EmbeddedDocument(
                    document=doc, model_id=self._embedder.model_id, chunks=tuple(chunks)
                )
            )
        return out


In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class Isolated(Generic[In, Out]):
    ok: list[tuple[In, Out]] = field(default_factory=list)
    poison: list[tuple[In, Exception]] = field(default_factory=list)


def run_isolating(
    fn: Callable[[Sequence[In]], Sequence[Out]], items: Sequence[In]
) -> Isolated[In, Out]:
    """Run ``fn`` on the batch; if it raises, run each item alone to find the poison ones.

    When every item of a batch of several fails on its own too, the fault is not in the data
    (a bug, a broken model file): the first error is raised, so the worker crashes loudly
    instead of dead-lettering the whole stream. A transient failure (an outage, see
    :func:`streams.runner.is_transient`) is raised at once: it is never a poison record.
    """
    out: Isolated[In, Out] = Isolated()
    try:
        results = fn(items)
    except Exception as exc:  # retried item by item below, to tell poison from bug
        if is_transient(exc):
            raise  # an outage is never the record's fault: the runner retries the batch
    else:
        out.ok = list(zip(items, results, strict=True))
        return out
    for item in items:
        try:
            out.ok.append((item, fn([item])[0]))
        except Exception as exc:  # a poison record: dead-lettered by the caller
            if is_transient(exc):
                raise
            out.poison.append((item, exc))
    if len(items) > 1 and not out.ok:
        raise out.poison[0][1]
    return out
