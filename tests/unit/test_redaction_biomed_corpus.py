"""The biomedical abstracts of the technical-text redaction benchmark
(bench/redaction/data/biomed.jsonl) are well formed and hold no contact data."""

from __future__ import annotations

import json
import re
from collections import Counter

from bench.redaction.run import BIOMED_DOCS, biomed_docs

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(
    r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b"  # 555-123-4567, (555) 123 4567
    r"|\+\d{1,3}[ -]\(?\d{1,4}\)?[ -]\d{2,4}[ -]?\d{2,4}"  # +44 20 7946 0958
    r"|\b0\d{2,4}[ /-]\d{3,4}[ -]?\d{3,4}\b"  # 020 7946 0958, 030/1234-5678
    r"|\b(?:tel|phone|fax)\b\.?:?\s*\+?\d",
    re.IGNORECASE,
)


def _docs() -> list[dict[str, str]]:
    return [json.loads(line) for line in BIOMED_DOCS.read_text().splitlines()]


def test_documents_have_unique_ids_and_both_splits() -> None:
    docs = _docs()
    assert len(docs) >= 240
    assert all(set(d) == {"id", "title", "text", "split"} for d in docs)
    ids = Counter(d["id"] for d in docs)
    assert [i for i, n in ids.items() if n > 1] == []
    splits = Counter(d["split"] for d in docs)
    assert set(splits) == {"tune", "report"}
    assert splits["tune"] and splits["report"]


def test_every_text_is_an_abstract_length() -> None:
    lengths = {d["id"]: len(d["text"].split()) for d in _docs()}
    assert {i: n for i, n in lengths.items() if not 100 <= n <= 400} == {}
    assert all(d["title"].strip() for d in _docs())


def test_no_email_or_phone_like_strings() -> None:
    found = [
        (d["id"], m.group())
        for d in _docs()
        for field in ("title", "text")
        for pattern in (EMAIL, PHONE)
        for m in pattern.finditer(d[field])
    ]
    assert found == []


def test_the_patterns_would_find_contact_data() -> None:
    for contact in (
        "jane.doe@example.org",
        "555-123-4567",
        "(555) 123 4567",
        "+44 20 7946 0958",
        "020 7946 0958",
        "Tel: +1 555",
    ):
        assert EMAIL.search(contact) or PHONE.search(contact), contact


def test_the_benchmark_reads_each_half_as_titled_markdown() -> None:
    tune, report = list(biomed_docs("tune")), list(biomed_docs("report"))
    assert {d.split for d in tune} == {"tune"} and {d.split for d in report} == {"report"}
    assert len(tune) + len(report) == len(list(biomed_docs())) == len(_docs())
    first = _docs()[0]
    doc = next(d for d in biomed_docs() if d.id == first["id"])
    assert doc.corpus == "biomed"
    assert doc.text == f"# {first['title']}\n\n{first['text']}"
    assert not any(d.listed for d in report) and all(d.listed for d in tune)
