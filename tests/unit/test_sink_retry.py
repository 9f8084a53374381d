"""The OpenSearch sink's retry contract and write protocol against an in-memory fake.

Transient failures (connection errors, time-outs, 408/429/5xx of a request or of one bulk
item, deletes included) are retried or raised as TransientSinkError, never returned as
failures; permanent item errors are failures and roll the document back; a bulk answered
413 is split.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import AuthenticationException, ConnectionTimeout, TransportError
from opensearchpy.exceptions import ConnectionError as OSConnectionError

from infra.settings import OpenSearchSettings
from schemas import Chunk, CleanDocument, EmbeddedDocument, Op, chunk_id_for
from streams.sinks.indices import TransientStoreError, delete_matching
from streams.sinks.opensearch import (
    OpenSearchSink,
    SinkReport,
    TransientSinkError,
    classify,
)

pytestmark = pytest.mark.unit

CHUNKS = "rag-chunks"
DOCS = "rag-documents"

# (action, index, _id) -> a status to answer instead of applying the action, or None
ItemRule = Callable[[str, str, str], int | None]


def _matches(source: dict[str, Any], query: dict[str, Any]) -> bool:
    """The query shapes the sink and delete_matching use: bool, term, terms, range."""
    if "match_all" in query:
        return True
    if "term" in query:
        ((f, v),) = query["term"].items()
        return bool(source.get(f) == v)
    if "terms" in query:
        ((f, vs),) = query["terms"].items()
        return source.get(f) in vs
    if "range" in query:
        ((f, cond),) = query["range"].items()
        return bool(source.get(f, 0) < cond["lt"])
    b = query["bool"]
    ok = all(_matches(source, q) for q in b.get("filter", []))
    if b.get("should"):
        ok = ok and any(_matches(source, q) for q in b["should"])
    return ok


class _Indices:
    def __init__(self, fake: FakeOpenSearch) -> None:
        self.fake = fake

    def refresh(self, index: str) -> None:
        self.fake.hit("refresh")


class FakeOpenSearch:
    """Enough of OpenSearch for the sink: versions, bulk items, search, scripted failures."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], tuple[int | None, dict[str, Any]]] = {}
        self.calls: list[str] = []
        self.errors: list[BaseException] = []  # raised by the next calls, one each
        self.item_rule: ItemRule | None = None
        self.max_body_bytes: int | None = None
        self.bulk_sizes: list[int] = []  # actions per bulk that reached the node
        self.bulk_ids: list[list[str]] = []
        self.bulk_bytes: list[int] = []
        self.on_call: Callable[[str, int], None] | None = None  # (method, n-th call of it)
        self.indices = _Indices(self)

    def hit(self, method: str) -> None:
        self.calls.append(method)
        if self.on_call is not None:
            self.on_call(method, self.calls.count(method))
        if self.errors:
            raise self.errors.pop(0)

    def version(self, index: str, doc_id: str) -> int | None:
        entry = self.store.get((index, doc_id))
        return None if entry is None else entry[0]

    def put(self, index: str, doc_id: str, source: dict[str, Any], version: int | None) -> None:
        self.store[(index, doc_id)] = (version, source)

    def mget(self, *, index: str, body: dict[str, Any], params: Any = None) -> dict[str, Any]:
        self.hit("mget")
        docs = []
        for doc_id in body["ids"]:
            v = self.version(index, doc_id)
            found = (index, doc_id) in self.store
            docs.append({"_id": doc_id, "found": found, **({"_version": v} if found else {})})
        return {"docs": docs}

    def bulk(self, *, body: Any, params: Any = None) -> dict[str, Any]:
        self.hit("bulk")
        if isinstance(body, str):
            self.bulk_bytes.append(len(body.encode()))
            if self.max_body_bytes is not None and len(body.encode()) > self.max_body_bytes:
                raise TransportError(413, "request_entity_too_large", {})
            lines = [json.loads(line) for line in body.splitlines() if line]
        else:
            lines = list(body)
        items: list[dict[str, Any]] = []
        ids: list[str] = []
        while lines:
            meta = lines.pop(0)
            ((action, m),) = meta.items()
            source = lines.pop(0) if action == "index" else None
            index, doc_id = m["_index"], m["_id"]
            ids.append(doc_id)
            status = self.item_rule(action, index, doc_id) if self.item_rule else None
            if status is not None:
                items.append({action: {"status": status, "error": {"type": f"x{status}"}}})
                continue
            if action == "delete":
                gone = self.store.pop((index, doc_id), None)
                items.append({action: {"status": 404 if gone is None else 200}})
                continue
            assert source is not None
            version = m.get("version")
            current = self.version(index, doc_id)
            if version is not None and current is not None and current > version:
                items.append({action: {"status": 409, "error": {"type": "conflict"}}})
                continue
            self.put(index, doc_id, source, version)
            items.append({action: {"status": 201}})
        self.bulk_sizes.append(len(items))
        self.bulk_ids.append(ids)
        return {"items": items}

    def search(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.hit("search")
        hits = [
            {"_index": i, "_id": d}
            for (i, d), (_, src) in self.store.items()
            if i == index and _matches(src, body["query"])
        ]
        return {"hits": {"hits": hits[: body.get("size", 10)]}}

    def chunks(self) -> list[tuple[str, int]]:
        return sorted(
            (src["text"], src["version"]) for (i, _), (_, src) in self.store.items() if i == CHUNKS
        )


def _doc(version: int, texts: list[str], doc_id: str = "d", op: Op = Op.UPSERT) -> EmbeddedDocument:
    clean = CleanDocument(
        event_id=f"e{version}",
        source_id="s",
        document_id=doc_id,
        op=op,
        version=version,
        occurred_at=datetime.now(UTC),
        text=" ".join(texts) if op is Op.UPSERT else None,
    )
    chunks = tuple(
        Chunk(
            chunk_id=chunk_id_for(clean.key, i, version),
            index=i,
            text=t,
            start=0,
            end=len(t),
            embedding=(0.1, 0.2),
        )
        for i, t in enumerate(texts)
    )
    return EmbeddedDocument(document=clean, model_id="m", chunks=chunks)


def _sink(
    fake: FakeOpenSearch,
    sleeps: list[float] | None = None,
    max_retry_s: float | None = None,
    **settings: Any,
) -> OpenSearchSink:
    record = sleeps if sleeps is not None else []
    return OpenSearchSink(
        OpenSearchSettings(url="http://search:9200", **settings),
        cast(OpenSearch, fake),
        max_retry_s=max_retry_s,
        sleep=record.append,
    )


def _ok(report: SinkReport, indexed: int = 0, deleted: int = 0, stale: int = 0) -> None:
    assert report.failures == []
    assert (report.indexed, report.deleted, report.stale) == (indexed, deleted, stale)


# -- classification -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (OSConnectionError("N/A", "connection refused", None), True),
        (ConnectionTimeout("TIMEOUT", "read timed out", None), True),
        (TransportError(429, "too_many_requests", {}), True),
        (TransportError(408, "request_timeout", {}), True),
        (TransportError(500, "internal", {}), True),
        (TransportError(503, "unavailable_shards_exception", {}), True),
        (TransientStoreError("bulk delete answered 503"), True),
        (TransportError(400, "mapper_parsing_exception", {}), False),
        (AuthenticationException(401, "unauthorized", {}), False),
        (ValueError("a bug"), False),
    ],
)
def test_transient_and_permanent_errors_are_told_apart(exc: Exception, transient: bool) -> None:
    assert isinstance(classify(exc), TransientSinkError) is transient


