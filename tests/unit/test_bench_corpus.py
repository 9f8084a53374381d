"""Labels of the benchmark corpus: every span covers exactly the value planted there."""

from __future__ import annotations

import itertools
import random

import pytest

from bench.compliance.corpus import (
    FRESH_SHAPES,
    GROUP3_SHAPES,
    HELD_OUT_SHAPES,
    LABELS,
    SHAPES,
    Doc,
    V,
    World,
    generate,
    group3_count,
    split,
)


@pytest.mark.parametrize("shape", sorted(GROUP3_SHAPES))
def test_group3_spans_are_the_planted_values(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    planted: list[V] = []
    add = Doc.add

    def recording_add(self: Doc, piece: str | V) -> None:
        if isinstance(piece, V):
            planted.append(piece)
        add(self, piece)

    # Every Doc a shape uses (also the inner body of the scanned letter) records its values.
    monkeypatch.setattr(Doc, "add", recording_add)
    world = World(11)
    for _ in range(25):
        planted.clear()
        doc = Doc()
        GROUP3_SHAPES[shape](doc, world)
        sample = doc.sample(shape, "")
        assert len(sample.spans) == len(planted) > 0
        for span, value in zip(sample.spans, planted, strict=True):
            assert span.label == value.label
            assert span.label in LABELS
            assert value.text and value.text == value.text.strip()
            assert sample.text[span.start : span.end] == value.text, (shape, value)
        ordered = sorted(sample.spans, key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(ordered))


def test_group3_in_generate_is_labelled_and_report_only() -> None:
    random.seed(0)  # a few Faker providers draw from the global generator
    samples = generate(60, 7)
    old = len(SHAPES) + len(HELD_OUT_SHAPES) + len(FRESH_SHAPES)
    assert len(samples) == 60 + group3_count(60) * len(GROUP3_SHAPES)
    assert all(s.shape not in GROUP3_SHAPES for s in samples[:60])
    assert [s.shape for s in samples[:old]] == [*SHAPES, *HELD_OUT_SHAPES, *FRESH_SHAPES]
    group3 = samples[60:]
    assert {s.shape for s in group3} == set(GROUP3_SHAPES)
    assert len({loc for s in group3 for loc in s.locale.split(",")}) >= 10
    for s in group3:
        for span in s.spans:
            value = s.text[span.start : span.end]
            assert value and value == value.strip(), (s.shape, span)
    tune, report = split(samples, 7)
    assert not any(s.shape in GROUP3_SHAPES for s in tune)
    assert sum(s.shape in GROUP3_SHAPES for s in report) == len(group3)


def test_group3_leaves_the_other_texts_and_split_alone() -> None:
    random.seed(0)
    samples = generate(120, 7)
    # Group 3 comes after the first ``n`` texts and changes neither their tune half nor
    # their report half.
    tune_all, report_all = split(samples, 7)
    tune_old, report_old = split(samples[:120], 7)
    assert tune_all == tune_old
    assert report_all[: len(report_old)] == report_old
    assert group3_count(0) == 0 and group3_count(3000) == 79
