"""Build the judged retrieval set from the NumPy reference shipped in the installed package.

    .venv/bin/python -m bench.retrieval.corpus          # writes bench/retrieval/data/

No public benchmark can be downloaded here (package registries only), so the documents are
the docstrings of NumPy's public functions (``numpy``, ``numpy.linalg``, ``numpy.fft`` and the
``numpy.random.Generator`` methods; NumPy is pinned in pyproject.toml, so the text is fixed),
one document per function, as Markdown: the summary and description, then ``## Parameters``,
``## Returns``, ``## See Also``, ``## Notes`` ... (the ``Examples`` section is left out: code
only). Aliases (``numpy.abs`` is ``numpy.absolute``) are one document.

Queries and judgments (``topics.py``): each hand-written query has one target function. Grade
2: the target and every other document with the very same summary line (``cumsum`` and
``cumulative_sum``, ``max`` and ``amax``). Grade 1: the functions named by the target's own
"See Also" section, as NumPy's authors judged them related. Neither depends on any ranking.
Queries are split by position into two halves: ``tune`` (choose settings) and ``report``
(publish numbers).

Outputs, in ``data/``: ``docs.jsonl`` (``id``, ``title``, ``text``, ``uri``, ``tags``),
``queries.jsonl`` (``id``, ``text``, ``split``, ``target``) and ``qrels.tsv`` (TREC:
``qid 0 docid grade``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.fft
import numpy.linalg
import numpy.random

from bench.retrieval.topics import TOPICS

DATA = Path(__file__).resolve().parent / "data"
_UNDERLINE = re.compile(r"^-{3,}\s*$")
_SEE_ALSO_NAME = re.compile(r"[A-Za-z_][\w.]*")
SKIP_SECTIONS = frozenset({"Examples"})
MIN_WORDS = 25


def _functions() -> Iterator[tuple[str, str]]:
    """(canonical name, docstring) of each public function once, in a fixed order."""
    seen: set[int] = set()
    modules: list[tuple[Any, str, bool]] = [
        (np, "numpy.", False),
        (np.linalg, "numpy.linalg.", False),
        (np.fft, "numpy.fft.", False),
        (np.random.Generator, "numpy.random.Generator.", True),
    ]
    for owner, prefix, methods in modules:
        for name in sorted(dir(owner)):
            if name.startswith("_") or name == "test":
                continue
            obj = getattr(owner, name)
            if inspect.ismodule(obj) or (inspect.isclass(obj) and not methods):
                continue
            doc = getattr(obj, "__doc__", None)
            if not doc or not callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield prefix + str(getattr(obj, "__name__", name)), inspect.cleandoc(doc)


def _sections(doc: str, short_name: str) -> tuple[str, list[tuple[str, str]]]:
    """The lead text and the numpydoc sections ``(heading, body)`` of a docstring."""
    lines = doc.split("\n")
    if lines and lines[0].startswith(f"{short_name}(") and lines[0].rstrip().endswith(")"):
        lines = lines[1:]  # a ufunc's signature line
    elif lines and lines[0].startswith(f"{short_name}(") and "]" in lines[0]:
        lines = lines[1:]
    lead: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].strip() and _UNDERLINE.match(lines[i + 1]):
            sections.append((lines[i].strip(), []))
            i += 2
            continue
        (sections[-1][1] if sections else lead).append(lines[i])
        i += 1
    return "\n".join(lead).strip(), [(h, "\n".join(b).strip()) for h, b in sections]


def _summary(lead: str) -> str:
    return " ".join(lead.split("\n\n", 1)[0].split())


def _see_also(body: str) -> list[str]:
    """Names listed by a See Also section (``name : text`` or ``a, b, c`` lines)."""
    names: list[str] = []
    for line in body.split("\n"):
        if not line or line[0].isspace():
            continue
        head = line.split(" : ", 1)[0]
        for part in head.split(","):
            m = _SEE_ALSO_NAME.match(part.strip().strip("`~"))
            if m:
                names.append(m.group(0))
    return names


def build() -> tuple[list[dict[str, Any]], dict[str, str], dict[str, list[str]]]:
    """Documents, the summary of each, and the See Also names of each."""
    docs: list[dict[str, Any]] = []
    summaries: dict[str, str] = {}
    related: dict[str, list[str]] = {}
    for name, doc in _functions():
        short = name.rsplit(".", 1)[1]
        lead, sections = _sections(doc, short)
        parts = [lead]
        for heading, body in sections:
            if heading in SKIP_SECTIONS or not body:
                continue
            parts.append(f"## {heading}\n\n{body}")
            if heading == "See Also":
                related[name] = _see_also(body)
        text = "\n\n".join(p for p in parts if p).strip()
        if len(text.split()) < MIN_WORDS:
            continue
        module = name.rsplit(".", 1)[0]
        docs.append(
            {
                "id": name,
                "title": name,
                "text": text,
                "uri": f"https://numpy.org/doc/2.4/reference/generated/{name}.html",
                "tags": [module.replace("numpy.", "").replace(".", "-") or "numpy"],
            }
        )
        summaries[name] = _summary(lead)
    return docs, summaries, related


_OWN_PREFIXES = frozenset({"numpy", "np", "linalg", "fft", "random", "Generator", "ndarray"})


def _resolve(name: str, ids: set[str], by_short: dict[str, list[str]]) -> str | None:
    if "." in name and name.split(".", 1)[0] not in _OWN_PREFIXES:
        return None  # scipy.stats.norm is not numpy.linalg.norm
    for candidate in (name, f"numpy.{name}", f"numpy.linalg.{name}", f"numpy.fft.{name}"):
        if candidate in ids:
            return candidate
    short = name.rsplit(".", 1)[-1]
    matches = by_short.get(short, [])
    return matches[0] if len(matches) == 1 else None


def judge(
    docs: list[dict[str, Any]], summaries: dict[str, str], related: dict[str, list[str]]
) -> tuple[list[dict[str, str]], list[tuple[str, str, int]]]:
    ids = {d["id"] for d in docs}
    by_short: dict[str, list[str]] = {}
    for doc_id in sorted(ids):
        by_short.setdefault(doc_id.rsplit(".", 1)[1], []).append(doc_id)
    same_summary: dict[str, list[str]] = {}
    for doc_id, summary in summaries.items():
        same_summary.setdefault(summary.lower(), []).append(doc_id)
    queries: list[dict[str, str]] = []
    qrels: list[tuple[str, str, int]] = []
    for n, (target, text) in enumerate(TOPICS, start=1):
        if target not in ids:
            raise SystemExit(f"topic target {target} is not a document of the corpus")
        qid = f"q{n:03d}"
        queries.append(
            {"id": qid, "text": text, "split": "tune" if n % 2 else "report", "target": target}
        )
        grades = {d: 2 for d in same_summary[summaries[target].lower()]}
        for name in related.get(target, []):
            doc_id = _resolve(name, ids, by_short)
            if doc_id is not None:
                grades.setdefault(doc_id, 1)
        qrels.extend((qid, d, g) for d, g in sorted(grades.items()))
    return queries, qrels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    docs, summaries, related = build()
    queries, qrels = judge(docs, summaries, related)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "docs.jsonl").open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with (args.out / "queries.jsonl").open("w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    with (args.out / "qrels.tsv").open("w", encoding="utf-8") as f:
        for qid, doc_id, grade in qrels:
            f.write(f"{qid}\t0\t{doc_id}\t{grade}\n")
    print(
        f"{len(docs)} documents, {len(queries)} queries "
        f"({sum(q['split'] == 'tune' for q in queries)} tune), {len(qrels)} judgments "
        f"({sum(g == 2 for *_, g in qrels)} grade 2) -> {args.out}"
    )


if __name__ == "__main__":
    main()
