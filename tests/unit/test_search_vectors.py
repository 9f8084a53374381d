"""Re-embed only what changed: vector reuse in the chunk-and-embed stage."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError

from infra.metrics import CHUNK_VECTORS
from infra.settings import ChunkingSettings, EmbeddingSettings, OpenSearchSettings
from schemas import CleanDocument, Op
from streams.chunking import SectionChunker, embed_inputs
from streams.embedding import HashingEmbedder, Vectors
from streams.runner import is_transient
from streams.search_vectors import (
    IndexedVectors,
    Vector,
    VectorCache,
    model_tag,
    vector_key,
)
from streams.stages import ChunkEmbedStage

pytestmark = pytest.mark.unit

_WORDS = [
    "array",
    "axis",
    "values",
    "matrix",
    "sorted",
    "input",
    "output",
    "shape",
    "the",
    "a",
    "of",
    "to",
    "and",
    "is",
    "with",
]


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__(EmbeddingSettings(backend="hashing"))
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return super().embed(texts)


def _text(rng: random.Random) -> str:
    parts = []
    for s in range(rng.randint(2, 6)):
        parts.append(f"## Section {s}")
        for _ in range(rng.randint(1, 4)):
            sentences = [
                " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 15))).capitalize() + "."
                for _ in range(rng.randint(1, 6))
            ]
            parts.append(" ".join(sentences))
    return "\n\n".join(parts)


def _doc(i: int, text: str, version: int = 1) -> CleanDocument:
    return CleanDocument(
        event_id=f"e{i}-{version}",
        source_id="src",
        document_id=f"d{i}",
        op=Op.UPSERT,
        version=version,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        text=text,
        title=f"Doc {i}",
    )


def _edit(text: str, rng: random.Random) -> str:
    """One local edit: a sentence inserted after a random sentence end."""
    ends = [i for i, c in enumerate(text) if c == "." and text[i + 1 : i + 2] == " "]
    p = rng.choice(ends) + 1
    return text[:p] + " This sentence was added by an edit." + text[p:]


@pytest.fixture(scope="module")
def chunker() -> SectionChunker:
    instance = SectionChunker(ChunkingSettings())
    instance.warm_up()
    return instance


def test_a_one_percent_edit_re_embeds_at_most_two_percent_of_the_chunks(
    chunker: SectionChunker,
) -> None:
    """1 % of a corpus edited in one place each, then the whole corpus sent again: the
    model sees at most 2 % of the chunks (the changed ones), every other vector is reused."""
    rng = random.Random(7)
    docs = [_doc(i, _text(rng)) for i in range(300)]
    embedder = CountingEmbedder()
    stage = ChunkEmbedStage(chunker, embedder)
    first = [e for i in range(0, len(docs), 16) for e in stage.process(docs[i : i + 16])]
    total = sum(len(e.chunks) for e in first)
    assert len(embedder.texts) == total > 900

    edited = {i: _edit(docs[i].text or "", rng) for i in rng.sample(range(len(docs)), 3)}
    again = [_doc(i, edited.get(i, d.text or ""), version=2) for i, d in enumerate(docs)]
    embedder.texts.clear()
    before = CHUNK_VECTORS.labels(origin="cache")._value.get()
    second = [e for i in range(0, len(again), 16) for e in stage.process(again[i : i + 16])]
    recomputed = len(embedder.texts)
    assert 0 < recomputed <= 0.02 * total, (recomputed, total)
    assert recomputed <= 2 * len(edited)
    assert CHUNK_VECTORS.labels(origin="cache")._value.get() - before == total - recomputed
    # The vectors are those the model gives for the inputs, reused or not.
    for doc in second[:20]:
        inputs = embed_inputs(doc.document.title, [c.text for c in doc.chunks])
        fresh = HashingEmbedder(EmbeddingSettings()).embed(inputs)
        assert np.allclose(np.array([c.embedding for c in doc.chunks]), fresh, atol=1e-6)


class FakeStored:
    """StoredVectors from a dict; records what was asked."""

    def __init__(self, vectors: Mapping[str, Vector], error: Exception | None = None) -> None:
        self.vectors = vectors
        self.error = error
        self.asked: list[list[str]] = []

    def lookup(self, doc_keys: Sequence[str], tag: str) -> Mapping[str, Vector]:
        self.asked.append(list(doc_keys))
        if self.error:
            raise self.error
        return self.vectors


def test_a_fresh_worker_reuses_vectors_stored_in_the_index(chunker: SectionChunker) -> None:
    """With an empty cache, vectors come from the index lookup: only the edited chunk is
    embedded, and only documents with missing vectors are looked up."""
    rng = random.Random(3)
    doc = _doc(1, _text(rng))
    old_embedder = CountingEmbedder()
    old = ChunkEmbedStage(chunker, old_embedder).process([doc])[0]
    tag = model_tag(old_embedder.model_id)
    assert old.model_id == tag
    inputs = embed_inputs(doc.title, [c.text for c in old.chunks])
    stored = FakeStored(
        {
            vector_key(tag, t): np.asarray(c.embedding, dtype=np.float32)
            for t, c in zip(inputs, old.chunks, strict=True)
        }
    )
    embedder = CountingEmbedder()
    stage = ChunkEmbedStage(chunker, embedder, stored=stored, cache_size=0)
    edited = _doc(1, _edit(doc.text or "", rng), version=2)
    out = stage.process([edited])[0]
    assert stored.asked == [[edited.key]]
    assert 1 <= stage.computed <= 2 and stage.reused == len(out.chunks) - stage.computed
    assert len(embedder.texts) == stage.computed


def test_index_errors_raise_instead_of_re_embedding(chunker: SectionChunker) -> None:
    """An unreachable index fails the batch (transient: the runner retries it)."""
    stage = ChunkEmbedStage(
        chunker, CountingEmbedder(), stored=FakeStored({}, OSConnectionError("N/A", "down", None))
    )
    with pytest.raises(OSConnectionError) as info:
        stage.process([_doc(1, "Some text.")])
    assert is_transient(info.value)


def test_the_lru_cache_is_bounded_and_keeps_recent_vectors() -> None:
    cache = VectorCache(2)
    vec = np.zeros(3, dtype=np.float32)
    cache.put("a", vec)
    cache.put("b", vec)
    assert cache.get("a") is vec  # a is now the most recent
    cache.put("c", vec)
    assert cache.get("b") is None and cache.get("a") is vec and len(cache) == 2
    off = VectorCache(0)
    off.put("a", vec)
    assert off.get("a") is None


def test_vector_keys_depend_on_model_and_input() -> None:
    assert vector_key("m#ctx1", "x") == vector_key("m#ctx1", "x")
    assert vector_key("m#ctx1", "x") != vector_key("m2#ctx1", "x")
    assert vector_key("m#ctx1", "x") != vector_key("m#ctx1", "y")


class FakeClient:
    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.bodies: list[dict[str, Any]] = []

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(dict(body))
        return {"hits": {"hits": self.pages.pop(0) if self.pages else []}}


def test_indexed_vectors_rebuild_inputs_per_version_and_page() -> None:
    """Stored chunks are grouped by document version, ordered by index, and keyed by the
    embedding inputs rebuilt from their texts; pages follow with search_after."""

    def hit(version: int, index: int, text: str, vec: float) -> dict[str, Any]:
        src = {
            "doc_key": "s/d",
            "version": version,
            "chunk_index": index,
            "title": "T",
            "text": text,
            "embedding": [vec, 0.0],
        }
        return {"_source": src, "sort": ["s/d", version, index, 0]}

    page1 = [hit(1, 0, "## A\n\nx", 1.0), hit(1, 1, "y", 2.0)]
    page2 = [hit(2, 0, "z", 3.0)]
    client = FakeClient([page1, page2])
    lookup = IndexedVectors(OpenSearchSettings(), client)  # type: ignore[arg-type]
    lookup.PAGE = 2
    found = lookup.lookup(["s/d"], "m#ctx1")
    assert set(found) == {
        vector_key("m#ctx1", "T\n\n## A\n\nx"),
        vector_key("m#ctx1", "T\nA\n\ny"),
        vector_key("m#ctx1", "T\n\nz"),
    }
    assert float(found[vector_key("m#ctx1", "T\nA\n\ny")][0]) == 2.0
    assert client.bodies[1]["search_after"] == ["s/d", 1, 1, 0]
    flt = client.bodies[0]["query"]["bool"]["filter"]
    assert {"term": {"model_id": "m#ctx1"}} in flt and {"terms": {"doc_key": ["s/d"]}} in flt
    assert IndexedVectors(OpenSearchSettings(), client).lookup([], "m") == {}  # type: ignore[arg-type]
