"""OpenSearch index definitions behind aliases, created idempotently."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from infra.logs import get_logger
from infra.opensearch import is_transient_status
from infra.settings import OpenSearchSettings
from streams.runner import TransientError

# v3: ``text`` and ``title`` also carry a ``stemmed`` subfield (:data:`STEMMED_ANALYZER`: stop
# words and Krovetz stemming) where settings.stemmed_subfield asks for it and the node has
# analysis-common, recorded as _meta.stemmed_analyzer; v2 had settings.text_analyzer on the
# text fields (recorded as _meta.text_analyzer), v1 the standard analyzer without the record.
# An existing alias keeps its generation.
INDEX_GENERATION = "v3"
FALLBACK_ANALYZER = "standard"  # built into every OpenSearch, with or without analysis-common
#: The analyzer of the ``stemmed`` subfields, defined in each index's settings: the standard
#: tokenizer, English possessives removed, lower case, English stop words, Krovetz stemmer
#: (``kstem``: milder than Porter, "solving" -> "solve", "matrices" -> "matrice").
STEMMED_ANALYZER = "ragstream_stemmed"
STEMMED_SUBFIELD = "stemmed"
NO_STEMMED = "none"  # _meta.stemmed_analyzer of an index without the subfields
_ANALYSIS: dict[str, Any] = {
    "filter": {"ragstream_possessive": {"type": "stemmer", "language": "possessive_english"}},
    "analyzer": {
        STEMMED_ANALYZER: {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["ragstream_possessive", "lowercase", "stop", "kstem"],
        }
    },
}

log = get_logger(__name__)


class TransientStoreError(TransientError):
    """OpenSearch answered with a status that goes away by waiting (429, 5xx): retry as is."""


def _already_exists(exc: TransportError) -> bool:
    return exc.status_code == 400 and exc.error in (
        "resource_already_exists_exception",
        "index_already_exists_exception",
    )


def analyzer_missing(status: int, reason: str) -> bool:
    """Whether an OpenSearch error says the named analyzer (or a token filter that the
    ``stemmed`` subfields need) does not exist on the node.

    ``_analyze`` answers 400 ``failed to find global analyzer [english]``; an index creation
    whose mapping names it answers 400 ``analyzer [english] has not been configured in
    mappings``. Anything else (403 of a user without the analyze privilege, 5xx) says nothing
    about the analyzer.

    ``_analyze`` or an index creation naming a token filter of the module answers ``failed to
    find global filter under [kstem]``, ``Custom Analyzer [x] failed to find filter under name
    [kstem]`` or ``Unknown filter type [stemmer] for [x]``: also missing.
    """
    low = reason.lower()
    return status == 400 and (
        ("failed to find" in low and ("analyzer" in low or "filter under" in low))
        or "has not been configured in mappings" in low
        or "unknown filter type" in low
    )


def _error_reason(exc: TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        causes = [error, *error.get("root_cause", []), error.get("caused_by") or {}]
        return " ".join(str(c.get("reason", "")) for c in causes if isinstance(c, dict))
    return f"{error or ''} {exc.error}"


def text_analyzer(client: OpenSearch, settings: OpenSearchSettings) -> str:
    """The analyzer for the text fields of a new index: ``settings.text_analyzer`` where the
    node has it (asked with ``_analyze``), else ``standard``. Logged either way.

    A probe that fails for another reason (a user without the analyze privilege) keeps the
    wanted analyzer; the index creation then falls back on its own (:func:`_create`).
    """
    wanted = settings.text_analyzer
    if wanted == FALLBACK_ANALYZER:
        return wanted
    try:
        client.indices.analyze(body={"analyzer": wanted, "text": "running queries"})
    except TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if analyzer_missing(status, _error_reason(exc)):
            log.warning(
                "text_analyzer_fallback",
                wanted=wanted,
                used=FALLBACK_ANALYZER,
                reason="the node has no such analyzer (analysis-common module missing?)",
            )
            return FALLBACK_ANALYZER
        log.info("text_analyzer_probe_failed", wanted=wanted, status=exc.status_code)
    return wanted


def stemmed_subfield(client: OpenSearch, settings: OpenSearchSettings) -> bool:
    """Whether the text fields of a new index get the ``stemmed`` subfield: where
    ``settings.stemmed_subfield`` asks for it and the node has the filters of
    :data:`STEMMED_ANALYZER` (the ``analysis-common`` module; asked with ``_analyze``).

    A node without them gets no subfield, logged as ``stemmed_subfield_fallback``; queries
    naming ``text.stemmed`` then match through ``text`` alone. A probe that fails for another
    reason keeps the subfield; the index creation falls back on its own (:func:`_create`).
    """
    if not settings.stemmed_subfield:
        return False
    chain = _ANALYSIS["analyzer"][STEMMED_ANALYZER]
    filters = [_ANALYSIS["filter"].get(f, f) for f in chain["filter"]]
    try:
        client.indices.analyze(
            body={"tokenizer": chain["tokenizer"], "filter": filters, "text": "running queries"}
        )
    except TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if analyzer_missing(status, _error_reason(exc)):
            log.warning(
                "stemmed_subfield_fallback",
                reason="the node lacks the stemming filters (analysis-common module missing?)",
            )
            return False
        log.info("stemmed_subfield_probe_failed", status=exc.status_code)
    return True


def _with_analyzer(body: dict[str, Any], analyzer: str, stemmed: bool = False) -> dict[str, Any]:
    """``body`` with every text field analysed by ``analyzer`` and, if ``stemmed``, a
    ``stemmed`` subfield (:data:`STEMMED_ANALYZER`, defined in the index settings); both
    recorded in ``_meta``."""
    mappings = body["mappings"]
    subfields = {STEMMED_SUBFIELD: {"type": "text", "analyzer": STEMMED_ANALYZER}}

    def text_field(field: dict[str, Any]) -> dict[str, Any]:
        plain = {k: v for k, v in field.items() if k != "fields"}
        return {**plain, "analyzer": analyzer, **({"fields": subfields} if stemmed else {})}

    props = {
        name: text_field(field) if field.get("type") == "text" else field
        for name, field in mappings["properties"].items()
    }
    meta = {
        **mappings.get("_meta", {}),
        "text_analyzer": analyzer,
        "stemmed_analyzer": STEMMED_ANALYZER if stemmed else NO_STEMMED,
    }
    index_settings = {k: v for k, v in body["settings"]["index"].items() if k != "analysis"}
    if stemmed:
        index_settings["analysis"] = _ANALYSIS
    return {
        **body,
        "settings": {**body["settings"], "index": index_settings},
        "mappings": {**mappings, "_meta": meta, "properties": props},
    }


def _create(client: OpenSearch, index: str, body: dict[str, Any]) -> tuple[str, bool]:
    """Create ``index``; if the node lacks the analyzer named in ``body``'s ``_meta`` (or the
    filters of the stemmed subfields), create it with the standard analyzer and without
    stemmed subfields instead. Returns the analyzer used and whether the subfields exist."""
    meta = body["mappings"]["_meta"]
    analyzer = str(meta["text_analyzer"])
    stemmed = meta.get("stemmed_analyzer", NO_STEMMED) != NO_STEMMED
    try:
        client.indices.create(index=index, body=body)
    except TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        bare = analyzer == FALLBACK_ANALYZER and not stemmed
        if bare or not analyzer_missing(status, _error_reason(exc)):
            raise
        log.warning(
            "text_analyzer_fallback",
            index=index,
            wanted=analyzer,
            used=FALLBACK_ANALYZER,
            stemmed_subfield=False,
        )
        analyzer, stemmed = FALLBACK_ANALYZER, False
        client.indices.create(index=index, body=_with_analyzer(body, analyzer, stemmed))
    log.info("index_created", index=index, text_analyzer=analyzer, stemmed_subfield=stemmed)
    return analyzer, stemmed


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


def chunks_body(
    settings: OpenSearchSettings,
    dimension: int,
    analyzer: str = FALLBACK_ANALYZER,
    stemmed: bool = False,
) -> dict[str, Any]:
    """rag-chunks: k-NN (Lucene HNSW, cosine) and BM25 text (``analyzer``, plus ``stemmed``
    subfields if asked) in one index."""
    return _with_analyzer(_chunks_body(settings, dimension), analyzer, stemmed)


def _chunks_body(settings: OpenSearchSettings, dimension: int) -> dict[str, Any]:
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


def documents_body(
    settings: OpenSearchSettings, analyzer: str = FALLBACK_ANALYZER, stemmed: bool = False
) -> dict[str, Any]:
    """rag-documents: the whole redacted document for keyword search (``analyzer``, plus
    ``stemmed`` subfields if asked), plus tombstones."""
    return _with_analyzer(_documents_body(settings), analyzer, stemmed)


def _documents_body(settings: OpenSearchSettings) -> dict[str, Any]:
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
    """Create the generation-:data:`INDEX_GENERATION` indices and point the aliases at them,
    if missing. Their text fields get :func:`text_analyzer` (``settings.text_analyzer`` where
    the node has it, else ``standard``) and, where :func:`stemmed_subfield` says so, a
    ``stemmed`` subfield.

    An alias that exists is left as it is, whatever generation or analyzer it points at (an
    index's name carries its generation, its mapping's ``_meta.text_analyzer`` the analyzer;
    docs/REINDEX.md tells how to move to another).
    Safe when several workers start together: an index or alias that another process
    created between our check and our create counts as success, and we wait until its
    primary shards are active before returning, so the first write does not hit them early.
    """
    missing = [
        a
        for a in (settings.chunks_alias, settings.documents_alias)
        if not client.indices.exists_alias(name=a)
    ]
    if not missing:
        return
    analyzer = text_analyzer(client, settings)
    stemmed = stemmed_subfield(client, settings)
    for alias in missing:
        if alias == settings.chunks_alias:
            body = chunks_body(settings, dimension, analyzer, stemmed)
        else:
            body = documents_body(settings, analyzer, stemmed)
        index = f"{alias}-{INDEX_GENERATION}"
        if not client.indices.exists(index=index):
            try:
                analyzer, stemmed = _create(client, index, body)
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
    """Create the chunks index ``<chunks_alias>-<generation>`` (e.g. ``rag-chunks-v3``) with
    vectors of ``dimension``, without touching the alias; returns the index name.

    Refuses (``ValueError``) an index that already exists: a half-built generation from an
    earlier run must be deleted on purpose, not silently reused.
    """
    index = f"{settings.chunks_alias}-{generation}"
    if client.indices.exists(index=index):
        raise ValueError(f"index {index} already exists; delete it or pick another generation")
    analyzer = text_analyzer(client, settings)
    stemmed = stemmed_subfield(client, settings)
    _create(client, index, chunks_body(settings, dimension, analyzer, stemmed))
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