# -- whole requests -------------------------------------------------------------------------


def test_the_sink_waits_out_an_outage_and_then_writes() -> None:
    """Connection errors are retried with backoff (backpressure), not dead-lettered."""
    fake = FakeOpenSearch()
    fake.errors = [OSConnectionError("N/A", "connection refused", None) for _ in range(3)]
    sleeps: list[float] = []
    _ok(_sink(fake, sleeps).write([_doc(2, [], op=Op.DELETE)]), deleted=1)
    assert sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionTimeout("TIMEOUT", "read timed out", None),
        TransportError(429, "es_rejected_execution_exception", {}),
        TransportError(502, "bad gateway", {}),
        TransportError(503, "unavailable", {}),
    ],
)
def test_transient_failures_of_any_call_are_retried_never_failures(exc: Exception) -> None:
    """Whatever call fails (mget, bulk, refresh, search), the batch still gets written."""
    for nth in range(12):
        fake = FakeOpenSearch()
        _sink(fake).write([_doc(1, ["old"])])
        fake.calls.clear()

        def fail_once(method: str, n: int, fake: FakeOpenSearch = fake, nth: int = nth) -> None:
            if len(fake.calls) == nth + 1:
                fake.errors.append(exc)

        fake.on_call = fail_once
        report = _sink(fake).write([_doc(2, ["a", "b"])])
        _ok(report, indexed=1)
        assert fake.chunks() == [("a", 2), ("b", 2)]


