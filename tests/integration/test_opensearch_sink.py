"""The OpenSearch sink against a real node: versioning, stale events, deletes, k-NN search."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from schemas import Chunk, CleanDocument, EmbeddedDocument, Op, chunk_id_for
from streams.query import HybridSearcher
from streams.sinks.indices import ensure_indices
from streams.sinks.opensearch import OpenSearchSink
from tests.integration.conftest import Namespace

DIM = 384


def _vec(seed: int) -> tuple[float, ...]:
    raw = [math.sin(seed * 7.1 + i * 0.37) for i in range(DIM)]
    norm = math.sqrt(sum(x * x for x in raw))
    return tuple(x / norm for x in raw)


def _doc(doc_id: str, version: int, texts: list[str], op: Op = Op.UPSERT) -> EmbeddedDocument:
    clean = CleanDocument(
        event_id=f"e{version}",
        source_id="src",
        document_id=doc_id,
        op=op,
        version=version,
        occurred_at=datetime.now(UTC),
        text=" ".join(texts) if op is Op.UPSERT else None,
        title=doc_id,
        uri=f"file:///{doc_id}",
    )
    chunks = []
    pos = 0
    for i, t in enumerate(texts if op is Op.UPSERT else []):
        chunks.append(
            Chunk(
                chunk_id=chunk_id_for(clean.key, i, version),
                index=i,
                text=t,
                start=pos,
                end=pos + len(t),
                embedding=_vec(version * 100 + i),
            )
        )
        pos += len(t) + 1
    return EmbeddedDocument(document=clean, model_id="test", chunks=tuple(chunks))


def _sink(ns: Namespace) -> OpenSearchSink:
    ensure_indices(ns.os, ns.settings.opensearch, DIM)
    return OpenSearchSink(ns.settings.opensearch, ns.os)


def test_out_of_order_versions_never_resurrect_old_content(ns: Namespace) -> None:
    """An older version arriving after a newer one is skipped as stale, leaving the newer chunks."""
    sink = _sink(ns)
    assert sink.write([_doc("d", 5, ["new one", "new two"])]).indexed == 1
    report = sink.write([_doc("d", 3, ["old one", "old two", "old three"])])
    assert report.stale == 1 and report.indexed == 0
    assert sorted(c["text"] for c in ns.chunks()) == ["new one", "new two"]


def test_fewer_chunks_in_a_new_version_remove_the_old_ones(ns: Namespace) -> None:
    """Version 2 with one chunk replaces version 1's three chunks entirely."""
    sink = _sink(ns)
    sink.write([_doc("d", 1, ["a", "b", "c"])])
    sink.write([_doc("d", 2, ["only"])])
    chunks = ns.chunks()
    assert [(c["text"], c["version"]) for c in chunks] == [("only", 2)]


def test_delete_is_versioned_and_blocks_older_upserts(ns: Namespace) -> None:
    """After a delete at version 4, a late upsert at version 3 stays out of the index."""
    sink = _sink(ns)
    sink.write([_doc("d", 2, ["alive"])])
    assert sink.write([_doc("d", 4, [], op=Op.DELETE)]).deleted == 1
    assert ns.chunks() == []
    assert sink.write([_doc("d", 3, ["zombie"])]).stale == 1
    assert ns.chunks() == [] and ns.documents() == []
    # A genuinely newer version brings the document back.
    sink.write([_doc("d", 6, ["reborn"])])
    assert [c["text"] for c in ns.chunks()] == ["reborn"]


def test_replaying_the_same_version_is_idempotent(ns: Namespace) -> None:
    """Writing the same version twice keeps one copy of each chunk (deterministic ids)."""
    sink = _sink(ns)
    doc = _doc("d", 7, ["one", "two"])
    sink.write([doc])
    assert sink.write([doc]).indexed == 1
    assert sorted(c["text"] for c in ns.chunks()) == ["one", "two"]


def test_hybrid_search_finds_by_vector_and_by_keyword(ns: Namespace) -> None:
    """The k-NN leg finds the chunk with the query's vector; BM25 finds the keyword match."""
    sink = _sink(ns)
    sink.write([_doc("x", 1, ["alpha bravo", "charlie delta"]), _doc("y", 1, ["echo foxtrot"])])
    ns.os.indices.refresh(index=ns.settings.opensearch.chunks_alias)
    searcher = HybridSearcher(ns.settings.opensearch, ns.os)
    by_vector = searcher.search("zzz-no-keyword", _vec(101), k=3)
    assert by_vector[0].text == "charlie delta" and by_vector[0].knn_rank == 1
    by_keyword = searcher.search("foxtrot", _vec(999), k=3)
    assert by_keyword[0].text == "echo foxtrot" and by_keyword[0].bm25_rank == 1
