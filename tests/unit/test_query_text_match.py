"""BM25 text match: ``exact`` (the analysed fields, best field) and ``stemmed`` (plus the
``stemmed`` subfields, summed), on every BM25 leg, with the filter unchanged; the search API
picks it per mode."""

from __future__ import annotations

from typing import Any

import pytest

from infra.settings import Settings
from streams.query import (
    BM25_FIELDS,
    STEMMED_BM25_FIELDS,
    bm25_match,
    bm25_query,
    documents_bm25_query,
    search_filter,
)
from streams.search_api import DEFAULT_TEXT_MATCH, Searcher
from streams.search_pipeline import Fusion
from tests.unit.test_query_searcher import FakeClient, MsearchClient, _searcher

pytestmark = pytest.mark.unit

DOC_FUSION = Fusion("doc_minmax", bm25_weight=0.1, documents_weight=0.2)


def _matches(query: Any) -> list[dict[str, Any]]:
    """Every multi_match clause inside ``query``."""
    out: list[dict[str, Any]] = []
    if isinstance(query, dict):
        for key, value in query.items():
            if key == "multi_match":
                out.append(value)
            else:
                out += _matches(value)
    elif isinstance(query, list):
        for item in query:
            out += _matches(item)
    return out


def test_exact_is_the_former_query() -> None:
    assert bm25_match("q") == {
        "multi_match": {"query": "q", "fields": ["text", "title^2"], "type": "best_fields"}
    }


def test_stemmed_sums_exact_and_stemmed_fields() -> None:
    match = bm25_match("solving", "stemmed")["multi_match"]
    assert match["type"] == "most_fields"
    assert match["fields"] == list(STEMMED_BM25_FIELDS)
    assert set(BM25_FIELDS) <= set(match["fields"])
    assert {"text.stemmed", "title.stemmed^2"} <= set(match["fields"])


def test_unknown_text_match_is_refused() -> None:
    with pytest.raises(ValueError, match="text match"):
        bm25_match("q", "fuzzy")  # type: ignore[arg-type]


@pytest.mark.parametrize("text_match", ["exact", "stemmed"])
def test_both_text_matches_keep_the_filter(text_match: Any) -> None:
    filt = search_filter(["alice"], ["eng"])
    assert bm25_query("q", filt, text_match)["bool"]["filter"] == [filt]
    docs = documents_bm25_query("q", filt, text_match)
    assert docs["bool"]["filter"] == [filt]
    assert docs["bool"]["must_not"] == [{"term": {"deleted": True}}]


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_stemmed_searcher_uses_the_subfields_on_every_bm25_leg(mode: Any) -> None:
    client = FakeClient()
    _searcher(client, text_match="stemmed").documents("q", [0.1], mode=mode, users=["bob"])
    body = client.bodies[0]
    (match,) = _matches(body["query"])
    assert match["fields"] == list(STEMMED_BM25_FIELDS)
    assert str(search_filter(["bob"], [])) in str(body["query"])


def test_document_fusion_with_stemmed_text_match_on_all_bm25_legs_and_the_lookup() -> None:
    client = MsearchClient()
    searcher = _searcher(client, fusion=DOC_FUSION)
    searcher.documents("q", [0.1], users=["alice"], text_match="stemmed")
    (body,) = client.msearches
    legs = body[1::2]
    expected = search_filter(["alice"], [])
    for leg in (legs[0], legs[2]):
        (match,) = _matches(leg["query"])
        assert match["fields"] == list(STEMMED_BM25_FIELDS)
        assert leg["query"]["bool"]["filter"] == [expected]
    assert legs[1]["query"]["knn"]["embedding"]["filter"] == expected
    (lookup,) = client.bodies  # passages of the document only the documents leg found
    (match,) = _matches(lookup["query"])
    assert match["fields"] == list(STEMMED_BM25_FIELDS)
    assert lookup["query"]["bool"]["filter"][0] == expected


class _Embedder:
    model_id = "fake"

    def warm_up(self) -> None:
        return None

    def embed(self, texts: Any) -> list[list[float]]:
        return [[0.1, 0.2] for _ in texts]


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_search_api_picks_the_text_match_of_the_mode(mode: Any) -> None:
    client = MsearchClient()
    searcher = Searcher(Settings(), client=client, embedder=_Embedder())  # type: ignore[arg-type]
    searcher.search("q", mode=mode)
    sent = client.msearches[0] if client.msearches else [client.bodies[0]]
    fields = {tuple(m["fields"]) for m in _matches(sent)}
    want = STEMMED_BM25_FIELDS if DEFAULT_TEXT_MATCH[mode] == "stemmed" else BM25_FIELDS
    assert fields == {want}


def test_search_api_text_match_can_be_fixed() -> None:
    client = MsearchClient()
    searcher = Searcher(
        Settings(),
        client=client,  # type: ignore[arg-type]
        embedder=_Embedder(),  # type: ignore[arg-type]
        text_match="exact",
    )
    searcher.search("q", mode="bm25")
    assert {tuple(m["fields"]) for m in _matches(client.bodies[0])} == {BM25_FIELDS}
