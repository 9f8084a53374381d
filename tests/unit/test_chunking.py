"""Chunkers: TokenChunker windows with overlap and SectionChunker chunks that follow headings,
paragraphs and sentences, both exact character slices; the embedding inputs of chunks."""

from __future__ import annotations

import itertools
import random

import pytest
from tokenizers import Tokenizer

from infra.settings import ChunkingSettings
from streams.chunking import (
    SectionChunker,
    TextSpan,
    TokenChunker,
    embed_inputs,
    minilm_tokenizer_path,
    split_blocks,
)

_WORDS = [
    *("invoice", "meeting", "quarterly", "revenue", "password", "account", "schedule"),
    *("the", "a", "of", "to", "and", "antidisestablishmentarianism", "naïve", "café"),
    *("e-mail", "2024-05-01", "user@example.com"),
]


def _document(seed: int, n_words: int = 900) -> str:
    """Seeded prose with sentences, line breaks and paragraphs."""
    rng = random.Random(seed)
    parts: list[str] = []
    for i in range(n_words):
        parts.append(rng.choice(_WORDS))
        if i % 13 == 12:
            parts.append(rng.choice([".", "!", "?", ".\n", ".\n\n", ","]))
        parts.append(" ")
    return "".join(parts)


@pytest.fixture(scope="module")
def chunker() -> TokenChunker:
    """A warmed-up chunker with small windows, so a few hundred words give many spans."""
    instance = TokenChunker(ChunkingSettings(max_tokens=64, overlap_tokens=16))
    instance.warm_up()
    return instance


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    """The MiniLM tokenizer without truncation or padding, to count a span's tokens."""
    instance = Tokenizer.from_file(str(minilm_tokenizer_path()))
    instance.no_truncation()
    instance.no_padding()
    return instance


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(5))
def test_spans_cover_every_non_whitespace_character(chunker: TokenChunker, seed: int) -> None:
    """No character of the text outside whitespace is lost between windows."""
    text = _document(seed)
    covered = [False] * len(text)
    for span in chunker.split(text):
        covered[span.start : span.end] = [True] * (span.end - span.start)
    missing = [i for i, c in enumerate(text) if not c.isspace() and not covered[i]]
    assert missing == []


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(5))
def test_span_text_is_exact_slice(chunker: TokenChunker, seed: int) -> None:
    """Each span's text is exactly text[start:end], and indices run 0..n-1 in order."""
    text = _document(seed)
    spans = chunker.split(text)
    assert [s.index for s in spans] == list(range(len(spans)))
    for span in spans:
        assert span.text == text[span.start : span.end]
        assert span.text == span.text.strip()
    assert [s.start for s in spans] == sorted(s.start for s in spans)


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(5))
def test_windows_fit_max_tokens_when_tokenized_again(
    chunker: TokenChunker, tokenizer: Tokenizer, seed: int
) -> None:
    """Re-tokenizing a span gives at most max_tokens pieces, so the model sees all of it."""
    for span in chunker.split(_document(seed)):
        n = len(tokenizer.encode(span.text, add_special_tokens=False).ids)
        assert n == span.n_tokens
        assert 0 < n <= 64


@pytest.mark.unit
def test_consecutive_windows_overlap(chunker: TokenChunker, tokenizer: Tokenizer) -> None:
    """Neighbouring windows share text, at least overlap_tokens pieces of it."""
    spans = chunker.split(_document(7))
    assert len(spans) > 3
    for left, right in itertools.pairwise(spans):
        assert right.start < left.end
        shared = left.text[right.start - left.start :]
        assert len(tokenizer.encode(shared, add_special_tokens=False).ids) >= 16


@pytest.mark.unit
def test_windows_prefer_sentence_and_paragraph_ends(chunker: TokenChunker) -> None:
    """A window ends at a sentence end when one lies within the last fifth of it."""
    sentence = "the cat sat on the mat and then it slept"  # 10 pieces + "." = 11
    text = " ".join(f"{sentence}." for _ in range(40))
    spans = chunker.split(text)
    assert len(spans) > 3
    assert all(s.text.endswith(".") for s in spans)


@pytest.mark.unit
def test_paragraph_end_beats_later_sentence_end(chunker: TokenChunker) -> None:
    """Within the tail, a paragraph break is preferred to a later sentence end."""
    head = " ".join(["word"] * 55) + "."  # the break falls in the last fifth of 64
    text = head + "\n\nnext para. more words " + " ".join(["word"] * 60)
    first = chunker.split(text)[0]
    assert first.text == head