def test_a_bounded_sink_gives_up_with_a_clear_error() -> None:
    """With a retry budget, an outage longer than it raises, naming the OpenSearch URL."""
    fake = FakeOpenSearch()
    fake.errors = [OSConnectionError("N/A", "connection refused", None) for _ in range(1000)]
    with pytest.raises(TransientSinkError, match="search:9200"):
        _sink(fake, max_retry_s=0.0).write([_doc(2, [], op=Op.DELETE)])


def test_an_authentication_error_is_neither_transient_nor_a_dead_letter() -> None:
    fake = FakeOpenSearch()
    fake.errors = [AuthenticationException(401, "unauthorized", {})]
    with pytest.raises(AuthenticationException):
        _sink(fake).write([_doc(1, ["a"])])


# -- bulk items -----------------------------------------------------------------------------


def test_items_answered_429_are_sent_again_alone() -> None:
    """Only the rejected item is sent again; the document is indexed, nothing fails."""
    fake = FakeOpenSearch()
    doc = _doc(1, ["a", "b", "c"])
    busy = {doc.chunks[1].chunk_id}

    def rule(action: str, index: str, doc_id: str) -> int | None:
        if doc_id in busy:
            busy.discard(doc_id)
            return 429
        return None

    fake.item_rule = rule
    sleeps: list[float] = []
    _ok(_sink(fake, sleeps).write([doc]), indexed=1)
    assert fake.bulk_ids[:2] == [[c.chunk_id for c in doc.chunks], [doc.chunks[1].chunk_id]]
    assert sleeps == [0.5]
    assert fake.chunks() == [("a", 1), ("b", 1), ("c", 1)]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_items_that_stay_busy_raise_rather_than_fail(status: int) -> None:
    fake = FakeOpenSearch()
    fake.item_rule = lambda action, index, doc_id: status if index == CHUNKS else None
    with pytest.raises(TransientSinkError, match=f"answered {status}"):
        _sink(fake, max_retry_s=0.0).write([_doc(1, ["a"])])


@pytest.mark.parametrize("status", [429, 503])
def test_deletes_answered_429_or_5xx_are_retried(status: int) -> None:
    """Cleanup of the older version hits a busy node once: retried, not a failure."""
    fake = FakeOpenSearch()
    _sink(fake).write([_doc(1, ["old a", "old b"])])
    calls = {"n": 0}

    def rule(action: str, index: str, doc_id: str) -> int | None:
        if action == "delete" and calls["n"] == 0:
            calls["n"] += 1
            return status
        return None

    fake.item_rule = rule
    _ok(_sink(fake).write([_doc(2, ["new"])]), indexed=1)
    assert fake.chunks() == [("new", 2)]


def test_delete_matching_raises_transient_on_a_busy_delete() -> None:
    fake = FakeOpenSearch()
    fake.put(CHUNKS, "c1", {"doc_key": "k", "version": 1, "text": "x"}, None)
    fake.item_rule = lambda action, index, doc_id: 503
    client = cast(OpenSearch, fake)
    with pytest.raises(TransientStoreError):
        delete_matching(client, CHUNKS, {"term": {"doc_key": "k"}})
    fake.item_rule = None
    assert delete_matching(client, CHUNKS, {"term": {"doc_key": "k"}}) == 1


# -- permanent failures and rollback ---------------------------------------------------------


def test_a_rejected_chunk_rolls_the_version_back() -> None:
    """One chunk rejected for good: the document keeps its previous version and chunks."""
    fake = FakeOpenSearch()
    sink = _sink(fake)
    sink.write([_doc(1, ["keep a", "keep b"])])
    bad = _doc(2, ["x", "y", "z"])
    fake.item_rule = lambda a, i, d: 400 if (a, d) == ("index", bad.chunks[1].chunk_id) else None
    report = sink.write([bad, _doc(1, ["other"], doc_id="e")])
    assert [(f.doc.key, f.status) for f in report.failures] == [("s/d", 400)]
    assert report.indexed == 1 and report.stale == 0
    assert fake.version(DOCS, "s/d") == 1
    assert fake.chunks() == [("keep a", 1), ("keep b", 1), ("other", 1)]


