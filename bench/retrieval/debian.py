"""A second judged retrieval set: Debian package descriptions (prose with titles).

    .venv/bin/python -m bench.retrieval.debian docs    # (re)builds data-debian/docs.jsonl
    .venv/bin/python -m bench.retrieval.debian pool    # candidates to judge, per query
    .venv/bin/python -m bench.retrieval.debian write   # queries.jsonl and qrels.tsv
    .venv/bin/python -m bench.retrieval.run --data bench/retrieval/data-debian

Why a second set: the NumPy set (``data/``) has paraphrased queries over API reference pages,
where k-NN beats BM25 by far; defaults chosen on it alone lean on k-NN. Here the documents are
product descriptions written as prose under a one-line title, and about half the queries use
the technical terms a user would know (format names, protocols, algorithms), so that lexical
and semantic evidence both matter, as on claim-style scientific sets.

Documents. The frozen corpus is ``data-debian/docs.jsonl`` (committed: package lists change).
``apt-cache dumpavail`` on this machine lists about 63,000 packages, but with the synopsis only:
the image disables apt's description translations (``Acquire::Languages "none"``), which is
where Debian keeps long descriptions, and nothing may be downloaded for a data set. The long
descriptions that are on the machine offline are those of the installed packages, in dpkg's
status file, so the corpus is built from ``/var/lib/dpkg/status`` of the Debian 12 (bookworm)
development image, snapshot of 2026-11-27 (apt lists dated 2026-07-11): 724 installed packages.
Steps, deterministic: stanzas sorted by package name; a long description of at least
``MIN_WORDS`` words; one package per identical long description and per near-duplicate one
(word 3-shingle Jaccard >= ``NEAR_DUP``), keeping the first in the order: not ``-dbg``,
``-doc``, ``-dev``, ``-common``, ``-data``, not ``lib*``, shorter name, name; then at most
``TARGET`` of them, sampled with ``SEED`` (all, when fewer remain, as here). Result: 419
documents (of 724 installed packages; status file sha256 30d604c565bb9657...), fewer than the
2,000 a full ``Translation-en`` would give; rebuild from a richer status file or dumpavail
(``--source``) where long descriptions are available offline.
Each document: ``id`` (package), ``title`` (synopsis line), ``text`` (long description, Debian's
`` .`` paragraph lines as blank lines, list indentation kept), ``uri`` (Homepage or the
packages.debian.org page), ``tags`` ([section]).

Queries and judgments, by hand: ``data-debian/topics.tsv`` (``qid kind target text``; kind
``term``: a need stated with the specific terms of the target's description, ``para``: a
paraphrase that avoids its words) was written by reading the target package's description
(the target is grade 2). Candidates were pooled from two independent rankers implemented here
without OpenSearch: BM25 (k1 1.2, b 0.75) over title + text with a light suffix stemmer, and
cosine similarity of the product's embedder (settings as usual, ``make_embedder``) over title
and text; the top ``POOL_DEPTH`` of each were read and judged in ``data-debian/judgments.tsv``
(``qid docid grade``): 2 = does what the query asks, 1 = partially, or closely related;
unjudged = not relevant. ``write`` turns them into ``queries.jsonl`` (``id``, ``text``,
``split``, ``target``; split ``tune`` / ``report`` by a shuffle with ``SEED``, half each) and
``qrels.tsv`` (TREC: ``qid 0 docid grade``). Now: 120 queries (60 ``term``, 60 ``para``),
250 judgments (133 grade 2 with the targets, 117 grade 1); 60 tune, 60 report.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent / "data-debian"
STATUS = Path("/var/lib/dpkg/status")
MIN_WORDS = 30
NEAR_DUP = 0.6
TARGET = 2000
SEED = 20261127
POOL_DEPTH = 10
_WORD = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")
_STOP_WORDS = (
    "a an and are as at be by for from has have in into is it its of on or that the this to "
    "was were will with which can you your also other such these those their"
)
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Package:
    name: str
    synopsis: str
    long: str
    section: str
    homepage: str


def parse_stanzas(text: str) -> list[Package]:
    """The packages of a dpkg status file or ``apt-cache dumpavail`` output (deb822)."""
    out: list[Package] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" not in fields or "Description" not in fields:
            continue
        synopsis, _, long = fields["Description"].partition("\n")
        out.append(
            Package(
                fields["Package"],
                synopsis.strip(),
                long,
                fields.get("Section", ""),
                fields.get("Homepage", ""),
            )
        )
    return out


def long_text(raw: str) -> str:
    """Debian's long description as text: `` .`` lines become blank lines."""
    lines = []
    for line in raw.splitlines():
        body = line[1:] if line.startswith(" ") else line
        if body.strip() == ".":
            lines.append("")
        elif body.startswith(" "):
            lines.append(body.rstrip())  # verbatim (lists, examples): keep the indentation
        else:
            lines.append(body.strip())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _preference(name: str) -> tuple[int, int, str]:
    penalty = sum(
        name.endswith(s) or f"{s}-" in name for s in ("-dbg", "-doc", "-dev", "-common", "-data")
    )
    return (penalty * 2 + name.startswith("lib"), len(name), name)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def select(packages: Iterable[Package]) -> list[Package]:
    """Long-described packages, near-duplicates dropped, at most ``TARGET`` (by ``SEED``)."""
    unique: dict[str, Package] = {}
    for p in sorted(packages, key=lambda p: p.name):
        if p.name in unique or len(p.long.split()) < MIN_WORDS:
            continue
        unique[p.name] = p
    kept: list[tuple[Package, set[tuple[str, ...]]]] = []
    for p in sorted(unique.values(), key=lambda p: _preference(p.name)):
        sh = _shingles(p.long)
        if any(len(sh & s) / len(sh | s) >= NEAR_DUP for _, s in kept):
            continue
        kept.append((p, sh))
    chosen = sorted((p for p, _ in kept), key=lambda p: p.name)
    if len(chosen) > TARGET:
        chosen = sorted(random.Random(SEED).sample(chosen, TARGET), key=lambda p: p.name)
    return chosen


