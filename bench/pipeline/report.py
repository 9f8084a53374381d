"""The pipeline benchmark's summary: bench/results/latest.json, latest.png and pipeline.md.

Pure functions over the result dict of ``bench/pipeline/run.py`` (unit-tested without
services); the chart needs matplotlib (the ``bench`` extra, bench/requirements.lock).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: issue #9 targets: ratio name -> (numerator key, denominator key, target)
TARGETS: dict[str, tuple[str, str, float]] = {
    "e2e/bound": ("e2e_chunks_per_s", "bound_chunks_per_s", 0.8),
    "e2e/naive": ("e2e_chunks_per_s", "naive_chunks_per_s", 3.0),
    "e2e/langchain": ("e2e_compliance_off_chunks_per_s", "langchain_chunks_per_s", 2.0),
}
FRESHNESS_P99_TARGET_S = 2.0
RSS_TARGET_MB = 1024.0
RESYNC_TARGET = 0.02


def bound(stage_chunks_per_s: dict[str, float]) -> float | None:
    """1 / sum over the CPU stages of 1 / that stage's throughput (chunks/s)."""
    rates = list(stage_chunks_per_s.values())
    if not rates or any(r <= 0 for r in rates):
        return None
    return 1.0 / sum(1.0 / r for r in rates)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def ratios(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target ratio with its value, target and met/MISSED (None where not measured)."""
    out: dict[str, dict[str, Any]] = {}
    for name, (num, den, target) in TARGETS.items():
        a, b = summary.get(num), summary.get(den)
        value = a / b if isinstance(a, int | float) and isinstance(b, int | float) and b else None
        out[name] = {
            "value": round(value, 3) if value is not None else None,
            "target": target,
            "status": "not measured" if value is None else ("met" if value >= target else "MISSED"),
            "numerator": num,
            "denominator": den,
        }
    return out


def ceilings(summary: dict[str, Any]) -> dict[str, float | None]:
    """What the pipeline could reach at best against each baseline: the bound over the naive
    loop, and chunk + embed alone (the whole bound without compliance) over LangChain."""

    def div(a: Any, b: Any) -> float | None:
        ok = isinstance(a, int | float) and isinstance(b, int | float) and b
        return round(a / b, 3) if ok else None

    stages = summary.get("bound_stage_chunks_per_s") or {}
    return {
        "bound/naive": div(summary.get("bound_chunks_per_s"), summary.get("naive_chunks_per_s")),
        "chunk_embed_alone/langchain": div(
            stages.get("chunk_embed"), summary.get("langchain_chunks_per_s")
        ),
    }


def other_targets(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def check(value: Any, limit: float) -> dict[str, Any]:
        if not isinstance(value, int | float):
            return {"value": None, "target": f"<= {limit}", "status": "not measured"}
        return {
            "value": value,
            "target": f"<= {limit}",
            "status": "met" if value <= limit else "MISSED",
        }

    return {
        "freshness_p99_s": check(summary.get("freshness_p99_s"), FRESHNESS_P99_TARGET_S),
        "worker_rss_mb": check(summary.get("worker_rss_mb"), RSS_TARGET_MB),
        "resync_embed_fraction": check(summary.get("resync_embed_fraction"), RESYNC_TARGET),
    }


def ndcg_from_retrieval(path: Path) -> dict[str, Any]:
    """nDCG@10 (report half) per ranking mode of the chosen index in retrieval.json."""
    if not path.is_file():
        return {"source": str(path), "error": "not found (run the retrieval benchmark)"}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chosen = data["chosen"]["index"]
        search = data["variants"][chosen]["search"]
        modes = {name: s["report"]["ndcg@10"] for name, s in search.items() if "report" in s}
        return {
            "source": str(path),
            "generated": data.get("generated"),
            "commit": data.get("commit"),
            "index": chosen,
            "chosen_hybrid": data["chosen"].get("hybrid"),
            "split": "report",
            "modes": modes,
        }
    except (KeyError, TypeError, ValueError) as exc:
        return {"source": str(path), "error": f"unreadable: {type(exc).__name__}: {exc}"}


def resync_from_retrieval(path: Path) -> dict[str, Any] | None:
    """The re-embedding fractions after a 1 % edit that the retrieval benchmark measured."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            kind: {
                "documents": r.get("documents"),
                "chunks": r.get("chunks"),
                "fraction": r.get("fraction_all_resent_cache"),
                "fraction_from_index": r.get("fraction_from_index"),
            }
            for kind, r in data["reembed"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_markdown(latest: dict[str, Any], detail: dict[str, Any]) -> str:
    """bench/results/pipeline.md: the same figures as latest.json, misses stated plainly."""
    m, c, g = latest["machine"], latest["corpus"], latest["git"]
    tree = "clean tree" if g.get("clean") else f"DIRTY tree ({', '.join(g.get('changed', []))})"
    lines = [
        f"# Pipeline benchmark ({latest['at'][:19]} UTC)",
        "",
        f"`{latest['command']}` on commit {g['commit'][:10]} ({tree}); "
        f"{m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}; "
        f"whole run {latest['runtime_s']:.0f} s. Corpus: {c['description']}: "
        f"{c['documents']} documents, {c['chunks']} chunks, {c['bytes']:,} bytes.",
        "",
        "| run | chunks/s |",
        "|---|---:|",
        f"| ragstream end to end (connector -> Kafka -> worker -> OpenSearch), default policy "
        f"| {_fmt(latest['e2e_chunks_per_s'])} |",
        f"| bound: 1 / sum(1 / stage alone with the whole machine) "
        f"| {_fmt(latest['bound_chunks_per_s'])} |",
        f"| naive loop (per document Presidio, chunk, one embed call, one bulk, no forced refresh)"
        f" | {_fmt(latest['naive_chunks_per_s'])} |",
        f"| ragstream end to end, compliance off | "
        f"{_fmt(latest['e2e_compliance_off_chunks_per_s'])} |",
        f"| LangChain `index()` + SQLRecordManager, compliance off "
        f"| {_fmt(latest['langchain_chunks_per_s'])} |",
        "",
        "| target | value | wanted | |",
        "|---|---:|---:|---|",
    ]
    for name, r in latest["ratios"].items():
        lines.append(f"| {name} | {_fmt(r['value'], 2)} | >= {r['target']} | **{r['status']}** |")
    for name, r in latest["other_targets"].items():
        lines.append(f"| {name} | {_fmt(r['value'], 3)} | {r['target']} | **{r['status']}** |")
    missed = [
        n
        for n, r in {**latest["ratios"], **latest["other_targets"]}.items()
        if r["status"] == "MISSED"
    ]
    fresh = (detail.get("pipeline") or {}).get("freshness") or {}
    ceil = latest.get("ceilings") or {}
    lines += [
        "",
        ("Missed targets: " + ", ".join(missed) + ".") if missed else "All targets met.",
        "",
        f"Ceilings on this machine: the bound is {_fmt(ceil.get('bound/naive'), 2)}x the naive "
        f"loop, and chunk + embed alone (the bound with compliance off) "
        f"{_fmt(ceil.get('chunk_embed_alone/langchain'), 2)}x LangChain: a ratio target above "
        f"its ceiling cannot be met by the pipeline around the stages, only by faster stages "
        f"(the naive loop and LangChain use the same embedder).",
        "",
        f"Freshness (change written to a watched folder -> its chunk searchable, no forced "
        f"refresh by the benchmark, {_fmt(fresh.get('rate_per_s'), 2)} "
        f"files/s for {_fmt(fresh.get('duration_s'), 0)} s): p50 "
        f"{_fmt(latest['freshness_p50_s'], 2)} s, p99 {_fmt(latest['freshness_p99_s'], 2)} s. "
        f"Worker peak RSS {_fmt(latest['worker_rss_mb'], 0)} MB. Re-embedded after a 1 % edit: "
        f"{_fmt(latest['resync_embed_fraction'], 4)} of the chunks.",
    ]
    nd = latest.get("ndcg10") or {}
    if nd.get("modes"):
        lines += [
            "",
            f"nDCG@10 per ranking mode (from {nd['source']}, {nd.get('generated')}, commit "
            f"{nd.get('commit')}, index {nd.get('index')}, report queries): "
            + ", ".join(f"{k} {v:.3f}" for k, v in nd["modes"].items())
            + ".",
        ]
    elif nd:
        lines += ["", f"nDCG@10: {nd.get('error')}."]
    lines += ["", *detail_notes(detail)]
    return "\n".join(lines) + "\n"


def detail_notes(detail: dict[str, Any]) -> list[str]:
    out: list[str] = ["## Details", ""]
    bare = detail.get("bare")
    if bare:
        for stage, runs in bare["stages"].items():
            parts = "; ".join(
                f"{r['processes']} process(es)"
                + (
                    f" x {r['embedding_threads']} onnxruntime threads"
                    if stage != "compliance"
                    else ""
                )
                + f": {r['seconds']:.1f} s, {r['cores_used']:.2f} cores"
                for r in runs
            )
            out.append(
                f"* {stage} alone: {parts}; best {bare['best_chunks_per_s'][stage]:.1f} chunks/s."
            )
    for key, label in (("pipeline", "default policy"), ("pipeline_off", "compliance off")):
        p = detail.get(key)
        if not p:
            continue
        out.append(
            f"* end to end, {label}: {p['chunks']} chunks of {p['docs']} documents in "
            f"{p['seconds']:.1f} s (connector done after {p['connector_seconds'] or 0:.1f} s, "
            f"first document searchable after {p['first_document_s'] or 0:.1f} s); worker "
            f"peak RSS {p.get('worker_rss_mb') or 0:.0f} MB."
        )
        busy = p.get("stage_busy_s") or {}
        if busy:
            out.append(
                "  Worker stage busy seconds (stages overlap): "
                + ", ".join(f"{k} {v:.1f} s" for k, v in busy.items())
                + "; CPU seconds: "
                + ", ".join(f"{k} {v:.1f}" for k, v in p["cpu_s"].items())
                + "."
            )
    nv = detail.get("naive")
    if nv:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in nv["parts_seconds"].items())
        out.append(
            f"* naive: {nv['chunks']} chunks in {nv['seconds']:.1f} s ({parts}); Presidio's "
            f"default recognizers (fewer than ragstream's compliance) and the chunk text alone "
            f"embedded."
        )
    lc = detail.get("langchain")
    if lc and "error" not in lc:
        out.append(
            f"* LangChain {lc['versions']}: {lc['chunks']} chunks in {lc['seconds']:.1f} s "
            f"(index() said {lc['index_result']}); the chunks are ragstream's (same chunker and "
            f"size), the embedder is ragstream's wrapped as LangChain `Embeddings` and gets the "
            f"chunk text alone (ragstream embeds title + headings + text, longer inputs); "
            f"OpenSearchVectorSearch refreshes the index after each batch it writes."
        )
    elif lc:
        out.append(f"* LangChain: not measured: {lc['error']}")
    fr = (detail.get("pipeline") or {}).get("freshness")
    if fr:
        out.append(
            f"* freshness: {fr['seen']} of {fr['written']} files seen, max "
            f"{_fmt(fr.get('max_s'), 2)} s."
        )
    rs = detail.get("resync")
    if rs:
        out.append(
            f"* re-embedding after editing {rs['edited_documents']} of {rs['documents']} "
            f"documents in one place each (all resent): {rs['recomputed']} of {rs['chunks']} "
            f"chunks; the retrieval benchmark's figures: {rs.get('retrieval')}."
        )
    loads = {
        k: detail[k].get("loadavg_before")
        for k in ("pipeline", "pipeline_off", "bare", "naive", "langchain")
        if isinstance(detail.get(k), dict) and detail[k].get("loadavg_before")
    }
    if loads:
        out.append(
            "* load average before each measurement: "
            + "; ".join(f"{k} {' '.join(f'{x:.2f}' for x in v)}" for k, v in loads.items())
            + "."
        )
    return out


