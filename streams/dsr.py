"""Data-subject requests (GDPR/CCPA): access, erasure, opt-out, and lifting an erasure.

Subjects are named only by subject ids (keyed hashes), computed the same way ingestion
computes ``CleanDocument.subject_ids``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from opensearchpy import OpenSearch

from infra.kafka_config import confluent_config
from infra.settings import KafkaSettings, Settings
from schemas import AuditRecord, SubjectRequest
from streams.registry import SubjectRegistry
from streams.sinks.indices import delete_matching


class TombstoneWriter(Protocol):
    def tombstone(self, topic: str, key: str) -> None: ...

    def flush(self, timeout: float) -> int: ...


class KafkaTombstones:
    """Writes null-valued records so compaction removes a key's earlier records."""

    def __init__(self, settings: KafkaSettings) -> None:
        from confluent_kafka import Producer

        self._producer = Producer(
            confluent_config(settings, {"enable.idempotence": True, "acks": "all"})
        )

    def tombstone(self, topic: str, key: str) -> None:
        self._producer.produce(topic, key=key.encode(), value=None)

    def flush(self, timeout: float) -> int:
        return int(self._producer.flush(timeout))


@dataclass(frozen=True)
class FoundDocument:
    doc_key: str
    uri: str | None
    title: str | None
    version: int
    classification: str | None


@dataclass(frozen=True)
class FoundChunk:
    chunk_id: str
    doc_key: str
    text: str


@dataclass
class AccessReport:
    request_id: str
    documents: list[FoundDocument] = field(default_factory=list)
    chunks: list[FoundChunk] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ErasureReport:
    request_id: str
    doc_keys: list[str] = field(default_factory=list)
    documents_removed: int = 0
    chunks_removed: int = 0
    topic_tombstones: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _subjects_query(subject_ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        "bool": {
            "filter": [{"terms": {"subject_ids": list(subject_ids)}}],
            "must_not": [{"term": {"deleted": True}}],
        }
    }


class DataSubjectService:
    def __init__(
        self, settings: Settings, client: OpenSearch, tombstones: TombstoneWriter | None = None
    ) -> None:
        self._s = settings
        self._client = client
        self._registry = SubjectRegistry(settings.opensearch, client)
        self._tombstones = tombstones

    def _search(self, index: str, query: dict[str, Any], source: list[str]) -> list[dict[str, Any]]:
        if not self._client.indices.exists(index=index):
            return []
        resp = self._client.search(
            index=index, body={"size": 10000, "query": query, "_source": source}
        )
        return [{"_id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]

    def access(self, request: SubjectRequest) -> AccessReport:
        """Every live document and chunk linked to the subject."""
        os_ = self._s.opensearch
        docs = self._search(
            os_.documents_alias,
            _subjects_query(request.subject_ids),
            ["doc_key", "uri", "title", "version", "classification"],
        )
        chunks = self._search(
            os_.chunks_alias,
            {"terms": {"subject_ids": list(request.subject_ids)}},
            ["doc_key", "text", "chunk_index"],
        )
        return AccessReport(
            request_id=request.request_id,
            documents=[
                FoundDocument(
                    d["doc_key"],
                    d.get("uri"),
                    d.get("title"),
                    d["version"],
                    d.get("classification"),
                )
                for d in sorted(docs, key=lambda d: d["doc_key"])
            ],
            chunks=[
                FoundChunk(c["_id"], c["doc_key"], c["text"])
                for c in sorted(chunks, key=lambda c: (c["doc_key"], c["chunk_index"]))
            ],
        )

    def erase(self, request: SubjectRequest) -> ErasureReport:
        """Block re-ingestion, then remove the subject's documents from indices and topics."""
        os_ = self._s.opensearch
        report = ErasureReport(request_id=request.request_id)
        # Block first: anything ingested from now on that mentions the subject is refused.
        self._registry.record("erasure", request.subject_ids, request.request_id)
        docs = self._search(
            os_.documents_alias,
            _subjects_query(request.subject_ids),
            ["doc_key", "source_id", "document_id", "version"],
        )
        chunk_keys = {
            c["doc_key"]
            for c in self._search(
                os_.chunks_alias, {"terms": {"subject_ids": list(request.subject_ids)}}, ["doc_key"]
            )
        }
        keys = sorted({d["doc_key"] for d in docs} | chunk_keys)
        report.doc_keys = keys
        actions: list[dict[str, Any]] = []
        for d in docs:
            actions.append(
                {
                    "index": {
                        "_index": os_.documents_alias,
                        "_id": d["_id"],
                        "version": d["version"],
                        "version_type": "external_gte",
                    }
                }
            )
            actions.append(
                {
                    "doc_key": d["doc_key"],
                    "source_id": d["source_id"],
                    "document_id": d["document_id"],
                    "version": d["version"],
                    "deleted": True,
                }
            )
        if actions:
            resp = self._client.bulk(body=actions, params={"refresh": "true"})
            report.documents_removed = sum(
                1 for i in resp["items"] if 200 <= next(iter(i.values()))["status"] < 300
            )
        if keys and self._client.indices.exists(index=os_.chunks_alias):
            report.chunks_removed = delete_matching(
                self._client, os_.chunks_alias, {"terms": {"doc_key": keys}}
            )
        if self._tombstones is not None and keys:
            k = self._s.kafka
            for key in keys:
                for topic in (k.changes_topic, k.clean_topic, k.chunks_topic):
                    self._tombstones.tombstone(topic, key)
                    report.topic_tombstones += 1
            if self._tombstones.flush(30) != 0:
                raise RuntimeError("Kafka did not acknowledge the erasure tombstones")
        return report

    def opt_out(self, request: SubjectRequest) -> None:
        self._registry.record("opt_out", request.subject_ids, request.request_id)

    def lift_erasure(self, request: SubjectRequest) -> None:
        """A new legal basis: the subject's documents may be ingested again."""
        if not request.legal_basis:
            raise ValueError("lifting an erasure needs a legal basis")
        self._registry.record(
            "erasure",
            request.subject_ids,
            request.request_id,
            active=False,
            legal_basis=request.legal_basis,
        )


def audit_for(
    request: SubjectRequest, report: AccessReport | ErasureReport | None, worker: str | None
) -> AuditRecord:
    """The audit record of a request: counts and hashes only, never content."""
    detail: dict[str, int | str] = {
        "request_id": request.request_id,
        "requester": request.requester,
    }
    kind: Any = "dsr_access"
    if isinstance(report, ErasureReport):
        kind = "dsr_erase"
        detail.update(
            documents_removed=report.documents_removed,
            chunks_removed=report.chunks_removed,
            topic_tombstones=report.topic_tombstones,
            documents_found=len(report.doc_keys),
        )
    elif isinstance(report, AccessReport):
        detail.update(documents_found=len(report.documents), chunks_found=len(report.chunks))
    else:
        kind = "dsr_opt_out" if request.kind == "opt_out" else "dsr_lift_erasure"
        if request.legal_basis:
            detail["legal_basis"] = request.legal_basis
    return AuditRecord(
        kind=kind,
        outcome="done",
        subject_ids=request.subject_ids,
        detail=detail,
        worker=worker,
    )
