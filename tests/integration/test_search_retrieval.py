"""Search against a real OpenSearch: ACL and filters on every leg (BM25, k-NN, hybrid on the
server and its client-side fallback, hybrid fused per document with BM25 over the documents
index), server-side hybrid against the fallback, vectors read back from the index, and
`query --jsonl` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from opensearchpy.exceptions import NotFoundError

from infra.settings import ChunkingSettings, EmbeddingSettings, OpenSearchSettings
from schemas import Acl, CleanDocument, Op, Sensitivity
from streams.chunking import SectionChunker
from streams.embedding import HashingEmbedder
from streams.query import HybridSearcher, Mode, SearchFilters
from streams.search_pipeline import Fusion
from streams.search_vectors import IndexedVectors
from streams.sinks.indices import ensure_indices
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import ChunkEmbedStage
from tests.integration.conftest import REPO, Namespace

pytestmark = pytest.mark.integration

DIM = 384
CORPUS = REPO / "bench" / "retrieval" / "data" / "docs.jsonl"
QUERY = "quarterly budget forecast for the sales team"


def _doc(
    doc_id: str,
    text: str,
    *,
    users: Sequence[str] = (),
    groups: Sequence[str] = (),
    source: str = "wiki",
    classification: Sensitivity = Sensitivity.INTERNAL,
    tags: Sequence[str] = (),
    when: datetime = datetime(2025, 3, 1, tzinfo=UTC),
    version: int = 1,
    title: str | None = None,
) -> CleanDocument:
    return CleanDocument(
        event_id=f"{doc_id}-{version}",
        source_id=source,
        document_id=doc_id,
        op=Op.UPSERT,
        version=version,
        occurred_at=when,
        text=text,
        title=title or doc_id,
        acl=Acl(users=tuple(users), groups=tuple(groups)),
        classification=classification,
        tags=tuple(tags),
    )


def _stage() -> ChunkEmbedStage:
    stage = ChunkEmbedStage(
        SectionChunker(ChunkingSettings()), HashingEmbedder(EmbeddingSettings())
    )
    stage.warm_up()
    return stage


def _index(ns: Namespace, docs: Sequence[CleanDocument]) -> None:
    settings = ns.settings.opensearch
    ensure_indices(ns.os, settings, DIM)
    report = OpenSearchSink(settings, ns.os).write(_stage().process(docs))
    assert not report.failures
    ns.os.indices.refresh(index=settings.chunks_alias)
    ns.os.indices.refresh(index=settings.documents_alias)


def _vector(text: str) -> list[float]:
    return [float(x) for x in HashingEmbedder(EmbeddingSettings()).embed([text])[0]]


DOC_FUSION = Fusion("doc_minmax", bm25_weight=0.1, documents_weight=0.2)
SEARCHES: list[tuple[str, Mode, bool | None]] = [
    ("bm25", "bm25", None),
    ("knn", "knn", None),
    ("hybrid on the server", "hybrid", True),
    ("hybrid fused here", "hybrid", False),
    ("hybrid fused per document", "hybrid", None),
]


def _visible(
    settings: OpenSearchSettings,
    ns: Namespace,
    mode: Mode,
    server: bool | None,
    users: Sequence[str] = (),
    groups: Sequence[str] = (),
    filters: SearchFilters | None = None,
) -> set[str]:
    per_doc = mode == "hybrid" and server is None
    searcher = HybridSearcher(
        settings, ns.os, server_hybrid=server, fusion=DOC_FUSION if per_doc else Fusion()
    )
    hits = searcher.documents(
        QUERY, _vector(QUERY), mode=mode, k=50, users=users, groups=groups, filters=filters
    )
    if mode == "hybrid":
        assert searcher.server_hybrid is (None if per_doc else bool(server))
    return {h.document_id for h in hits}


@pytest.mark.parametrize(("name", "mode", "server"), SEARCHES, ids=[s[0] for s in SEARCHES])
def test_acl_allows_and_denies_users_and_groups_on_every_leg(
    ns: Namespace, name: str, mode: Mode, server: bool | None
) -> None:
    """Restricted documents are the best matches by text and by vector, yet only their
    users and groups see them; documents without an ACL are public."""
    best = QUERY + ". " + QUERY
    _index(
        ns,
        [
            _doc("public", "The sales team met about the budget."),
            _doc("alice-only", best, users=["alice"]),
            _doc("eng-only", best, groups=["eng"]),
            _doc("alice-or-hr", best, users=["alice"], groups=["hr"]),
        ],
    )
    settings = ns.settings.opensearch
    assert _visible(settings, ns, mode, server) == {"public"}
    assert _visible(settings, ns, mode, server, users=["bob"]) == {"public"}
    assert _visible(settings, ns, mode, server, users=["alice"]) == {
        "public",
        "alice-only",
        "alice-or-hr",
    }
    assert _visible(settings, ns, mode, server, groups=["eng"]) == {"public", "eng-only"}
    assert _visible(settings, ns, mode, server, users=["bob"], groups=["hr", "ops"]) == {
        "public",
        "alice-or-hr",
    }


@pytest.mark.parametrize(("name", "mode", "server"), SEARCHES, ids=[s[0] for s in SEARCHES])
def test_filters_on_source_classification_tags_and_time_on_every_leg(
    ns: Namespace, name: str, mode: Mode, server: bool | None
) -> None:
    jan, mar, may = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 3, 5))
    _index(
        ns,
        [
            _doc("a", QUERY, source="wiki", tags=["finance", "eu"], when=jan),
            _doc("b", QUERY, source="crm", classification=Sensitivity.PUBLIC, when=mar),
            _doc("c", QUERY, source="wiki", tags=["finance"], when=may),
        ],
    )
    s = ns.settings.opensearch

    def seen(f: SearchFilters) -> set[str]:
        return _visible(s, ns, mode, server, filters=f)

    assert seen(SearchFilters()) == {"a", "b", "c"}
    assert seen(SearchFilters(sources=("wiki",))) == {"a", "c"}
    assert seen(SearchFilters(classifications=("public",))) == {"b"}
    assert seen(SearchFilters(tags=("finance",))) == {"a", "c"}
    assert seen(SearchFilters(tags=("finance", "eu"))) == {"a"}
    assert seen(SearchFilters(since=mar)) == {"b", "c"}
    assert seen(SearchFilters(since=jan, until=may)) == {"a", "b"}


def _small_corpus() -> list[CleanDocument]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    return [_doc(r["id"], r["text"], title=r["title"]) for r in rows[::8]]  # 58 documents


QUERIES = [
    "sum of the elements along an axis",
    "inverse cosine of each element",
    "sort an array and return the indices",
    "standard deviation ignoring NaN values",
    "evenly spaced numbers over an interval",
    "save an array to a binary file",
    "random samples from a normal distribution",
    "solve a linear matrix equation",
]


@pytest.mark.parametrize("fusion", [Fusion("rrf", 60), Fusion("minmax", bm25_weight=0.3)])
def test_server_side_hybrid_matches_the_client_side_fallback(ns: Namespace, fusion: Fusion) -> None:
    """One hybrid request fused by the search pipeline gives the documents and scores that
    two requests fused here give (equal scores may swap places)."""
    _index(ns, _small_corpus())
    settings = ns.settings.opensearch
    server = HybridSearcher(settings, ns.os, fusion=fusion, server_hybrid=True)
    client = HybridSearcher(settings, ns.os, fusion=fusion, server_hybrid=False)
    for q in QUERIES:
        a = server.documents(q, _vector(q), k=5)
        b = client.documents(q, _vector(q), k=5)
        assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-4), q
        cut = a[-1].score + 1e-4  # the server's scores are float32
        assert {h.document_id for h in a if h.score > cut} == {
            h.document_id for h in b if h.score > cut
        }, q


def test_a_fresh_worker_reads_unchanged_vectors_back_from_the_index(ns: Namespace) -> None:
    """After a restart (empty cache) only the edited chunk of a new version is embedded."""
    docs = _small_corpus()[:10]
    _index(ns, docs)
    settings = ns.settings.opensearch
    edited = [d.model_copy(update={"version": 2}) for d in docs]
    text = edited[0].text or ""
    edited[0] = edited[0].model_copy(update={"text": text + "\n\nA new closing paragraph."})
    embedder = HashingEmbedder(EmbeddingSettings())
    stage = ChunkEmbedStage(
        SectionChunker(ChunkingSettings()),
        embedder,
        stored=IndexedVectors(settings, ns.os),
        cache_size=0,
    )
    stage.warm_up()
    out = stage.process(edited)
    assert 1 <= stage.computed <= 2
    assert stage.reused == sum(len(e.chunks) for e in out) - stage.computed
    missing = settings.model_copy(update={"chunks_alias": f"{ns.name}-no-such-alias"})
    with pytest.raises(NotFoundError):
        IndexedVectors(missing, ns.os).lookup(["x/y"], "m#ctx1")


def test_query_jsonl_end_to_end(ns: Namespace, tmp_path: Path) -> None:
    """The search commands in a real process: one JSON line per query, ids kept."""
    _index(ns, _small_corpus())
    lines = "".join(json.dumps({"id": i, "text": q}) + "\n" for i, q in enumerate(QUERIES[:3]))
    app = (
        "import typer\nfrom ragstream import cli_search\n"
        "app = typer.Typer()\ncli_search.register(app)\napp()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", app, "query", "--jsonl", "--k", "3"],
        cwd=REPO,
        env={**os.environ, **ns.env, "RAGSTREAM_EMBEDDING__BACKEND": "hashing"},
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [0, 1, 2]
    assert all(len(o["hits"]) == 3 for o in out)
    assert out[0]["hits"][0]["passages"][0]["text"]
