"""OpenSearchSink: versioned, fenced, idempotent writes of embedded documents.

Write protocol, per document key ``D`` at version ``V`` (a batch does each step for all of
its documents at once):

1. **Stale check.** A realtime ``mget`` of ``rag-documents/D``; if its version is already
   above ``V``, the item is stale and skipped (a replay or an out-of-order event never
   resurrects old content). An equal version goes on: a replay repeats every step.
2. **Chunks.** The chunks of ``V`` are bulk-indexed under deterministic ids
   (``hash(D, index, V)``), so a replay overwrites and never duplicates.
3. **Rollback.** If any chunk of ``D`` is rejected for good, the chunks of ``V`` just written
   are deleted by id and ``D`` is reported as a failure (a dead letter upstream). The
   document record was not touched, so ``D`` stays entirely at its previous version with its
   previous chunks, never a mix. (When the record is already at ``V`` - a replay - nothing is
   deleted: the earlier, complete write of ``V`` stands.)
4. **Commit.** ``rag-documents/D`` is written with ``version=V, version_type=external_gte``.
   A 409 means a newer version won meanwhile: the chunks of ``V`` just written are deleted
   and the item counts as stale. Deletes write a tombstone (``deleted: true``) the same way,
   so the delete's version keeps blocking older upserts.
5. **Cleanup.** After a refresh, chunks of ``D`` with ``version < V`` are searched for and
   deleted (no ``_delete_by_query`` needed).
6. **Fence.** A realtime ``mget`` of the record again; if it is now above ``V``, this
   writer's chunks of ``V`` are deleted by id (counted as stale).

Why a late writer never leaves chunks of an older version behind. Let ``L`` write chunks of
``V`` while a newer writer ``N`` commits ``V' > V`` at time ``t_N``, then refreshes at
``r_N > t_N`` and searches for chunks below ``V'``. Take any chunk ``c`` of ``V`` that ``L``
wrote. If ``c`` was acknowledged before ``r_N``, the refresh makes it visible to ``N``'s
search and ``N`` deletes it. Otherwise ``c`` was acknowledged after ``r_N > t_N``, and
everything ``L`` does after its chunk writes sees ``V'``: its commit (step 4, ``external_gte``
cannot go back from ``V'`` to ``V``) gets 409 and ``L`` deletes its chunks; the fence (step 6,
a realtime read after every chunk of ``L`` was acknowledged) sees ``V'`` too. The same holds
when ``N`` wrote a tombstone. Either way ``c`` is removed. This needs the record's version
to only grow: the pipeline never deletes a record (erasure writes tombstones); only
``ragstream purge`` removes records whose retention expired. Step 4
already closes the race; the fence is kept as a cheap second check for writes that land
late, e.g. a bulk request that timed out on the client but still ran on the node before the
fence. What no writer can remove is a chunk request that lands after its writer died or
passed its fence; the next version of the document removes it.

Retry contract. Every step is idempotent, so transient failures are retried step by step
with exponential backoff (tenacity): connection errors, timeouts, whole requests and single
bulk items answered 408, 429 or 5xx - deletes included. Only the items that failed are
sent again. With ``max_retry_s`` set, a write that cannot finish within it raises
:class:`TransientSinkError` (then nothing was dead-lettered; retry the batch as it is).
Transient failures are never returned as failures; a write that raised may have left the
chunks of ``V`` beside those of the previous version, and retrying the same batch (or a
newer version) completes or supersedes it. A whole bulk answered 413 (too large)
or 400 is split in halves and sent again; an item still rejected alone, and any item
rejected with another 4xx (mapping errors, a vector of the wrong dimension), is a permanent
failure of its document, returned in :attr:`SinkReport.failures`. Whole requests answered
401, 403 or 404 (credentials, missing indices) are configuration errors and propagate as
``opensearchpy.TransportError``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import SSLError, TransportError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from infra.logs import get_logger
from infra.metrics import CHUNKS_INDEXED, FRESHNESS_SECONDS, RETRIES, STALE_SKIPPED
from infra.opensearch import is_transient_status
from infra.settings import OpenSearchSettings
from schemas import EmbeddedDocument, Op
from streams.sinks.indices import TransientStoreError, delete_matching

log = get_logger(__name__)

T = TypeVar("T")

SPLIT_STATUS = frozenset({400, 413})
"""Whole-bulk answers that may be caused by one item or by the size: split and send again."""

CLEANUP_GROUP = 200
"""Documents per cleanup query (each adds three clauses; the node allows 1024)."""


class TransientSinkError(TransientStoreError):
    """The store is unavailable; the same batch can be retried as it is. Never a dead letter."""


@dataclass(frozen=True)
class SinkFailure:
    """One document that the store rejected for good (the index holds its previous version)."""

    doc: EmbeddedDocument
    status: int
    reason: str


@dataclass
class SinkReport:
    """What a write did: every item of the batch is counted once (indexed, deleted, stale or
    failed)."""

    indexed: int = 0
    deleted: int = 0
    stale: int = 0
    chunks: int = 0
    failures: list[SinkFailure] = field(default_factory=list)


def classify(exc: BaseException) -> BaseException:
    """The exception to raise for a failed call: transient ones become TransientSinkError."""
    if isinstance(exc, TransientSinkError):
        return exc
    if isinstance(exc, TransientStoreError):
        return TransientSinkError(str(exc))
    if isinstance(exc, OSConnectionError) and not isinstance(exc, SSLError):
        # ConnectionTimeout is a ConnectionError; TLS misconfiguration does not heal by waiting.
        return TransientSinkError(str(exc))
    if isinstance(exc, TransportError) and is_transient_status(exc.status_code):
        return TransientSinkError(str(exc))
    return exc


def _common_source(item: EmbeddedDocument, now: str) -> dict[str, Any]:
    """The fields both indices carry for a document version."""
    d = item.document
    return {
        "doc_key": d.key,
        "source_id": d.source_id,
        "document_id": d.document_id,
        "version": d.version,
        "uri": d.uri,
        "content_type": d.content_type,
        "acl_users": list(d.acl.users),
        "acl_groups": list(d.acl.groups),
        "classification": d.classification.value,
        "tags": list(d.tags),
        "subject_ids": list(d.subject_ids),
        "policy_id": d.policy_id,
        "occurred_at": d.occurred_at.isoformat(),
        "indexed_at": now,
        "expires_at": d.expires_at.isoformat() if d.expires_at else None,
    }


def _doc_source(item: EmbeddedDocument, now: str) -> dict[str, Any]:
    d = item.document
    body = _common_source(item, now)
    body.update(deleted=d.op is Op.DELETE, frameworks=list(d.frameworks))
    if d.op is Op.UPSERT:
        body.update(title=d.title, text=d.text, chunk_count=len(item.chunks))
    return body


def _chunk_sources(item: EmbeddedDocument, now: str) -> list[tuple[str, dict[str, Any]]]:
    common = _common_source(item, now)
    common.update(title=item.document.title, chunk_count=len(item.chunks), model_id=item.model_id)
    return [
        (
            c.chunk_id,
            {
                **common,
                "chunk_id": c.chunk_id,
                "chunk_index": c.index,
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "embedding": list(c.embedding),
            },
        )
        for c in item.chunks
    ]


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class BulkAction:
    """One bulk action as NDJSON (metadata line, and source line for index actions)."""

    payload: str
    size: int

    @classmethod
    def of(cls, meta: dict[str, Any], source: dict[str, Any] | None = None) -> BulkAction:
        text = _dumps(meta) + "\n" + ("" if source is None else _dumps(source) + "\n")
        return cls(text, len(text.encode("utf-8")))

    @classmethod
    def index(
        cls, index: str, doc_id: str, source: dict[str, Any], version: int | None = None
    ) -> BulkAction:
        meta: dict[str, Any] = {"_index": index, "_id": doc_id}
        if version is not None:
            meta.update(version=version, version_type="external_gte")
        return cls.of({"index": meta}, source)

    @classmethod
    def delete(cls, index: str, doc_id: str) -> BulkAction:
        return cls.of({"delete": {"_index": index, "_id": doc_id}})


def _status(result: dict[str, Any]) -> int:
    return int(result.get("status", 500))


def _reason(result: dict[str, Any]) -> str:
    err = result.get("error")
    if isinstance(err, dict):
        return f"{err.get('type', 'error')}: {err.get('reason', '')}"[:500]
    return str(err)[:500]


class OpenSearchSink:
    """Writes batches of :class:`EmbeddedDocument` to ``rag-documents`` and ``rag-chunks``.

    ``write`` returns a :class:`SinkReport` whose ``failures`` are permanent, per document
    (dead-letter them); it raises :class:`TransientSinkError` when the store stayed
    unavailable for ``max_retry_s`` (``None``: retry until it is back, holding the batch).
    """

    def __init__(
        self,
        settings: OpenSearchSettings,
        client: OpenSearch,
        *,
        max_retry_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._client = client
        self._max_retry_s = max_retry_s
        self._sleep = sleep

    # -- public ---------------------------------------------------------------------------

    def write(self, batch: Sequence[EmbeddedDocument]) -> SinkReport:
        """Write a batch; retries transient failures, returns permanent ones, raises
        :class:`TransientSinkError` once the retry budget is spent."""
        deadline = None if self._max_retry_s is None else time.monotonic() + self._max_retry_s
        try:
            return self._write(batch, deadline)
        except TransientStoreError as exc:
            budget = "" if self._max_retry_s is None else f" for {self._max_retry_s}s"
            raise TransientSinkError(
                f"OpenSearch at {self._settings.url} unavailable{budget}: {exc}"
            ) from exc

    # -- the protocol ---------------------------------------------------------------------

    def _write(self, batch: Sequence[EmbeddedDocument], deadline: float | None) -> SinkReport:
        s = self._settings
        report = SinkReport()
        now = datetime.now(UTC).isoformat()

        newest: dict[str, EmbeddedDocument] = {}
        for item in batch:
            prev = newest.get(item.key)
            if prev is not None:
                self._stale(report, min(prev, item, key=lambda i: i.document.version), "batch")
            if prev is None or item.document.version >= prev.document.version:
                newest[item.key] = item
        items = list(newest.values())

        # 1. stale check
        before = self._versions([i.key for i in items], deadline)
        live: list[EmbeddedDocument] = []
        for item in items:
            if before.get(item.key, -1) > item.document.version:
                self._stale(report, item, "indexed")
            else:
                live.append(item)

        # 2. chunks of V
        chunk_actions: list[BulkAction] = []
        owners: list[EmbeddedDocument] = []
        for item in live:
            for chunk_id, source in _chunk_sources(item, now):
                chunk_actions.append(BulkAction.index(s.chunks_alias, chunk_id, source))
                owners.append(item)
        rejected: dict[str, SinkFailure] = {}
        for owner, result in zip(owners, self._bulk(chunk_actions, deadline), strict=True):
            if _status(result) >= 300 and owner.key not in rejected:
                rejected[owner.key] = SinkFailure(owner, _status(result), _reason(result))

        # 3. rollback of partly rejected versions (unless the record is at V already: replay)
        report.failures.extend(rejected.values())
        self._rollback([f.doc for f in rejected.values()], before, deadline)

        # 4. commit: the document record (or tombstone) with external_gte
        pending = [i for i in live if i.key not in rejected]
        doc_actions = [
            BulkAction.index(
                s.documents_alias, i.key, _doc_source(i, now), version=i.document.version
            )
            for i in pending
        ]
        written: list[EmbeddedDocument] = []
        superseded: list[EmbeddedDocument] = []
        refused: list[EmbeddedDocument] = []
        for item, result in zip(pending, self._bulk(doc_actions, deadline), strict=True):
            status = _status(result)
            if status == 409:
                superseded.append(item)
            elif status >= 300:
                report.failures.append(SinkFailure(item, status, _reason(result)))
                refused.append(item)
            else:
                written.append(item)
        self._rollback(refused, before, deadline)
        self._delete_chunks_of(superseded, deadline)
        for item in superseded:
            self._stale(report, item, "commit")

        # 5. cleanup of older versions
        self._delete_older_chunks(written, deadline)

        # 6. fence
        after = self._versions([i.key for i in written], deadline)
        fenced = [i for i in written if after.get(i.key, -1) > i.document.version]
        self._delete_chunks_of(fenced, deadline)
        for item in fenced:
            self._stale(report, item, "fence")

        fenced_keys = {i.key for i in fenced}
        for item in written:
            if item.key in fenced_keys:
                continue
            if item.document.op is Op.DELETE:
                report.deleted += 1
            else:
                report.indexed += 1
                report.chunks += len(item.chunks)
                CHUNKS_INDEXED.inc(len(item.chunks))
            age = (datetime.now(UTC) - item.document.occurred_at).total_seconds()
            FRESHNESS_SECONDS.observe(max(age, 0.0))
        return report

    @staticmethod
    def _stale(report: SinkReport, item: EmbeddedDocument, where: str) -> None:
        report.stale += 1
        STALE_SKIPPED.inc()
        log.info("stale_version_skipped", doc_key=item.key, version=item.document.version, at=where)

    def _versions(self, keys: Sequence[str], deadline: float | None) -> dict[str, int]:
        """Current version of each existing document record (realtime: sees acked writes)."""
        out: dict[str, int] = {}
        step = self._settings.bulk_max_actions
        for start in range(0, len(keys), step):
            ids = list(keys[start : start + step])
            fetch = partial(
                self._client.mget,
                index=self._settings.documents_alias,
                body={"ids": ids},
                params={"realtime": "true", "_source": "false"},
            )
            resp = self._retry(fetch, deadline)
            for doc in resp["docs"]:
                if "error" in doc:
                    raise TransientSinkError(f"mget of {doc.get('_id')}: {_reason(doc)}")
                if doc.get("found"):
                    out[str(doc["_id"])] = int(doc["_version"])
        return out

    def _rollback(
        self,
        items: Sequence[EmbeddedDocument],
        before: dict[str, int],
        deadline: float | None,
    ) -> None:
        """Remove the chunks of versions that were not committed, unless the record already
        stood at that version before this write (a replay: the earlier write was complete)."""
        undo = [i for i in items if before.get(i.key, -1) < i.document.version]
        for item in undo:
            log.warning("sink_rollback", doc_key=item.key, version=item.document.version)
        self._delete_chunks_of(undo, deadline)

    def _delete_chunks_of(self, items: Sequence[EmbeddedDocument], deadline: float | None) -> None:
        """Delete the chunks of exactly these versions, by id (a missing one is fine)."""
        actions = [
            BulkAction.delete(self._settings.chunks_alias, c.chunk_id)
            for item in items
            for c in item.chunks
        ]
        for result in self._bulk(actions, deadline):
            if _status(result) not in (200, 404):
                raise RuntimeError(f"deleting a chunk failed: {_status(result)} {_reason(result)}")

    def _delete_older_chunks(
        self, items: Sequence[EmbeddedDocument], deadline: float | None
    ) -> None:
        for start in range(0, len(items), CLEANUP_GROUP):
            clauses = [
                {
                    "bool": {
                        "filter": [
                            {"term": {"doc_key": i.key}},
                            {"range": {"version": {"lt": i.document.version}}},
                        ]
                    }
                }
                for i in items[start : start + CLEANUP_GROUP]
            ]
            query = {"bool": {"should": clauses, "minimum_should_match": 1}}
            self._retry(
                partial(delete_matching, self._client, self._settings.chunks_alias, query),
                deadline,
            )

    # -- retries and bulk -----------------------------------------------------------------

    def _retry(self, fn: Callable[[], T], deadline: float | None) -> T:
        """Call ``fn``; retry transient failures with backoff until ``deadline``."""

        def stop(state: RetryCallState) -> bool:
            return deadline is not None and time.monotonic() + state.upcoming_sleep > deadline

        def before_sleep(state: RetryCallState) -> None:
            RETRIES.labels(stage="sink").inc()
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "sink_retry",
                error=str(exc)[:300],
                attempt=state.attempt_number,
                delay_s=state.upcoming_sleep,
            )

        def attempt() -> T:
            try:
                return fn()
            except Exception as exc:
                raise classify(exc) from exc

        retrying = Retrying(
            retry=retry_if_exception_type(TransientSinkError),
            wait=wait_exponential(multiplier=0.5, max=30.0),
            stop=stop,
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(attempt)

    def _bulk(self, actions: Sequence[BulkAction], deadline: float | None) -> list[dict[str, Any]]:
        """Per-action results in order. Items answered 408/429/5xx are sent again (only
        they) until they get a final answer; a whole bulk answered 400/413 is split."""
        results: dict[int, dict[str, Any]] = {}

        def attempt() -> None:
            pending = [i for i in range(len(actions)) if i not in results]
            retriable: list[dict[str, Any]] = []
            for group in self._groups(pending, actions):
                for i, result in self._send(group, actions):
                    if is_transient_status(_status(result)):
                        retriable.append(result)
                    else:
                        results[i] = result
            if retriable:
                sample = retriable[0]
                raise TransientSinkError(
                    f"{len(retriable)} bulk items answered {_status(sample)} ({_reason(sample)})"
                )

        if actions:
            self._retry(attempt, deadline)
        return [results[i] for i in range(len(actions))]

    def _groups(self, pending: Sequence[int], actions: Sequence[BulkAction]) -> Iterator[list[int]]:
        """Consecutive groups within ``bulk_max_actions`` and ``bulk_max_bytes``."""
        s = self._settings
        group: list[int] = []
        size = 0
        for i in pending:
            n = actions[i].size
            if group and (len(group) >= s.bulk_max_actions or size + n > s.bulk_max_bytes):
                yield group
                group, size = [], 0
            group.append(i)
            size += n
        if group:
            yield group

    def _send(
        self, group: Sequence[int], actions: Sequence[BulkAction]
    ) -> list[tuple[int, dict[str, Any]]]:
        body = "".join(actions[i].payload for i in group)
        try:
            resp = self._client.bulk(body=body)
        except TransportError as exc:
            status = exc.status_code
            if not (isinstance(status, int) and status in SPLIT_STATUS):
                raise
            if len(group) == 1:
                error = {"type": str(exc.error), "reason": f"the whole request was rejected: {exc}"}
                return [(group[0], {"status": status, "error": error})]
            log.warning("sink_bulk_split", status=status, actions=len(group), bytes=len(body))
            mid = len(group) // 2
            return self._send(group[:mid], actions) + self._send(group[mid:], actions)
        items = [next(iter(item.values())) for item in resp["items"]]
        if len(items) != len(group):
            raise RuntimeError(f"bulk answered {len(items)} items for {len(group)} actions")
        return list(zip(group, items, strict=True))
