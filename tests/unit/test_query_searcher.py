"""HybridSearcher against a recording fake client: one hybrid request with the filter on
every leg, the fallback to client-side fusion, and grouping of chunks into documents."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import NotFoundError, RequestError

from infra.settings import OpenSearchSettings
from streams.query import DocumentHit, HybridSearcher, acl_filter, search_filter
from streams.search_pipeline import Fusion

pytestmark = pytest.mark.unit


def _hit(cid: str, doc: str, score: float) -> dict[str, Any]:
    return {
        "_id": cid,
        "_score": score,
        "_source": {
            "doc_key": f"src/{doc}",
            "document_id": doc,
            "source_id": "src",
            "title": doc.upper(),
            "text": f"text of {cid}",
            "chunk_index": int(cid[-1]),
            "tags": ["t"],
        },
    }


class FakeClient:
    """Answers hybrid, BM25 and k-NN requests from fixed hit lists; records every body."""

    def __init__(self, *, hybrid_error: Exception | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.hybrid_error = hybrid_error
        self.bm25 = [_hit("a0", "a", 9.0), _hit("b0", "b", 5.0), _hit("a1", "a", 4.0)]
        self.knn = [_hit("c0", "c", 0.9), _hit("a1", "a", 0.8), _hit("b1", "b", 0.5)]
        self.hybrid = [_hit("a1", "a", 0.03), _hit("c0", "c", 0.02), _hit("a0", "a", 0.01)]

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        query = body["query"]
        if "hybrid" in query:
            if self.hybrid_error:
                raise self.hybrid_error
            hits = self.hybrid
        elif "knn" in query:
            hits = self.knn
        else:
            hits = self.bm25
        return {"hits": {"hits": hits[: body["size"]]}}


def _searcher(client: FakeClient, **kw: Any) -> HybridSearcher:
    return HybridSearcher(OpenSearchSettings(), client, **kw)  # type: ignore[arg-type]


UNSUPPORTED = RequestError(400, "parsing_exception", {"error": "unknown query [hybrid]"})


def test_hybrid_is_one_request_with_the_filter_on_both_legs() -> None:
    client = FakeClient()
    searcher = _searcher(client)
    docs = searcher.documents("q", [0.1, 0.2], k=10, users=["alice"], groups=["eng"])
    assert len(client.bodies) == 1 and searcher.server_hybrid is True
    body = client.bodies[0]
    bm25_leg, knn_leg = body["query"]["hybrid"]["queries"]
    expected = search_filter(["alice"], ["eng"])
    assert bm25_leg["bool"]["filter"] == [expected]
    assert knn_leg["knn"]["embedding"]["filter"] == expected
    assert body["search_pipeline"]["phase_results_processors"][0]["score-ranker-processor"]
    assert [d.document_id for d in docs] == ["a", "c"]
    assert [p.chunk_id for p in docs[0].passages] == ["a1", "a0"]
    assert docs[0].bm25_rank is None and docs[0].tags == ("t",)


@pytest.mark.parametrize("mode", ["bm25", "knn"])
def test_single_leg_modes_carry_the_acl(mode: str) -> None:
    client = FakeClient()
    _searcher(client).documents("q", [0.1], mode=mode, users=["bob"])  # type: ignore[arg-type]
    body = client.bodies[0]
    text = str(body["query"])
    assert str(acl_filter(["bob"], [])) in text
    if mode == "knn":
        assert body["query"]["knn"]["embedding"]["filter"] == search_filter(["bob"], [])


def test_unsupported_node_falls_back_once_to_client_side_fusion() -> None:
    """A node without the hybrid query: both legs run as two requests, fused here by the
    same formula; the searcher does not try the hybrid query again."""
    client = FakeClient(hybrid_error=UNSUPPORTED)
    searcher = _searcher(client, fusion=Fusion("rrf", 60))
    docs = searcher.documents("q", [0.1], k=3, groups=["eng"])
    assert searcher.server_hybrid is False
    kinds = [
        "hybrid" if "hybrid" in b["query"] else "knn" if "knn" in b["query"] else "bm25"
        for b in client.bodies
    ]
    assert kinds == ["hybrid", "bm25", "knn"]
    for b in client.bodies[1:]:
        assert str(search_filter([], ["eng"])) in str(b["query"])
    # a1: bm25 rank 3 + knn rank 2 beats a0 (bm25 rank 1 only)
    assert [d.document_id for d in docs] == ["a", "c", "b"]
    assert docs[0].chunk_id == "a1" and (docs[0].bm25_rank, docs[0].knn_rank) == (3, 2)
    client.bodies.clear()
    searcher.documents("q", [0.1], k=3)
    assert all("hybrid" not in b["query"] for b in client.bodies)


def test_other_errors_and_forced_server_hybrid_raise() -> None:
    bad = RequestError(400, "search_phase_execution_exception", {"error": "bad vector"})
    with pytest.raises(RequestError):
        _searcher(FakeClient(hybrid_error=bad)).documents("q", [0.1])
    with pytest.raises(RequestError):
        _searcher(FakeClient(hybrid_error=UNSUPPORTED), server_hybrid=True).documents("q", [0.1])


def test_compat_search_returns_chunks_with_both_ranks() -> None:
    """search() keeps its contract: chunk hits fused client-side, with each leg's rank."""
    client = FakeClient()
    hits = _searcher(client).search("q", [0.1], k=2)
    assert [h.chunk_id for h in hits] == ["a1", "a0"]
    assert (hits[0].bm25_rank, hits[0].knn_rank) == (3, 2)
    assert len(client.bodies) == 2


