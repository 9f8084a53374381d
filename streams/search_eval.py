"""Judged evaluation of search: nDCG@10, recall@100 and MRR per mode.

Inputs: ``qrels`` in TREC format (``qid 0 docid grade`` or ``qid docid grade``, whitespace
separated; grade 0 is not relevant) and queries as JSON Lines (``{"id": ..., "text": ...}``,
optionally ``"split"``). A ranked run lists document ids per query; a judged document id is
compared with ``document_id`` of each hit (or ``doc_key`` when the qrels use those).

Metrics, averaged over the queries that have at least one relevant document:

* nDCG@10 with gain ``2**grade - 1`` and ``log2(rank + 1)`` discount;
* recall@100: share of the relevant documents (grade > 0) in the first 100;
* MRR: ``1 / rank`` of the first relevant document (0 if none in the run).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    split: str | None = None


@dataclass(frozen=True)
class Metrics:
    ndcg_at_10: float
    recall_at_100: float
    mrr: float
    queries: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "ndcg@10": round(self.ndcg_at_10, 4),
            "recall@100": round(self.recall_at_100, 4),
            "mrr": round(self.mrr, 4),
            "queries": self.queries,
        }


def load_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) == 4:
            qid, _, doc_id, grade = parts
        elif len(parts) == 3:
            qid, doc_id, grade = parts
        else:
            raise ValueError(f"{path}:{n}: want 'qid 0 docid grade', got {line!r}")
        qrels.setdefault(qid, {})[doc_id] = int(grade)
    return qrels


def load_queries(path: Path, split: str | None = None) -> list[Query]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if "id" not in obj or "text" not in obj:
            raise ValueError(f"{path}:{n}: a query needs 'id' and 'text'")
        q = Query(str(obj["id"]), str(obj["text"]), obj.get("split"))
        if split is None or q.split == split:
            out.append(q)
    return out


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 100) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int]) -> float:
    for i, d in enumerate(ranked, start=1):
        if grades.get(d, 0) > 0:
            return 1.0 / i
    return 0.0


def evaluate(run: Mapping[str, Sequence[str]], qrels: Qrels) -> Metrics:
    """Mean metrics over the queries of ``run`` that have a relevant document in ``qrels``."""
    judged = [q for q in run if any(g > 0 for g in qrels.get(q, {}).values())]
    if not judged:
        return Metrics(0.0, 0.0, 0.0, 0)
    n = len(judged)
    return Metrics(
        sum(ndcg_at(run[q], qrels[q]) for q in judged) / n,
        sum(recall_at(run[q], qrels[q]) for q in judged) / n,
        sum(reciprocal_rank(run[q], qrels[q]) for q in judged) / n,
        n,
    )


def per_query_ndcg(run: Mapping[str, Sequence[str]], qrels: Qrels) -> dict[str, float]:
    return {q: ndcg_at(ids, qrels.get(q, {})) for q, ids in run.items() if q in qrels}
