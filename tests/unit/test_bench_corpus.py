"""Labels of the benchmark corpus: every span covers exactly the value planted there."""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bench.compliance import corpus
from bench.compliance.corpus import (
    FRESH_SHAPES,
    GROUP3_SHAPES,
    GROUP4_SHAPES,
    GROUP5_SHAPES,
    GROUP6_ORIGINS,
    GROUP6_SHAPES,
    HELD_OUT_SHAPES,
    LABELS,
    SHAPES,
    Doc,
    Shape,
    V,
    World,
    World6,
    generate,
    group3_count,
    group4_count,
    group5_count,
    group6_count,
    split,
)


def _check_spans(
    shape: str, make: Shape, monkeypatch: pytest.MonkeyPatch, world: World | None = None
) -> None:
    planted: list[V] = []
    add = Doc.add

    def recording_add(self: Doc, piece: str | V) -> None:
        if isinstance(piece, V):
            planted.append(piece)
        add(self, piece)

    # Every Doc a shape uses (also the inner body of the scanned letter) records its values.
    monkeypatch.setattr(Doc, "add", recording_add)
    world = world or World(11)
    for _ in range(25):
        planted.clear()
        doc = Doc()
        make(doc, world)
        sample = doc.sample(shape, "")
        assert len(sample.spans) == len(planted) > 0
        for span, value in zip(sample.spans, planted, strict=True):
            assert span.label == value.label
            assert span.label in LABELS
            assert value.text and value.text == value.text.strip()
            assert sample.text[span.start : span.end] == value.text, (shape, value)
        ordered = sorted(sample.spans, key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(ordered))


