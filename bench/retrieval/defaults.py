"""The product's ranking defaults, chosen across every judged set at once.

    .venv/bin/python -m bench.retrieval.defaults     # writes bench/results/retrieval-defaults.md

Each judged set (``bench/results/retrieval.json``: the NumPy reference; ``retrieval-*.json``:
the others, e.g. Debian package descriptions) is benchmarked on its own by
``bench.retrieval.run``, which also names the hybrid that set's tune half prefers. One set
alone over-fits its kind of query (paraphrases of API docs favour k-NN by far), so the product
default (:data:`streams.search_api.DEFAULT_FUSION` with the hybrid's
:data:`streams.search_api.DEFAULT_TEXT_MATCH`) is the hybrid with the best *mean* nDCG@10
over the tune halves of all sets; report halves are shown, never used to choose.
``tests/unit/test_retrieval_defaults.py`` fails when the code's default and this choice part.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
INDEX = "section+context"
LEGS = ("knn", "bm25", "bm25 stemmed", "bm25 documents", "bm25 documents stemmed")


@dataclass(frozen=True)
class Row:
    """One ranking mode's nDCG@10 per set, on the tune and the report half."""

    mode: str
    tune: tuple[float, ...]
    report: tuple[float, ...]

    @property
    def tune_mean(self) -> float:
        return sum(self.tune) / len(self.tune)

    @property
    def report_mean(self) -> float:
        return sum(self.report) / len(self.report)


def result_files(results: Path = RESULTS) -> list[Path]:
    """The NumPy set first, then the other sets by name."""
    return [results / "retrieval.json", *sorted(results.glob("retrieval-*.json"))]


def set_name(path: Path) -> str:
    return "numpy" if path.stem == "retrieval" else path.stem.removeprefix("retrieval-")


def rows(paths: Sequence[Path]) -> list[Row]:
    """Modes measured on every set (``section+context`` index), best tune mean first."""
    searches = [json.loads(p.read_text())["variants"][INDEX]["search"] for p in paths]
    common = [m for m in searches[0] if all(m in s for s in searches[1:])]
    out = [
        Row(
            m,
            tuple(s[m]["tune"]["ndcg@10"] for s in searches),
            tuple(s[m]["report"]["ndcg@10"] for s in searches),
        )
        for m in common
        if "client-side" not in m
    ]
    return sorted(out, key=lambda r: -r.tune_mean)


def best_hybrid(table: Sequence[Row]) -> Row:
    """The hybrid with the best mean tune nDCG@10 (fallback rows excluded)."""
    return max((r for r in table if r.mode.startswith("hybrid")), key=lambda r: r.tune_mean)


def product_default_name() -> str:
    """The benchmark's name of the product's default hybrid: the choosable variant of
    ``bench.retrieval.run`` with the default fusion and text match."""
    from bench.retrieval.run import search_variants
    from streams.search_api import DEFAULT_FUSION, DEFAULT_TEXT_MATCH

    return next(
        v.name
        for v in search_variants()
        if v.choosable
        and v.fusion == DEFAULT_FUSION
        and v.text_match == DEFAULT_TEXT_MATCH["hybrid"]
    )


def markdown(paths: Sequence[Path], table: Sequence[Row]) -> str:
    names = [set_name(p) for p in paths]
    best = best_hybrid(table)
    default = product_default_name()
    head = " | ".join(f"{n} tune" for n in names) + " | mean tune | "
    head += " | ".join(f"{n} report" for n in names) + " | mean report"
    lines = [
        "# Ranking defaults across judged sets",
        "",
        "`python -m bench.retrieval.defaults`: nDCG@10 of every ranking mode measured on "
        f"every judged set ({', '.join(f'`{p.name}`' for p in paths)}; index `{INDEX}`), "
        "sorted by the mean over the sets' tune halves. The product default is the hybrid "
        "with the best mean tune nDCG@10; report halves are not used to choose.",
        "",
        f"- Best hybrid by mean tune nDCG@10: **`{best.mode}`** ({best.tune_mean:.4f}; report "
        f"mean {best.report_mean:.4f}).",
        f"- Product default (`streams/search_api.py`): `{default}`"
        + (" (the same)." if default == best.mode else " (**differs**)."),
    ]
    for leg in ("knn", "bm25 documents stemmed"):
        r = next((x for x in table if x.mode == leg), None)
        if r is not None:
            lines.append(
                f"- Against `{leg}`: tune {best.tune_mean - r.tune_mean:+.4f}, report "
                f"{best.report_mean - r.report_mean:+.4f} (mean over sets)."
            )
    lines += [
        "",
        f"| mode | {head} |",
        "|---|" + "---:|" * (2 * len(names) + 2),
    ]
    for r in table:
        cells = [f"{v:.4f}" for v in r.tune] + [f"{r.tune_mean:.4f}"]
        cells += [f"{v:.4f}" for v in r.report] + [f"{r.report_mean:.4f}"]
        mode = f"**{r.mode}**" if r.mode == best.mode else r.mode
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    paths = result_files(args.results)
    table = rows(paths)
    out = args.results / "retrieval-defaults.md"
    out.write_text(markdown(paths, table), encoding="utf-8")
    best = best_hybrid(table)
    print(f"best hybrid over {len(paths)} sets: {best.mode} (tune mean {best.tune_mean:.4f})")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