@pytest.mark.unit
def test_split_is_deterministic(chunker: TokenChunker) -> None:
    """The same text always gives the same spans (chunk ids depend on it)."""
    text = _document(11)
    other = TokenChunker(ChunkingSettings(max_tokens=64, overlap_tokens=16))
    other.warm_up()
    assert chunker.split(text) == chunker.split(text) == other.split(text)


@pytest.mark.unit
@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \r\n"])
def test_empty_or_whitespace_text_gives_no_spans(chunker: TokenChunker, text: str) -> None:
    """Empty or whitespace-only text yields zero chunks."""
    assert chunker.split(text) == []


@pytest.mark.unit
def test_short_text_is_one_span_without_surrounding_whitespace(chunker: TokenChunker) -> None:
    """A text shorter than a window is one span, trimmed of leading and trailing whitespace."""
    text = "\n  Hello world.  \n"
    assert chunker.split(text) == [TextSpan(0, 3, 15, "Hello world.", 3)]


@pytest.mark.unit
def test_word_longer_than_window_is_still_cut() -> None:
    """A word of more pieces than a window is cut inside it rather than looping or dropped."""
    instance = TokenChunker(ChunkingSettings(max_tokens=16, overlap_tokens=4))
    instance.warm_up()
    text = "qzxjvkwpqzxjvkwpqzxjvkwpqzxjvkwpqzxjvkwpqzxjvkwpqzxjvkwpqzxjvkwp"  # < 100 chars
    spans = instance.split(text)
    assert len(spans) > 1
    assert spans[0].start == 0 and spans[-1].end == len(text)
    assert all(0 < s.n_tokens <= 16 for s in spans)


@pytest.mark.unit
def test_zero_overlap_tiles_without_sharing(tokenizer: Tokenizer) -> None:
    """With overlap 0 windows touch but do not share text."""
    instance = TokenChunker(ChunkingSettings(max_tokens=32, overlap_tokens=0))
    instance.warm_up()
    spans = instance.split(_document(5, 300))
    for left, right in itertools.pairwise(spans):
        assert left.end <= right.start


@pytest.mark.unit
def test_overlap_not_smaller_than_window_is_rejected() -> None:
    """Settings with overlap >= max_tokens fail at construction with a clear message."""
    with pytest.raises(ValueError, match="overlap_tokens"):
        TokenChunker(ChunkingSettings(max_tokens=32, overlap_tokens=32))


@pytest.mark.unit
def test_split_before_warm_up_fails_clearly() -> None:
    """Calling split() before warm_up() raises instead of loading lazily in a hot path."""
    with pytest.raises(RuntimeError, match="warm_up"):
        TokenChunker(ChunkingSettings()).split("text")


# -- SectionChunker: chunks that follow the content ---------------------------------------

_SECTION_WORDS = [
    *("array", "axis", "values", "returns", "matrix", "sorted", "input", "output", "shape"),
    *("the", "a", "of", "to", "and", "is", "with", "for", "given", "element-wise", "naïve"),
]


def _markdown(seed: int, sections: int = 6) -> str:
    """Seeded Markdown: ATX and setext headings, paragraphs of sentences, a fenced block."""
    rng = random.Random(seed)
    parts = []
    for s in range(sections):
        if s % 2:
            parts.append(f"## Section {seed}-{s}")
        else:
            title = f"Part {seed} {s}"
            parts.append(f"{title}\n{'-' * len(title)}")
        for _ in range(rng.randint(1, 5)):
            sentences = []
            for _ in range(rng.randint(1, 6)):
                words = [rng.choice(_SECTION_WORDS) for _ in range(rng.randint(4, 16))]
                sentences.append(" ".join(words).capitalize() + rng.choice([".", "!", "?"]))
            parts.append(" ".join(sentences))
        if s == 3:
            parts.append("```\nx = 1\n\ny = 2\n```")
    return "\n\n".join(parts)


