"""The logic of each stage as plain functions over batches; app.py only moves bytes.

Errors travel as data: every function returns what succeeded and, separately, dead letters
for what can never succeed (poison records). Transient failures raise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from infra.metrics import CHUNK_VECTORS
from schemas import (
    AuditRecord,
    ChangeEvent,
    Chunk,
    CleanDocument,
    DeadLetter,
    EmbeddedDocument,
    Op,
    QuarantineRecord,
    Stage,
    SubjectRequest,
    chunk_id_for,
)
from streams.chunking import Chunker, embed_inputs
from streams.embedding import Embedder
from streams.runner import is_transient
from streams.search_vectors import StoredVectors, VectorCache, model_tag, vector_key


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
    quarantine: QuarantineRecord | None = None
    """A quarantined event, raw as received, for the restricted quarantine topic."""


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
    """Cuts clean documents into chunks and embeds them, reusing vectors of unchanged chunks.

    What the model embeds for a chunk is its title, the headings above it and its text
    (:func:`streams.chunking.embed_inputs`). A chunk whose embedding input is unchanged keeps
    its vector without a model call: first from an LRU cache of recent vectors (``cache_size``
    entries of 1.5 kB, 0 = off), then from ``stored`` (the document's chunks already in the
    index, :class:`streams.search_vectors.IndexedVectors`). Errors of ``stored`` raise
    (the stage runner retries transient ones). ``ragstream_chunk_vectors_total{origin}``
    counts vectors computed and reused. Chunks are stored with ``model_id`` set to the
    embedder's model id plus the input format (:func:`streams.search_vectors.model_tag`).
    """

    def __init__(
        self,
        chunker: Chunker,
        embedder: Embedder,
        *,
        stored: StoredVectors | None = None,
        cache_size: int = 20_000,
    ) -> None:
        self._chunker = chunker
        self._embedder = embedder
        self._stored = stored
        self._cache = VectorCache(cache_size)
        self.computed = 0
        """Vectors computed by the model since start (the metric counts them too)."""
        self.reused = 0

    def warm_up(self) -> None:
        self._chunker.warm_up()
        self._embedder.warm_up()

    def process(self, docs: Sequence[CleanDocument]) -> list[EmbeddedDocument]:
        tag = model_tag(self._embedder.model_id)
        spans_per_doc = [
            self._chunker.split(d.text or "") if d.op is Op.UPSERT else [] for d in docs
        ]
        keys_per_doc: list[list[str]] = []
        inputs: dict[str, str] = {}  # key -> embedding input, of vectors not at hand yet
        vectors: dict[str, NDArray[np.float32]] = {}
        origin: dict[str, str] = {}
        for doc, spans in zip(docs, spans_per_doc, strict=True):
            texts = embed_inputs(doc.title, [s.text for s in spans])
            keys = [vector_key(tag, t) for t in texts]
            keys_per_doc.append(keys)
            for key, text in zip(keys, texts, strict=True):
                cached = self._cache.get(key)
                if cached is not None:
                    vectors[key], origin[key] = cached, "cache"
                else:
                    inputs[key] = text
        if inputs and self._stored is not None:
            wanted = [
                d.key
                for d, keys in zip(docs, keys_per_doc, strict=True)
                if any(k in inputs for k in keys)
            ]
            found = self._stored.lookup(wanted, tag)
            for key in [k for k in inputs if k in found]:
                vectors[key], origin[key] = found[key], "index"
                del inputs[key]
        if inputs:
            todo = list(inputs)
            for key, row in zip(todo, self._embedder.embed([inputs[k] for k in todo]), strict=True):
                vectors[key], origin[key] = row, "computed"
        for key, vec in vectors.items():
            self._cache.put(key, vec)
        self._count([origin[k] for keys in keys_per_doc for k in keys])
        out: list[EmbeddedDocument] = []
        for doc, spans, keys in zip(docs, spans_per_doc, keys_per_doc, strict=True):
            chunks = tuple(
                Chunk(
                    chunk_id=chunk_id_for(doc.key, span.index, doc.version),
                    index=span.index,
                    text=span.text,
                    start=span.start,
                    end=span.end,
                    embedding=tuple(float(x) for x in vectors[key]),
                )
                for span, key in zip(spans, keys, strict=True)
            )
            out.append(EmbeddedDocument(document=doc, model_id=tag, chunks=chunks))
        return out

    def _count(self, origins: Sequence[str]) -> None:
        """Count each chunk by where its vector came from (``computed``, ``cache``, ``index``).

        Identical chunks in one batch are embedded once but each counts as computed.
        """
        for name in ("computed", "cache", "index"):
            n = origins.count(name)
            if n:
                CHUNK_VECTORS.labels(origin=name).inc(n)
        self.computed += origins.count("computed")
        self.reused += len(origins) - origins.count("computed")


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
