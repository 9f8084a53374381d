"""streams.reindex without a store: document round trip and the atomic alias switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import Acl, CleanDocument, EmbeddedDocument, Op, Sensitivity
from streams.reindex import _clean_document, switch_alias
from streams.sinks.opensearch import _doc_source


def test_document_record_round_trips_to_a_clean_document() -> None:
    now = datetime.now(UTC)
    doc = CleanDocument(
        event_id="e1",
        source_id="fs",
        document_id="a.txt",
        op=Op.UPSERT,
        version=7,
        occurred_at=now,
        text="hello world",
        title="Hello",
        uri="file:///a.txt",
        acl=Acl(users=("u1",), groups=("g1", "g2")),
        classification=Sensitivity.CONFIDENTIAL,
        tags=("t",),
        policy_id="default",
        frameworks=("gdpr",),
        subject_ids=("s1",),
        expires_at=now + timedelta(days=3),
    )
    source = _doc_source(EmbeddedDocument(document=doc, model_id="m"), now.isoformat())
    source["doc_key"] = doc.key
    back = _clean_document(source)
    assert back.key == doc.key
    for name in (
        "version",
        "text",
        "title",
        "uri",
        "acl",
        "classification",
        "tags",
        "policy_id",
        "frameworks",
        "subject_ids",
        "expires_at",
        "occurred_at",
    ):
        assert getattr(back, name) == getattr(doc, name), name


class FakeIndices:
    def __init__(self, aliases: dict[str, list[str]]) -> None:
        self.aliases = aliases
        self.requests: list[dict[str, Any]] = []

    def exists_alias(self, name: str) -> bool:
        return name in self.aliases

    def get_alias(self, name: str) -> dict[str, Any]:
        return {i: {"aliases": {name: {}}} for i in self.aliases[name]}

    def update_aliases(self, body: dict[str, Any]) -> None:
        self.requests.append(body)


class FakeClient:
    def __init__(self, aliases: dict[str, list[str]]) -> None:
        self.indices = FakeIndices(aliases)


def test_switch_alias_is_one_request_with_remove_and_add() -> None:
    client = FakeClient({"rag-chunks": ["rag-chunks-v1"]})
    old = switch_alias(client, "rag-chunks", "rag-chunks-v2")  # type: ignore[arg-type]
    assert old == ["rag-chunks-v1"]
    assert client.indices.requests == [
        {
            "actions": [
                {"remove": {"index": "rag-chunks-v1", "alias": "rag-chunks"}},
                {"add": {"index": "rag-chunks-v2", "alias": "rag-chunks"}},
            ]
        }
    ]


def test_switch_alias_creates_a_missing_alias() -> None:
    client = FakeClient({})
    assert switch_alias(client, "rag-chunks", "rag-chunks-v2") == []  # type: ignore[arg-type]
    assert client.indices.requests == [
        {"actions": [{"add": {"index": "rag-chunks-v2", "alias": "rag-chunks"}}]}
    ]
