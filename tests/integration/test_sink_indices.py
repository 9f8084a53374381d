"""Index creation against a real node: workers starting together, querying before a worker."""

from __future__ import annotations

import threading

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from streams.query import TextMatch, bm25_query, search_filter
from streams.sinks.indices import (
    INDEX_GENERATION,
    NO_STEMMED,
    STEMMED_ANALYZER,
    drop_indices,
    ensure_indices,
    indices_exist,
    missing_indices,
)
from tests.integration.conftest import Namespace

pytestmark = pytest.mark.integration

DIM = 384


def test_workers_starting_together_all_create_the_indices(ns: Namespace) -> None:
    """Concurrent ensure_indices calls all succeed (already-exists is success), repeatedly."""
    settings = ns.settings.opensearch
    for _round in range(3):
        assert not indices_exist(ns.os, settings)
        barrier = threading.Barrier(6)
        errors: list[BaseException] = []

        def start_worker(barrier: threading.Barrier, errors: list[BaseException]) -> None:
            client = ns.os
            barrier.wait()
            try:
                ensure_indices(client, settings, DIM)
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=start_worker, args=(barrier, errors)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert indices_exist(ns.os, settings)
        client = ns.os
        for alias in (settings.chunks_alias, settings.documents_alias):
            assert list(client.indices.get_alias(name=alias)) == [f"{alias}-{INDEX_GENERATION}"]
        drop_indices(client, settings)


def test_missing_indices_are_named(ns: Namespace) -> None:
    settings = ns.settings.opensearch
    assert missing_indices(ns.os, settings) == [settings.chunks_alias, settings.documents_alias]
    ensure_indices(ns.os, settings, DIM)
    assert missing_indices(ns.os, settings) == []


def test_query_before_any_worker_started_explains_what_to_do(ns: Namespace) -> None:
    result = ns.run(["query", "anything"], timeout=120)
    assert result.returncode == 2, result.stderr
    chunks = ns.settings.opensearch.chunks_alias
    assert f"index {chunks} does not exist yet" in result.stderr
    assert "ragstream worker" in result.stderr


def _node_has_analyzer(client: OpenSearch, analyzer: str) -> bool:
    try:
        client.indices.analyze(body={"analyzer": analyzer, "text": "running queries"})
    except RequestError:
        return False
    return True


def _text_mapping(client: OpenSearch, alias: str) -> dict[str, object]:
    mappings = next(iter(client.indices.get_mapping(index=alias).values()))["mappings"]
    props = mappings["properties"]
    return {
        "_meta": mappings["_meta"]["text_analyzer"],
        "text": props["text"]["analyzer"],
        "title": props["title"]["analyzer"],
    }


def test_english_where_asked_for_and_the_node_has_it_else_standard(ns: Namespace) -> None:
    """The local stack's node has analysis-common once compose/stack.sh assembled it with the
    module; an older assembly (integ-test zip alone) gets the standard analyzer, and BM25 is
    then unstemmed."""
    settings = ns.settings.opensearch.model_copy(update={"text_analyzer": "english"})
    client = ns.os
    ensure_indices(client, settings, DIM)
    want = "english" if _node_has_analyzer(client, "english") else "standard"
    for alias in (settings.chunks_alias, settings.documents_alias):
        assert _text_mapping(client, alias) == {"_meta": want, "text": want, "title": want}
    client.index(
        index=settings.documents_alias,
        id="stem",
        body={"doc_key": "stem", "text": "Running the queries in batches", "title": "Batches"},
        params={"refresh": "true"},
    )
    resp = client.search(
        index=settings.documents_alias, body={"query": {"match": {"text": "query runs"}}}
    )
    stemmed = resp["hits"]["total"]["value"] == 1
    assert stemmed is (want == "english")


def test_standard_analyzer_by_default(ns: Namespace) -> None:
    settings = ns.settings.opensearch
    assert settings.text_analyzer == "standard"
    ensure_indices(ns.os, settings, DIM)
    for alias in (settings.chunks_alias, settings.documents_alias):
        assert _text_mapping(ns.os, alias) == {
            "_meta": "standard",
            "text": "standard",
            "title": "standard",
        }


def test_stemmed_subfields_match_across_inflections_and_keep_exact_matches(
    ns: Namespace,
) -> None:
    """Default settings on this node: ``text`` stays standard, ``text.stemmed`` (where the node
    has analysis-common) matches "solving equations" to "Solve a linear equation";
    the stemmed text match finds it, the exact one does not; an identifier still matches
    exactly. A node without the module gets no subfield, and ``stemmed`` scores as ``exact``."""
    settings = ns.settings.opensearch
    client = ns.os
    ensure_indices(client, settings, DIM)
    has_common = _node_has_analyzer(client, "english")
    for alias in (settings.chunks_alias, settings.documents_alias):
        mappings = next(iter(client.indices.get_mapping(index=alias).values()))["mappings"]
        props = mappings["properties"]
        assert props["text"]["analyzer"] == "standard"
        want = {"stemmed": {"type": "text", "analyzer": STEMMED_ANALYZER}} if has_common else None
        assert props["text"].get("fields") == want
        assert props["title"].get("fields") == want
        assert mappings["_meta"]["stemmed_analyzer"] == (
            STEMMED_ANALYZER if has_common else NO_STEMMED
        )
    index = settings.documents_alias
    client.index(
        index=index,
        id="solve",
        body={
            "doc_key": "solve",
            "classification": "public",
            "text": "Solve a linear equation.",
            "title": "numpy.linalg.solve",
        },
        params={"refresh": "true"},
    )
    client.index(
        index=index,
        id="other",
        body={
            "doc_key": "other",
            "classification": "public",
            "text": "Sort an array in place.",
            "title": "numpy.sort",
        },
        params={"refresh": "true"},
    )
    filt = search_filter([], [])

    def found(text: str, text_match: TextMatch) -> list[str]:
        resp = client.search(index=index, body={"query": bm25_query(text, filt, text_match)})
        return [h["_id"] for h in resp["hits"]["hits"]]

    assert found("solving equations", "exact") == []
    assert found("solving equations", "stemmed") == (["solve"] if has_common else [])
    assert found("numpy.linalg.solve", "stemmed") == ["solve"]
    assert found("numpy.linalg.solve", "exact") == ["solve"]
