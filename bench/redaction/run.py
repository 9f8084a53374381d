"""Benchmark: how much technical text the default policy changes (issue #9, item 1).

    .venv/bin/python -m bench.redaction.run --out bench/results
    .venv/bin/python -m bench.redaction.run --no-baseline --split tune --out /tmp/red  # tuning

Text nobody wrote to contain personal data, from what is installed (no download):

* ``numpy``: the NumPy reference of the judged retrieval set (``bench/retrieval/data``);
* ``stdlib``: the documentation of Python's standard library modules (``pydoc``), one
  document per module section;
* ``packages``: docstrings of the public functions and classes of installed libraries
  (SQLAlchemy, pydantic, spaCy, Presidio, OpenSearch client, phonenumbers, ...);
* ``biomed``: 252 scientific abstracts in the style of PubMed (``data/biomed.jsonl``; oncology,
  microbiology, neuroscience, cardiology, epidemiology, genetics, immunology, plant biology,
  pharmacology, public health, ecology, materials science, physics, computer science), each
  seen as a Markdown file with a title heading (``# title``, blank line, abstract). The
  abstracts were written for this benchmark: they are synthetic, none is a real paper. Users
  index text like SciFact or PubMed, but no such corpus can be fetched here (package
  registries only, no dataset hubs), and what makes such text hard, gene and protein symbols
  in any casing (MGMT, Sirt1, p53, daf-16), species (S. aureus, C. elegans), drug and brand
  names, cell lines (HeLa), cohort and trial names (Framingham, ARIC), eponyms
  (Kaplan-Meier, Crohn), databases (Cochrane, Embase) and study populations ("in rural
  Uganda", "Han Chinese"), is written densely into them. They hold no personal data: no
  patient names, e-mail addresses, phone numbers or street addresses; about one in
  seventeen cites a paper in the "(Smith et al., 2010)" form, as real abstracts do.
  ``split`` alternates ``tune``/``report`` by id: rules are tuned on the tune half (``--split
  tune`` lists its changed strings with context), the report half is reported only in
  aggregate (counted, never listed), so it stays unseen by whoever tunes.

Each document goes through ``ComplianceEngine.redact_text`` with the default policy and,
in the same run, through plain Presidio (``AnalyzerEngine`` defaults, everything it finds
replaced). Reported: the share of documents with any change, changes per entity type, and
the most frequent changed strings, so a reader can see what is changed (cited authors are
people; "Fourier Transform" is not). Target (issue #9): at most 2% of documents changed on
text without personal data.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import pydoc
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NUMPY_DOCS = ROOT / "bench/retrieval/data/docs.jsonl"
BIOMED_DOCS = Path(__file__).resolve().parent / "data/biomed.jsonl"
SPLITS = ("all", "tune", "report")
CONTEXT = 40  # characters either side of a listed change
PACKAGES = (
    "sqlalchemy",
    "pydantic",
    "spacy",
    "presidio_analyzer",
    "opensearchpy",
    "phonenumbers",
    "tenacity",
    "structlog",
    "yaml",
    "charset_normalizer",
)
MIN_CHARS = 200
MAX_CHARS = 4000


@dataclass(frozen=True, slots=True)
class Doc:
    corpus: str
    id: str
    text: str
    split: str | None = None  # biomed only: "tune" or "report"

    @property
    def listed(self) -> bool:
        """Whether this document's changed strings may be listed (not a report-half one)."""
        return self.split != "report"


def numpy_docs() -> Iterator[Doc]:
    for line in NUMPY_DOCS.read_text().splitlines():
        d = json.loads(line)
        yield Doc("numpy", d["id"], f"{d['title']}\n\n{d['text']}"[:MAX_CHARS])


def biomed_docs(split: str = "all") -> Iterator[Doc]:
    """The abstracts of ``data/biomed.jsonl`` (one half with ``split``), each as the pipeline
    sees a Markdown file whose title is its first heading."""
    for line in BIOMED_DOCS.read_text().splitlines():
        d = json.loads(line)
        if split in ("all", d["split"]):
            text = f"# {d['title']}\n\n{d['text']}"[:MAX_CHARS]
            yield Doc("biomed", d["id"], text, d["split"])


def stdlib_docs(limit: int) -> Iterator[Doc]:
    skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "pydoc_data"}
    n = 0
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in skip:
            continue
        try:
            module = importlib.import_module(name)
        except Exception:
            continue
        text = pydoc.render_doc(module, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
        for i, part in enumerate(re.split(r"\n(?=[A-Z][A-Z ]+\n)", text)):
            if len(part) >= MIN_CHARS:
                yield Doc("stdlib", f"{name}#{i}", part[:MAX_CHARS])
                n += 1
                if n >= limit:
                    return


def package_docs(limit: int) -> Iterator[Doc]:
    n = 0
    for package in PACKAGES:
        try:
            root = importlib.import_module(package)
        except Exception:
            continue
        modules = [root]
        for info in pkgutil.walk_packages(getattr(root, "__path__", []), package + "."):
            if ".test" in info.name or "._" in info.name:
                continue
            try:
                modules.append(importlib.import_module(info.name))
            except Exception:
                continue
        for module in modules:
            for attr, obj in sorted(vars(module).items()):
                if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                    continue
                doc = inspect.getdoc(obj) if callable(obj) else None
                if doc and len(doc) >= MIN_CHARS:
                    yield Doc(
                        "packages", f"{module.__name__}.{attr}", f"{attr}\n\n{doc}"[:MAX_CHARS]
                    )
                    n += 1
                    if n >= limit:
                        return


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT) : start]
    after = text[end : end + CONTEXT]
    return " ".join(f"{before}[[{text[start:end]}]]{after}".split())