@pytest.mark.parametrize("shape", sorted(GROUP3_SHAPES))
def test_group3_spans_are_the_planted_values(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _check_spans(shape, GROUP3_SHAPES[shape], monkeypatch)


@pytest.mark.parametrize("shape", sorted(GROUP4_SHAPES))
def test_group4_spans_are_the_planted_values(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _check_spans(shape, GROUP4_SHAPES[shape], monkeypatch)


@pytest.mark.parametrize("shape", sorted(GROUP5_SHAPES))
def test_group5_spans_are_the_planted_values(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _check_spans(shape, GROUP5_SHAPES[shape], monkeypatch)


@pytest.mark.parametrize("shape", sorted(GROUP6_SHAPES))
def test_group6_spans_are_the_planted_values(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _check_spans(shape, GROUP6_SHAPES[shape], monkeypatch, World6(11))


def test_group4_shapes_are_new() -> None:
    earlier = {*SHAPES, *HELD_OUT_SHAPES, *FRESH_SHAPES, *GROUP3_SHAPES}
    assert len(GROUP4_SHAPES) == 12 and not earlier & set(GROUP4_SHAPES)
    assert not {f.__name__ for f in GROUP4_SHAPES.values()} & {
        f.__name__
        for group in (SHAPES, HELD_OUT_SHAPES, FRESH_SHAPES, GROUP3_SHAPES)
        for f in group.values()
    }


def test_group5_shapes_are_new() -> None:
    earlier = (SHAPES, HELD_OUT_SHAPES, FRESH_SHAPES, GROUP3_SHAPES, GROUP4_SHAPES)
    assert len(GROUP5_SHAPES) == 10
    assert not {k for group in earlier for k in group} & set(GROUP5_SHAPES)
    assert not {f.__name__ for f in GROUP5_SHAPES.values()} & {
        f.__name__ for group in earlier for f in group.values()
    }


def test_group6_shapes_are_new() -> None:
    earlier = (SHAPES, HELD_OUT_SHAPES, FRESH_SHAPES, GROUP3_SHAPES, GROUP4_SHAPES, GROUP5_SHAPES)
    assert len(GROUP6_SHAPES) == 12
    assert not {k for group in earlier for k in group} & set(GROUP6_SHAPES)
    assert not {f.__name__ for f in GROUP6_SHAPES.values()} & {
        f.__name__ for group in earlier for f in group.values()
    }


def test_group6_names_are_latin_and_of_many_origins() -> None:
    world = World6(3)
    origins: set[str] = set()
    for _ in range(4):
        for make in GROUP6_SHAPES.values():
            doc = Doc()
            make(doc, world)
            for span in doc.spans:
                value = "".join(doc.parts)[span.start : span.end]
                letters = [c for c in value if c.isalpha()]
                if span.label == "PERSON":
                    assert all(unicodedata.name(c).startswith("LATIN") for c in letters), value
                    origins.add(span.locale)
    assert origins <= set(GROUP6_ORIGINS)
    assert len(origins) >= 30


def test_group6_transliteration_and_family_surnames() -> None:
    assert corpus._transliterate("Зинаида Попова", "ru_RU") == "Zinaida Popova"
    assert corpus._transliterate("Григорій Щербак", "uk_UA") == "Hryhoriy Shcherbak"
    assert corpus._transliterate("Χρυσάνθη Γεωργίου", "el_GR") == "Chrysanthi Georgiou"
    assert corpus._kin_surname("Ivanov", "ru_RU", "she") == "Ivanova"
    assert corpus._kin_surname("Nováková", "cs_CZ", "he") == "Novák"
    assert corpus._kin_surname("Kowalski", "pl_PL", "she") == "Kowalska"
    assert corpus._kin_surname("Haddad", "ar_AA", "she") == "Haddad"
    assert corpus._fold("Nguyễn Thị Đào I\u015f\u0131k") == "Nguyen Thi Dao Isik"


def test_held_out_groups_in_generate_are_labelled_and_report_only() -> None:
    samples = generate(60, 7)
    old = len(SHAPES) + len(HELD_OUT_SHAPES) + len(FRESH_SHAPES)
    n3, n4 = group3_count(60) * len(GROUP3_SHAPES), group4_count(60) * len(GROUP4_SHAPES)
    n5 = group5_count(60) * len(GROUP5_SHAPES)
    n6 = group6_count(60) * len(GROUP6_SHAPES)
    assert len(samples) == 60 + n3 + n4 + n5 + n6
    later = GROUP3_SHAPES | GROUP4_SHAPES | GROUP5_SHAPES | GROUP6_SHAPES
    assert all(s.shape not in later for s in samples[:60])
    assert [s.shape for s in samples[:old]] == [*SHAPES, *HELD_OUT_SHAPES, *FRESH_SHAPES]
    tune, report = split(samples, 7)
    for group, texts in (
        (GROUP3_SHAPES, samples[60 : 60 + n3]),
        (GROUP4_SHAPES, samples[60 + n3 : 60 + n3 + n4]),
        (GROUP5_SHAPES, samples[60 + n3 + n4 : 60 + n3 + n4 + n5]),
        (GROUP6_SHAPES, samples[60 + n3 + n4 + n5 :]),
    ):
        assert {s.shape for s in texts} == set(group)
        assert len({loc for s in texts for loc in s.locale.split(",")}) >= 10
        for s in texts:
            for span in s.spans:
                value = s.text[span.start : span.end]
                assert value and value == value.strip(), (s.shape, span)
        assert not any(s.shape in group for s in tune)
        assert sum(s.shape in group for s in report) == len(texts)


def test_held_out_groups_leave_the_other_texts_and_split_alone() -> None:
    samples = generate(120, 7)
    # Groups 3 to 6 come after the first ``n`` texts (each after the one before) and
    # change neither their tune half nor their report half.
    tune_all, report_all = split(samples, 7)
    tune_old, report_old = split(samples[:120], 7)
    assert tune_all == tune_old
    assert report_all[: len(report_old)] == report_old
    n3 = 120 + group3_count(120) * len(GROUP3_SHAPES)
    assert [s.shape for s in samples[120:n3]] == list(GROUP3_SHAPES) * group3_count(120)
    n4 = n3 + group4_count(120) * len(GROUP4_SHAPES)
    assert {s.shape for s in samples[n3:n4]} == set(GROUP4_SHAPES)
    n5 = n4 + group5_count(120) * len(GROUP5_SHAPES)
    assert [s.shape for s in samples[n4:n5]] == list(GROUP5_SHAPES) * group5_count(120)
    assert [s.shape for s in samples[n5:]] == list(GROUP6_SHAPES) * group6_count(120)
    assert group3_count(0) == 0 and group3_count(3000) == 79
    assert group4_count(0) == 0 and group4_count(3000) == 79
    assert group5_count(0) == 0 and group5_count(3000) == 79
    assert group6_count(0) == 0 and group6_count(3000) == 79


def test_group5_leaves_the_texts_before_it_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    random.seed(0)
    samples = generate(60, 7)
    n5 = group5_count(60) * len(GROUP5_SHAPES)
    n6 = group6_count(60) * len(GROUP6_SHAPES)
    monkeypatch.setattr(corpus, "GROUP5_SHAPES", {})
    monkeypatch.setattr(corpus, "GROUP6_SHAPES", {})
    random.seed(1)  # the global generator plays no part
    assert generate(60, 7) == samples[: -(n5 + n6)]


def test_group6_leaves_the_texts_before_it_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    random.seed(0)
    samples = generate(60, 7)
    n6 = group6_count(60) * len(GROUP6_SHAPES)
    monkeypatch.setattr(corpus, "GROUP6_SHAPES", {})
    random.seed(1)  # the global generator plays no part
    assert generate(60, 7) == samples[:-n6]


_ROOT = Path(__file__).resolve().parents[2]

# Prints the length of ``generate(200, 7)`` and a sha256 over every sample's text, spans,
# shape and locale. With ``--no-clock``, ``date.today()`` and ``datetime.now()`` (also
# ``today()``, ``utcnow()``) raise during the generation (not while Faker's providers are
# imported: one reads today's date for a default argument), so no path of the generation
# may depend on the day.
_DIGEST = """
import sys

armed = False
if "--no-clock" in sys.argv:
    import datetime

    def _trap(base, name):
        def read(cls, *args, **kwargs):
            if armed:
                raise AssertionError(f"the corpus must not call {name}()")
            return getattr(base, name)(*args, **kwargs)

        return classmethod(read)

    class _Date(datetime.date):
        today = _trap(datetime.date, "today")

    class _DateTime(datetime.datetime):
        now = _trap(datetime.datetime, "now")
        today = _trap(datetime.datetime, "today")
        utcnow = _trap(datetime.datetime, "utcnow")

    datetime.date, datetime.datetime = _Date, _DateTime

import hashlib
import json

from bench.compliance.corpus import generate

generate(0, 7)  # imports the Faker providers of every locale
armed = True
samples = generate(200, 7)
blob = json.dumps(
    [
        [s.text, [[p.label, p.start, p.end, p.locale] for p in s.spans], s.shape, s.locale]
        for s in samples
    ],
    ensure_ascii=False,
)
print(len(samples), hashlib.sha256(blob.encode()).hexdigest())
"""


def _digest_runs(*runs: tuple[str, list[str]]) -> list[str]:
    procs = []
    for hashseed, args in runs:
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(_ROOT)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _DIGEST, *args],
                cwd=_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outs.append(out.strip())
    return outs


def test_generate_is_the_same_in_every_process_and_on_every_day() -> None:
    # 200 texts include every held-out group (3 to 6) at least once per shape.
    n = 200
    counts = (group3_count(n), group4_count(n), group5_count(n), group6_count(n))
    assert min(counts) >= 1
    groups = (GROUP3_SHAPES, GROUP4_SHAPES, GROUP5_SHAPES, GROUP6_SHAPES)
    total = n + sum(c * len(g) for c, g in zip(counts, groups, strict=True))
    first, other, no_clock = _digest_runs(("1", []), ("12345", []), ("777", ["--no-clock"]))
    assert first.split()[0] == str(total)
    assert first == other == no_clock


# Faker calls that count from today or draw from the global ``random`` module.
_CLOCK_OR_GLOBAL = re.compile(
    r"\b(now|today|utcnow)\(|"
    r"\.(date_of_birth|date_between|date_time\w*|date_this_\w+|past_date\w*|future_date\w*|"
    r"date_object|unix_time|time_series|credit_card_expire|nif|nie|curp)\(|"
    r"(?<![\w.])random\.(random|randint|randrange|choice|choices|shuffle|sample|uniform|seed)\("
)


def test_corpus_source_reads_no_clock_and_no_global_random() -> None:
    source = Path(corpus.__file__).read_text(encoding="utf-8")
    assert not [m.group(0) for m in _CLOCK_OR_GLOBAL.finditer(source)]
