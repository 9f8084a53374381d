"""Server-side fusion of the BM25 and k-NN legs: an OpenSearch search pipeline.

The neural-search plugin's ``hybrid`` query runs both legs in one request and hands their
scores to a *phase results processor* that fuses them before the fetch phase:

* ``score-ranker-processor`` with ``rrf`` (OpenSearch 2.19+): reciprocal rank fusion, the
  same formula as :func:`streams.query.rrf_fuse`;
* ``normalization-processor``: per-leg ``min_max`` normalisation, then a weighted
  ``arithmetic_mean`` (:func:`streams.query.minmax_fuse`).

Both fuse chunks. ``doc_minmax`` fuses documents instead, and has no server pipeline: three
legs in one ``_msearch`` request (BM25 and k-NN over chunks, BM25 over whole documents in the
documents index), each leg scoring a document by its best hit, min-max normalised per leg
over documents and weighted, in :class:`streams.query.HybridSearcher`.

The pipeline travels inside each request (``"search_pipeline": {...}`` in the body, a
*temporary* pipeline), so nothing has to be created on the cluster and a caller needs no
cluster permissions. A node without the plugin, or without the processor, answers 400; then
:func:`is_unsupported` says so and the searcher falls back to two requests fused here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from opensearchpy.exceptions import TransportError

Technique = Literal["rrf", "minmax", "doc_minmax"]


@dataclass(frozen=True)
class Fusion:
    """How the two legs are combined, on the server and in the fallback alike."""

    technique: Technique = "rrf"
    rank_constant: int = 60
    """RRF: ``score = sum(1 / (rank_constant + rank))``."""
    bm25_weight: float = 0.5
    """min-max: the chunk BM25 leg's weight; the k-NN leg gets the rest."""
    documents_weight: float = 0.0
    """doc_minmax: the weight of BM25 over whole documents (the documents index); the k-NN
    leg gets ``1 - bm25_weight - documents_weight``."""

    def __post_init__(self) -> None:
        if self.technique != "doc_minmax" and self.documents_weight:
            raise ValueError("documents_weight needs technique 'doc_minmax'")
        if min(self.weights) < 0 or sum(self.weights) <= 0:
            raise ValueError(f"fusion weights must be >= 0 with a positive sum: {self.weights}")

    @property
    def weights(self) -> tuple[float, ...]:
        """min-max: (chunk BM25, k-NN); doc_minmax: (chunk BM25, k-NN, document BM25)."""
        knn = 1.0 - self.bm25_weight - self.documents_weight
        if self.technique == "doc_minmax":
            return (self.bm25_weight, knn, self.documents_weight)
        return (self.bm25_weight, knn)

    @property
    def per_document(self) -> bool:
        """Fused per document, on the client (no search pipeline does that)."""
        return self.technique == "doc_minmax"

    def chunk_level(self) -> Fusion:
        """The fusion for chunk rankings: ``doc_minmax`` becomes ``minmax`` of the two chunk
        legs with their weights rescaled to sum to 1; the others are themselves."""
        if not self.per_document:
            return self
        bm25, knn, _ = self.weights
        return Fusion("minmax", bm25_weight=bm25 / (bm25 + knn) if bm25 + knn else 0.5)

    def label(self) -> str:
        if self.technique == "rrf":
            return f"rrf(k={self.rank_constant})"
        if self.technique == "doc_minmax":
            return f"doc_minmax(bm25={self.bm25_weight:g},documents={self.documents_weight:g})"
        return f"minmax(bm25={self.bm25_weight:g})"


def pipeline_body(fusion: Fusion) -> dict[str, Any]:
    """The search pipeline that fuses the legs of a ``hybrid`` query as ``fusion`` says."""
    if fusion.per_document:
        raise ValueError("doc_minmax fuses documents on the client; no pipeline does that")
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