@dataclass
class Tally:
    docs: int = 0
    changed: int = 0
    types: Counter[str] | None = None
    strings: Counter[str] | None = None
    seconds: float = 0.0
    listing: list[dict[str, str]] | None = None  # biomed: every change, with context

    def add(self, changes: Sequence[tuple[str, str]]) -> None:
        self.types = self.types or Counter()
        self.strings = self.strings or Counter()
        self.docs += 1
        if changes:
            self.changed += 1
        for entity, value in changes:
            self.types[entity] += 1
            self.strings[f"{entity}: {value}"] += 1

    def add_spans(self, doc: Doc, spans: Sequence[tuple[str, int, int]]) -> None:
        """Changes as (entity, start, end) in ``doc.text``; a report-half document's are
        counted (documents, types) but its strings are neither counted nor listed."""
        if doc.listed:
            self.add([(entity, doc.text[start:end]) for entity, start, end in spans])
        else:
            self.add([])
            self.changed += bool(spans)
            self.types = self.types or Counter()
            self.types.update(entity for entity, _, _ in spans)
        if doc.corpus == "biomed" and doc.listed:
            self.listing = self.listing if self.listing is not None else []
            self.listing += [
                {
                    "id": doc.id,
                    "entity": entity,
                    "value": doc.text[start:end],
                    "context": _context(doc.text, start, end),
                }
                for entity, start, end in spans
            ]

    def add_blocked(self, doc: Doc) -> None:
        """A document the policy blocks as a whole."""
        if doc.listed:
            self.add([("BLOCKED", doc.id)])
        else:
            self.add_spans(doc, [("BLOCKED", 0, 0)])
        if doc.corpus == "biomed" and doc.listed:
            self.listing = self.listing if self.listing is not None else []
            self.listing.append(
                {"id": doc.id, "entity": "BLOCKED", "value": "", "context": "(whole document)"}
            )

    def as_json(self) -> dict[str, Any]:
        out = {
            "docs": self.docs,
            "changed": self.changed,
            "changed_share": round(self.changed / self.docs, 4) if self.docs else 0.0,
            "changes_by_type": dict((self.types or Counter()).most_common()),
            "top_changed": (self.strings or Counter()).most_common(25),
            "seconds": round(self.seconds, 1),
        }
        if self.listing is not None:
            out["changes"] = self.listing
        return out


def run_ragstream(docs: Sequence[Doc], policy_name: str, spacy_model: str) -> dict[str, Tally]:
    from infra.settings import ComplianceSettings
    from streams.compliance import ComplianceEngine, load_policy
    from streams.compliance.policy import Action

    settings = ComplianceSettings(spacy_model=spacy_model)
    engine = ComplianceEngine(settings, load_policy(policy_name))
    engine.warm_up()
    tallies: dict[str, Tally] = {}
    for i in range(0, len(docs), 32):
        batch = docs[i : i + 32]
        start = time.perf_counter()
        results = engine.redact_text([d.text for d in batch])
        elapsed = time.perf_counter() - start
        for doc, result in zip(batch, results, strict=True):
            tally = tallies.setdefault(doc.corpus, Tally())
            tally.seconds += elapsed / len(batch)
            if result.text is None:
                tally.add_blocked(doc)
                continue
            tally.add_spans(
                doc,
                [
                    (f.entity_type, f.start, f.end)
                    for f in result.findings
                    if f.action is not Action.KEEP
                ],
            )
    return tallies


def run_presidio(docs: Sequence[Doc], spacy_model: str) -> dict[str, Tally]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from streams.compliance.detector import nlp_configuration, resolve_spacy_model

    config = nlp_configuration(resolve_spacy_model(spacy_model))
    provider = NlpEngineProvider(nlp_configuration=config)
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    tallies: dict[str, Tally] = {}
    for doc in docs:
        start = time.perf_counter()
        found = analyzer.analyze(text=doc.text, language="en")
        tally = tallies.setdefault(doc.corpus, Tally())
        tally.seconds += time.perf_counter() - start
        tally.add_spans(doc, [(r.entity_type, r.start, r.end) for r in found])
    return tallies


