"""Hybrid retrieval: BM25 and k-NN over rag-chunks, fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch

from infra.settings import OpenSearchSettings

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    document_id: str
    doc_key: str
    uri: str | None
    title: str | None
    text: str
    score: float
    bm25_rank: int | None
    knn_rank: int | None


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


class HybridSearcher:
    """Runs the BM25 and k-NN legs and fuses them."""

    def __init__(self, settings: OpenSearchSettings, client: OpenSearch) -> None:
        self._settings = settings
        self._client = client

    def search(
        self,
        text: str,
        vector: Sequence[float],
        *,
        k: int = 10,
        users: Sequence[str] = (),
        groups: Sequence[str] = (),
    ) -> list[Hit]:
        pool = max(k * 3, 20)
        filt = acl_filter(users, groups)
        source = ["doc_key", "document_id", "uri", "title", "text", "chunk_id"]
        bm25 = self._client.search(
            index=self._settings.chunks_alias,
            body={
                "size": pool,
                "_source": source,
                "query": {
                    "bool": {
                        "must": [{"multi_match": {"query": text, "fields": ["text", "title^2"]}}],
                        "filter": [filt],
                    }
                },
            },
        )
        knn = self._client.search(
            index=self._settings.chunks_alias,
            body={
                "size": pool,
                "_source": source,
                "query": {
                    "knn": {"embedding": {"vector": list(vector), "k": pool, "filter": filt}}
                },
            },
        )
        docs: dict[str, dict[str, Any]] = {}
        rankings: list[list[str]] = []
        for resp in (bm25, knn):
            ids = []
            for h in resp["hits"]["hits"]:
                docs[h["_id"]] = h["_source"]
                ids.append(h["_id"])
            rankings.append(ids)
        bm25_rank = {cid: r for r, cid in enumerate(rankings[0], start=1)}
        knn_rank = {cid: r for r, cid in enumerate(rankings[1], start=1)}
        hits = []
        for cid, score in rrf_fuse(rankings, limit=k):
            src = docs[cid]
            hits.append(
                Hit(
                    chunk_id=cid,
                    document_id=str(src["document_id"]),
                    doc_key=str(src["doc_key"]),
                    uri=src.get("uri"),
                    title=src.get("title"),
                    text=str(src["text"]),
                    score=round(score, 6),
                    bm25_rank=bm25_rank.get(cid),
                    knn_rank=knn_rank.get(cid),
                )
            )
        return hits