def test_pool_and_passages_follow_k() -> None:
    client = FakeClient()
    docs = _searcher(client).documents("q", [0.1], k=1, passages=1)
    assert client.bodies[0]["size"] == 40
    assert len(docs) == 1 and len(docs[0].passages) == 1
    assert isinstance(docs[0], DocumentHit)


def test_vectorless_knn_is_refused() -> None:
    with pytest.raises(ValueError, match="vector"):
        _searcher(FakeClient()).documents("q", None, mode="knn")


def _doc_hit(doc: str, score: float) -> dict[str, Any]:
    return {
        "_id": f"src/{doc}",
        "_score": score,
        "_source": {"doc_key": f"src/{doc}", "document_id": doc, "source_id": "src", "tags": []},
    }


class MsearchClient(FakeClient):
    """Also answers ``_msearch`` (chunk BM25, k-NN, documents BM25) and the passage lookup
    for documents only the documents leg found."""

    def __init__(self) -> None:
        super().__init__()
        self.docs = [_doc_hit("d", 3.0), _doc_hit("a", 2.0), _doc_hit("b", 1.0)]
        self.msearches: list[list[dict[str, Any]]] = []

    def msearch(self, body: list[dict[str, Any]]) -> dict[str, Any]:
        self.msearches.append(body)
        answers = [self.bm25, self.knn, self.docs]
        return {"responses": [{"hits": {"hits": hits}} for hits in answers]}

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        if "terms" in str(body["query"]):
            self.bodies.append(body)
            return {"hits": {"hits": [_hit("d0", "d", 0.0)]}}
        return super().search(index, body)


DOC_FUSION = Fusion("doc_minmax", bm25_weight=0.1, documents_weight=0.2)


def test_document_fusion_is_one_msearch_with_the_filter_on_all_three_legs() -> None:
    client = MsearchClient()
    searcher = _searcher(client, fusion=DOC_FUSION)
    docs = searcher.documents("q", [0.1], k=10, users=["alice"], groups=["eng"])
    expected = search_filter(["alice"], ["eng"])
    (body,) = client.msearches
    heads, legs = body[0::2], body[1::2]
    settings = OpenSearchSettings()
    assert [h["index"] for h in heads] == [settings.chunks_alias] * 2 + [settings.documents_alias]
    assert legs[0]["query"]["bool"]["filter"] == [expected]
    assert legs[1]["query"]["knn"]["embedding"]["filter"] == expected
    assert legs[2]["query"]["bool"]["filter"] == [expected]
    assert legs[2]["query"]["bool"]["must_not"] == [{"term": {"deleted": True}}]
    # a: 0.1 * 1 + 0.7 * 0.75 + 0.2 * 0.5; c: 0.7 * 1; d: 0.2 * 1 (documents leg only)
    assert [d.document_id for d in docs] == ["a", "c", "d", "b"]
    assert [d.score for d in docs[:3]] == pytest.approx([0.725, 0.7, 0.2])
    assert [p.chunk_id for p in docs[0].passages] == ["a1", "a0"]
    assert (docs[0].bm25_rank, docs[0].knn_rank) == (1, 2)
    # d's passages come from one lookup of its chunks, under the same filter
    (lookup,) = client.bodies
    assert lookup["query"]["bool"]["filter"] == [expected, {"terms": {"doc_key": ["src/d"]}}]
    assert docs[2].chunk_id == "d0" and docs[2].passages[0].text == "text of d0"


def test_document_fusion_error_raises_as_its_status_says() -> None:
    client = MsearchClient()
    client.msearch = lambda body: {  # type: ignore[method-assign]
        "responses": [{"error": {"type": "index_not_found_exception"}, "status": 404}]
    }
    with pytest.raises(NotFoundError):
        _searcher(client, fusion=DOC_FUSION).documents("q", [0.1])


def test_chunk_rankings_under_document_fusion_use_the_chunk_legs_weights() -> None:
    """chunks() and the server pipeline see minmax of the two chunk legs, rescaled."""
    client = MsearchClient()
    _searcher(client, fusion=DOC_FUSION).chunks("q", [0.1])
    weights = client.bodies[0]["search_pipeline"]["phase_results_processors"][0][
        "normalization-processor"
    ]["combination"]["parameters"]["weights"]
    assert weights == pytest.approx([0.125, 0.875])
