"""OpenSearchSink: versioned, idempotent writes of embedded documents.

Per document version ``V`` of document key ``D``:

1. ``rag-documents/D`` is written with ``version=V, version_type=external_gte``. A 409 means
   a newer version is already indexed: this one is stale and is skipped, so a replay or an
   out-of-order event never resurrects old content. Deletes write a tombstone
   (``deleted: true``) the same way, so the delete's version keeps blocking older upserts.
2. The chunks of ``V`` are bulk-indexed under deterministic ids (a replay overwrites).
3. After a refresh, chunks of ``D`` with ``version < V`` are found and deleted.

Transient failures (connection errors, 429, 5xx) retry the whole batch with exponential
backoff, which is safe because every step is idempotent. Item errors that will not go away
(mapping errors and other 4xx) are returned as failures for the dead-letter topic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from infra.logs import get_logger
from infra.metrics import CHUNKS_INDEXED, FRESHNESS_SECONDS, RETRIES, STALE_SKIPPED
from infra.settings import OpenSearchSettings
from schemas import EmbeddedDocument, Op
from streams.sinks.indices import delete_matching

log = get_logger(__name__)

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class TransientSinkError(RuntimeError):
    """The store is unavailable; the same batch can be retried as it is."""


@dataclass(frozen=True)
class SinkFailure:
    """One document that the store rejected for good."""

    doc: EmbeddedDocument
    status: int
    reason: str


@dataclass
class SinkReport:
    indexed: int = 0
    deleted: int = 0
    stale: int = 0
    chunks: int = 0
    failures: list[SinkFailure] = field(default_factory=list)


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


class OpenSearchSink:
    """Writes batches of :class:`EmbeddedDocument` to ``rag-documents`` and ``rag-chunks``."""

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

    def write(self, batch: Sequence[EmbeddedDocument]) -> SinkReport:
        """Write a batch; retries transient failures, returns permanent ones."""
        deadline = None if self._max_retry_s is None else time.monotonic() + self._max_retry_s
        delay = 0.5
        while True:
            try:
                return self._write_once(batch)
            except (OSConnectionError, ConnectionTimeout, TransientSinkError) as exc:
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise TransientSinkError(
                        f"OpenSearch at {self._settings.url} unavailable for "
                        f"{self._max_retry_s}s: {exc}"
                    ) from exc
                RETRIES.labels(stage="sink").inc()
                log.warning("sink_retry", error=type(exc).__name__, delay_s=delay)
                self._sleep(delay)
                delay = min(delay * 2, 30.0)

    def _bulk(self, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not actions:
            return []
        try:
            resp = self._client.bulk(body=actions)
        except TransportError as exc:
            if isinstance(exc.status_code, int) and exc.status_code in RETRIABLE_STATUS:
                raise TransientSinkError(f"bulk returned {exc.status_code}") from exc
            raise
        items: list[dict[str, Any]] = [next(iter(i.values())) for i in resp["items"]]
        if any(i.get("status") in RETRIABLE_STATUS for i in items):
            raise TransientSinkError("bulk items rejected with a retriable status")
        return items

    def _write_once(self, batch: Sequence[EmbeddedDocument]) -> SinkReport:
        s = self._settings
        report = SinkReport()
        now = datetime.now(UTC).isoformat()

        doc_actions: list[dict[str, Any]] = []
        for item in batch:
            doc_actions.append(
                {
                    "index": {
                        "_index": s.documents_alias,
                        "_id": item.key,
                        "version": item.document.version,
                        "version_type": "external_gte",
                    }
                }
            )
            doc_actions.append(_doc_source(item, now))
        current: list[EmbeddedDocument] = []
        for item, result in zip(batch, self._bulk(doc_actions), strict=True):
            status = int(result.get("status", 500))
            if status == 409:
                report.stale += 1
                STALE_SKIPPED.inc()
                log.info("stale_version_skipped", doc_key=item.key, version=item.document.version)
            elif status >= 300:
                report.failures.append(SinkFailure(item, status, _reason(result)))
            else:
                current.append(item)

        chunk_actions: list[dict[str, Any]] = []
        owners: list[EmbeddedDocument] = []
        for item in current:
            for chunk_id, source in _chunk_sources(item, now):
                chunk_actions.append({"index": {"_index": s.chunks_alias, "_id": chunk_id}})
                chunk_actions.append(source)
                owners.append(item)
        failed_keys: set[str] = set()
        for item, result in zip(owners, self._bulk(chunk_actions), strict=True):
            status = int(result.get("status", 500))
            if status >= 300 and item.key not in failed_keys:
                failed_keys.add(item.key)
                report.failures.append(SinkFailure(item, status, _reason(result)))

        done = [i for i in current if i.key not in failed_keys]
        if done:
            self._delete_older_chunks(done)
        for item in done:
            if item.document.op is Op.DELETE:
                report.deleted += 1
            else:
                report.indexed += 1
                report.chunks += len(item.chunks)
                CHUNKS_INDEXED.inc(len(item.chunks))
            age = (datetime.now(UTC) - item.document.occurred_at).total_seconds()
            FRESHNESS_SECONDS.observe(max(age, 0.0))
        return report

    def _delete_older_chunks(self, items: Sequence[EmbeddedDocument]) -> None:
        clauses = [
            {
                "bool": {
                    "filter": [
                        {"term": {"doc_key": i.key}},
                        {"range": {"version": {"lt": i.document.version}}},
                    ]
                }
            }
            for i in items
        ]
        try:
            delete_matching(
                self._client,
                self._settings.chunks_alias,
                {"bool": {"should": clauses, "minimum_should_match": 1}},
            )
        except TransportError as exc:
            if isinstance(exc.status_code, int) and exc.status_code in RETRIABLE_STATUS:
                raise TransientSinkError(f"deleting old chunks returned {exc.status_code}") from exc
            raise


def _reason(result: dict[str, Any]) -> str:
    err = result.get("error")
    if isinstance(err, dict):
        return f"{err.get('type', 'error')}: {err.get('reason', '')}"[:500]
    return str(err)[:500]