@pytest.fixture(scope="module")
def sections() -> SectionChunker:
    instance = SectionChunker(ChunkingSettings(max_tokens=64, overlap_tokens=16))
    instance.warm_up()
    return instance


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(5))
def test_section_chunks_are_exact_slices_covering_the_text(
    sections: SectionChunker, tokenizer: Tokenizer, seed: int
) -> None:
    """Every chunk is text[start:end], fits max_tokens when tokenized again, and together
    they cover every non-whitespace character without overlapping."""
    for text in (_markdown(seed), _document(seed)):
        spans = sections.split(text)
        assert [s.index for s in spans] == list(range(len(spans)))
        covered = [False] * len(text)
        for span in spans:
            assert span.text == text[span.start : span.end] == span.text.strip()
            n = len(tokenizer.encode(span.text, add_special_tokens=False).ids)
            assert n == span.n_tokens and 0 < n <= 64
            covered[span.start : span.end] = [True] * (span.end - span.start)
        assert [i for i, c in enumerate(text) if not c.isspace() and not covered[i]] == []
        for left, right in itertools.pairwise(spans):
            assert left.end <= right.start


@pytest.mark.unit
def test_blocks_find_atx_and_setext_headings_and_keep_fences_whole() -> None:
    text = "# Title\n\nIntro text.\n\nUsage\n-----\nbody line\n\n```\na\n\nb\n```\n## Notes ##\nend"
    blocks = split_blocks(text)
    assert [(b.level, b.heading) for b in blocks] == [
        (1, "Title"),
        (0, ""),
        (2, "Usage"),
        (0, ""),
        (0, ""),
        (2, "Notes"),
        (0, ""),
    ]
    assert text[blocks[4].start : blocks[4].end] == "```\na\n\nb\n```"


@pytest.mark.unit
def test_a_long_section_starts_a_chunk_with_its_heading(sections: SectionChunker) -> None:
    para = "The values of the array are sorted along the given axis. " * 4
    text = f"# Intro\n\n{para}\n\n## Details\n\n{para}\n\n{para}"
    spans = sections.split(text)
    assert any(s.text.startswith("## Details") for s in spans)
    assert all(s.n_tokens <= 64 for s in spans)


@pytest.mark.unit
def test_short_sections_share_a_chunk(sections: SectionChunker) -> None:
    text = "## Returns\n\nout : ndarray\n\n## See Also\n\nsort : sorted copy"
    assert len(sections.split(text)) == 1


@pytest.mark.unit
def test_an_edit_changes_few_chunks(sections: SectionChunker) -> None:
    """A sentence inserted near the start changes at most two chunks on average (of about
    30 per document): chunking falls back into step after the edit."""
    changed = []
    for seed in range(40):
        text = _markdown(seed, sections=10)
        cut = text.index(". ", len(text) // 10) + 1
        edited = text[:cut] + " An inserted sentence about the matrix." + text[cut:]
        before = {s.text for s in sections.split(text)}
        after = [s.text for s in sections.split(edited)]
        changed.append(sum(t not in before for t in after))
    assert sum(changed) / len(changed) <= 2.0, changed


@pytest.mark.unit
def test_section_split_is_deterministic_and_validates(sections: SectionChunker) -> None:
    text = _markdown(3)
    assert sections.split(text) == sections.split(text)
    assert sections.split("  \n ") == []
    with pytest.raises(RuntimeError, match="warm_up"):
        SectionChunker(ChunkingSettings()).split("text")
    with pytest.raises(ValueError, match="min_tokens"):
        SectionChunker(ChunkingSettings(max_tokens=32), min_tokens=40)


@pytest.mark.unit
def test_embed_inputs_carry_title_and_the_headings_above() -> None:
    texts = [
        "# Guide\n\nWelcome.",
        "## Install\n\nRun pip.",
        "More about installing.",
        "### Linux\n\nUse apt.",
        "## Usage\n\nCall it.",
    ]
    inputs = embed_inputs("The Guide", texts)
    assert inputs[0] == "The Guide\n\n# Guide\n\nWelcome."
    assert inputs[1] == "The Guide\nGuide\n\n## Install\n\nRun pip."
    assert inputs[2] == "The Guide\nGuide > Install\n\nMore about installing."
    assert inputs[3] == "The Guide\nGuide > Install\n\n### Linux\n\nUse apt."
    assert inputs[4] == "The Guide\nGuide\n\n## Usage\n\nCall it."
    assert embed_inputs(None, ["plain"]) == ["plain"]
    assert embed_inputs("Guide", ["# Guide\n\nx", "y"])[1] == "Guide\n\ny"
