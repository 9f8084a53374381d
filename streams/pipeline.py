"""The worker's stages as plain typed functions: raw Kafka records in, a StageResult out.

Each function decodes its batch (bad records become dead letters), runs the stage's logic
(poison records become dead letters, see :func:`streams.stages.run_isolating`) and returns
what to produce. Outages raise (the runner retries the batch); bugs raise (the process stops).
The shell maps the logical output topics (``clean``, ``chunks``, ``audit``) to Kafka topics
and sends ``dead`` to the stage's dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from infra.logs import get_logger
from infra.metrics import EVENTS_OUT, PII_FINDINGS
from schemas import (
    AuditRecord,
    ChangeEvent,
    CleanDocument,
    DeadLetter,
    EmbeddedDocument,
    Op,
    Stage,
    SubjectRequest,
)
from streams.debezium import DebeziumConfig, DebeziumError, Translated, Truncated, translate_record
from streams.runner import Output, StageResult
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import (
    ChunkEmbedStage,
    ComplianceStage,
    RawRecord,
    decode_batch,
    run_isolating,
)

log = get_logger(__name__)

StageFn = Callable[[Sequence[RawRecord]], StageResult]


def compliance_step(engine: Callable[[], ComplianceStage], max_event_bytes: int) -> StageFn:
    """changes -> clean + audit (+ quarantine: quarantined events, raw as received, for the
    restricted quarantine topic); dead letters (raw content) for the raw dead-letter topic."""

    def run(records: Sequence[RawRecord]) -> StageResult:
        decoded = decode_batch(records, ChangeEvent, Stage.DECODE, max_event_bytes)
        result = StageResult(dead=list(decoded.dead))
        good = [e for _, e in decoded.ok]
        if not good:
            return result
        done = run_isolating(engine().process, good)
        raw = {id(e): r for r, e in decoded.ok}
        result.dead += [raw[id(e)].dead(Stage.COMPLIANCE, exc) for e, exc in done.poison]
        for _, outcome in done.ok:
            doc = outcome.document
            for f in doc.findings:
                PII_FINDINGS.labels(entity=f.entity_type, action=f.action).inc(f.count)
            key = doc.key.encode()
            result.outputs.append(Output("clean", key, doc.to_bytes()))
            if outcome.audit is not None:
                result.outputs.append(Output("audit", key, outcome.audit.to_bytes()))
            if outcome.quarantine is not None:
                # raw event held for review: the restricted quarantine topic only
                result.outputs.append(Output("quarantine", key, outcome.quarantine.to_bytes()))
                EVENTS_OUT.labels(stage="compliance", outcome="quarantined").inc()
            EVENTS_OUT.labels(stage="compliance", outcome=doc.op.value).inc()
        return result

    return run


def chunk_embed_step(stage: Callable[[], ChunkEmbedStage], max_bytes: int) -> StageFn:
    """clean -> chunks (one EmbeddedDocument per document version)."""

    def run(records: Sequence[RawRecord]) -> StageResult:
        decoded = decode_batch(records, CleanDocument, Stage.CHUNK_EMBED, max_bytes)
        result = StageResult(dead=list(decoded.dead))
        docs = [d for _, d in decoded.ok]
        if not docs:
            return result
        done = run_isolating(stage().process, docs)
        raw = {id(d): r for r, d in decoded.ok}
        result.dead += [raw[id(d)].dead(Stage.CHUNK_EMBED, exc) for d, exc in done.poison]
        for _, item in done.ok:
            result.outputs.append(Output("chunks", item.key.encode(), item.to_bytes()))
            EVENTS_OUT.labels(stage="chunk_embed", outcome=item.document.op.value).inc()
        return result

    return run


def erasure_fence(
    items: Sequence[EmbeddedDocument], erased: frozenset[str]
) -> tuple[list[EmbeddedDocument], list[EmbeddedDocument]]:
    """Versions that mention an erased subject become versioned deletes, so that a version
    already past compliance when the erasure happened (in flight on ``clean``/``chunks``) or a
    replay of the erased version can never bring the subject back. Returns (items, blocked)."""
    if not erased:
        return list(items), []
    out: list[EmbeddedDocument] = []
    blocked: list[EmbeddedDocument] = []
    for item in items:
        doc = item.document
        if doc.op is Op.UPSERT and not erased.isdisjoint(doc.subject_ids):
            gone = doc.model_copy(
                update={"op": Op.DELETE, "text": None, "title": None, "metadata": {}}
            )
            blocked.append(item)
            out.append(item.model_copy(update={"document": gone, "chunks": ()}))
        else:
            out.append(item)
    return out, blocked


def sink_step(
    sink: Callable[[], OpenSearchSink],
    max_bytes: int,
    erased: Callable[[], frozenset[str]] | None = None,
) -> StageFn:
    """chunks -> OpenSearch; documents OpenSearch rejects for good become dead letters.

    With ``erased`` (the subject registry), versions of erased subjects are written as
    deletes (see :func:`erasure_fence`) and audited as ``blocked``.
    """

    def run(records: Sequence[RawRecord]) -> StageResult:
        decoded = decode_batch(records, EmbeddedDocument, Stage.SINK, max_bytes)
        result = StageResult(dead=list(decoded.dead))
        items = last_version_per_key([d for _, d in decoded.ok])
        if not items:
            return result
        if erased is not None:
            items, blocked = erasure_fence(items, erased())
            for item in blocked:
                audit = AuditRecord(
                    kind="blocked",
                    outcome="blocked",
                    event_id=item.document.event_id,
                    doc_key=item.key,
                    version=item.document.version,
                    policy_id=item.document.policy_id,
                    policy_version=item.document.policy_version,
                    subject_ids=item.document.subject_ids,
                    detail={"reason": "erased data subject; version was in flight at the sink"},
                )
                result.outputs.append(Output("audit", item.key.encode(), audit.to_bytes()))
        report = sink().write(items)
        raw = {d.key: r for r, d in decoded.ok}
        for failure in report.failures:
            origin = raw.get(failure.doc.key)
            reason = f"OpenSearch rejected it ({failure.status}): {failure.reason}"
            if origin is not None:
                result.dead.append(origin.dead(Stage.SINK, reason))
            else:  # pragma: no cover - every item comes from a record
                result.dead.append(
                    DeadLetter.wrap(Stage.SINK, reason, failure.doc.to_bytes(), key=failure.doc.key)
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
        return result

    return run


def dsr_step(execute: Callable[[SubjectRequest], AuditRecord], max_event_bytes: int) -> StageFn:
    """dsr -> carried out requests, each with its audit record."""

    def run(records: Sequence[RawRecord]) -> StageResult:
        decoded = decode_batch(records, SubjectRequest, Stage.DSR, max_event_bytes)
        result = StageResult(dead=list(decoded.dead))
        for _, request in decoded.ok:
            record = execute(request)
            log.info("dsr_done", request_id=request.request_id, kind=request.kind)
            result.outputs.append(Output("audit", request.request_id.encode(), record.to_bytes()))
        return result

    return run


def last_version_per_key(items: Sequence[EmbeddedDocument]) -> list[EmbeddedDocument]:
    """Within one batch only the newest version of a document matters (same partition, in order)."""
    newest: dict[str, EmbeddedDocument] = {}
    for item in items:
        prev = newest.get(item.key)
        if prev is None or item.document.version >= prev.document.version:
            newest[item.key] = item
    return list(newest.values())


def debezium_step(config: DebeziumConfig) -> StageFn:
    """Debezium topics -> changes: each captured row change becomes a ChangeEvent.

    Records that cannot be translated are dead letters (raw content: the raw dead-letter
    topic); tombstones and unconfigured tables are skipped; a truncate is logged, since it
    names no rows (re-snapshot the table or purge its source to follow it).
    """

    def run(records: Sequence[RawRecord]) -> StageResult:
        result = StageResult()
        for rec in records:
            try:
                outcome = translate_record(config, rec.value, rec.key)
            except DebeziumError as exc:
                result.dead.append(rec.dead(Stage.DECODE, exc))
                continue
            if isinstance(outcome, Translated):
                event = outcome.event
                result.outputs.append(Output("changes", event.key.encode(), event.to_bytes()))
                EVENTS_OUT.labels(stage="debezium", outcome=event.op.value).inc()
            elif isinstance(outcome, Truncated):
                log.warning(
                    "debezium_truncate",
                    source_id=outcome.source_id,
                    table=outcome.table,
                    hint="no row keys in a truncate: re-snapshot the table or purge its source",
                )
                EVENTS_OUT.labels(stage="debezium", outcome="truncate").inc()
            else:
                EVENTS_OUT.labels(stage="debezium", outcome="ignored").inc()
        return result

    return run
