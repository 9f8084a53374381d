"""OpenSearch index definitions behind aliases, created idempotently."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from infra.opensearch import is_transient_status
from infra.settings import OpenSearchSettings
from streams.runner import TransientError

INDEX_GENERATION = "v1"


class TransientStoreError(TransientError):
    """OpenSearch answered with a status that goes away by waiting (429, 5xx): retry as is."""


def _already_exists(exc: TransportError) -> bool:
    return exc.status_code == 400 and exc.error in (
        "resource_already_exists_exception",
        "index_already_exists_exception",
    )


def _common_fields() -> dict[str, Any]:
    return {
        "doc_key": {"type": "keyword"},
        "source_id": {"type": "keyword"},
        "document_id": {"type": "keyword"},
        "version": {"type": "long"},
        "title": {"type": "text"},
        "uri": {"type": "keyword"},
        "content_type": {"type": "keyword"},
        "acl_users": {"type": "keyword"},
        "acl_groups": {"type": "keyword"},
        "classification": {"type": "keyword"},
        "tags": {"type": "keyword"},
        "subject_ids": {"type": "keyword"},
        "policy_id": {"type": "keyword"},
        "occurred_at": {"type": "date"},
        "indexed_at": {"type": "date"},
        "expires_at": {"type": "date"},
    }


def chunks_body(settings: OpenSearchSettings, dimension: int) -> dict[str, Any]:
    """rag-chunks: k-NN (Lucene HNSW, cosine) and BM25 text in one index."""
    return {
        "settings": {
            "index": {
                "knn": True,
                "number_of_shards": settings.shards,
                "number_of_replicas": settings.replicas,
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                **_common_fields(),
                "chunk_id": {"type": "keyword"},
                "chunk_index": {"type": "integer"},
                "chunk_count": {"type": "integer"},
                "start": {"type": "integer"},
                "end": {"type": "integer"},
                "text": {"type": "text"},
                "model_id": {"type": "keyword"},
                "embedding": {
                    "type": "knn_vector",
                    "dimension": dimension,
                    "method": {
                        "name": "hnsw",
                        "engine": "lucene",
                        "space_type": "cosinesimil",
                        "parameters": {"m": 16, "ef_construction": 128},
                    },
                },
            },
        },
    }


def documents_body(settings: OpenSearchSettings) -> dict[str, Any]:
    """rag-documents: the whole redacted document for keyword search, plus tombstones."""
    return {
        "settings": {
            "index": {
                "number_of_shards": settings.shards,
                "number_of_replicas": settings.replicas,
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                **_common_fields(),
                "text": {"type": "text"},
                "deleted": {"type": "boolean"},
                "chunk_count": {"type": "integer"},
                "frameworks": {"type": "keyword"},
            },
        },
    }


def ensure_indices(client: OpenSearch, settings: OpenSearchSettings, dimension: int) -> None:
    """Create the generation-``v1`` indices and point the aliases at them, if missing.

    Safe when several workers start together: an index or alias that another process
    created between our check and our create counts as success, and we wait until its
    primary shards are active before returning, so the first write does not hit them early.
    """
    for alias, body in (
        (settings.chunks_alias, chunks_body(settings, dimension)),
        (settings.documents_alias, documents_body(settings)),
    ):
        if client.indices.exists_alias(name=alias):
            continue
        index = f"{alias}-{INDEX_GENERATION}"
        if not client.indices.exists(index=index):
            try:
                client.indices.create(index=index, body=body)
            except TransportError as exc:
                if not _already_exists(exc):
                    raise
                client.cluster.health(index=index, params={"wait_for_status": "yellow"})
        try:
            client.indices.put_alias(index=index, name=alias)  # adding an alias is idempotent
        except TransportError as exc:
            if not (_already_exists(exc) and client.indices.exists_alias(name=alias)):
                raise


def create_chunks_generation(
    client: OpenSearch, settings: OpenSearchSettings, generation: str, dimension: int
) -> str:
    """Create the chunks index ``<chunks_alias>-<generation>`` (e.g. ``rag-chunks-v2``) with
    vectors of ``dimension``, without touching the alias; returns the index name.

    Refuses (``ValueError``) an index that already exists: a half-built generation from an
    earlier run must be deleted on purpose, not silently reused.
    """
    index = f"{settings.chunks_alias}-{generation}"
    if client.indices.exists(index=index):
        raise ValueError(f"index {index} already exists; delete it or pick another generation")
    client.indices.create(index=index, body=chunks_body(settings, dimension))
    client.cluster.health(index=index, params={"wait_for_status": "yellow"})
    return index


def missing_indices(client: OpenSearch, settings: OpenSearchSettings) -> list[str]:
    """The aliases (chunks first, then documents) that do not exist yet."""
    return [
        name
        for name in (settings.chunks_alias, settings.documents_alias)
        if not client.indices.exists(index=name)
    ]


def indices_exist(client: OpenSearch, settings: OpenSearchSettings) -> bool:
    """True once ``ensure_indices`` ran (a worker started): both aliases resolve."""
    return not missing_indices(client, settings)


def drop_indices(client: OpenSearch, settings: OpenSearchSettings) -> None:
    """Delete the indices behind both aliases (tests and `ragstream reset`)."""
    for alias in (settings.chunks_alias, settings.documents_alias):
        if client.indices.exists_alias(name=alias):
            for index in client.indices.get_alias(name=alias):
                client.indices.delete(index=index)
        elif client.indices.exists(index=f"{alias}-{INDEX_GENERATION}"):
            client.indices.delete(index=f"{alias}-{INDEX_GENERATION}")


def delete_matching(
    client: OpenSearch, index: str, query: dict[str, Any], *, page: int = 5000
) -> int:
    """Delete every document of ``index`` that matches ``query``; returns how many.

    Search for ids, then bulk-delete them: it needs no reindex module (the minimal
    distribution lacks ``_delete_by_query``) and is idempotent, so a retry is safe. A delete
    answered 429 or 5xx raises :class:`TransientStoreError` (retry the call); any other
    failed delete raises ``RuntimeError``.
    """
    client.indices.refresh(index=index)
    deleted = 0
    while True:
        resp = client.search(index=index, body={"size": page, "query": query, "_source": False})
        hits = resp["hits"]["hits"]
        if not hits:
            return deleted
        actions = [{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in hits]
        result = client.bulk(body=actions, params={"refresh": "true"})
        for item in result["items"]:
            status = int(item["delete"].get("status", 500))
            if status in (200, 404):
                deleted += status == 200
            elif is_transient_status(status):
                raise TransientStoreError(f"bulk delete in {index} answered {status}")
            else:
                raise RuntimeError(f"bulk delete in {index} failed with status {status}")
        if len(hits) < page:
            return deleted
