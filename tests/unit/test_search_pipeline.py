"""The search pipeline bodies and the detection of nodes that cannot run them."""

from __future__ import annotations

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import RequestError

from streams.search_pipeline import Fusion, is_unsupported, pipeline_body

pytestmark = pytest.mark.unit


def test_rrf_pipeline_puts_the_rank_constant_under_parameters() -> None:
    """OpenSearch 2.19 ignores a rank_constant next to "technique" (silently: k=60)."""
    body = pipeline_body(Fusion("rrf", 20))
    combination = body["phase_results_processors"][0]["score-ranker-processor"]["combination"]
    assert combination == {"technique": "rrf", "parameters": {"rank_constant": 20}}


def test_minmax_pipeline_weights_bm25_then_knn() -> None:
    body = pipeline_body(Fusion("minmax", bm25_weight=0.3))
    proc = body["phase_results_processors"][0]["normalization-processor"]
    assert proc["normalization"] == {"technique": "min_max"}
    assert proc["combination"]["parameters"]["weights"] == [0.3, 0.7]
    assert Fusion("minmax", bm25_weight=0.3).label() == "minmax(bm25=0.3)"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RequestError(400, "parsing_exception", "unknown query [hybrid]"), True),
        (RequestError(400, "x", {"error": {"reason": "Invalid processor type foo"}}), True),
        (RequestError(400, "search_phase_execution_exception", "bad field"), False),
        (OSConnectionError("N/A", "refused", None), False),
        (ValueError("unknown query [hybrid]"), False),
    ],
)
def test_unsupported_is_a_400_naming_the_query_or_processor(exc: Exception, expected: bool) -> None:
    assert is_unsupported(exc) is expected


def test_document_fusion_weights_and_its_chunk_level_fusion() -> None:
    fusion = Fusion("doc_minmax", bm25_weight=0.1, documents_weight=0.2)
    assert fusion.weights == pytest.approx((0.1, 0.7, 0.2))
    assert fusion.per_document and not Fusion("minmax").per_document
    chunk = fusion.chunk_level()
    assert chunk.technique == "minmax" and chunk.bm25_weight == pytest.approx(0.125)
    assert Fusion("rrf", 20).chunk_level() == Fusion("rrf", 20)
    assert fusion.label() == "doc_minmax(bm25=0.1,documents=0.2)"
    with pytest.raises(ValueError, match="client"):
        pipeline_body(fusion)


def test_fusion_weights_are_checked() -> None:
    with pytest.raises(ValueError, match="doc_minmax"):
        Fusion("minmax", documents_weight=0.2)
    with pytest.raises(ValueError, match="weights"):
        Fusion("doc_minmax", bm25_weight=0.6, documents_weight=0.6)