def to_doc(p: Package) -> dict[str, Any]:
    return {
        "id": p.name,
        "title": p.synopsis,
        "text": long_text(p.long),
        "uri": p.homepage or f"https://packages.debian.org/bookworm/{p.name}",
        "tags": [p.section] if p.section else [],
    }


def load_docs(data: Path = DATA) -> list[dict[str, Any]]:
    lines = (data / "docs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# --- the two pooling rankers --------------------------------------------------------------


def stem(word: str) -> str:
    """A light suffix stripper (plural, -ing, -ed, -ation, -ly): enough to pool candidates."""
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: -len(suf)]
    return word


def terms(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


class Bm25:
    """BM25 (k1 1.2, b 0.75) over title + text of each document."""

    def __init__(self, docs: Sequence[dict[str, Any]], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = [d["id"] for d in docs]
        self.tf = [Counter(terms(f"{d['title']}\n{d['text']}")) for d in docs]
        self.len = [sum(tf.values()) for tf in self.tf]
        self.avg = sum(self.len) / len(self.len)
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.k1, self.b = k1, b

    def rank(self, query: str, k: int = POOL_DEPTH) -> list[str]:
        q = set(terms(query))
        scores = []
        for i, tf in enumerate(self.tf):
            norm = self.k1 * (1 - self.b + self.b * self.len[i] / self.avg)
            s = sum(self.idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t in q if t in tf)
            scores.append((-s, self.ids[i]))
        return [i for s, i in sorted(scores)[:k] if s < 0]


class Dense:
    """Cosine similarity of the product's embedder over title + text of each document."""

    def __init__(self, docs: Sequence[dict[str, Any]]) -> None:
        from infra.settings import Settings
        from streams.embedding import make_embedder

        self.embedder = make_embedder(Settings().embedding)
        self.embedder.warm_up()
        self.ids = [d["id"] for d in docs]
        texts = [f"{d['title']}\n\n{d['text']}" for d in docs]
        batches = [self.embedder.embed(texts[i : i + 64]) for i in range(0, len(texts), 64)]
        self.matrix = self._unit(np.concatenate(batches))

    @staticmethod
    def _unit(m: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        m = np.asarray(m, dtype=np.float32)
        norms: np.ndarray[Any, Any] = np.linalg.norm(m, axis=1, keepdims=True)
        out: np.ndarray[Any, Any] = m / np.maximum(norms, 1e-12)
        return out

    def rank(self, query: str, k: int = POOL_DEPTH) -> list[str]:
        q = self._unit(np.asarray(self.embedder.embed([query])))[0]
        order = np.argsort(-(self.matrix @ q), kind="stable")[:k]
        return [self.ids[int(i)] for i in order]


# --- topics, judgments and the written set --------------------------------------------------


@dataclass(frozen=True)
class Topic:
    qid: str
    kind: str
    target: str
    text: str


def load_topics(data: Path = DATA) -> list[Topic]:
    out = []
    for line in (data / "topics.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, kind, target, text = line.split("\t")
            out.append(Topic(qid, kind, target, text))
    return out


def load_judgments(data: Path = DATA) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in (data / "judgments.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, doc, grade = line.split("\t")
            out.setdefault(qid, {})[doc] = int(grade)
    return out


def splits(qids: Sequence[str]) -> dict[str, str]:
    order = sorted(qids)
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    return {q: ("tune" if i < half else "report") for i, q in enumerate(order)}


def write_set(data: Path = DATA) -> tuple[int, int]:
    ids = {d["id"] for d in load_docs(data)}
    topics = load_topics(data)
    judged = load_judgments(data)
    split = splits([t.qid for t in topics])
    queries, qrels = [], []
    for t in topics:
        grades = {**judged.get(t.qid, {}), t.target: 2}
        unknown = sorted(set(grades) - ids)
        if unknown:
            raise SystemExit(f"{t.qid}: judged documents not in the corpus: {unknown}")
        queries.append({"id": t.qid, "text": t.text, "split": split[t.qid], "target": t.target})
        for doc in sorted(grades, key=lambda d: (-grades[d], d)):
            if grades[doc] > 0:
                qrels.append(f"{t.qid}\t0\t{doc}\t{grades[doc]}")
    (data / "queries.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8"
    )
    (data / "qrels.tsv").write_text("\n".join(qrels) + "\n", encoding="utf-8")
    return len(queries), len(qrels)


def pool(data: Path = DATA, only: set[str] | None = None) -> str:
    """Each query's candidates (top ``POOL_DEPTH`` of each ranker) as text, for judging."""
    docs = load_docs(data)
    by_id = {d["id"]: d for d in docs}
    bm25, dense = Bm25(docs), Dense(docs)
    judged = load_judgments(data) if (data / "judgments.tsv").is_file() else {}
    out = []
    for t in load_topics(data):
        if only and t.qid not in only:
            continue
        a, b = bm25.rank(t.text), dense.rank(t.text)
        out.append(f"## {t.qid} [{t.kind}] {t.text}  (target {t.target})")
        for doc in dict.fromkeys([*a, *b]):
            mark = ("B" if doc in a else "-") + ("D" if doc in b else "-")
            g = judged.get(t.qid, {}).get(doc, "")
            out.append(f"  {mark} {g!s:1} {doc}: {by_id[doc]['title']}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["docs", "pool", "write"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--source", type=Path, default=STATUS, help="dpkg status or dumpavail")
    parser.add_argument("--only", help="pool: these query ids (comma separated)")
    args = parser.parse_args()
    if args.command == "docs":
        docs = [to_doc(p) for p in select(parse_stanzas(args.source.read_text(encoding="utf-8")))]
        args.data.mkdir(parents=True, exist_ok=True)
        (args.data / "docs.jsonl").write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
        )
        print(f"{len(docs)} documents")
    elif args.command == "pool":
        print(pool(args.data, set(args.only.split(",")) if args.only else None), end="")
    else:
        n_q, n_rel = write_set(args.data)
        print(f"{n_q} queries, {n_rel} judgments")


if __name__ == "__main__":
    main()
