"""The search API: documents for a query, with the model loaded once per Searcher.

    from infra.settings import get_settings
    from streams.search_api import Searcher
    from streams.query import SearchFilters

    searcher = Searcher(get_settings())
    for hit in searcher.search("rotate the signing key", k=5, users=["alice"],
                               groups=["eng"], filters=SearchFilters(tags=("security",))):
        print(hit.score, hit.title, hit.uri, hit.passages[0].text[:80])

The query is embedded by the embedder the pipeline uses (``settings.embedding``), so query
and chunk vectors come from the same model. ``users``/``groups`` are the caller's identity:
pass what your authentication established, never what a user typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from opensearchpy import OpenSearch

from infra.opensearch import make_client
from infra.settings import Settings
from streams.embedding import Embedder, make_embedder
from streams.query import DocumentHit, HybridSearcher, Mode, SearchFilters, TextMatch
from streams.search_pipeline import Fusion

#: Chosen by nDCG@10 on the tune half of the judged set (bench/results/retrieval.md): hybrid
#: fused per document, min-max per leg, weights 0.1 chunk BM25, 0.2 BM25 over whole
#: documents, 0.7 k-NN (tune 0.759; k-NN alone 0.723, chunk-level min-max 0.3 0.737). On the
#: report half it is level with k-NN alone (0.705 against 0.701).
DEFAULT_MODE: Mode = "hybrid"
DEFAULT_FUSION = Fusion("doc_minmax", bm25_weight=0.1, documents_weight=0.2)
#: BM25's text match per mode (:data:`streams.query.TextMatch`), chosen on the tune half too:
#: BM25 alone gains from the stemmed subfields (chunks 0.549 against 0.529 exact, whole
#: documents 0.593 against 0.574); the hybrid does not (best stemmed fusion 0.751 against
#: 0.759), so it keeps ``exact``. Indices without the subfields score ``stemmed`` as ``exact``.
DEFAULT_TEXT_MATCH: dict[Mode, TextMatch] = {"bm25": "stemmed", "knn": "exact", "hybrid": "exact"}


class Searcher:
    """Searches the chunks alias of ``settings``; thread-safe once warmed up.

    ``client`` and ``embedder`` default to the ones ``settings`` describe; the embedder is
    loaded on the first search (or by :meth:`warm_up`). ``text_match``: the BM25 legs' fields
    in every mode (default: :data:`DEFAULT_TEXT_MATCH` of the mode searched).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        client: OpenSearch | None = None,
        embedder: Embedder | None = None,
        mode: Mode = DEFAULT_MODE,
        fusion: Fusion = DEFAULT_FUSION,
        server_hybrid: bool | None = None,
        text_match: TextMatch | None = None,
    ) -> None:
        self.settings = settings
        self.client = client or make_client(settings.opensearch)
        self._embedder = embedder or make_embedder(settings.embedding)
        self._warm = False
        self.mode = mode
        self.text_match = text_match
        self.engine = HybridSearcher(
            settings.opensearch, self.client, fusion=fusion, server_hybrid=server_hybrid
        )

    def warm_up(self) -> None:
        if not self._warm:
            self._embedder.warm_up()
            self._warm = True

    def embed(self, text: str) -> list[float]:
        """The query vector of ``text``."""
        self.warm_up()
        return [float(x) for x in self._embedder.embed([text])[0]]

    def search(
        self,
        text: str,
        k: int = 10,
        *,
        users: Sequence[str] = (),
        groups: Sequence[str] = (),
        filters: SearchFilters | None = None,
        mode: Mode | None = None,
        passages: int = 3,
        pool: int | None = None,
    ) -> list[DocumentHit]:
        """The best ``k`` documents the caller may read, each with its best passages."""
        mode = mode or self.mode
        vector = None if mode == "bm25" else self.embed(text)
        return self.engine.documents(
            text,
            vector,
            mode=mode,
            k=k,
            pool=pool,
            passages=passages,
            users=users,
            groups=groups,
            filters=filters,
            text_match=self.text_match or DEFAULT_TEXT_MATCH[mode],
        )