def test_a_rejected_document_record_rolls_its_chunks_back() -> None:
    fake = FakeOpenSearch()
    sink = _sink(fake)
    sink.write([_doc(1, ["keep"])])
    fake.item_rule = lambda a, i, d: 400 if i == DOCS else None
    report = sink.write([_doc(2, ["new"])])
    assert [f.status for f in report.failures] == [400] and report.indexed == 0
    assert fake.chunks() == [("keep", 1)]


def test_a_replay_with_a_rejected_chunk_keeps_the_complete_earlier_write() -> None:
    """The record is already at V: rolling back would break V, so nothing is deleted."""
    fake = FakeOpenSearch()
    sink = _sink(fake)
    doc = _doc(3, ["a", "b"])
    sink.write([doc])
    fake.item_rule = lambda a, i, d: 400 if (a, d) == ("index", doc.chunks[0].chunk_id) else None
    report = sink.write([doc])
    assert len(report.failures) == 1
    assert fake.chunks() == [("a", 3), ("b", 3)]


# -- 413 and bulk bounds ---------------------------------------------------------------------


def test_a_bulk_too_large_is_split_and_nothing_is_lost() -> None:
    fake = FakeOpenSearch()
    docs = [_doc(1, [f"text {n} " * 20 for n in range(4)], doc_id=f"d{k}") for k in range(2)]
    one = len(json.dumps({"index": {"_index": CHUNKS, "_id": "x" * 32}})) + 1200
    fake.max_body_bytes = 2 * one
    _ok(_sink(fake).write(docs), indexed=2)
    assert len(fake.chunks()) == 8
    assert max(fake.bulk_sizes) <= 2


def test_an_item_too_large_alone_is_a_permanent_failure_of_its_document() -> None:
    fake = FakeOpenSearch()
    fake.max_body_bytes = 2000
    big = _doc(1, ["small", "x" * 5000], doc_id="big")
    report = _sink(fake).write([big, _doc(1, ["fine"], doc_id="ok")])
    assert [(f.doc.key, f.status) for f in report.failures] == [("s/big", 413)]
    assert report.indexed == 1
    assert fake.chunks() == [("fine", 1)]


def test_bulks_honour_max_actions_and_max_bytes() -> None:
    fake = FakeOpenSearch()
    _sink(fake, bulk_max_actions=2).write([_doc(1, ["a", "b", "c", "d", "e"])])
    assert fake.bulk_sizes[0:3] == [2, 2, 1]
    fake = FakeOpenSearch()
    _sink(fake, bulk_max_bytes=2048).write([_doc(1, ["a" * 900, "b" * 900, "c", "d"])])
    chunk_bulks = list(zip(fake.bulk_sizes, fake.bulk_bytes, strict=True))[:3]
    assert sum(n for n, _ in chunk_bulks) == 4  # three bulks for the four chunks
    assert all(size <= 2048 for _, size in chunk_bulks)


# -- stale and fences -----------------------------------------------------------------------


def test_a_newer_commit_between_check_and_commit_removes_the_chunks_written() -> None:
    fake = FakeOpenSearch()

    def newer_wins(method: str, n: int) -> None:
        if method == "bulk" and n == 1:  # just before our chunks land
            fake.put(DOCS, "s/d", {"version": 5}, 5)

    fake.on_call = newer_wins
    _ok(_sink(fake).write([_doc(4, ["late"])]), stale=1)
    assert fake.chunks() == []


def test_the_fence_removes_chunks_when_a_newer_version_appears_after_the_commit() -> None:
    fake = FakeOpenSearch()

    def newer_after_commit(method: str, n: int) -> None:
        if method == "mget" and n == 2:  # the fence read
            fake.put(DOCS, "s/d", {"version": 5}, 5)

    fake.on_call = newer_after_commit
    _ok(_sink(fake).write([_doc(4, ["late"])]), stale=1)
    assert fake.chunks() == []


def test_a_stale_item_writes_nothing() -> None:
    fake = FakeOpenSearch()
    sink = _sink(fake)
    sink.write([_doc(5, ["new"])])
    fake.bulk_sizes.clear()
    _ok(sink.write([_doc(3, ["old"])]), stale=1)
    assert fake.bulk_sizes == [] and fake.chunks() == [("new", 5)]


def test_older_duplicates_in_one_batch_count_as_stale() -> None:
    fake = FakeOpenSearch()
    _ok(_sink(fake).write([_doc(2, ["two"]), _doc(1, ["one"])]), indexed=1, stale=1)
    assert fake.chunks() == [("two", 2)]
