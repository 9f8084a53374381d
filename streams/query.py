"""Retrieval over rag-chunks: BM25, k-NN and hybrid, ACL-filtered, grouped into documents.

Legs. BM25 matches the query against chunk text and document title; k-NN compares the query
vector with chunk vectors (what was embedded: title, headings and chunk text). BM25's text
match (:data:`TextMatch`): ``exact`` searches the fields as analysed (``text``, ``title^2``,
the best field counting); ``stemmed`` sums those and their ``stemmed`` subfields (stop words
dropped, Krovetz stemmer: "solving" finds "solve"), so identifiers keep their exact matches
while words also match across inflections. On an index without the subfields (older
generations, a node without analysis-common) ``stemmed`` scores as ``exact``. Every leg
carries the same filter (:func:`search_filter`): the caller's ACL (chunks without an ACL are
public; others need one of the caller's user ids or groups) and the optional
:class:`SearchFilters` (source, classification, tags, time range). The k-NN leg takes it as
the ``filter`` of the ``knn`` query (filtered HNSW search, so ``k`` readable chunks come back,
not ``k`` chunks of which some are dropped afterwards).

Hybrid over chunks runs on the server in ONE request when it can: a ``hybrid`` query fused
by a search pipeline (:mod:`streams.search_pipeline`, reciprocal rank fusion by default). On a
node without the neural-search plugin or the processor it falls back, once and for the life
of the searcher, to two requests fused here by the same formula.

Hybrid over documents (``Fusion("doc_minmax", ...)``) fuses documents, not chunks: BM25 and
k-NN over chunks and BM25 over whole documents (the documents index, with the same filter and
without tombstones) in one ``_msearch`` request; each leg scores a document by its best hit,
scores are min-max normalised per leg over its documents and summed with the fusion's
weights (:func:`fuse_documents`). A document found by the documents leg alone gets its
passages from one more request.

Documents. A pool of chunks (a few per wanted document) is ranked, then grouped by
``doc_key``: a document scores as its best chunk, and shows its best passages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from opensearchpy import OpenSearch
from opensearchpy.exceptions import HTTP_EXCEPTIONS, TransportError

from infra.logs import get_logger
from infra.settings import OPEN_CLASSIFICATIONS, ClassificationGrant, OpenSearchSettings
from streams.search_pipeline import Fusion, is_unsupported, pipeline_body

log = get_logger(__name__)

RRF_K = 60
Mode = Literal["bm25", "knn", "hybrid"]
MODES: tuple[Mode, ...] = ("bm25", "knn", "hybrid")
#: BM25 fields of a chunk, with boosts (text match ``exact``; ``best_fields``).
BM25_FIELDS = ("text", "title^2")
#: Text match ``stemmed``: the exact fields and their ``stemmed`` subfields, summed
#: (``most_fields``).
STEMMED_BM25_FIELDS = ("text", "text.stemmed", "title^2", "title.stemmed^2")
TextMatch = Literal["exact", "stemmed"]
TEXT_MATCHES: tuple[TextMatch, ...] = ("exact", "stemmed")
SOURCE_FIELDS = [
    "doc_key",
    "document_id",
    "source_id",
    "uri",
    "title",
    "text",
    "chunk_id",
    "chunk_index",
    "classification",
    "tags",
    "occurred_at",
]
#: What a hit of the documents index brings (no text: passages come from chunks).
DOC_SOURCE_FIELDS = [
    "doc_key",
    "document_id",
    "source_id",
    "uri",
    "title",
    "classification",
    "tags",
    "occurred_at",
]
#: The engine's neutral default: reciprocal rank fusion with rank constant 60. The search API
#: uses the fusion chosen on the judged set (:data:`streams.search_api.DEFAULT_FUSION`).
DEFAULT_FUSION = Fusion("rrf", RRF_K)
#: Most chunks one leg may return (OpenSearch's default max_result_window).
MAX_POOL = 10_000


@dataclass(frozen=True)
class Hit:
    """One chunk. ``bm25_rank``/``knn_rank``: its rank in each leg, where known (the legs'
    ranks are not known when the server fused them)."""

    chunk_id: str
    document_id: str
    doc_key: str
    uri: str | None
    title: str | None
    text: str
    score: float
    bm25_rank: int | None
    knn_rank: int | None


@dataclass(frozen=True)
class Passage:
    """A chunk shown under its document."""

    chunk_id: str
    chunk_index: int | None
    text: str
    score: float


@dataclass(frozen=True)
class DocumentHit:
    """One document: its best chunk's fields (as :class:`Hit`) and its best passages."""

    chunk_id: str
    document_id: str
    doc_key: str
    uri: str | None
    title: str | None
    text: str
    score: float
    bm25_rank: int | None
    knn_rank: int | None
    source_id: str | None = None
    classification: str | None = None
    tags: tuple[str, ...] = ()
    occurred_at: str | None = None
    passages: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search. Empty fields do not filter.

    ``sources``: any of these source ids; ``classifications``: any of these; ``tags``: every
    one of these; ``since``/``until``: ``occurred_at`` (the change time) in ``[since, until)``.
    """

    sources: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def clauses(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.sources:
            out.append({"terms": {"source_id": list(self.sources)}})
        if self.classifications:
            out.append({"terms": {"classification": list(self.classifications)}})
        out.extend({"term": {"tags": tag}} for tag in self.tags)
        if self.since is not None or self.until is not None:
            bounds: dict[str, str] = {}
            if self.since is not None:
                bounds["gte"] = self.since.isoformat()
            if self.until is not None:
                bounds["lt"] = self.until.isoformat()
            out.append({"range": {"occurred_at": bounds}})
        return out


def rrf_fuse(
    rankings: Sequence[Sequence[str]], k: int = RRF_K, limit: int | None = None
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum over lists of 1 / (k + rank); rank from 1.

    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    fused = sorted(scores.items(), key=lambda kv: -kv[1])
    return fused[:limit] if limit is not None else fused


def minmax_fuse(
    scored: Sequence[Sequence[tuple[str, float]]],
    weights: Sequence[float],
    limit: int | None = None,
) -> list[tuple[str, float]]:
    """Per list min-max normalisation, then the weighted mean over all lists (absent: 0).

    As OpenSearch's ``normalization-processor`` (``min_max``, ``arithmetic_mean``) does: a
    list whose scores are all equal normalises them to 1; a normalised 0 counts as 0.001.
    """
    total = sum(weights) or 1.0
    scores: dict[str, float] = {}
    for hits, weight in zip(scored, weights, strict=True):
        if not hits:
            continue
        values = [s for _, s in hits]
        low, high = min(values), max(values)
        for doc_id, s in hits:
            norm = 1.0 if high == low else max((s - low) / (high - low), 0.001)
            scores[doc_id] = scores.get(doc_id, 0.0) + weight * norm / total
    fused = sorted(scores.items(), key=lambda kv: -kv[1])
    return fused[:limit] if limit is not None else fused


def acl_filter(users: Sequence[str], groups: Sequence[str]) -> dict[str, Any]:
    """Chunks without an ACL are readable by all; others need a matching user or group."""
    should: list[dict[str, Any]] = [
        {
            "bool": {
                "must_not": [
                    {"exists": {"field": "acl_users"}},
                    {"exists": {"field": "acl_groups"}},
                ]
            }
        }
    ]
    if users:
        should.append({"terms": {"acl_users": list(users)}})
    if groups:
        should.append({"terms": {"acl_groups": list(groups)}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def readable_classifications(
    users: Sequence[str],
    groups: Sequence[str],
    grants: Mapping[str, ClassificationGrant] | None = None,
) -> list[str]:
    """Public and internal, plus each classification whose grant names the caller:
    confidential and restricted documents need an explicit grant (settings)."""
    allowed = set(OPEN_CLASSIFICATIONS)
    for name, grant in (grants or {}).items():
        if set(users) & set(grant.users) or set(groups) & set(grant.groups):
            allowed.add(name)
    return sorted(allowed)


def search_filter(
    users: Sequence[str],
    groups: Sequence[str],
    filters: SearchFilters | None = None,
    grants: Mapping[str, ClassificationGrant] | None = None,
) -> dict[str, Any]:
    """The one filter every leg carries: the ACL, the caller's clearance and the optional
    search filters."""
    clearance = {"terms": {"classification": readable_classifications(users, groups, grants)}}
    return {
        "bool": {
            "filter": [
                acl_filter(users, groups),
                clearance,
                *(filters or SearchFilters()).clauses(),
            ]
        }
    }


def bm25_match(text: str, text_match: TextMatch = "exact") -> dict[str, Any]:
    """The scoring clause of the BM25 legs: ``text`` against the fields of ``text_match``."""
    fields: tuple[str, ...]
    if text_match == "stemmed":
        fields, kind = STEMMED_BM25_FIELDS, "most_fields"
    elif text_match == "exact":
        fields, kind = BM25_FIELDS, "best_fields"
    else:
        raise ValueError(f"unknown text match {text_match!r}; one of {TEXT_MATCHES}")
    return {"multi_match": {"query": text, "fields": list(fields), "type": kind}}


def bm25_query(text: str, filt: dict[str, Any], text_match: TextMatch = "exact") -> dict[str, Any]:
    return {"bool": {"must": [bm25_match(text, text_match)], "filter": [filt]}}


def documents_bm25_query(
    text: str, filt: dict[str, Any], text_match: TextMatch = "exact"
) -> dict[str, Any]:
    """BM25 over whole documents (the documents index): the chunk leg's fields and filter,
    tombstones left out."""
    query = bm25_query(text, filt, text_match)
    query["bool"]["must_not"] = [{"term": {"deleted": True}}]
    return query


def knn_query(vector: Sequence[float], k: int, filt: dict[str, Any]) -> dict[str, Any]:
    return {"knn": {"embedding": {"vector": [float(x) for x in vector], "k": k, "filter": filt}}}


def hybrid_body(
    text: str,
    vector: Sequence[float],
    size: int,
    filt: dict[str, Any],
    fusion: Fusion,
    text_match: TextMatch = "exact",
) -> dict[str, Any]:
    """One request: both legs in a ``hybrid`` query, fused by a temporary search pipeline."""
    bm25 = bm25_query(text, filt, text_match)
    return {
        "size": size,
        "_source": SOURCE_FIELDS,
        "query": {"hybrid": {"queries": [bm25, knn_query(vector, size, filt)]}},
        "search_pipeline": pipeline_body(fusion),
    }


@dataclass
class _Ranked:
    """Chunks in fused order, with their sources and per-leg ranks where known."""

    ids: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    bm25_rank: dict[str, int] = field(default_factory=dict)
    knn_rank: dict[str, int] = field(default_factory=dict)

    def add(self, h: dict[str, Any]) -> str:
        """Append one search hit in order; returns its chunk id."""
        cid: str = h["_id"]
        self.ids.append(cid)
        self.scores[cid] = float(h["_score"] or 0.0)
        self.sources[cid] = h["_source"]
        return cid

    def hit(self, cid: str) -> Hit:
        src = self.sources[cid]
        return Hit(
            chunk_id=cid,
            document_id=str(src.get("document_id", "")),
            doc_key=str(src.get("doc_key", "")),
            uri=src.get("uri"),
            title=src.get("title"),
            text=str(src.get("text", "")),
            score=round(self.scores[cid], 6),
            bm25_rank=self.bm25_rank.get(cid),
            knn_rank=self.knn_rank.get(cid),
        )


class HybridSearcher:
    """BM25, k-NN and hybrid search over the chunks alias.

    ``server_hybrid``: ``None`` (default) tries the one-request hybrid query and falls back
    to client-side fusion if the node cannot run it; ``False`` always fuses here; ``True``
    never falls back (an unsupported node raises). ``text_match``: the BM25 legs' fields
    (:data:`TextMatch`), unless a call names its own.
    """

    def __init__(
        self,
        settings: OpenSearchSettings,
        client: OpenSearch,
        *,
        fusion: Fusion = DEFAULT_FUSION,
        server_hybrid: bool | None = None,
        text_match: TextMatch = "exact",
    ) -> None:
        self._settings = settings
        self._client = client
        self.fusion = fusion
        self.text_match = text_match
        self._server = server_hybrid
        self._forced = server_hybrid is True

    def _filter(
        self, users: Sequence[str], groups: Sequence[str], filters: SearchFilters | None
    ) -> dict[str, Any]:
        return search_filter(users, groups, filters, self._settings.classification_grants)

    @property
    def server_hybrid(self) -> bool | None:
        """Whether hybrid runs on the server (``None``: not tried yet)."""
        return self._server

    def search(
        self,
        text: str,
        vector: Sequence[float],
        *,
        k: int = 10,
        users: Sequence[str] = (),
        groups: Sequence[str] = (),
        filters: SearchFilters | None = None,
    ) -> list[Hit]:
        """The best ``k`` chunks by both legs fused here (with each leg's rank)."""
        pool = max(k * 3, 20)
        filt = self._filter(users, groups, filters)
        ranked = self._client_fused(text, vector, pool, filt, self.text_match)
        return [ranked.hit(cid) for cid in ranked.ids[:k]]

    def chunks(
        self,
        text: str,
        vector: Sequence[float] | None,
        *,
        mode: Mode = "hybrid",
        size: int = 50,
        users: Sequence[str] = (),
        groups: Sequence[str] = (),
        filters: SearchFilters | None = None,
        text_match: TextMatch | None = None,
    ) -> list[Hit]:
        """The best ``size`` chunks by ``mode`` (``vector`` is unused by ``bm25``)."""
        filt = self._filter(users, groups, filters)
        return self._ranked(text, vector, mode, size, filt, text_match or self.text_match)[0]

    def documents(
        self,
        text: str,
        vector: Sequence[float] | None,
        *,
        mode: Mode = "hybrid",
        k: int = 10,
        pool: int | None = None,
        passages: int = 3,
        users: Sequence[str] = (),
        groups: Sequence[str] = (),
        filters: SearchFilters | None = None,
        text_match: TextMatch | None = None,
    ) -> list[DocumentHit]:
        """The best ``k`` documents: chunks ranked by ``mode`` and grouped by document.

        ``pool`` chunks are ranked (default ``4 * k``, at least 40); a document scores as its
        best chunk and lists up to ``passages`` of its chunks from the pool, best first.
        ``text_match``: the BM25 legs' fields (default: the searcher's).
        """
        size = min(MAX_POOL, pool or max(4 * k, 40))
        filt = self._filter(users, groups, filters)
        tm = text_match or self.text_match
        if mode == "hybrid" and self.fusion.per_document:
            return self._documents_fused(text, _need(vector), k, size, passages, filt, tm)
        hits, sources = self._ranked(text, vector, mode, size, filt, tm)
        return group_documents(hits, sources, k=k, passages=passages)

    def _documents_fused(
        self,
        text: str,
        vector: Sequence[float],
        k: int,
        size: int,
        passages: int,
        filt: dict[str, Any],
        text_match: TextMatch,
    ) -> list[DocumentHit]:
        """Three legs in one ``_msearch``, fused per document (:func:`fuse_documents`); a
        document only the documents leg found gets its passages from one more request."""
        chunks = self._settings.chunks_alias
        bm25_chunks = bm25_query(text, filt, text_match)
        bm25, knn, docs = self._msearch(
            [
                (chunks, {"size": size, "_source": SOURCE_FIELDS, "query": bm25_chunks}),
                (
                    chunks,
                    {
                        "size": size,
                        "_source": SOURCE_FIELDS,
                        "query": knn_query(vector, size, filt),
                    },
                ),
                (
                    self._settings.documents_alias,
                    {
                        "size": max(k, size // 4),
                        "_source": DOC_SOURCE_FIELDS,
                        "query": documents_bm25_query(text, filt, text_match),
                    },
                ),
            ]
        )
        out = fuse_documents(bm25, knn, docs, self.fusion, k=k, passages=passages)
        bare = [d.doc_key for d in out if not d.passages]
        if not bare:
            return out
        more = self._leg(
            {
                "bool": {
                    "filter": [filt, {"terms": {"doc_key": bare}}],
                    "should": [bm25_match(text, text_match)],
                }
            },
            min(MAX_POOL, 20 * len(bare)),
        )
        return fuse_documents(bm25, knn, docs, self.fusion, k=k, passages=passages, extra=more)

    def _msearch(
        self, searches: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """The hits of each search, sent together; a failed one raises as its status says."""
        body: list[dict[str, Any]] = []
        for index, search in searches:
            body += [{"index": index}, search]
        out: list[list[dict[str, Any]]] = []
        for resp in self._client.msearch(body=body)["responses"]:
            if "error" in resp:
                status, error = int(resp.get("status", 500)), resp["error"]
                kind = error.get("type", "") if isinstance(error, dict) else str(error)
                raise HTTP_EXCEPTIONS.get(status, TransportError)(status, kind, error)
            out.append(resp["hits"]["hits"])
        return out

    # -- legs -------------------------------------------------------------------------

    def _ranked(
        self,
        text: str,
        vector: Sequence[float] | None,
        mode: Mode,
        size: int,
        filt: dict[str, Any],
        text_match: TextMatch = "exact",
    ) -> tuple[list[Hit], dict[str, dict[str, Any]]]:
        if mode == "bm25":
            ranked = self._single(self._leg(bm25_query(text, filt, text_match), size), "bm25")
        elif mode == "knn":
            ranked = self._single(self._leg(knn_query(_need(vector), size, filt), size), "knn")
        else:
            ranked = self._hybrid(text, _need(vector), size, filt, text_match)
        return [ranked.hit(cid) for cid in ranked.ids[:size]], ranked.sources

    def _leg(self, query: dict[str, Any], size: int) -> list[dict[str, Any]]:
        resp = self._client.search(
            index=self._settings.chunks_alias,
            body={"size": size, "_source": SOURCE_FIELDS, "query": query},
        )
        hits: list[dict[str, Any]] = resp["hits"]["hits"]
        return hits

    @staticmethod
    def _single(hits: list[dict[str, Any]], leg: str) -> _Ranked:
        out = _Ranked()
        ranks = out.bm25_rank if leg == "bm25" else out.knn_rank
        for rank, h in enumerate(hits, start=1):
            ranks[out.add(h)] = rank
        return out

    def _hybrid(
        self,
        text: str,
        vector: Sequence[float],
        size: int,
        filt: dict[str, Any],
        text_match: TextMatch = "exact",
    ) -> _Ranked:
        if self._server is not False:
            fusion = self.fusion.chunk_level()
            try:
                resp = self._client.search(
                    index=self._settings.chunks_alias,
                    body=hybrid_body(text, vector, size, filt, fusion, text_match),
                )
            except Exception as exc:
                if self._forced or not is_unsupported(exc):
                    raise
                log.warning(
                    "hybrid_query_unsupported",
                    fallback="client-side fusion",
                    error=str(exc)[:300],
                )
                self._server = False
            else:
                self._server = True
                out = _Ranked()
                for h in resp["hits"]["hits"]:
                    out.add(h)
                return out
        return self._client_fused(text, vector, size, filt, text_match)

    def _client_fused(
        self,
        text: str,
        vector: Sequence[float],
        size: int,
        filt: dict[str, Any],
        text_match: TextMatch = "exact",
    ) -> _Ranked:
        """The fallback: both legs, then the same fusion as the server's pipeline."""
        fusion = self.fusion.chunk_level()
        legs = [
            self._leg(bm25_query(text, filt, text_match), size),
            self._leg(knn_query(vector, size, filt), size),
        ]
        out = _Ranked()
        for hits, ranks in zip(legs, (out.bm25_rank, out.knn_rank), strict=True):
            for rank, h in enumerate(hits, start=1):
                out.sources[h["_id"]] = h["_source"]
                ranks[h["_id"]] = rank
        if fusion.technique == "rrf":
            fused = rrf_fuse([[h["_id"] for h in hits] for hits in legs], k=fusion.rank_constant)
        else:
            fused = minmax_fuse(
                [[(h["_id"], float(h["_score"] or 0.0)) for h in hits] for hits in legs],
                fusion.weights,
            )
        for cid, score in fused:
            out.ids.append(cid)
            out.scores[cid] = score
        return out


def _need(vector: Sequence[float] | None) -> Sequence[float]:
    if vector is None:
        raise ValueError("k-NN and hybrid search need the query vector")
    return vector


def group_documents(
    hits: Sequence[Hit],
    sources: dict[str, dict[str, Any]] | None = None,
    *,
    k: int,
    passages: int = 3,
) -> list[DocumentHit]:
    """Group ranked chunks by document: a document scores as its best chunk (first seen)."""
    order: list[str] = []
    by_doc: dict[str, list[Hit]] = {}
    for h in hits:
        if h.doc_key not in by_doc:
            order.append(h.doc_key)
            by_doc[h.doc_key] = []
        by_doc[h.doc_key].append(h)
    out: list[DocumentHit] = []
    for key in order[:k]:
        chunks = by_doc[key]
        best = chunks[0]
        src = (sources or {}).get(best.chunk_id, {})
        out.append(
            DocumentHit(
                chunk_id=best.chunk_id,
                document_id=best.document_id,
                doc_key=best.doc_key,
                uri=best.uri,
                title=best.title,
                text=best.text,
                score=best.score,
                bm25_rank=best.bm25_rank,
                knn_rank=best.knn_rank,
                source_id=src.get("source_id"),
                classification=src.get("classification"),
                tags=tuple(src.get("tags") or ()),
                occurred_at=src.get("occurred_at"),
                passages=tuple(
                    Passage(
                        c.chunk_id,
                        (sources or {}).get(c.chunk_id, {}).get("chunk_index"),
                        c.text,
                        c.score,
                    )
                    for c in chunks[:passages]
                ),
            )
        )
    return out


def _best_per_document(hits: Sequence[dict[str, Any]]) -> list[tuple[str, float]]:
    """Each document once, scored by its best (first) hit, in ranked order."""
    best: dict[str, float] = {}
    for h in hits:
        best.setdefault(str(h["_source"].get("doc_key", "")), float(h["_score"] or 0.0))
    return list(best.items())


def fuse_documents(
    bm25: Sequence[dict[str, Any]],
    knn: Sequence[dict[str, Any]],
    docs: Sequence[dict[str, Any]],
    fusion: Fusion,
    *,
    k: int,
    passages: int = 3,
    extra: Sequence[dict[str, Any]] = (),
) -> list[DocumentHit]:
    """The best ``k`` documents by ``doc_minmax`` fusion of three legs' hits.

    ``bm25``/``knn``: chunk hits, ranked; ``docs``: hits of the documents index, ranked. Each
    leg scores a document by its best hit; per leg min-max over its documents (as
    :func:`minmax_fuse`), weighted by ``fusion.weights`` (chunk BM25, k-NN, documents).
    Passages: the document's chunks from both chunk legs, in the order of the chunk-level
    min-max fusion of those two legs (:meth:`Fusion.chunk_level`), then its chunks in
    ``extra`` (the searcher fetches them for documents no chunk leg found).
    ``bm25_rank``/``knn_rank``: the document's rank among the documents of that chunk leg.
    """
    fused = minmax_fuse(
        [_best_per_document(bm25), _best_per_document(knn), _best_per_document(docs)],
        fusion.weights,
        limit=k,
    )
    chunk_scores = minmax_fuse(
        [[(h["_id"], float(h["_score"] or 0.0)) for h in leg] for leg in (bm25, knn)],
        fusion.chunk_level().weights,
    )
    sources: dict[str, dict[str, Any]] = {}
    for h in [*bm25, *knn, *extra]:
        sources.setdefault(h["_id"], h["_source"])
    doc_sources = {str(h["_source"].get("doc_key", "")): h["_source"] for h in docs}
    by_doc: dict[str, list[tuple[str, float]]] = {}
    for cid, score in [*chunk_scores, *((h["_id"], 0.0) for h in extra)]:
        key = str(sources[cid].get("doc_key", ""))
        if cid not in (c for c, _ in by_doc.get(key, ())):
            by_doc.setdefault(key, []).append((cid, score))
    ranks = [
        {key: r for r, (key, _) in enumerate(_best_per_document(leg), start=1)}
        for leg in (bm25, knn)
    ]
    out: list[DocumentHit] = []
    for key, score in fused:
        chunks = by_doc.get(key, [])[:passages]
        best = sources[chunks[0][0]] if chunks else doc_sources.get(key, {})
        out.append(
            DocumentHit(
                chunk_id=chunks[0][0] if chunks else "",
                document_id=str(best.get("document_id", "")),
                doc_key=key,
                uri=best.get("uri"),
                title=best.get("title"),
                text=str(best.get("text", "")) if chunks else "",
                score=round(score, 6),
                bm25_rank=ranks[0].get(key),
                knn_rank=ranks[1].get(key),
                source_id=best.get("source_id"),
                classification=best.get("classification"),
                tags=tuple(best.get("tags") or ()),
                occurred_at=best.get("occurred_at"),
                passages=tuple(
                    Passage(
                        cid,
                        sources[cid].get("chunk_index"),
                        str(sources[cid].get("text", "")),
                        round(s, 6),
                    )
                    for cid, s in chunks
                ),
            )
        )
    return out
