"""Server-side fusion of the BM25 and k-NN legs: an OpenSearch search pipeline.

The neural-search plugin's ``hybrid`` query runs both legs in one request and hands their
scores to a *phase results processor* that fuses them before the fetch phase:

* ``score-ranker-processor`` with ``rrf`` (OpenSearch 2.19+): reciprocal rank fusion, the
  same formula as :func:`streams.query.rrf_fuse`;
* ``normalization-processor``: per-leg ``min_max`` normalisation, then a weighted
  ``arithmetic_mean`` (:func:`streams.query.minmax_fuse`).

The pipeline travels inside each request (``"search_pipeline": {...}`` in the body, a
*temporary* pipeline), so nothing has to be created on the cluster and a caller needs no
cluster permissions. A node without the plugin, or without the processor, answers 400; then
:func:`is_unsupported` says so and the searcher falls back to two requests fused here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from opensearchpy.exceptions import TransportError

Technique = Literal["rrf", "minmax"]


@dataclass(frozen=True)
class Fusion:
    """How the two legs are combined, on the server and in the fallback alike."""

    technique: Technique = "rrf"
    rank_constant: int = 60
    """RRF: ``score = sum(1 / (rank_constant + rank))``."""
    bm25_weight: float = 0.5
    """min-max: the BM25 leg's weight; the k-NN leg gets ``1 - bm25_weight``."""

    @property
    def weights(self) -> tuple[float, float]:
        return (self.bm25_weight, 1.0 - self.bm25_weight)

    def label(self) -> str:
        if self.technique == "rrf":
            return f"rrf(k={self.rank_constant})"
        return f"minmax(bm25={self.bm25_weight:g})"


def pipeline_body(fusion: Fusion) -> dict[str, Any]:
    """The search pipeline that fuses the legs of a ``hybrid`` query as ``fusion`` says."""
    if fusion.technique == "rrf":
        processor: dict[str, Any] = {
            "score-ranker-processor": {
                "combination": {
                    "technique": "rrf",
                    # under "parameters": a rank_constant next to "technique" is ignored
                    "parameters": {"rank_constant": fusion.rank_constant},
                }
            }
        }
    else:
        processor = {
            "normalization-processor": {
                "normalization": {"technique": "min_max"},
                "combination": {
                    "technique": "arithmetic_mean",
                    "parameters": {"weights": [round(w, 6) for w in fusion.weights]},
                },
            }
        }
    return {"phase_results_processors": [processor]}


_UNSUPPORTED_MARKERS = (
    "unknown query [hybrid]",
    "no [query] registered for [hybrid]",
    "invalid processor type",
    "search pipelines are not enabled",
)


def is_unsupported(exc: BaseException) -> bool:
    """True when the node lacks the hybrid query or the fusion processor (a 400 naming it)."""
    if not isinstance(exc, TransportError) or exc.status_code != 400:
        return False
    text = f"{exc.error} {exc.info}".lower()
    return any(marker in text for marker in _UNSUPPORTED_MARKERS)
