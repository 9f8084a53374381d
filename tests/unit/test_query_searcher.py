"""HybridSearcher against a recording fake client: one hybrid request with the filter on
every leg, the fallback to client-side fusion, and grouping of chunks into documents."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import RequestError

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
