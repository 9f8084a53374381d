"""``ragstream query`` (one query, or a batch as JSON Lines) and ``ragstream eval``.

Registered on the main app by :func:`register` (``cli_search.register(app)`` in cli.py).
``query`` keeps the options of the former command (TEXT, --k, --json, --user, --group) and
adds --jsonl, --mode, --passages and the filters (--source, --classification, --tag,
--since, --until). Hits are documents: the fields of the best chunk as before (chunk_id,
document_id, doc_key, uri, title, text, score, bm25_rank, knn_rank), plus source_id,
classification, tags, occurred_at and the best passages.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from infra.logs import configure_logging
from infra.settings import Settings, get_settings

if TYPE_CHECKING:
    from streams.query import DocumentHit, SearchFilters
    from streams.search_api import Searcher

ModeOption = Literal["bm25", "knn", "hybrid"]
EvalMode = Literal["bm25", "knn", "hybrid", "all"]


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


def make_searcher(settings: Settings) -> Searcher:
    """The searcher the commands use (tests replace it)."""
    from streams.search_api import Searcher

    return Searcher(settings)


def _require_index(searcher: Searcher) -> None:
    alias = searcher.settings.opensearch.chunks_alias
    if not searcher.client.indices.exists(index=alias):
        typer.echo(
            f"error: index {alias} does not exist yet: start a worker (ragstream worker) "
            "and ingest something first",
            err=True,
        )
        raise typer.Exit(2)


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option} wants an ISO date or time, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _filters(
    source: list[str] | None,
    classification: list[str] | None,
    tag: list[str] | None,
    since: str | None,
    until: str | None,
) -> SearchFilters:
    from streams.query import SearchFilters

    return SearchFilters(
        sources=tuple(source or ()),
        classifications=tuple(classification or ()),
        tags=tuple(tag or ()),
        since=_when(since, "--since"),
        until=_when(until, "--until"),
    )


def hit_json(hit: DocumentHit) -> dict[str, Any]:
    return asdict(hit)


def query(
    text: Annotated[
        str | None, typer.Argument(help="what to search for (omit with --jsonl)")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="number of documents")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list of hits")] = False,
    user: Annotated[list[str] | None, typer.Option("--user", help="caller's user id (ACL)")] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="caller's groups (ACL)")
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='read {"id": ..., "text": ...} lines from stdin; write one '
            '{"id": ..., "hits": [...]} line per query (the model loads once)',
        ),
    ] = False,
    mode: Annotated[
        ModeOption, typer.Option("--mode", help="hybrid (default), bm25 or knn")
    ] = "hybrid",
    source: Annotated[
        list[str] | None, typer.Option("--source", help="only these source ids")
    ] = None,
    classification: Annotated[
        list[str] | None,
        typer.Option("--classification", help="only these classifications (public, internal..)"),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="only documents with this tag (all given)")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="changed at or after (ISO date/time, UTC)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="changed before (ISO date/time, UTC)")
    ] = None,
    passages: Annotated[
        int, typer.Option("--passages", min=1, max=20, help="best passages per document")
    ] = 3,
) -> None:
    """Search documents (BM25 + k-NN fused on the server), ACL-filtered, best passages each.

    Hybrid fuses min-max normalised scores, 0.3 BM25 and 0.7 k-NN (chosen on a judged set).
    """
    if jsonl == (text is not None):
        typer.echo("error: give either TEXT or --jsonl (queries on stdin)", err=True)
        raise typer.Exit(2)
    filters = _filters(source, classification, tag, since, until)
    searcher = make_searcher(_settings())
    _require_index(searcher)
    users, groups = tuple(user or ()), tuple(group or ())

    def run(q: str) -> list[DocumentHit]:
        return searcher.search(
            q, k, users=users, groups=groups, filters=filters, mode=mode, passages=passages
        )

    if jsonl:
        raise typer.Exit(_run_jsonl(run))
    assert text is not None
    hits = run(text)
    if as_json:
        typer.echo(json.dumps([hit_json(h) for h in hits], indent=2))
        return

    if not hits:
        typer.echo("no hits")
    for rank, h in enumerate(hits, start=1):
        typer.echo(f"{rank:>2}. {h.score:.4f}  {h.title or ''}  {h.uri or h.doc_key}")
        for p in h.passages:
            typer.echo(f"      {snippet(p.text, text)}")


def _run_jsonl(run: Any) -> int:
    """One output line per input line; a bad line gets an ``error`` and exit status 1."""
    status = 0
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        qid: Any = None
        try:
            obj = json.loads(line)
            qid = obj.get("id") if isinstance(obj, dict) else None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError('want {"id": ..., "text": "..."}')
            out: dict[str, Any] = {"id": qid, "hits": [hit_json(h) for h in run(obj["text"])]}
        except ValueError as exc:  # JSONDecodeError is a ValueError
            status = 1
            out = {"id": qid, "line": n, "error": str(exc)}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return status


def evaluate(
    qrels: Annotated[
        Path, typer.Argument(help="judgments, TREC format: qid 0 docid grade", exists=True)
    ],
    queries: Annotated[
        Path, typer.Argument(help='queries, JSON Lines: {"id": ..., "text": ...}', exists=True)
    ],
    mode: Annotated[EvalMode, typer.Option("--mode", help="bm25, knn, hybrid or all")] = "all",
    split: Annotated[
        str | None, typer.Option("--split", help="only queries whose 'split' is this")
    ] = None,
    id_field: Annotated[
        Literal["document_id", "doc_key"],
        typer.Option("--id-field", help="hit field the qrels' docids name"),
    ] = "document_id",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    user: Annotated[list[str] | None, typer.Option("--user", help="caller's user id (ACL)")] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="caller's groups (ACL)")
    ] = None,
) -> None:
    """nDCG@10, recall@100 and MRR of each search mode on judged queries (current index)."""
    from streams.query import MODES
    from streams.search_eval import evaluate as score
    from streams.search_eval import load_qrels, load_queries

    judged = load_qrels(qrels)
    qs = load_queries(queries, split)
    if not qs:
        typer.echo("error: no queries" + (f" with split {split!r}" if split else ""), err=True)
        raise typer.Exit(2)
    searcher = make_searcher(_settings())
    _require_index(searcher)
    users, groups = tuple(user or ()), tuple(group or ())
    results: dict[str, dict[str, float | int]] = {}
    for m in MODES if mode == "all" else (mode,):
        run = {
            q.id: [
                getattr(h, id_field)
                for h in searcher.search(q.text, 100, users=users, groups=groups, mode=m)
            ]
            for q in qs
        }
        results[m] = score(run, judged).as_dict()
    if as_json:
        typer.echo(json.dumps(results, indent=2))
        return
    typer.echo(f"{'mode':<8} {'nDCG@10':>8} {'recall@100':>11} {'MRR':>8} {'queries':>8}")
    for name, r in results.items():
        typer.echo(
            f"{name:<8} {r['ndcg@10']:>8.4f} {r['recall@100']:>11.4f} {r['mrr']:>8.4f} "
            f"{r['queries']:>8}"
        )


def register(app: typer.Typer) -> None:
    """Add ``query`` and ``eval`` to the ``ragstream`` app."""
    app.command("query")(query)
    app.command("eval")(evaluate)


def snippet(chunk: str, query_text: str, width: int = 160) -> str:
    """About ``width`` characters of the chunk, centred on the first query word it contains."""
    flat = " ".join(chunk.split())
    lowered = flat.lower()
    words = sorted((w for w in query_text.lower().split() if len(w) > 3), key=len, reverse=True)
    pos = next((p for w in words if (p := lowered.find(w.strip("?.,!"))) >= 0), 0)
    start = max(0, min(pos - width // 3, len(flat) - width))
    out = flat[start : start + width]
    return ("..." if start > 0 else "") + out + ("..." if start + width < len(flat) else "")
