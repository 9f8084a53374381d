"""The analyzer of a new index's text fields: the configured one where the node has it, else
standard (the default)."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import AuthorizationException, RequestError

from infra.settings import OpenSearchSettings
from streams.sinks.indices import (
    INDEX_GENERATION,
    analyzer_missing,
    chunks_body,
    documents_body,
    ensure_indices,
    text_analyzer,
)

MISSING_ANALYZE = {
    "error": {
        "root_cause": [
            {
                "type": "illegal_argument_exception",
                "reason": "failed to find global analyzer [english]",
            }
        ],
        "type": "illegal_argument_exception",
        "reason": "failed to find global analyzer [english]",
    },
    "status": 400,
}
MISSING_MAPPING = {
    "error": {
        "root_cause": [
            {
                "type": "mapper_parsing_exception",
                "reason": "Failed to parse mapping [_doc]: analyzer [english] has not been "
                "configured in mappings",
            }
        ],
        "type": "mapper_parsing_exception",
        "reason": "Failed to parse mapping [_doc]: analyzer [english] has not been configured "
        "in mappings",
        "caused_by": {
            "type": "illegal_argument_exception",
            "reason": "analyzer [english] has not been configured in mappings",
        },
    },
    "status": 400,
}


class FakeIndices:
    """The calls ensure_indices makes, against a node with or without analysis-common."""

    def __init__(self, has_english: bool, analyze_error: Exception | None = None) -> None:
        self.has_english = has_english
        self.analyze_error = analyze_error
        self.created: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, str] = {}
        self.analyze_calls = 0

    def analyze(self, body: dict[str, Any]) -> dict[str, Any]:
        self.analyze_calls += 1
        if self.analyze_error is not None:
            raise self.analyze_error
        if body["analyzer"] == "english" and not self.has_english:
            raise RequestError(400, "illegal_argument_exception", MISSING_ANALYZE)
        return {"tokens": [{"token": "run"}, {"token": "queri"}]}

    def exists_alias(self, name: str) -> bool:
        return name in self.aliases

    def exists(self, index: str) -> bool:
        return index in self.created

    def create(self, index: str, body: dict[str, Any]) -> None:
        analyzers = {
            f.get("analyzer") for f in body["mappings"]["properties"].values() if "analyzer" in f
        }
        if "english" in analyzers and not self.has_english:
            raise RequestError(400, "mapper_parsing_exception", MISSING_MAPPING)
        self.created[index] = body

    def put_alias(self, index: str, name: str) -> None:
        self.aliases[name] = index


ENGLISH = OpenSearchSettings(text_analyzer="english")


class FakeClient:
    def __init__(self, indices: FakeIndices) -> None:
        self.indices = indices


def _text_analyzers(body: dict[str, Any]) -> dict[str, str]:
    return {
        name: field["analyzer"]
        for name, field in body["mappings"]["properties"].items()
        if field["type"] == "text"
    }


@pytest.mark.parametrize(
    ("status", "reason", "missing"),
    [
        (400, "failed to find global analyzer [english]", True),
        (400, "failed to find analyzer [english]", True),
        (400, "analyzer [english] has not been configured in mappings", True),
        (400, "Failed to parse mapping [_doc]: unknown parameter [foo]", False),
        (403, "no permissions for [indices:admin/analyze]", False),
        (500, "failed to find global analyzer [english]", False),
        (400, "failed to find index [x]", False),
    ],
)
def test_analyzer_missing_decision(status: int, reason: str, missing: bool) -> None:
    assert analyzer_missing(status, reason) is missing


def test_english_where_the_node_has_it() -> None:
    client = FakeClient(FakeIndices(has_english=True))
    assert text_analyzer(client, ENGLISH) == "english"  # type: ignore[arg-type]


def test_standard_where_the_node_lacks_english() -> None:
    client = FakeClient(FakeIndices(has_english=False))
    assert text_analyzer(client, ENGLISH) == "standard"  # type: ignore[arg-type]


def test_standard_by_default_asks_nothing() -> None:
    indices = FakeIndices(has_english=True)
    settings = OpenSearchSettings()
    assert settings.text_analyzer == "standard"
    assert text_analyzer(FakeClient(indices), settings) == "standard"  # type: ignore[arg-type]
    assert indices.analyze_calls == 0


def test_a_forbidden_probe_keeps_the_wanted_analyzer() -> None:
    forbidden = AuthorizationException(403, "security_exception", {"status": 403})
    indices = FakeIndices(has_english=True, analyze_error=forbidden)
    assert text_analyzer(FakeClient(indices), ENGLISH) == "english"  # type: ignore[arg-type]


def test_another_error_of_the_probe_is_no_verdict() -> None:
    indices = FakeIndices(has_english=True, analyze_error=RequestError(400, "parse", {}))
    assert text_analyzer(FakeClient(indices), ENGLISH) == "english"  # type: ignore[arg-type]


@pytest.mark.parametrize("has_english", [True, False])
def test_ensure_indices_analyses_every_text_field_and_records_it(has_english: bool) -> None:
    indices = FakeIndices(has_english=has_english)
    ensure_indices(FakeClient(indices), ENGLISH, 8)  # type: ignore[arg-type]
    want = "english" if has_english else "standard"
    assert set(indices.created) == {
        f"rag-chunks-{INDEX_GENERATION}",
        f"rag-documents-{INDEX_GENERATION}",
    }
    for body in indices.created.values():
        assert body["mappings"]["_meta"]["text_analyzer"] == want
        fields = _text_analyzers(body)
        assert {"text", "title"} <= set(fields)
        assert set(fields.values()) == {want}
    assert indices.aliases == {
        "rag-chunks": f"rag-chunks-{INDEX_GENERATION}",
        "rag-documents": f"rag-documents-{INDEX_GENERATION}",
    }


def test_creation_falls_back_when_the_probe_could_not_tell() -> None:
    """A user without the analyze privilege on a node without english: the create's 400 decides."""
    forbidden = AuthorizationException(403, "security_exception", {"status": 403})
    indices = FakeIndices(has_english=False, analyze_error=forbidden)
    ensure_indices(FakeClient(indices), ENGLISH, 8)  # type: ignore[arg-type]
    assert len(indices.created) == 2
    for body in indices.created.values():
        assert set(_text_analyzers(body).values()) == {"standard"}
        assert body["mappings"]["_meta"]["text_analyzer"] == "standard"


def test_existing_aliases_are_left_alone() -> None:
    indices = FakeIndices(has_english=True)
    indices.aliases = {"rag-chunks": "rag-chunks-v1", "rag-documents": "rag-documents-v1"}
    ensure_indices(FakeClient(indices), ENGLISH, 8)  # type: ignore[arg-type]
    assert indices.created == {} and indices.analyze_calls == 0


def test_bodies_default_to_standard_and_keep_non_text_fields() -> None:
    settings = OpenSearchSettings()
    chunks = chunks_body(settings, 8)
    assert set(_text_analyzers(chunks).values()) == {"standard"}
    assert chunks["mappings"]["properties"]["embedding"]["dimension"] == 8
    assert "analyzer" not in chunks["mappings"]["properties"]["doc_key"]
    docs = documents_body(settings, "english")
    assert set(_text_analyzers(docs).values()) == {"english"}
    assert docs["mappings"]["dynamic"] == "strict"


def test_text_analyzer_setting_is_a_plain_name() -> None:
    with pytest.raises(ValueError):
        OpenSearchSettings(text_analyzer="english; drop")
