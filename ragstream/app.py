"""The Faust app: three agents joined by topics. Thin wiring; the logic is in stages.py.

    changes --compliance--> clean --chunk_embed--> chunks --sink--> OpenSearch
       |                      |                       |
       +--> dlq.raw           +--> dlq                +--> dlq
    (raw content: the retention of changes)     (redacted content only)

Each agent takes a batch (``take_events``), runs the CPU-bound or blocking part in a
single-thread executor, awaits delivery of everything it produced, and only then lets Faust
ack the batch, so offsets never run ahead of the downstream write.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar, cast

import faust
from faust.types import EventT, StreamT
from prometheus_client import generate_latest

from infra.identity import worker_name
from infra.logs import get_logger
from infra.metrics import (
    BATCH_SIZE,
    DEAD_LETTERS,
    EVENTS_IN,
    EVENTS_OUT,
    PII_FINDINGS,
    STAGE_SECONDS,
)
from infra.settings import Settings
from schemas import (
    AuditRecord,
    ChangeEvent,
    CleanDocument,
    DeadLetter,
    EmbeddedDocument,
    Stage,
    SubjectRequest,
)
from streams.dsr import AccessReport, DataSubjectService, ErasureReport, audit_for
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import (
    ChunkEmbedStage,
    ComplianceStage,
    RawRecord,
    decode_batch,
    run_isolating,
)

log = get_logger(__name__)
R = TypeVar("R")


class Components:
    """The heavy parts of one worker, built lazily by the factories given."""

    def __init__(
        self,
        compliance: Callable[[], ComplianceStage],
        chunk_embed: Callable[[], ChunkEmbedStage],
        sink: Callable[[], OpenSearchSink],
        dsr: Callable[[], DataSubjectService],
    ) -> None:
        self._factories = (compliance, chunk_embed, sink)
        self._dsr_factory = dsr
        self.compliance: ComplianceStage | None = None
        self.chunk_embed: ChunkEmbedStage | None = None
        self.sink: OpenSearchSink | None = None
        self.dsr: DataSubjectService | None = None

    def get_compliance(self) -> ComplianceStage:
        if self.compliance is None:
            self.compliance = self._factories[0]()
            self.compliance.warm_up()
        return self.compliance

    def get_chunk_embed(self) -> ChunkEmbedStage:
        if self.chunk_embed is None:
            self.chunk_embed = self._factories[1]()
            self.chunk_embed.warm_up()
        return self.chunk_embed

    def get_sink(self) -> OpenSearchSink:
        if self.sink is None:
            self.sink = self._factories[2]()
        return self.sink

    def get_dsr(self) -> DataSubjectService:
        if self.dsr is None:
            self.dsr = self._dsr_factory()
        return self.dsr


def execute_request(service: DataSubjectService, request: SubjectRequest) -> AuditRecord:
    """Carry out one data-subject request and return its audit record."""
    report: AccessReport | ErasureReport | None = None
    if request.kind == "erasure":
        report = service.erase(request)
    elif request.kind == "access":
        report = service.access(request)
    elif request.kind == "opt_out":
        service.opt_out(request)
    elif request.kind == "lift_erasure":
        service.lift_erasure(request)
    return audit_for(request, report, worker_name())


def _records(events: Sequence[EventT[bytes]]) -> list[RawRecord]:
    out = []
    for ev in events:
        m = ev.message
        value = m.value if isinstance(m.value, bytes | type(None)) else bytes(m.value)
        key = m.key if isinstance(m.key, bytes | type(None)) else str(m.key).encode()
        out.append(RawRecord(value, key, m.topic, m.partition, m.offset))
    return out


def _batches(stream: StreamT[bytes], settings: Settings) -> AsyncIterator[list[EventT[bytes]]]:
    """Batches of events; Faust acks them after the loop body for the batch finished."""
    w = settings.worker
    batches: AsyncIterator[list[EventT[bytes]]] = cast(Any, stream).take_events(
        w.take_batch, within=w.take_within_s
    )
    return batches


def build_app(settings: Settings, components: Components) -> faust.App:
    """A Faust app with the compliance, chunk_embed and sink agents."""
    k = settings.kafka
    w = settings.worker
    app = faust.App(
        w.app_id,
        broker=[f"kafka://{h.strip()}" for h in k.bootstrap_servers.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        topic_partitions=k.partitions,
        topic_replication_factor=k.replication_factor,
        producer_acks=-1,
        producer_max_request_size=k.large_message_bytes,
        consumer_max_fetch_size=k.large_message_bytes,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        web_enabled=w.web_port > 0,
        web_port=w.web_port or 6066,
        web_host="127.0.0.1",
        web_bind="127.0.0.1",
        datadir=str(w.data_dir),
        worker_redirect_stdouts=False,
        topic_allow_declare=False,
    )
    app.finalize()

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, value_serializer="raw")

    changes = topic(k.changes_topic)
    clean = topic(k.clean_topic)
    chunks = topic(k.chunks_topic)
    dlq_raw = topic(k.dlq_raw_topic)
    dlq = topic(k.dlq_topic)
    audit = topic(k.audit_topic)

    dsr_topic = topic(k.dsr_topic)
    executors = {
        stage: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ragstream-{stage}")
        for stage in ("compliance", "chunk_embed", "sink", "dsr")
    }

    async def off_loop(stage: str, fn: Callable[[], R]) -> R:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            return await loop.run_in_executor(executors[stage], fn)
        finally:
            STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - started)

    async def deliver(sends: list[Awaitable[Any]]) -> None:
        """Wait until the broker acknowledged every record sent for this batch."""
        futures = [await s for s in sends]
        await asyncio.gather(*futures)

    def dead(target: faust.TopicT, letters: Sequence[DeadLetter]) -> list[Awaitable[Any]]:
        sends: list[Awaitable[Any]] = []
        for letter in letters:
            DEAD_LETTERS.labels(stage=letter.stage.value, error=letter.error_class).inc()
            log.warning(
                "dead_letter",
                stage=letter.stage.value,
                error_class=letter.error_class,
                topic=letter.topic,
                partition=letter.partition,
                offset=letter.offset,
            )
            key = letter.key.encode() if letter.key else None
            sends.append(target.send(key=key, value=letter.to_bytes()))
        return sends

    @app.agent(changes, name="compliance")
    async def compliance_agent(stream: StreamT[bytes]) -> None:
        await off_loop("compliance", components.get_compliance)
        async for events in _batches(stream, settings):
            records = _records(events)
            EVENTS_IN.labels(stage="compliance").inc(len(records))
            BATCH_SIZE.labels(stage="compliance").observe(len(records))
            decoded = decode_batch(records, ChangeEvent, Stage.DECODE, k.max_event_bytes)
            sends = dead(dlq_raw, decoded.dead)
            good = [e for _, e in decoded.ok]
            if good:
                engine = components.get_compliance()
                done = await off_loop("compliance", partial(run_isolating, engine.process, good))
                raw = {id(e): r for r, e in decoded.ok}
                sends += dead(
                    dlq_raw, [raw[id(e)].dead(Stage.COMPLIANCE, exc) for e, exc in done.poison]
                )
                for _, outcome in done.ok:
                    doc = outcome.document
                    for f in doc.findings:
                        PII_FINDINGS.labels(entity=f.entity_type, action=f.action).inc(f.count)
                    sends.append(clean.send(key=doc.key.encode(), value=doc.to_bytes()))
                    if outcome.audit is not None:
                        rec = outcome.audit.to_bytes()
                        sends.append(audit.send(key=doc.key.encode(), value=rec))
                    EVENTS_OUT.labels(stage="compliance", outcome=doc.op.value).inc()
            await deliver(sends)

    @app.agent(clean, name="chunk_embed")
    async def chunk_embed_agent(stream: StreamT[bytes]) -> None:
        await off_loop("chunk_embed", components.get_chunk_embed)
        async for events in _batches(stream, settings):
            records = _records(events)
            EVENTS_IN.labels(stage="chunk_embed").inc(len(records))
            BATCH_SIZE.labels(stage="chunk_embed").observe(len(records))
            decoded = decode_batch(records, CleanDocument, Stage.CHUNK_EMBED, k.large_message_bytes)
            sends = dead(dlq, decoded.dead)
            docs = [d for _, d in decoded.ok]
            if docs:
                stage = components.get_chunk_embed()
                done_docs = await off_loop(
                    "chunk_embed", partial(run_isolating, stage.process, docs)
                )
                raw_of = {id(d): r for r, d in decoded.ok}
                sends += dead(
                    dlq, [raw_of[id(d)].dead(Stage.CHUNK_EMBED, exc) for d, exc in done_docs.poison]
                )
                for _, item in done_docs.ok:
                    sends.append(chunks.send(key=item.key.encode(), value=item.to_bytes()))
                    EVENTS_OUT.labels(stage="chunk_embed", outcome=item.document.op.value).inc()
            await deliver(sends)

    @app.agent(chunks, name="sink")
    async def sink_agent(stream: StreamT[bytes]) -> None:
        async for events in _batches(stream, settings):
            records = _records(events)
            EVENTS_IN.labels(stage="sink").inc(len(records))
            BATCH_SIZE.labels(stage="sink").observe(len(records))
            decoded = decode_batch(records, EmbeddedDocument, Stage.SINK, k.large_message_bytes)
            letters = list(decoded.dead)
            items = _last_version_per_key([d for _, d in decoded.ok])
            if items:
                sink = components.get_sink()
                report = await off_loop("sink", partial(sink.write, items))
                for failure in report.failures:
                    letters.append(
                        DeadLetter.wrap(
                            Stage.SINK,
                            f"OpenSearch rejected it ({failure.status}): {failure.reason}",
                            failure.doc.to_bytes(),
                            key=failure.doc.key,
                        )
                    )
                EVENTS_OUT.labels(stage="sink", outcome="indexed").inc(report.indexed)
                EVENTS_OUT.labels(stage="sink", outcome="deleted").inc(report.deleted)
                EVENTS_OUT.labels(stage="sink", outcome="stale").inc(report.stale)
                log.info(
                    "sink_batch",
                    indexed=report.indexed,
                    deleted=report.deleted,
                    stale=report.stale,
                    chunks=report.chunks,
                    failed=len(report.failures),
                )
            await deliver(dead(dlq, letters))

    @app.agent(dsr_topic, name="dsr")
    async def dsr_agent(stream: StreamT[bytes]) -> None:
        async for events in _batches(stream, settings):
            records = _records(events)
            decoded = decode_batch(records, SubjectRequest, Stage.DSR, k.max_event_bytes)
            sends = dead(dlq, decoded.dead)
            for _, request in decoded.ok:
                service = components.get_dsr()
                record = await off_loop("dsr", partial(execute_request, service, request))
                log.info("dsr_done", request_id=request.request_id, kind=request.kind)
                sends.append(audit.send(key=request.request_id.encode(), value=record.to_bytes()))
            await deliver(sends)

    @app.page("/health/")
    async def health(web: Any, request: Any) -> Any:
        return web.json({"status": "ok", "worker": worker_name()})

    @app.page("/metrics/")
    async def metrics(web: Any, request: Any) -> Any:
        # aiohttp refuses a charset inside content_type; Prometheus reads text 0.0.4 as is.
        return web.bytes(generate_latest(), content_type="text/plain; version=0.0.4")

    return app


def _last_version_per_key(items: Sequence[EmbeddedDocument]) -> list[EmbeddedDocument]:
    """Within one batch only the newest version of a document matters (same partition, in order)."""
    newest: dict[str, EmbeddedDocument] = {}
    for item in items:
        prev = newest.get(item.key)
        if prev is None or item.document.version >= prev.document.version:
            newest[item.key] = item
    return list(newest.values())



__all__ = ["Components", "build_app"]
