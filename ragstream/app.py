"""The Faust app: the worker shell that wires each stage function to an agent.

    changes --compliance--> clean --chunk_embed--> chunks --sink--> OpenSearch
       |                      |                       |
       +--> dlq.raw           +--> dlq                +--> dlq
    (raw content: the retention of changes)     (redacted content only)

:func:`build_app` uses one helper, ``stage_agent``, for every stage: take a batch
(``take_events``), run the stage function (``streams.pipeline``) in a single-thread executor
under the stage runner (``streams.runner.run_batch``: transient failures retry and hold the
partition, per-record failures are dead letters, anything else ends the process), await the
broker's acks for everything produced, and only then let Faust ack the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, NoReturn, TypeVar, cast

import faust
from faust.types import EventT, StreamT
from prometheus_client import generate_latest

from infra.identity import worker_name
from infra.kafka_config import faust_broker_args
from infra.logs import get_logger
from infra.metrics import BATCH_SIZE, DEAD_LETTERS, EVENTS_IN, STAGE_SECONDS
from infra.settings import Settings
from schemas import AuditRecord, SubjectRequest
from streams.debezium import DebeziumConfig
from streams.dsr import AccessReport, DataSubjectService, ErasureReport, audit_for
from streams.pipeline import (
    StageFn,
    chunk_embed_step,
    compliance_step,
    debezium_step,
    dsr_step,
    sink_step,
)
from streams.runner import Fatal, Health, StageResult, run_batch
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import ChunkEmbedStage, ComplianceStage, RawRecord

FATAL_EXIT_CODE = 70  # EX_SOFTWARE: a supervisor (systemd, Kubernetes) restarts the worker
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
        debezium: DebeziumConfig | None = None,
        erased: Callable[[], frozenset[str]] | None = None,
    ) -> None:
        self._factories = (compliance, chunk_embed, sink)
        self._dsr_factory = dsr
        self.debezium = debezium
        self.erased = erased
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


def _hold(events: Sequence[EventT[bytes]]) -> None:
    """Keep Faust from acknowledging these events when the agent body is left early.

    ``take_events`` acks every event of a batch in a ``finally`` block, also when the body
    raises or is cancelled. A message already flagged ``acked`` is skipped by both
    ``Message.ack`` and ``Consumer.ack``, so its offset is never marked done and the
    committed offset cannot pass it: the next owner of the partition processes it again.
    """
    for ev in events:
        ev.message.acked = True


def fatal_exit(stage: str, exc: BaseException) -> NoReturn:
    """One clear log line, then exit non-zero at once, before Faust can ack the batch."""
    log.critical(
        "stage_fatal",
        stage=stage,
        error=type(exc.__cause__ or exc).__name__,
        message=str(exc)[:500],
        exit_code=FATAL_EXIT_CODE,
        hint="the batch was not acknowledged; a restarted worker processes it again",
    )
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(FATAL_EXIT_CODE)


def build_app(settings: Settings, components: Components) -> faust.App:
    """A Faust app with the compliance, chunk_embed, sink and dsr agents."""
    k = settings.kafka
    w = settings.worker
    app = faust.App(
        w.app_id,
        **faust_broker_args(k),
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
        broker_session_timeout=w.session_timeout_s,
        broker_heartbeat_interval=w.heartbeat_interval_s,
        broker_rebalance_timeout=w.rebalance_timeout_s,
        broker_request_timeout=w.request_timeout_s,
        producer_request_timeout=w.request_timeout_s,
        web_enabled=w.web_port > 0,
        web_port=w.web_port or 6066,
        web_host=w.web_host,
        web_bind=w.web_host,
        datadir=str(w.data_dir),
        worker_redirect_stdouts=False,
        topic_allow_declare=False,
    )
    app.finalize()

    def topic(*names: str) -> faust.TopicT:
        return app.topic(*names, key_type=bytes, value_type=bytes, value_serializer="raw")

    outputs = {
        "changes": topic(k.changes_topic),
        "clean": topic(k.clean_topic),
        "chunks": topic(k.chunks_topic),
        "audit": topic(k.audit_topic),
        "quarantine": topic(k.quarantine_topic),
    }
    dlq_raw = topic(k.dlq_raw_topic)
    dlq = topic(k.dlq_topic)
    stages = ["compliance", "chunk_embed", "sink", "dsr"]
    if components.debezium is not None:
        stages.append("debezium")
    health = Health(stages)
    executors = {
        stage: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ragstream-{stage}")
        for stage in health.stages
    }

    async def off_loop(stage: str, fn: Callable[[], R]) -> R:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            return await loop.run_in_executor(executors[stage], fn)
        finally:
            STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - started)

    def stage_agent(
        name: str,
        source: faust.TopicT,
        step: StageFn,
        dead_topic: faust.TopicT,
        warm_up: Callable[[], object] | None = None,
    ) -> None:
        """Wire a stage function to a Faust agent: take a batch, run it, deliver, then ack."""

        async def deliver(result: StageResult) -> None:
            sends: list[Awaitable[Any]] = []
            for out in result.outputs:
                sends.append(outputs[out.topic].send(key=out.key, value=out.value))
            for letter in result.dead:
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
                sends.append(dead_topic.send(key=key, value=letter.to_bytes()))
            # Wait until the broker acknowledged every record produced for this batch.
            futures = [await s for s in sends]
            await asyncio.gather(*futures)

        async def agent(stream: StreamT[bytes]) -> None:
            if warm_up is not None:
                try:
                    await off_loop(name, warm_up)
                except Exception as exc:
                    fatal_exit(name, exc)
            health.set(name, "ready")
            async for events in _batches(stream, settings):
                records = _records(events)
                EVENTS_IN.labels(stage=name).inc(len(records))
                BATCH_SIZE.labels(stage=name).observe(len(records))
                try:
                    await run_batch(
                        name, partial(off_loop, name, partial(step, records)), deliver, health
                    )
                except Fatal as exc:
                    _hold(events)
                    fatal_exit(name, exc)
                except BaseException:
                    # Cancelled (shutdown, agent restart) before the batch was delivered.
                    _hold(events)
                    raise

        app.agent(source, name=name)(agent)

    stage_agent(
        "compliance",
        topic(k.changes_topic),
        compliance_step(components.get_compliance, k.max_event_bytes),
        dlq_raw,
        warm_up=components.get_compliance,
    )
    stage_agent(
        "chunk_embed",
        topic(k.clean_topic),
        chunk_embed_step(components.get_chunk_embed, k.large_message_bytes),
        dlq,
        warm_up=components.get_chunk_embed,
    )
    stage_agent(
        "sink",
        topic(k.chunks_topic),
        sink_step(components.get_sink, k.large_message_bytes, components.erased),
        dlq,
        warm_up=components.get_sink,
    )
    stage_agent(
        "dsr",
        topic(k.dsr_topic),
        dsr_step(lambda r: execute_request(components.get_dsr(), r), k.max_event_bytes),
        dlq,
    )

    if components.debezium is not None:
        stage_agent(
            "debezium",
            topic(*settings.debezium.topics),
            debezium_step(components.debezium),
            dlq_raw,
        )

    @app.page("/health/")
    async def health_page(web: Any, request: Any) -> Any:
        body = {**health.report(), "worker": worker_name()}
        return web.json(body, status=200 if health.ready else 503)

    @app.page("/metrics/")
    async def metrics(web: Any, request: Any) -> Any:
        # aiohttp refuses a charset inside content_type; Prometheus reads text 0.0.4 as is.
        return web.bytes(generate_latest(), content_type="text/plain; version=0.0.4")

    return app


__all__ = ["Components", "build_app"]
