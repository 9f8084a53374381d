"""Benchmark: BM25, k-NN and hybrid retrieval on the judged NumPy set; re-embedding after edits.

    .venv/bin/python -m bench.retrieval.corpus     # (re)builds bench/retrieval/data/
    .venv/bin/python -m bench.retrieval.run --out bench/results
    .venv/bin/python -m bench.retrieval.run --data bench/retrieval/data-debian  # second set

``--data DIR`` runs the same benchmark on another judged set in the same format
(``docs.jsonl``, ``queries.jsonl``, ``qrels.tsv``): the Debian package descriptions of
``bench/retrieval/debian.py`` (``data-debian``: prose under a title, queries that share the
documents' terms about half the time). Its results go to ``retrieval-debian.json`` / ``.md``
(``retrieval-NAME`` for ``data-NAME``), so that the NumPy set's ``retrieval.json`` stays.

Against the real OpenSearch (settings as usual, e.g. RAGSTREAM_OPENSEARCH__URL), in fresh
indices that are dropped at the end (``--keep`` leaves them, for ``ragstream eval``):

1. Indexing variants. The corpus goes through the product's chunk-and-embed path into one
   pair of indices (chunks and documents) per variant: ``section+context`` (SectionChunker;
   the model embeds title, headings and chunk text: the pipeline's choice) and
   ``token+plain`` (the former pipeline: sliding TokenChunker windows, chunk text alone);
   ``--variants`` adds the crossings ``section+plain`` and ``token+context``.
2. Search variants over ``section+context`` (and the crossings): ``bm25``, ``knn``, BM25
   over whole documents (the documents index) alone, ``hybrid`` over chunks fused on the
   server (one request: RRF 60, or min-max with chunk BM25 weight 0.2 .. 0.4) and by the
   client-side fallback (two requests), and ``hybrid`` fused per document
   (``doc_minmax``: chunk BM25, k-NN and whole-document BM25 in one ``_msearch``, weights on
   a small grid). The BM25 legs, the chunk-level min-max and the per-document grid again
   with text match ``stemmed`` (exact fields plus their ``stemmed`` subfields: stop words,
   Krovetz stemmer; the rows named ``... stemmed``). Over ``token+plain``: the legs and RRF
   60 (the former pipeline). Documents come from the top 400 chunks (k = 100 documents), a
   document scoring as its best chunk.
3. Choice. The indexing variant and the hybrid fusion are chosen together, by nDCG@10 of
   the hybrid (server-side or per document, not the fallback rows, either text match) on the
   ``tune`` half of the queries; the ``report`` half gives the published numbers. The BM25
   mode's text match is chosen by the chunk BM25 leg's nDCG@10 on the tune half.
4. Re-embedding. 1 % of the documents are edited in one place each (a sentence inserted, a
   word replaced or deleted, by a fixed seed); the whole corpus is processed again by the
   chunk-and-embed stage with its cache warm, and separately the edited documents only by a
   fresh stage that reads vectors back from the index. Model calls are counted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from infra.opensearch import make_client
from infra.settings import ChunkingSettings, OpenSearchSettings, Settings
from schemas import Chunk, CleanDocument, EmbeddedDocument, Op, chunk_id_for
from streams.chunking import Chunker, SectionChunker, TokenChunker
from streams.embedding import DIMENSION, Vectors, make_embedder
from streams.query import HybridSearcher, Mode, TextMatch
from streams.runner import is_transient
from streams.search_eval import Qrels, evaluate, load_qrels, load_queries, per_query_ndcg
from streams.search_pipeline import Fusion
from streams.search_vectors import IndexedVectors
from streams.sinks.indices import drop_indices, ensure_indices
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import ChunkEmbedStage

DATA = Path(__file__).resolve().parent / "data"
#: Other judged sets: directory name -> (what the documents are, how they were made, queries).
SETS = {
    "data-debian": (
        "Debian package descriptions",
        "bench/retrieval/debian.py",
        "bench/retrieval/data-debian/topics.tsv",
    ),
}
REPO = Path(__file__).resolve().parents[2]
TARGET_MARGIN = 0.03
REEMBED_TARGET = 0.02
K_DOCS = 100
POOL = 400
BATCH = 16
RRF60 = Fusion("rrf", 60)


T = TypeVar("T")


def retry(fn: Callable[[], T], patience_s: float = 1200.0) -> T:
    """``fn()``, waited out through OpenSearch outages (other suites restart the node)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() > deadline:
                raise
            print(f"OpenSearch unavailable ({type(exc).__name__}); waiting", file=sys.stderr)
            time.sleep(5)


