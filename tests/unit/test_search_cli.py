"""`ragstream query` (one query, --json, --jsonl, filters) and `ragstream eval`, on a fake
searcher: the model loads once per command, output fields and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ragstream import cli_search
from streams.query import DocumentHit, Passage, SearchFilters

pytestmark = pytest.mark.unit


class FakeIndices:
    def __init__(self, exists: bool) -> None:
        self._exists = exists

    def exists(self, index: str) -> bool:
        return self._exists


class FakeClient:
    def __init__(self, exists: bool) -> None:
        self.indices = FakeIndices(exists)


class FakeSearcher:
    made = 0

    def __init__(self, settings: Any, exists: bool = True) -> None:
        FakeSearcher.made += 1
        self.settings = settings
        self.client = FakeClient(exists)
        self.calls: list[dict[str, Any]] = []

    def search(self, text: str, k: int = 10, **kw: Any) -> list[DocumentHit]:
        self.calls.append({"text": text, "k": k, **kw})
        docs = ["d1", "d2", "d3"] if "first" in text else ["d3", "d1"]
        return [
            DocumentHit(
                chunk_id=f"{d}-c0",
                document_id=d,
                doc_key=f"src/{d}",
                uri=None,
                title=d.upper(),
                text=f"passage of {d} about {text}",
                score=1.0 / (i + 1),
                bm25_rank=None,
                knn_rank=None,
                passages=(Passage(f"{d}-c0", 0, f"passage of {d}", 1.0),),
            )
            for i, d in enumerate(docs[:k])
        ]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> tuple[typer.Typer, list[FakeSearcher]]:
    made: list[FakeSearcher] = []

    def make(settings: Any) -> FakeSearcher:
        made.append(FakeSearcher(settings))
        return made[-1]

    monkeypatch.setattr(cli_search, "make_searcher", make)
    application = typer.Typer()
    cli_search.register(application)
    return application, made


def test_jsonl_answers_each_line_with_its_id_and_loads_once(
    app: tuple[typer.Typer, list[FakeSearcher]],
) -> None:
    application, made = app
    stdin = '{"id": 1, "text": "first query"}\n\n{"id": "b", "text": "second"}\n'
    result = CliRunner().invoke(
        application, ["query", "--jsonl", "--k", "2", "--user", "alice", "--tag", "hr"], input=stdin
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [1, "b"]
    assert [h["document_id"] for h in lines[0]["hits"]] == ["d1", "d2"]
    assert set(lines[0]["hits"][0]) >= {
        "chunk_id", "document_id", "doc_key", "uri", "title", "text", "score",
        "bm25_rank", "knn_rank", "passages",
    }  # fmt: skip
    assert len(made) == 1 and len(made[0].calls) == 2
    call = made[0].calls[0]
    assert call["users"] == ("alice",) and call["filters"] == SearchFilters(tags=("hr",))


def test_jsonl_reports_bad_lines_and_goes_on(app: tuple[typer.Typer, list[FakeSearcher]]) -> None:
    application, _ = app
    stdin = 'not json\n{"id": 7}\n{"id": 8, "text": "fine"}\n'
    result = CliRunner().invoke(application, ["query", "--jsonl"], input=stdin)
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in lines[0] and lines[0]["line"] == 1
    assert lines[1]["id"] == 7 and "error" in lines[1]
    assert lines[2]["id"] == 8 and len(lines[2]["hits"]) == 2


def test_json_output_and_filters(app: tuple[typer.Typer, list[FakeSearcher]]) -> None:
    application, made = app
    result = CliRunner().invoke(
        application,
        [
            "query", "first", "--json", "--source", "wiki", "--classification", "public",
            "--since", "2025-01-01", "--until", "2025-02-01T00:00:00+01:00", "--mode", "bm25",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [h["document_id"] for h in json.loads(result.stdout)] == ["d1", "d2", "d3"]
    filters = made[0].calls[0]["filters"]
    assert filters.sources == ("wiki",) and filters.classifications == ("public",)
    assert filters.since.isoformat() == "2025-01-01T00:00:00+00:00"
    assert filters.until.utcoffset().total_seconds() == 3600
    assert made[0].calls[0]["mode"] == "bm25"


def test_text_and_jsonl_exclude_each_other(app: tuple[typer.Typer, list[FakeSearcher]]) -> None:
    application, made = app
    assert CliRunner().invoke(application, ["query"]).exit_code == 2
    assert CliRunner().invoke(application, ["query", "x", "--jsonl"], input="").exit_code == 2
    assert made == []


def test_missing_index_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_search, "make_searcher", lambda s: FakeSearcher(s, exists=False))
    application = typer.Typer()
    cli_search.register(application)
    result = CliRunner().invoke(application, ["query", "x"])
    assert result.exit_code == 2 and "does not exist yet" in result.output


def test_eval_prints_metrics_per_mode(
    app: tuple[typer.Typer, list[FakeSearcher]], tmp_path: Path
) -> None:
    application, made = app
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1 0 d1 2\nq2 0 d1 1\n")
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "q1", "text": "first"}\n{"id": "q2", "text": "second"}\n')
    result = CliRunner().invoke(application, ["eval", str(qrels), str(queries), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert set(metrics) == {"bm25", "knn", "hybrid"}
    assert metrics["hybrid"]["mrr"] == pytest.approx((1 + 0.5) / 2)
    assert metrics["hybrid"]["queries"] == 2
    assert len(made) == 1 and {c["mode"] for c in made[0].calls} == {"bm25", "knn", "hybrid"}
    table = CliRunner().invoke(application, ["eval", str(qrels), str(queries), "--mode", "knn"])
    assert table.exit_code == 0 and "nDCG@10" in table.stdout and "knn" in table.stdout
