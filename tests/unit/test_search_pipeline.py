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
