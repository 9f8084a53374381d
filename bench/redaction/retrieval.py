"""Benchmark: what the default policy costs retrieval (issue #9, item 1).

    .venv/bin/python -m bench.redaction.retrieval --out bench/results

The judged NumPy-reference set of ``bench/retrieval`` indexed twice on the local OpenSearch,
the same way (section chunks with context, the bench's embedder and vector cache): once as
written (compliance off) and once after ``ComplianceEngine.redact_text`` with the default
policy applied to each document's title and text (compliance on, as the worker indexes it).
Then every query of both halves in each ranking mode (BM25, k-NN, the default per-document
hybrid). Target: nDCG@10 with the default policy within 0.01 of compliance off.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from bench.retrieval.run import (
    DATA,
    CountingEmbedder,
    SearchVariant,
    Variant,
    build_index,
    clean_docs,
    retry,
    run_queries,
)
from infra.opensearch import make_client
from infra.settings import ChunkingSettings, ComplianceSettings, Settings
from schemas import CleanDocument
from streams.chunking import SectionChunker
from streams.search_api import DEFAULT_FUSION, DEFAULT_TEXT_MATCH
from streams.search_eval import evaluate, load_qrels, load_queries
from streams.sinks.indices import drop_indices

REPO = Path(__file__).resolve().parents[2]
TARGET = 0.01


def redacted(docs: list[CleanDocument], policy: str) -> tuple[list[CleanDocument], int]:
    """``docs`` with the policy applied to title and text; how many changed."""
    from streams.compliance import ComplianceEngine, load_policy

    engine = ComplianceEngine(ComplianceSettings(), load_policy(policy))
    engine.warm_up()
    out, changed = [], 0
    for i in range(0, len(docs), 32):
        batch = docs[i : i + 32]
        texts = engine.redact_text([d.text or "" for d in batch])
        titles = engine.redact_text([str(d.title or "") for d in batch])
        for doc, text, title in zip(batch, texts, titles, strict=True):
            new_text = text.text if text.text is not None else ""
            new_title = title.text if title.text is not None else doc.title
            if new_text != doc.text or new_title != (doc.title or ""):
                changed += 1
            out.append(doc.model_copy(update={"text": new_text, "title": new_title or doc.title}))
    return out, changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ragstream-bench-vectors"))
    parser.add_argument("--policy", default="default")
    args = parser.parse_args()
    os.environ.setdefault("RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY", "true")
    t0 = time.perf_counter()
    settings = Settings()
    rows = [json.loads(line) for line in (DATA / "docs.jsonl").read_text().splitlines()]
    raw = clean_docs(rows)
    red, changed = redacted(raw, args.policy)
    print(f"{changed} of {len(raw)} documents changed by the policy", file=sys.stderr)
    qrels = load_qrels(DATA / "qrels.tsv")
    halves = {h: load_queries(DATA / "queries.jsonl", h) for h in ("tune", "report")}
    embedder = CountingEmbedder(settings, args.cache)
    embedder.warm_up()
    queries = [(q.id, q.text) for qs in halves.values() for q in qs]
    qvec = {qid: [float(x) for x in embedder.embed([text])[0]] for qid, text in queries}
    modes = [
        SearchVariant("bm25", "bm25", text_match=DEFAULT_TEXT_MATCH["bm25"]),
        SearchVariant("knn", "knn"),
        SearchVariant(
            "hybrid (default)", "hybrid", DEFAULT_FUSION, text_match=DEFAULT_TEXT_MATCH["hybrid"]
        ),
    ]
    prefix = f"bench-red-{uuid.uuid4().hex[:6]}"
    results: dict[str, Any] = {}
    variants = []
    try:
        for name, docs in (("compliance off", raw), (f"policy {args.policy}", red)):
            slug = "off" if name == "compliance off" else "on"
            os_settings = settings.opensearch.model_copy(
                update={
                    "chunks_alias": f"{prefix}-{slug}-chunks",
                    "documents_alias": f"{prefix}-{slug}-documents",
                }
            )
            chunker = SectionChunker(ChunkingSettings())
            chunker.warm_up()
            variant = Variant(name, chunker, True, os_settings)
            variants.append(variant)
            build_index(variant, docs, embedder)
            embedder.save()
            per: dict[str, Any] = {}
            for sv in modes:
                run, _ = run_queries(variant, sv, queries, qvec)
                per[sv.name] = {
                    half: evaluate({q.id: run[q.id] for q in qs}, qrels).ndcg_at_10
                    for half, qs in halves.items()
                }
                print(f"  {name} {sv.name}: {per[sv.name]}", file=sys.stderr)
            results[name] = per
    finally:
        for v in variants:
            retry(partial(drop_indices, make_client(v.settings), v.settings))
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "--", "streams", "bench", ":!bench/results"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    )
    off, on = results["compliance off"], results[f"policy {args.policy}"]
    payload = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S UTC", time.gmtime()),
        "commit": commit,
        "dirty": dirty,
        "policy": args.policy,
        "documents": len(raw),
        "documents_changed": changed,
        "ndcg10": results,
        "delta_report": {m: round(on[m]["report"] - off[m]["report"], 4) for m in off},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "redaction-retrieval.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        f"# What the default policy costs retrieval ({payload['date']})",
        "",
        f"Commit `{commit[:12]}`{' (dirty tree)' if dirty else ''}; "
        "`python -m bench.redaction.retrieval`; the judged NumPy-reference set of "
        f"`bench/retrieval` ({len(raw)} documents, {sum(len(q) for q in halves.values())} "
        f"queries), indexed as written and after policy `{args.policy}` "
        f"({changed} documents, {changed / len(raw):.1%}, changed by it); whole run "
        f"{payload['seconds']:.0f} s.",
        "",
        "| mode | nDCG@10 off (tune / report) | nDCG@10 on (tune / report) | report delta |",
        "|---|---:|---:|---:|",
    ]
    for m in off:
        lines.append(
            f"| {m} | {off[m]['tune']:.4f} / {off[m]['report']:.4f} | "
            f"{on[m]['tune']:.4f} / {on[m]['report']:.4f} | "
            f"{payload['delta_report'][m]:+.4f} |"
        )
    worst = min(payload["delta_report"].values())
    lines += [
        "",
        f"Target: within {TARGET} nDCG@10 of compliance off (report half): worst delta "
        f"{worst:+.4f} — " + ("met" if worst >= -TARGET else "**MISSED**") + ".",
        "",
    ]
    (args.out / "redaction-retrieval.md").write_text("\n".join(lines))
    print(f"wrote {args.out / 'redaction-retrieval.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
