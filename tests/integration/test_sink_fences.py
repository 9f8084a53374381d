"""Version fences of the OpenSearch sink against a real node.

A late writer (a batch stuck in retries across a rebalance) never leaves chunks of its older
version next to a newer document, and a version with one rejected chunk is rolled back:
the document stays entirely at its previous version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from opensearchpy import OpenSearch

from schemas import Chunk, EmbeddedDocument, Op
from streams.sinks.opensearch import OpenSearchSink
from tests.integration.conftest import Namespace
from tests.integration.test_opensearch_sink import _doc, _sink

pytestmark = pytest.mark.integration


class Interposer:
    """The real client, with a hook that runs before each ``mget`` and ``bulk`` call."""

    def __init__(self, client: OpenSearch, hook: Callable[[str, int, Any], None]) -> None:
        self._client = client
        self._hook = hook
        self._counts: dict[str, int] = {}

    def _before(self, method: str, body: Any) -> None:
        self._counts[method] = self._counts.get(method, 0) + 1
        self._hook(method, self._counts[method], body)

    def mget(self, **kwargs: Any) -> Any:
        self._before("mget", kwargs.get("body"))
        return self._client.mget(**kwargs)

    def bulk(self, **kwargs: Any) -> Any:
        self._before("bulk", kwargs.get("body"))
        return self._client.bulk(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _late_sink(ns: Namespace, hook: Callable[[str, int, Any], None]) -> OpenSearchSink:
    client = cast(OpenSearch, Interposer(ns.os, hook))
    return OpenSearchSink(ns.settings.opensearch, client)


def _state(ns: Namespace) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    chunks = sorted((c["text"], c["version"]) for c in ns.chunks())
    docs = sorted((d["doc_key"], d["version"]) for d in ns.documents(live_only=False))
    return chunks, docs


def test_a_late_writer_after_a_newer_version_was_cleaned_leaves_no_chunks(ns: Namespace) -> None:
    """V passes the stale check, then V+1 is written and cleaned, then V's chunks land."""
    newer_sink = _sink(ns)
    newer_sink.write([_doc("d", 1, ["first"])])
    late = _doc("d", 2, ["late one", "late two"])

    fired: list[bool] = []

    def newer_wins_meanwhile(method: str, n: int, body: Any) -> None:
        if method == "bulk" and late.chunks[0].chunk_id in str(body) and not fired:
            fired.append(True)  # the late writer's chunks are about to land
            assert newer_sink.write([_doc("d", 3, ["newest"])]).indexed == 1

    report = _late_sink(ns, newer_wins_meanwhile).write([late])
    assert report.stale == 1 and report.indexed == 0 and report.failures == []
    assert _state(ns) == ([("newest", 3)], [("src/d", 3)])


def test_a_late_tombstone_winner_also_removes_the_late_chunks(ns: Namespace) -> None:
    newer_sink = _sink(ns)
    late = _doc("d", 8, ["zombie"])
    fired: list[bool] = []

    def deleted_meanwhile(method: str, n: int, body: Any) -> None:
        if method == "bulk" and late.chunks[0].chunk_id in str(body) and not fired:
            fired.append(True)
            assert newer_sink.write([_doc("d", 9, [], op=Op.DELETE)]).deleted == 1

    report = _late_sink(ns, deleted_meanwhile).write([late])
    assert report.stale == 1
    assert ns.chunks() == [] and ns.documents() == []


def test_the_fence_removes_chunks_that_land_after_a_newer_cleanup(ns: Namespace) -> None:
    """A chunk write of V that lands late (e.g. a timed-out request the node still ran)
    after V+1 was committed and cleaned is removed by V's fence read."""
    newer_sink = _sink(ns)
    late = _doc("d", 4, ["late"])
    chunk = late.chunks[0]

    def newer_and_a_ghost_before_the_fence(method: str, n: int, body: Any) -> None:
        if method == "mget" and n == 2:  # the late writer's fence read
            assert newer_sink.write([_doc("d", 5, ["newest"])]).indexed == 1
            ghost = {
                "doc_key": late.key,
                "version": 4,
                "chunk_id": chunk.chunk_id,
                "text": chunk.text,
                "embedding": list(chunk.embedding),
            }
            ns.os.index(index=ns.settings.opensearch.chunks_alias, id=chunk.chunk_id, body=ghost)

    report = _late_sink(ns, newer_and_a_ghost_before_the_fence).write([late])
    assert report.stale == 1 and report.indexed == 0
    assert _state(ns) == ([("newest", 5)], [("src/d", 5)])


def _with_bad_chunk(doc: EmbeddedDocument, index: int) -> EmbeddedDocument:
    """The chunk at ``index`` gets a 3-dimensional embedding: the knn_vector rejects it."""
    chunks = list(doc.chunks)
    chunks[index] = Chunk(**{**chunks[index].model_dump(), "embedding": (0.1, 0.2, 0.3)})
    return doc.model_copy(update={"chunks": tuple(chunks)})


def test_a_version_with_one_rejected_chunk_is_rolled_back(ns: Namespace) -> None:
    """The document stays at its previous version with only its previous chunks, and the
    rejected version is reported as a failure (a dead letter upstream)."""
    sink = _sink(ns)
    sink.write([_doc("d", 1, ["keep one", "keep two"])])
    bad = _with_bad_chunk(_doc("d", 2, ["new one", "broken", "new three"]), 1)
    report = sink.write([bad, _doc("e", 1, ["unrelated"])])
    assert [(f.doc.key, f.status) for f in report.failures] == [("src/d", 400)]
    assert "mapper_parsing_exception" in report.failures[0].reason
    assert report.indexed == 1
    chunks, docs = _state(ns)
    assert chunks == [("keep one", 1), ("keep two", 1), ("unrelated", 1)]
    assert docs == [("src/d", 1), ("src/e", 1)]
    assert [d["text"] for d in ns.documents() if d["doc_key"] == "src/d"] == ["keep one keep two"]
    # The next good version replaces everything as usual.
    assert sink.write([_doc("d", 3, ["fixed"])]).indexed == 1
    assert _state(ns)[0] == [("fixed", 3), ("unrelated", 1)]


def test_a_first_version_with_a_rejected_chunk_leaves_nothing(ns: Namespace) -> None:
    sink = _sink(ns)
    report = sink.write([_with_bad_chunk(_doc("d", 1, ["a", "b"]), 0)])
    assert len(report.failures) == 1 and report.indexed == 0
    assert _state(ns) == ([], [])


def test_replaying_a_history_in_any_order_ends_at_the_newest_version(ns: Namespace) -> None:
    """Replays (after a crash or a rebalance) stay idempotent: same chunks, same counts."""
    sink = _sink(ns)
    history = [_doc("d", v, [f"v{v} a", f"v{v} b"][: 1 + v % 2]) for v in (1, 2, 3)]
    for doc in history:
        sink.write([doc])
    expected = _state(ns)
    assert expected == ([("v3 a", 3), ("v3 b", 3)], [("src/d", 3)])
    for doc in history:
        report = sink.write([doc])
        assert report.failures == [] and report.indexed + report.stale == 1
    assert sink.write(history).stale == 2
    assert _state(ns) == expected