class CountingEmbedder:
    """The configured embedder with a disk cache (bench re-runs) and a count of texts."""

    def __init__(self, settings: Settings, cache_dir: Path | None) -> None:
        self._inner = make_embedder(settings.embedding)
        self._cache_dir = cache_dir
        self._mem: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        self.calls = 0
        self.texts = 0
        self._path = None
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._path = cache_dir / f"{self.model_id}.npz"
            if self._path.is_file():
                with np.load(self._path) as z:
                    self._mem = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return DIMENSION

    def warm_up(self) -> None:
        self._inner.warm_up()

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        self.texts += len(texts)
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        todo = sorted({k for k in keys if k not in self._mem})
        if todo:
            by_key = dict(zip(keys, texts, strict=True))
            fresh = self._inner.embed([by_key[k] for k in todo])
            for k, row in zip(todo, fresh, strict=True):
                self._mem[k] = row
        return np.stack([self._mem[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self._path is not None:
            keys = sorted(self._mem)
            vecs = np.stack([self._mem[k] for k in keys]) if keys else np.empty((0, DIMENSION))
            np.savez(self._path, keys=np.array(keys), vecs=vecs.astype(np.float32))


def clean_docs(
    rows: Sequence[dict[str, Any]], source_id: str = "numpy-docs"
) -> list[CleanDocument]:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        CleanDocument(
            event_id=f"bench-{r['id']}",
            source_id=source_id,
            document_id=r["id"],
            op=Op.UPSERT,
            version=1,
            occurred_at=when,
            text=r["text"],
            title=r["title"],
            uri=r["uri"],
            tags=tuple(r["tags"]),
        )
        for r in rows
    ]


def plain_embed(
    chunker: Chunker, embedder: CountingEmbedder, docs: Sequence[CleanDocument]
) -> list[EmbeddedDocument]:
    """The former chunk-and-embed: the model sees the chunk text alone."""
    out = []
    for doc in docs:
        spans = chunker.split(doc.text or "")
        vecs = embedder.embed([s.text for s in spans]) if spans else np.empty((0, DIMENSION))
        chunks = tuple(
            Chunk(
                chunk_id=chunk_id_for(doc.key, s.index, doc.version),
                index=s.index,
                text=s.text,
                start=s.start,
                end=s.end,
                embedding=tuple(float(x) for x in v),
            )
            for s, v in zip(spans, vecs, strict=True)
        )
        out.append(EmbeddedDocument(document=doc, model_id=embedder.model_id, chunks=chunks))
    return out


@dataclass
class Variant:
    name: str
    chunker: Chunker
    context: bool
    settings: OpenSearchSettings
    chunks: int = 0
    seconds: float = 0.0


def build_index(
    variant: Variant, docs: Sequence[CleanDocument], embedder: CountingEmbedder
) -> None:
    client = make_client(variant.settings)
    retry(lambda: ensure_indices(client, variant.settings, DIMENSION))
    sink = OpenSearchSink(variant.settings, client)
    stage = ChunkEmbedStage(variant.chunker, embedder, cache_size=0)
    stage.warm_up()
    start = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        batch = docs[i : i + BATCH]
        embedded = (
            stage.process(batch)
            if variant.context
            else plain_embed(variant.chunker, embedder, batch)
        )
        report = sink.write(embedded)
        if report.failures:
            raise SystemExit(f"indexing failed: {report.failures[0].reason}")
        variant.chunks += sum(len(e.chunks) for e in embedded)
    for alias in (variant.settings.chunks_alias, variant.settings.documents_alias):
        retry(partial(client.indices.refresh, index=alias))
    variant.seconds = time.perf_counter() - start


@dataclass(frozen=True)
class SearchVariant:
    name: str
    mode: Mode
    fusion: Fusion = RRF60
    server: bool | None = None
    choosable: bool = False
    """A hybrid the tune half may choose (not a leg, not a fallback row)."""
    text_match: TextMatch = "exact"


DOC_BM25 = "bm25 documents"
STEMMED = " stemmed"
FORMER = ("bm25", "knn", "hybrid rrf60")
#: The legs the target compares the hybrid with, where measured.
LEGS = ("bm25", "bm25" + STEMMED, "knn", DOC_BM25, DOC_BM25 + STEMMED)


def doc_fusion(bm25: float, documents: float, text_match: TextMatch = "exact") -> SearchVariant:
    tm = " stemmed" if text_match == "stemmed" else ""
    return SearchVariant(
        f"hybrid doc-minmax{tm} bm25={bm25:g} documents={documents:g}",
        "hybrid",
        Fusion("doc_minmax", bm25_weight=bm25, documents_weight=documents),
        choosable=True,
        text_match=text_match,
    )


def search_variants(full: bool = True) -> list[SearchVariant]:
    """Every variant (``full``), or the legs and RRF 60 (the former pipeline's rows)."""
    out = [SearchVariant("bm25", "bm25"), SearchVariant("knn", "knn")]
    out.append(SearchVariant("hybrid rrf60", "hybrid", RRF60, True, choosable=True))
    if not full:
        return out
    # the documents leg alone: all weight on it (documents it misses follow, unordered)
    out.insert(2, SearchVariant(DOC_BM25, "hybrid", doc_fusion(0.0, 1.0).fusion))
    for tm in ("exact", "stemmed"):
        suffix = STEMMED if tm == "stemmed" else ""
        if tm == "stemmed":
            out.insert(1, SearchVariant("bm25" + STEMMED, "bm25", text_match=tm))
            out.insert(
                4,
                SearchVariant(
                    DOC_BM25 + STEMMED, "hybrid", doc_fusion(0.0, 1.0).fusion, text_match=tm
                ),
            )
        for w in (0.2, 0.3, 0.4):
            out.append(
                SearchVariant(
                    f"hybrid minmax{suffix} bm25={w:g}",
                    "hybrid",
                    Fusion("minmax", bm25_weight=w),
                    True,
                    choosable=True,
                    text_match=tm,
                )
            )
        out += [doc_fusion(b, d, tm) for b in (0.0, 0.1, 0.2) for d in (0.1, 0.2, 0.3)]
    out.append(SearchVariant("hybrid rrf60 client-side", "hybrid", RRF60, False))
    out.append(
        SearchVariant(
            "hybrid minmax bm25=0.3 client-side", "hybrid", Fusion("minmax", bm25_weight=0.3), False
        )
    )
    return out


def run_queries(
    variant: Variant,
    sv: SearchVariant,
    queries: Sequence[tuple[str, str]],
    vectors: dict[str, list[float]],
) -> tuple[dict[str, list[str]], float]:
    searcher = HybridSearcher(
        variant.settings,
        make_client(variant.settings),
        fusion=sv.fusion,
        server_hybrid=sv.server,
        text_match=sv.text_match,
    )
    run: dict[str, list[str]] = {}
    start = time.perf_counter()
    for qid, text in queries:
        hits = retry(
            partial(searcher.documents, text, vectors[qid], mode=sv.mode, k=K_DOCS, pool=POOL)
        )
        run[qid] = [h.document_id for h in hits]
    return run, (time.perf_counter() - start) / max(1, len(queries))


def edit_once(text: str, rng: random.Random) -> str:
    """One local edit: insert a sentence, replace a word or delete one, at a random place."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    p = rng.choice(spaces)
    q = text.find(" ", p + 1)
    q = len(text) if q < 0 else q
    kind = rng.choice(["insert", "replace", "delete"])
    if kind == "insert":
        return text[:p] + " This sentence was added by an edit." + text[p:]
    if kind == "replace":
        return text[:p] + " changed" + text[q:]
    return text[:p] + text[q:]


def reembed(
    docs: Sequence[CleanDocument],
    embedder: CountingEmbedder,
    chunker: Chunker,
    indexed: Variant | None,
    seed: int = 9,
) -> dict[str, Any]:
    """Model calls after 1 % of the documents changed in one place each."""
    rng = random.Random(seed)
    n_edit = max(1, round(len(docs) / 100))
    picked = sorted(rng.sample(range(len(docs)), n_edit))
    edited = [d.model_copy(update={"version": 2}) for d in docs]
    for i in picked:
        edited[i] = edited[i].model_copy(update={"text": edit_once(docs[i].text or "", rng)})
    stage = ChunkEmbedStage(chunker, embedder)
    stage.warm_up()
    for i in range(0, len(docs), BATCH):
        stage.process(docs[i : i + BATCH])
    total = stage.computed
    for i in range(0, len(edited), BATCH):
        stage.process(edited[i : i + BATCH])
    again = stage.computed - total
    edited_docs = [edited[i] for i in picked]
    out: dict[str, Any] = {
        "documents": len(docs),
        "edited_documents": n_edit,
        "chunks": total,
        "chunks_of_edited_documents": sum(len(chunker.split(d.text or "")) for d in edited_docs),
        "recomputed_all_resent_cache": again,
        "fraction_all_resent_cache": round(again / total, 5),
    }
    if indexed is not None:
        client = make_client(indexed.settings)
        fresh = ChunkEmbedStage(
            chunker, embedder, stored=IndexedVectors(indexed.settings, client), cache_size=0
        )
        retry(lambda: fresh.process(edited_docs))
        out["recomputed_edited_from_index"] = fresh.computed
        out["reused_edited_from_index"] = fresh.reused
        out["fraction_from_index"] = round(fresh.computed / total, 5)
    return out


def _commit() -> str:
    try:
        head = subprocess.check_output(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True
        ).strip()
        dirty = subprocess.call(
            ["git", "diff", "--quiet", "HEAD", "--", "streams", "bench/retrieval"], cwd=REPO
        )
        return head + ("+local changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(rows: dict[str, Any]) -> list[str]:
    lines = [
        "| variant | tune nDCG@10 | report nDCG@10 | report recall@100 | report MRR | ms/query |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in rows.items():
        tune, rep = s["tune"], s["report"]
        lines.append(
            f"| {name} | {tune['ndcg@10']:.4f} | {rep['ndcg@10']:.4f} | "
            f"{rep['recall@100']:.4f} | {rep['mrr']:.4f} | {s['ms_per_query']:.0f} |"
        )
    return lines


#: Measured once with prototypes on the same corpus, queries and section+context index:
#: the stemming and title rows on this node with analysis-common (2026-11-27, at 81c4f7b plus
#: the stemmed subfields), the others at 5895be3; not re-run by this script.
NOT_ADOPTED = [
    "Tried and not adopted (measured once by a prototype on the same index and queries, "
    "tune / report nDCG@10; not re-run here; exact text match for comparison: chunk BM25 "
    "0.5287 / 0.5086, whole-document BM25 0.5741 / 0.5507):",
    "",
    "* Other analyzers for the BM25 fields, each alone (chunk BM25; whole documents; best "
    "per-document fusion on the tune half): `english` (Porter, stop words) 0.5210 / 0.5053; "
    "0.5687 / 0.5632; 0.7377 / 0.7117. `english` with k1 0.9, b 0.4 (Anserini's BM25) "
    "0.5285 / 0.5105; 0.5575 / 0.5407; 0.7442 / 0.7168. The stemmed subfield's analyzer "
    "(Krovetz) alone 0.5445 / 0.5076; 0.5817 / 0.5645; 0.7435 / 0.7168. Standard with stop "
    "words 0.5238 / 0.5101; 0.5659 / 0.5475; 0.7521 / 0.7015.",
    "* Other pairings of exact and stemmed fields: exact + `english` summed 0.5432 / 0.5140; "
    "0.5869 / 0.5624; 0.7422 / 0.6993. Standard with stop words + Krovetz 0.5420 / 0.5142; "
    "0.5926 / 0.5612; 0.7482 / 0.7045. `best_fields` with tie breaker 0.3 over exact + "
    "`english` 0.5327 / 0.5123; 0.5725 / 0.5650. `cross_fields` over them 0.5194 / 0.5078. "
    "`minimum_should_match` 30% changed nothing that mattered (0.5435 / 0.5146 against "
    "0.5432 / 0.5140): the queries are short.",
    "* Identifiers split at dots and underscores (`word_delimiter_graph`, then Porter), so "
    "that `numpy.linalg.solve` also indexes `solve`: text and title 0.4992 / 0.4617 alone, "
    "0.5270 / 0.4583 with the exact fields; titles alone split (added to exact + `english`, "
    "weight 1) 0.5368 / 0.4874 against 0.5432 / 0.5140 without. Title boosts (none, 1, 2) "
    "gave identical rankings: the titles here are identifiers such as `numpy.cumsum`, one "
    "token to every analyzer above that no query names; prose titles may behave otherwise.",
    "* BM25 parameters k1 in {0.9, 1.2, 2.0} x b in {0.3, 0.5, 0.75, 0.9}: whole documents "
    "0.5468 .. 0.5832 on the tune half (default k1 1.2, b 0.75: 0.5741), chunks 0.5179 .. "
    "0.5461 (default 0.5288); within the noise of 70 queries, defaults kept.",
    "* Normalisation: neural-search 2.19 has `min_max` and `l2` (`z_score` answers 'provided "
    "normalization technique is not supported'); `l2` and RRF fused per document stayed "
    "below min-max on the tune half (best 0.7092 and 0.7234 against 0.7585).",
    "* A document's k-NN score as a soft maximum of its chunks' cosine similarities "
    "(log-sum-exp, temperature 1/10 .. 1/50) instead of its best chunk: k-NN alone 0.7384 / "
    "0.7081 at 1/20 (best chunk 0.7232 / 0.7005). In the per-document fusion grid (these "
    "aggregations x the weights below) the tune half still chose the best chunk with weights "
    "0.1 / 0.2 (0.7585 / 0.7050); the best soft-maximum fusion on the tune half, 1/20 with "
    "documents 0.2, scored 0.7556 / 0.7332. Not adopted, since the tune half did not choose "
    "it; it shows how far apart near-ties on 70 queries can land on the other 69.",
]


def results_name(data: Path) -> str:
    """``retrieval`` for the NumPy set, ``retrieval-NAME`` for ``data-NAME`` (or any DIR)."""
    if data.resolve() == DATA:
        return "retrieval"
    return "retrieval-" + data.resolve().name.removeprefix("data-")


def render(p: dict[str, Any]) -> str:
    """The Markdown report of a results payload (``retrieval.json``)."""
    index, fusion = p["chosen"]["index"], p["chosen"]["hybrid"]
    rep = {n: s["report"] for n, s in p["variants"][index]["search"].items()}
    judged_set = p.get("set")
    if judged_set:
        title = f"# Retrieval benchmark, {judged_set['documents']} ({p['generated']})"
        command = f"`python -m bench.retrieval.run --data {judged_set['data']}`"
        corpus = f"({judged_set['documents']}, `{judged_set['made_by']}`)"
        topics = f"`{judged_set['queries']}`"
    else:
        title = f"# Retrieval benchmark ({p['generated']})"
        command = "`python -m bench.retrieval.run`"
        corpus = f"(NumPy {p['numpy']} reference, `bench/retrieval/corpus.py`)"
        topics = "`bench/retrieval/topics.py`"
    lines = [
        title,
        "",
        f"{command}: commit {p['commit']}; {p['documents']} documents {corpus}, "
        f"{p['queries']['tune']} tune + {p['queries']['report']} report queries "
        f"(hand-written, {topics}), {p['judgments']} graded judgments; "
        f"OpenSearch 2.19 (single node, shared with other test suites: ms/query are rough), "
        f"int8 MiniLM; k = {p['k_documents']} documents from the best {p['pool_chunks']} chunks; "
        f"{p['cpus']} CPUs, Python {p['python']}; whole run {p['run_seconds']:.0f} s.",
        "",
        "## Report half",
        "",
        f"Index `{index}` and hybrid fusion `{fusion}` were chosen together by nDCG@10 on the "
        "tune half; the report half was not used to choose. `bm25` and `knn` are the chunk "
        "legs, `bm25 documents` is BM25 over whole documents (the documents index); "
        "`doc-minmax` fuses those three per document (each leg scores a document by its best "
        "hit, min-max per leg, weighted; k-NN gets the remaining weight), `minmax` and `rrf` "
        "fuse the two chunk legs per chunk in an OpenSearch search pipeline. The last row is "
        "the former pipeline (sliding token windows, chunk text alone embedded, RRF 60).",
        "",
        "| mode | nDCG@10 | recall@100 | MRR |",
        "|---|---:|---:|---:|",
    ]
    legs = [n for n in LEGS if n in rep]
    tune = {n: s["tune"]["ndcg@10"] for n, s in p["variants"][index]["search"].items()}
    rows = [(n, rep[n]) for n in legs] + [(f"{fusion} (default)", rep[fusion])]
    other = [n for n in tune if n.startswith("hybrid") and "client-side" not in n]
    other_tm = [n for n in other if (STEMMED in n) != (STEMMED in fusion)]
    if other_tm:
        best_other = max(other_tm, key=lambda n: tune[n])
        rows.append((f"{best_other} (best on tune with the other text match)", rep[best_other]))
    rows += [(n, rep[n]) for n in ("hybrid minmax bm25=0.3", "hybrid rrf60") if n != fusion]
    before = p["variants"].get("token+plain", {}).get("search", {}).get("hybrid rrf60")
    if before:
        rows.append(("former pipeline: token+plain, hybrid rrf60", before["report"]))
    for label, m in rows:
        lines.append(f"| {label} | {m['ndcg@10']:.4f} | {m['recall@100']:.4f} | {m['mrr']:.4f} |")
    t = p["target"]
    best_leg = max(legs, key=lambda n: rep[n]["ndcg@10"])
    lines += [
        "",
        f"Target: hybrid beats every leg ({', '.join(legs)}) by >= {t['margin']} nDCG@10 on "
        f"the report half. Hybrid - best leg ({best_leg}) = {t['achieved']:+.4f}"
        + (f" (standard error {se['report']:.4f})" if (se := t.get("standard_error")) else "")
        + f": **{'met' if t['met'] else 'MISSED'}**. On the tune half the chosen hybrid is "
        f"{tune[fusion] - max(tune[n] for n in legs):+.4f} over its best leg"
        + (f" (standard error {se['tune']:.4f})" if se else "")
        + ". Standard error: of the mean per-query difference of nDCG@10.",
        "The client-side fallback of the chunk-level fusions computes the same scores as the "
        "server (integration test `test_server_side_hybrid_matches_the_client_side_fallback`), "
        "see the `... client-side` rows; `doc-minmax` always fuses on the client.",
        "",
    ]
    if "bm25" + STEMMED in tune:
        tm = p["chosen"].get("bm25_text_match", "exact")
        lines += [
            "Text match. `... stemmed` rows query the exact fields (`text`, `title^2`) and their "
            "`stemmed` subfields (standard tokenizer, possessives, lower case, English stop "
            "words, Krovetz stemmer) summed (`most_fields`); the others the exact fields alone "
            "(`best_fields`). The BM25 mode's text match is chosen by the chunk BM25 leg on the "
            f"tune half: **{tm}** (tune {tune['bm25' + STEMMED]:.4f} stemmed, "
            f"{tune['bm25']:.4f} exact); the hybrid's comes with the chosen fusion above.",
            "",
        ]
    if not t["met"]:
        lines += [
            ("Why: on these queries" if judged_set else "Why: on these paraphrased queries")
            + " BM25 trails k-NN by "
            f"{rep['knn']['ndcg@10'] - rep['bm25']['ndcg@10']:.2f} nDCG@10 over chunks and "
            + (
                f"{rep['knn']['ndcg@10'] - rep[DOC_BM25]['ndcg@10']:.2f} over whole documents "
                if DOC_BM25 in rep
                else ""
            )
            + (
                "(half the queries paraphrase their documents)"
                if judged_set
                else "(the queries avoid the documents' words by design)"
            )
            + ", so fusion has little to "
            f"add: the chosen hybrid is {rep[fusion]['ndcg@10'] - rep['knn']['ndcg@10']:+.4f} "
            "over k-NN on the report half.",
            "",
        ]
    if not judged_set:
        lines += [*NOT_ADOPTED, ""]
    lines += [
        "## Every variant (tune and report halves)",
        "",
        "Indexing seconds include embedding only where the bench's vector cache (`--cache`) was "
        "cold.",
        "",
    ]
    for name, res in p["variants"].items():
        lines += [
            f"### Index `{name}`: {res['chunks']} chunks, indexed in {res['index_seconds']:.0f} s",
            "",
            *table(res["search"]),
            "",
        ]
    lines += ["## Re-embedding after a 1 % edit", ""]
    for name, st in p["reembed"].items():
        lines.append(
            f"* {name} chunker: {st['edited_documents']} of {st['documents']} documents "
            f"edited in one place ({st['chunks_of_edited_documents']} of {st['chunks']} "
            f"chunks are theirs). Whole corpus sent again, cache warm: "
            f"{st['recomputed_all_resent_cache']} chunks embedded = "
            f"**{st['fraction_all_resent_cache']:.2%}** of the corpus's chunks "
            f"(target <= {REEMBED_TARGET:.0%})."
            + (
                " Edited documents only, fresh worker reading vectors back from the index: "
                f"{st['recomputed_edited_from_index']} embedded, "
                f"{st['reused_edited_from_index']} reused."
                if "recomputed_edited_from_index" in st
                else ""
            )
        )
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="judged set: docs.jsonl, queries.jsonl, qrels.tsv (default: the NumPy set)",
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ragstream-bench-vectors"))
    parser.add_argument("--keep", action="store_true", help="leave the indices")
    parser.add_argument(
        "--render",
        type=Path,
        help="only write retrieval.md again from this retrieval.json (NAME.md from NAME.json)",
    )
    parser.add_argument(
        "--variants",
        default="section+context,token+plain",
        help="indices to build: section+context, token+plain, section+plain, token+context",
    )
    args = parser.parse_args()
    if args.render:
        text = render(json.loads(args.render.read_text(encoding="utf-8")))
        (args.out / f"{args.render.stem}.md").write_text(text, encoding="utf-8")
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    t0 = time.perf_counter()
    settings = Settings()
    data: Path = args.data
    name = results_name(data)
    rows = [json.loads(line) for line in (data / "docs.jsonl").read_text().splitlines()]
    docs = clean_docs(rows) if name == "retrieval" else clean_docs(rows, f"bench-{name}")
    qrels: Qrels = load_qrels(data / "qrels.tsv")
    tune = load_queries(data / "queries.jsonl", "tune")
    report = load_queries(data / "queries.jsonl", "report")
    embedder = CountingEmbedder(settings, args.cache)
    embedder.warm_up()
    queries = [(q.id, q.text) for q in [*tune, *report]]
    qvec = {qid: [float(x) for x in embedder.embed([text])[0]] for qid, text in queries}
    prefix = f"bench-ret-{uuid.uuid4().hex[:6]}"
    chunking = ChunkingSettings()
    factories: dict[str, Callable[[], Chunker]] = {
        "section": lambda: SectionChunker(chunking),
        "token": lambda: TokenChunker(chunking),
    }
    variants = []
    for name in args.variants.split(","):
        kind, ctx = name.split("+")
        chunker = factories[kind]()
        chunker.warm_up()
        os_settings = settings.opensearch.model_copy(
            update={
                "chunks_alias": f"{prefix}-{kind}-{ctx}-chunks",
                "documents_alias": f"{prefix}-{kind}-{ctx}-documents",
            }
        )
        variants.append(Variant(name, chunker, ctx == "context", os_settings))
    results: dict[str, Any] = {"variants": {}}
    try:
        for v in variants:
            build_index(v, docs, embedder)
            embedder.save()
            print(f"indexed {v.name}: {v.chunks} chunks in {v.seconds:.0f}s", file=sys.stderr)
            per: dict[str, Any] = {}
            for sv in search_variants(full=v.name != "token+plain"):
                run, secs = run_queries(v, sv, queries, qvec)
                tune_m = evaluate({q.id: run[q.id] for q in tune}, qrels)
                rep_m = evaluate({q.id: run[q.id] for q in report}, qrels)
                per[sv.name] = {"tune": tune_m, "report": rep_m, "ms": secs * 1000, "run": run}
                print(
                    f"  {v.name} {sv.name}: tune {tune_m.ndcg_at_10:.4f} "
                    f"report {rep_m.ndcg_at_10:.4f}",
                    file=sys.stderr,
                )
            results["variants"][v.name] = {
                "chunks": v.chunks,
                "index_seconds": v.seconds,
                "search": per,
            }
        hybrids = [s for s in search_variants() if s.choosable]
        chosen_index, chosen_fusion = max(
            (
                (v.name, s)
                for v in variants
                for s in hybrids
                if s.name in results["variants"][v.name]["search"]
            ),
            key=lambda vs: results["variants"][vs[0]]["search"][vs[1].name]["tune"].ndcg_at_10,
        )
        by_name = {v.name: v for v in variants}
        reembed_stats = {
            kind: reembed(docs, embedder, factories[kind](), by_name.get(f"{kind}+context"))
            for kind in ("section", "token")
        }
        embedder.save()
    finally:
        if not args.keep:
            for v in variants:
                retry(partial(drop_indices, make_client(v.settings), v.settings))
    write_results(
        args.out,
        results,
        chosen_index,
        chosen_fusion,
        reembed_stats,
        time.perf_counter() - t0,
        len(rows),
        tune,
        report,
        qrels,
        data,
    )


def paired_se(
    a: dict[str, list[str]], b: dict[str, list[str]], queries: Sequence[Any], qrels: Qrels
) -> float:
    """Standard error of the mean per-query nDCG@10 difference of runs ``a`` and ``b``."""
    ids = [q.id for q in queries]
    pa = per_query_ndcg({q: a[q] for q in ids}, qrels)
    pb = per_query_ndcg({q: b[q] for q in ids}, qrels)
    diffs = [pa[q] - pb[q] for q in pa]
    return statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0


def write_results(
    out_dir: Path,
    results: dict[str, Any],
    chosen_index: str,
    chosen_fusion: SearchVariant,
    reembed_stats: dict[str, Any],
    seconds: float,
    n_docs: int,
    tune: Sequence[Any],
    report: Sequence[Any],
    qrels: Qrels,
    data: Path = DATA,
) -> None:
    search = results["variants"][chosen_index]["search"]
    rep = {name: search[name]["report"] for name in search}
    legs = [n for n in LEGS if n in rep]
    stemmed_leg = "bm25" + STEMMED
    bm25_text_match = (
        "stemmed"
        if stemmed_leg in search
        and search[stemmed_leg]["tune"].ndcg_at_10 > search["bm25"]["tune"].ndcg_at_10
        else "exact"
    )
    best_leg = max(legs, key=lambda n: rep[n].ndcg_at_10)
    margin = rep[chosen_fusion.name].ndcg_at_10 - rep[best_leg].ndcg_at_10
    hybrid_run = search[chosen_fusion.name]["run"]
    payload = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S UTC"),
        "commit": _commit(),
        "run_seconds": round(seconds),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "documents": n_docs,
        "queries": {"tune": len(tune), "report": len(report)},
        "judgments": sum(len(v) for v in qrels.values()),
        "k_documents": K_DOCS,
        "pool_chunks": POOL,
        "chosen": {
            "index": chosen_index,
            "hybrid": chosen_fusion.name,
            "hybrid_text_match": chosen_fusion.text_match,
            "bm25_text_match": bm25_text_match,
        },
        "target": {
            "margin": TARGET_MARGIN,
            "achieved": round(margin, 4),
            "met": margin >= TARGET_MARGIN,
            "best_leg": best_leg,
            "standard_error": {
                half: round(paired_se(hybrid_run, search[best_leg]["run"], qs, qrels), 4)
                for half, qs in (("tune", tune), ("report", report))
            },
        },
        "variants": {
            name: {
                "chunks": res["chunks"],
                "index_seconds": round(res["index_seconds"], 1),
                "search": {
                    sname: {
                        "tune": s["tune"].as_dict(),
                        "report": s["report"].as_dict(),
                        "ms_per_query": round(s["ms"], 1),
                    }
                    for sname, s in res["search"].items()
                },
            }
            for name, res in results["variants"].items()
        },
        "reembed": reembed_stats,
    }
    name = results_name(data)
    if name != "retrieval":
        where = data.resolve()
        rel = str(where.relative_to(REPO)) if where.is_relative_to(REPO) else str(where)
        documents, made_by, queries = SETS.get(where.name, (where.name, rel, rel))
        payload["set"] = {
            "name": name,
            "data": rel,
            "documents": documents,
            "made_by": made_by,
            "queries": queries,
        }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    text = render(payload)
    (out_dir / f"{name}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
