"""Embedding throughput: per-text calls vs. batches, with and without length sorting.

Chunks come from seeded synthetic documents cut by the default TokenChunker (200-piece
windows, 40 overlap), so most are ~150 words and a share are shorter document tails, as in
the real stream. Each configuration embeds the same chunks after one warm-up call.

    .venv/bin/python bench/embedding/run.py [--chunks 40] [--repeats 2]  # results: --repeats 3

Writes bench/results/embedding.json and bench/results/embedding.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from infra.settings import ChunkingSettings, EmbeddingSettings
from streams.chunking import TokenChunker
from streams.embedding import OnnxMiniLmEmbedder

RESULTS = Path(__file__).resolve().parents[1] / "results"
BATCH_SIZES = (1, 2, 4, 8, 16, 32)
THREADS = (1, 2)

_VOCAB = [
    *("the", "a", "of", "to", "and", "in", "for", "on", "with", "is", "we", "you", "please"),
    *("meeting", "invoice", "customer", "contract", "renewal", "quarter", "revenue", "budget"),
    *("schedule", "project", "deadline", "review", "approval", "update", "shipment", "order"),
    *("account", "password", "support", "ticket", "escalation", "policy", "compliance"),
    *("Monday", "Friday", "London", "Berlin", "Acme", "Globex", "2024", "15%", "EUR", "Q3"),
    *("discussed", "attached", "confirmed", "delayed", "approved", "requested", "scheduled"),
]


@dataclass(frozen=True)
class Result:
    mode: str
    batch_size: int
    threads: int
    chunks: int
    seconds: float
    chunks_per_s: float


def make_chunks(n: int, seed: int = 42) -> list[str]:
    """At least ``n`` chunks cut from seeded documents by the default chunker, first ``n``."""
    rng = random.Random(seed)
    chunker = TokenChunker(ChunkingSettings())
    chunker.warm_up()
    chunks: list[str] = []
    while len(chunks) < n:
        words: list[str] = []
        for i in range(rng.randint(40, 900)):
            words.append(rng.choice(_VOCAB))
            if i % rng.randint(8, 20) == 0:
                words[-1] += rng.choice([".", ".", ",", "?", ".\n\n"])
        chunks.extend(span.text for span in chunker.split(" ".join(words)))
    rng.shuffle(chunks)
    return chunks[:n]


def run(chunks: Sequence[str], repeats: int) -> list[Result]:
    """Time every configuration ``repeats`` times, round-robin, and keep each one's best.

    Round-robin spreads disturbances from other processes over all configurations instead
    of penalising whichever happened to run while the machine was busy.
    """
    configs: list[tuple[str, int, int, OnnxMiniLmEmbedder]] = []
    for threads in THREADS:
        modes = [("per-text", 1, False)]
        modes += [("batch-unsorted", b, False) for b in BATCH_SIZES if b > 1]
        modes += [("batch-sorted", b, True) for b in BATCH_SIZES if b > 1]
        for mode, batch, sort in modes:
            settings = EmbeddingSettings(batch_size=batch, threads=threads)
            embedder = OnnxMiniLmEmbedder(settings, sort_by_length=sort)
            embedder.warm_up()
            embedder.embed(chunks[:batch])  # first-run allocations out of the timing
            configs.append((mode, batch, threads, embedder))
    best = [float("inf")] * len(configs)
    for _ in range(repeats):
        for i, (mode, _batch, _threads, embedder) in enumerate(configs):
            start = time.perf_counter()
            if mode == "per-text":
                for text in chunks:
                    embedder.embed([text])
            else:
                embedder.embed(chunks)
            best[i] = min(best[i], time.perf_counter() - start)
    results = []
    for (mode, batch, threads, _embedder), seconds in zip(configs, best, strict=True):
        result = Result(mode, batch, threads, len(chunks), seconds, len(chunks) / seconds)
        print(f"{mode:15} batch={batch:2} threads={threads}  {result.chunks_per_s:6.1f} chunks/s")
        results.append(result)
    return results


def markdown(results: Sequence[Result], meta: dict[str, object]) -> str:
    lines = [
        "# Embedding throughput (int8 ONNX all-MiniLM-L6-v2)",
        "",
        f"{meta['chunks']} chunks, {meta['mean_words']:.0f} words / {meta['mean_tokens']:.0f} "
        f"word pieces on average (min {meta['min_tokens']}, max {meta['max_tokens']}); "
        f"best of {meta['repeats']}; {meta['cpus']} CPUs, onnxruntime {meta['onnxruntime']}.",
        "",
        "| mode | batch | threads | chunks/s |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r.mode} | {r.batch_size} | {r.threads} | {r.chunks_per_s:.1f} |" for r in results
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunks", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    chunks = make_chunks(args.chunks)
    counter = OnnxMiniLmEmbedder(EmbeddingSettings())
    counter.warm_up()
    tokenizer = counter._tokenizer  # bench-only peek at token counts
    assert tokenizer is not None
    tokens = [len(e.ids) for e in tokenizer.encode_batch(chunks)]
    meta: dict[str, object] = {
        "chunks": len(chunks),
        "repeats": args.repeats,
        "mean_words": statistics.mean(len(c.split()) for c in chunks),
        "mean_tokens": statistics.mean(tokens),
        "min_tokens": min(tokens),
        "max_tokens": max(tokens),
        "token_p10_p50_p90": [float(x) for x in np.percentile(tokens, [10, 50, 90])],
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "onnxruntime": ort.__version__,
        "loadavg_before": os.getloadavg(),
    }
    results = run(chunks, args.repeats)
    meta["loadavg_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "results": [asdict(r) for r in results]}
    (RESULTS / "embedding.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / "embedding.md").write_text(markdown(results, meta))
    print(markdown(results, meta))


if __name__ == "__main__":
    main()
