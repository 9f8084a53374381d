"""The committed Debian judged set (bench/retrieval/data-debian) is consistent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bench.retrieval import debian
from bench.retrieval.run import results_name
from streams.search_eval import load_qrels, load_queries

DATA = debian.DATA


def _docs() -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / "docs.jsonl").read_text().splitlines()]


def test_doc_ids_are_unique_and_docs_have_title_and_text() -> None:
    docs = _docs()
    ids = Counter(d["id"] for d in docs)
    assert len(docs) > 300
    assert [i for i, n in ids.items() if n > 1] == []
    assert all(d["title"] and d["text"] for d in docs)


def test_every_judged_document_exists() -> None:
    ids = {d["id"] for d in _docs()}
    qrels = load_qrels(DATA / "qrels.tsv")
    assert {doc for grades in qrels.values() for doc in grades} <= ids
    targets = [json.loads(line)["target"] for line in (DATA / "queries.jsonl").open()]
    assert set(targets) <= ids


def test_every_query_has_a_grade_2_document_and_both_splits_are_used() -> None:
    qrels = load_qrels(DATA / "qrels.tsv")
    tune = load_queries(DATA / "queries.jsonl", "tune")
    report = load_queries(DATA / "queries.jsonl", "report")
    assert tune and report
    assert abs(len(tune) - len(report)) <= 1
    ids = [q.id for q in [*tune, *report]]
    assert len(ids) == len(set(ids))
    for qid in ids:
        assert 2 in qrels.get(qid, {}).values(), qid


def test_written_files_match_topics_and_judgments(tmp_path: Path) -> None:
    for name in ("docs.jsonl", "topics.tsv", "judgments.tsv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    debian.write_set(tmp_path)
    for name in ("queries.jsonl", "qrels.tsv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_description_parsing_and_selection() -> None:
    stanza = (
        "Package: demo\nSection: utils\nDescription: a demo tool\n"
        " First paragraph with words.\n .\n Second paragraph.\n  verbatim line\n"
    )
    (pkg,) = debian.parse_stanzas(stanza)
    assert pkg.synopsis == "a demo tool"
    text = debian.long_text(pkg.long)
    assert text == "First paragraph with words.\n\nSecond paragraph.\n verbatim line"
    long = " " + " ".join(f"word{i}" for i in range(40))
    twins = [debian.Package(n, "s", long, "libs", "") for n in ("libx-dev", "libx1", "libx-doc")]
    assert [p.name for p in debian.select(twins)] == ["libx1"]


def test_results_name() -> None:
    assert results_name(Path("bench/retrieval/data")) == "retrieval"
    assert results_name(DATA) == "retrieval-debian"