def chart(latest: dict[str, Any], path: Path) -> None:
    """latest.png: chunks/s bars (e2e, bound, naive, LangChain) and the freshness
    percentiles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = [
        ("ragstream\nend to end", latest.get("e2e_chunks_per_s"), "#1f77b4"),
        ("bound", latest.get("bound_chunks_per_s"), "#7f7f7f"),
        ("naive loop", latest.get("naive_chunks_per_s"), "#ff7f0e"),
        ("ragstream\ncompliance off", latest.get("e2e_compliance_off_chunks_per_s"), "#2ca02c"),
        ("LangChain\nindex()", latest.get("langchain_chunks_per_s"), "#d62728"),
    ]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    names = [b[0] for b in bars]
    values = [float(b[1]) if isinstance(b[1], int | float) else 0.0 for b in bars]
    rects = ax.bar(names, values, color=[b[2] for b in bars])
    for rect, b in zip(rects, bars, strict=True):
        label = f"{b[1]:.1f}" if isinstance(b[1], int | float) else "n/a"
        ax.annotate(
            label,
            (rect.get_x() + rect.get_width() / 2, rect.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_ylabel("chunks/s")
    m, c = latest["machine"], latest["corpus"]
    ax.set_title(
        f"Indexing throughput: {c['documents']} docs, {c['chunks']} chunks; "
        f"{m['cores']} cores, commit {latest['git']['commit'][:7]}",
        fontsize=10,
    )
    p50, p99 = latest.get("freshness_p50_s"), latest.get("freshness_p99_s")
    fvals = [float(v) if isinstance(v, int | float) else 0.0 for v in (p50, p99)]
    ax2.bar(["p50", "p99"], fvals, color=["#9467bd", "#8c564b"])
    ax2.axhline(
        FRESHNESS_P99_TARGET_S,
        color="red",
        linestyle="--",
        linewidth=1,
        label=f"p99 target {FRESHNESS_P99_TARGET_S:g} s",
    )
    ax2.legend(fontsize=8, loc="upper left")
    ax2.set_ylabel("seconds")
    ax2.set_title("change to searchable", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