def _git(*args: str) -> str:
    import subprocess

    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Redaction of technical text ({result['date']})",
        "",
        f"Commit `{result['commit'][:12]}`{' (dirty tree)' if result['dirty'] else ''}; "
        f"policy `{result['policy']}`; {result['total']['docs']} documents; "
        "reproduce: `python -m bench.redaction.run` (part of `make bench`).",
        "",
        "Documents nobody wrote to hold personal data (NumPy reference, Python standard "
        "library documentation, docstrings of installed libraries, and scientific abstracts "
        "in the style of PubMed written for this benchmark, `bench/redaction/data/"
        "biomed.jsonl`). A document counts as changed when any finding's action is not "
        "`keep`. Plain Presidio: `AnalyzerEngine` defaults, everything found replaced, same "
        "documents, same run. Strings changed in the report half of the abstracts are "
        "counted, never listed.",
        "",
        "| corpus | documents | ragstream changed | Presidio changed |",
        "|---|---:|---:|---:|",
    ]
    split = result.get("biomed_split", "all")
    for name, ours in result["ragstream"].items():
        theirs = result["presidio"].get(name, {})
        label = f"{name} ({split} half)" if name == "biomed" and split != "all" else name
        lines.append(
            f"| {label} | {ours['docs']} | {ours['changed_share']:.1%} ({ours['changed']}) | "
            f"{theirs.get('changed_share', 0):.1%} ({theirs.get('changed', 0)}) |"
        )
    t, p = result["total"], result["presidio_total"]
    lines.append(
        f"| **all** | {t['docs']} | **{t['changed_share']:.1%}** ({t['changed']}) | "
        f"{p['changed_share']:.1%} ({p['changed']}) |"
    )
    met = t["changed_share"] <= 0.02
    lines += [
        "",
        f"Target: at most 2% of documents changed: {t['changed_share']:.1%} — "
        + ("met" if met else "**MISSED**")
        + ".",
        "",
        "Changes by entity type (ragstream): "
        + ", ".join(f"{k} {v}" for k, v in t["changes_by_type"].items()),
        "",
        "Most frequent changed strings (ragstream), to judge by eye which are people:",
        "",
    ]
    lines += [f"* {count} x `{value}`" for value, count in t["top_changed"]]
    listing = result["ragstream"].get("biomed", {}).get("changes")
    if listing is not None:
        lines += [
            "",
            f"Every change in the biomed tune half (ragstream; {len(listing)}), "
            "`[[changed]]` in its context:",
            "",
        ]
        lines += [f"* {c['id']} `{c['entity']}`: `{c['value']}` — {c['context']}" for c in listing]
    lines.append("")
    return "\n".join(lines)


def _total(tallies: dict[str, Tally]) -> dict[str, Any]:
    total = Tally()
    total.types, total.strings = Counter(), Counter()
    for t in tallies.values():
        total.docs += t.docs
        total.changed += t.changed
        total.types.update(t.types or Counter())
        total.strings.update(t.strings or Counter())
        total.seconds += t.seconds
    return total.as_json()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results")
    parser.add_argument("--policy", default="default")
    parser.add_argument("--stdlib", type=int, default=400, help="stdlib documents (at most)")
    parser.add_argument("--packages", type=int, default=400, help="library docstrings (at most)")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain Presidio")
    parser.add_argument(
        "--split",
        choices=SPLITS,
        default="all",
        help="half of the biomed abstracts to run (the other corpora are not split): tune to "
        "look at changed strings while tuning rules, report for the held-out share",
    )
    parser.add_argument(
        "--spacy-model",
        help="spaCy model for both systems (a package, a model directory or a vendored-model "
        "package); default: the compliance setting",
    )
    args = parser.parse_args(argv)
    from infra.settings import ComplianceSettings

    spacy_model = args.spacy_model or ComplianceSettings().spacy_model
    os.environ.setdefault("RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY", "true")

    docs = [
        *numpy_docs(),
        *stdlib_docs(args.stdlib),
        *package_docs(args.packages),
        *biomed_docs(args.split),
    ]
    print(
        f"{len(docs)} documents: "
        + ", ".join(f"{k} {v}" for k, v in Counter(d.corpus for d in docs).items()),
        flush=True,
    )
    ours = run_ragstream(docs, args.policy, spacy_model)
    print(f"ragstream: {_total(ours)['changed_share']:.1%} of documents changed", flush=True)
    theirs = {} if args.no_baseline else run_presidio(docs, spacy_model)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S UTC", time.gmtime()),
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--", "streams", "bench/redaction")),
        "policy": args.policy,
        "spacy_model": spacy_model,
        "biomed_split": args.split,
        "ragstream": {k: v.as_json() for k, v in ours.items()},
        "presidio": {k: v.as_json() for k, v in theirs.items()},
        "total": _total(ours),
        "presidio_total": _total(theirs) if theirs else {"changed_share": 0.0, "changed": 0},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "redaction.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "redaction.md").write_text(_markdown(result))
    print(f"wrote {args.out / 'redaction.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
