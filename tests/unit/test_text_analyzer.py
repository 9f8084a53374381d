"""The analyzer of a new index's text fields: the configured one where the node has it, else
standard (the default); and their ``stemmed`` subfields, where the node has analysis-common."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import AuthorizationException, RequestError

from infra.settings import OpenSearchSettings
from streams.sinks.indices import (
    INDEX_GENERATION,
    NO_STEMMED,
    STEMMED_ANALYZER,
    analyzer_missing,
    chunks_body,
    create_chunks_generation,
    documents_body,
    ensure_indices,
    stemmed_subfield,
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
MISSING_FILTER_ANALYZE = {
    "error": {
        "root_cause": [
            {
                "type": "illegal_argument_exception",
                "reason": "failed to find global filter under [lowercase]",
            }
        ],
        "type": "illegal_argument_exception",
        "reason": "failed to find global filter under [lowercase]",
    },
    "status": 400,
}
MISSING_FILTER_CREATE = {
    "error": {
        "root_cause": [
            {
                "type": "illegal_argument_exception",
                "reason": "Unknown filter type [stemmer] for [ragstream_possessive]",
            }
        ],
        "type": "illegal_argument_exception",
        "reason": "Unknown filter type [stemmer] for [ragstream_possessive]",
    },
    "status": 400,
}


class FakeIndices:
    """The calls ensure_indices makes, against a node with or without analysis-common (the
    english analyzer and the stemming filters come and go together)."""

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
        if body.get("analyzer") == "english" and not self.has_english:
            raise RequestError(400, "illegal_argument_exception", MISSING_ANALYZE)
        if "filter" in body and not self.has_english:
            raise RequestError(400, "illegal_argument_exception", MISSING_FILTER_ANALYZE)
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
        if "analysis" in body["settings"]["index"] and not self.has_english:
            raise RequestError(400, "illegal_argument_exception", MISSING_FILTER_CREATE)
        self.created[index] = body

    def put_alias(self, index: str, name: str) -> None:
        self.aliases[name] = index


ENGLISH = OpenSearchSettings(text_analyzer="english")


class FakeCluster:
    def health(self, index: str, params: dict[str, str]) -> None:
        return None


class FakeClient:
    def __init__(self, indices: FakeIndices) -> None:
        self.indices = indices
        self.cluster = FakeCluster()


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
        (400, "failed to find global filter under [kstem]", True),
        (400, "Custom Analyzer [ragstream_stemmed] failed to find filter under name [kstem]", True),
        (400, "Unknown filter type [stemmer] for [ragstream_possessive]", True),
        (403, "Unknown filter type [stemmer] for [ragstream_possessive]", False),
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


def _stemmed_subfields(body: dict[str, Any]) -> dict[str, str]:
    return {
        name: field["fields"]["stemmed"]["analyzer"]
        for name, field in body["mappings"]["properties"].items()
        if "fields" in field
    }


def test_stemmed_subfields_where_the_node_has_analysis_common() -> None:
    indices = FakeIndices(has_english=True)
    ensure_indices(FakeClient(indices), OpenSearchSettings(), 8)  # type: ignore[arg-type]
    assert len(indices.created) == 2
    for body in indices.created.values():
        assert _stemmed_subfields(body) == {"text": STEMMED_ANALYZER, "title": STEMMED_ANALYZER}
        assert set(_text_analyzers(body).values()) == {"standard"}
        assert body["mappings"]["_meta"]["stemmed_analyzer"] == STEMMED_ANALYZER
        analysis = body["settings"]["index"]["analysis"]
        assert analysis["analyzer"][STEMMED_ANALYZER]["filter"][-1] == "kstem"
    chunks = indices.created[f"rag-chunks-{INDEX_GENERATION}"]
    assert chunks["settings"]["index"]["knn"] is True  # the other index settings stay


def test_no_stemmed_subfield_on_a_node_without_analysis_common(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The bare distribution: the probe says no, the indices get plain standard text fields."""
    indices = FakeIndices(has_english=False)
    client = FakeClient(indices)
    assert stemmed_subfield(client, OpenSearchSettings()) is False  # type: ignore[arg-type]
    ensure_indices(client, OpenSearchSettings(), 8)  # type: ignore[arg-type]
    assert len(indices.created) == 2
    for body in indices.created.values():
        assert _stemmed_subfields(body) == {}
        assert "analysis" not in body["settings"]["index"]
        assert body["mappings"]["_meta"]["stemmed_analyzer"] == NO_STEMMED
        assert set(_text_analyzers(body).values()) == {"standard"}


def test_creation_drops_the_subfields_when_the_probe_could_not_tell() -> None:
    """No analyze privilege on a node without analysis-common: the create's 400 decides."""
    forbidden = AuthorizationException(403, "security_exception", {"status": 403})
    indices = FakeIndices(has_english=False, analyze_error=forbidden)
    ensure_indices(FakeClient(indices), OpenSearchSettings(), 8)  # type: ignore[arg-type]
    assert len(indices.created) == 2
    for body in indices.created.values():
        assert _stemmed_subfields(body) == {}
        assert body["mappings"]["_meta"]["stemmed_analyzer"] == NO_STEMMED


def test_stemmed_subfield_can_be_turned_off() -> None:
    indices = FakeIndices(has_english=True)
    settings = OpenSearchSettings(stemmed_subfield=False)
    ensure_indices(FakeClient(indices), settings, 8)  # type: ignore[arg-type]
    assert indices.analyze_calls == 0
    for body in indices.created.values():
        assert _stemmed_subfields(body) == {}


@pytest.mark.parametrize("has_common", [True, False])
def test_a_new_chunks_generation_gets_the_subfields_where_it_can(has_common: bool) -> None:
    """The reindex path (``ragstream index reembed``) builds its generation the same way."""
    indices = FakeIndices(has_english=has_common)
    index = create_chunks_generation(
        FakeClient(indices),  # type: ignore[arg-type]
        OpenSearchSettings(),
        "v9",
        8,
    )
    assert index == "rag-chunks-v9"
    body = indices.created[index]
    assert bool(_stemmed_subfields(body)) is has_common


def test_generation_is_v3() -> None:
    """The stemmed subfields changed the mapping: new indices are a new generation."""
    assert INDEX_GENERATION == "v3"
