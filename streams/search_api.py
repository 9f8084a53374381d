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

#: Chosen by the mean nDCG@10 over the tune halves of both judged sets (NumPy reference and
#: Debian package descriptions: bench/results/retrieval-defaults.md, by
#: ``python -m bench.retrieval.defaults``): hybrid fused per document, min-max per leg,
#: weight 0.2 for BM25 over whole documents (stemmed subfields, see below), 0.8 for k-NN, none
#: for chunk BM25 (tune mean 0.836; k-NN alone 0.815; the former NumPy-only choice,
#: exact bm25=0.1 documents=0.2, 0.834). Report halves: 0.712 and 0.886 (k-NN 0.701, 0.875).
DEFAULT_MODE: Mode = "hybrid"
DEFAULT_FUSION = Fusion("doc_minmax", bm25_weight=0.0, documents_weight=0.2)
#: BM25's text match per mode (:data:`streams.query.TextMatch`): the stemmed subfields (stop
#: words, Krovetz stemmer) beat exact matching for BM25 on both sets (whole documents, tune:
#: 0.593 vs 0.574 NumPy, 0.750 vs 0.699 Debian), and the best hybrid over both sets is stemmed
#: too. Indices without the subfields score ``stemmed`` as ``exact``.
DEFAULT_TEXT_MATCH: dict[Mode, TextMatch] = {
    "bm25": "stemmed",
    "knn": "exact",
    "hybrid": "stemmed",
}


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
