"""Judged metrics (nDCG@10, recall@100, MRR) and the qrels and queries files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from streams.search_eval import (
    evaluate,
    load_qrels,
    load_queries,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)

pytestmark = pytest.mark.unit


def test_ndcg_uses_graded_gains_and_the_ideal_order() -> None:
    grades = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b"], grades) == pytest.approx(1.0)
    dcg = 1 / math.log2(2) + 3 / math.log2(3)
    idcg = 3 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(["b", "a"], grades) == pytest.approx(dcg / idcg)
    assert ndcg_at(["x"] * 10 + ["a"], grades) == 0.0
    assert ndcg_at(["a"], {}) == 0.0


def test_recall_and_reciprocal_rank() -> None:
    grades = {"a": 2, "b": 1, "c": 0}
    assert recall_at(["x", "b", "c"], grades) == 0.5
    assert recall_at(["x"] * 100 + ["a"], grades) == 0.0
    assert reciprocal_rank(["c", "x", "b"], grades) == pytest.approx(1 / 3)
    assert reciprocal_rank(["c"], grades) == 0.0


def test_evaluate_averages_over_judged_queries_only() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 2}, "q3": {"z": 0}}
    m = evaluate({"q1": ["a"], "q2": ["x", "b"], "q3": ["z"]}, qrels)
    assert m.queries == 2
    assert m.mrr == pytest.approx((1 + 0.5) / 2)
    assert m.as_dict()["recall@100"] == 1.0
    assert evaluate({"q3": []}, qrels).queries == 0


def test_files_load_trec_qrels_and_jsonl_queries(tmp_path: Path) -> None:
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\t0\tdocA\t2\nq1 docB 1\n\n# comment\n")
    assert load_qrels(qrels) == {"q1": {"docA": 2, "docB": 1}}
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": 1, "text": "a", "split": "tune"}\n\n{"id": "2", "text": "b"}\n')
    assert [q.id for q in load_queries(queries)] == ["1", "2"]
    assert [q.text for q in load_queries(queries, "tune")] == ["a"]
    qrels.write_text("q1 only_two\n")
    with pytest.raises(ValueError, match=r"qrels\.tsv:1"):
        load_qrels(qrels)
