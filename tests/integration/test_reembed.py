"""Model change without downtime: re-embed into a new generation while queries run."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from infra.settings import EmbeddingSettings
from schemas import Acl, CleanDocument, Op
from streams.chunking import TokenChunker
from streams.embedding import HashingEmbedder, HttpEmbedder
from streams.reindex import reembed
from streams.sinks.indices import INDEX_GENERATION, ensure_indices
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import ChunkEmbedStage
from tests.integration.conftest import Namespace

NEW_DIM = 128
DOCS = 50
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
]


def tei_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest() * (NEW_DIM // 32 + 1)
    return [(b - 127.5) / 127.5 + 0.01 for b in digest[:NEW_DIM]]


class FakeTei(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.02)  # a little model latency, so queries run during the rebuild
        raw = json.dumps([tei_vector(t) for t in body["inputs"]]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def tei() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeTei)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _documents() -> list[CleanDocument]:
    now = datetime.now(UTC)
    docs = []
    for i in range(DOCS):
        words = [WORDS[(i + j) % len(WORDS)] for j in range(60)]
        docs.append(
            CleanDocument(
                event_id=f"e{i}",
                source_id="src",
                document_id=f"doc-{i}",
                op=Op.UPSERT,
                version=1,
                occurred_at=now,
                title=f"Document {i}",
                text=f"Document number {i}. " + " ".join(words),
                acl=Acl(groups=("staff",)),
                tags=("reembed",),
            )
        )
    return docs


def test_reembed_switches_alias_without_failed_queries(ns: Namespace, tei: str) -> None:
    s = ns.settings
    client = ns.os
    alias = s.opensearch.chunks_alias
    old_index = f"{alias}-{INDEX_GENERATION}"
    chunker = TokenChunker(s.chunking)
    hashing = HashingEmbedder(EmbeddingSettings(backend="hashing"))
    ensure_indices(client, s.opensearch, hashing.dimension)
    stage = ChunkEmbedStage(chunker, hashing, cache_size=0)
    stage.warm_up()
    report = OpenSearchSink(s.opensearch, client).write(stage.process(_documents()))
    assert report.indexed == DOCS and not report.failures
    client.indices.refresh(index=f"{alias},{s.opensearch.documents_alias}")
    old_chunks = client.count(index=alias)["count"]
    assert old_chunks >= DOCS

    stop = threading.Event()
    failures: list[str] = []
    counts = {"match": 0, "knn": 0, "knn_new": 0}

    def target() -> str:
        return next(iter(client.indices.get_alias(name=alias)))

    def query_loop() -> None:
        qc = ns.os
        while not stop.is_set():
            try:
                resp = qc.search(
                    index=alias, body={"size": 3, "query": {"match": {"text": "bravo charlie"}}}
                )
                assert resp["hits"]["hits"], "no BM25 hits"
                counts["match"] += 1
            except Exception as exc:
                failures.append(f"match: {exc!r}")
            before = target()
            dim = NEW_DIM if before != old_index else hashing.dimension
            vec = tei_vector("bravo") if dim == NEW_DIM else list(hashing.embed(["bravo"])[0])
            body = {"size": 3, "query": {"knn": {"embedding": {"vector": vec, "k": 3}}}}
            try:
                resp = qc.search(index=alias, body=body)
                assert resp["hits"]["hits"], "no k-NN hits"
                counts["knn"] += 1
                counts["knn_new"] += dim == NEW_DIM
            except Exception as exc:
                # A vector built for the index the alias pointed at a moment before is the
                # client's race, not the store's: count it only if the alias did not move.
                if target() == before:
                    failures.append(f"knn: {exc!r}")

    thread = threading.Thread(target=query_loop, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        http = HttpEmbedder(
            EmbeddingSettings(backend="http", http_url=tei, http_api="tei", dimension=NEW_DIM)
        )
        progress: list[tuple[int, int]] = []
        result = reembed(
            client,
            s.opensearch,
            http,
            chunker,
            target_generation="v4",
            page=10,
            progress=lambda done, total: progress.append((done, total)),
        )
        time.sleep(1.0)  # queries after the switch
    finally:
        stop.set()
        thread.join(30)
        # drop_indices (teardown) removes what the alias points at; the rest is ours
        behind = set(client.indices.get_alias(name=alias))
        for index in {old_index, f"{alias}-v4"} - behind:
            client.indices.delete(index=index, params={"ignore_unavailable": "true"})

    assert list(client.indices.get_alias(name=alias)) == [f"{alias}-v4"]
    assert failures == []
    assert counts["match"] > 5 and counts["knn"] > 5 and counts["knn_new"] > 0
    assert result.new_index == f"{alias}-v4"
    assert result.old_indices == [old_index]
    assert result.documents == DOCS
    assert progress[-1] == (DOCS, DOCS)
    assert result.chunks == old_chunks  # same chunker, same chunks
    assert client.count(index=s.opensearch.documents_alias)["count"] == DOCS
    client.indices.refresh(index=alias)
    assert client.count(index=alias)["count"] == old_chunks
    hit = client.search(
        index=alias,
        body={
            "size": 1,
            "query": {"knn": {"embedding": {"vector": tei_vector("x"), "k": 1}}},
        },
    )["hits"]["hits"][0]["_source"]
    assert len(hit["embedding"]) == NEW_DIM
    assert hit["model_id"].startswith("http-tei")
    assert hit["acl_groups"] == ["staff"] and hit["tags"] == ["reembed"]
