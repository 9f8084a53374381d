"""One CPU stage alone, in ``processes`` separate processes: the stage's throughput with the
whole machine.

The bound of the pipeline benchmark is ``1 / sum(1 / stage throughput)`` over the CPU stages
(compliance, chunk + embed), each stage measured alone with every core. A stage is run

* the way the worker runs it: one process, one thread for the stage (the embedder uses
  ``embedding.threads`` onnxruntime threads), and
* in one process per core, each with its share of the batches (the embedder with
  ``embedding.threads / processes`` threads each),

and the faster of the two is that stage's throughput with the whole machine. Each process
builds and warms its own stage on one batch (excluded), then all start together at a
barrier; the wall time runs from the barrier to the last process done. Processes are
started with ``spawn`` so that no model, thread pool or Kafka client is inherited.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from queue import Empty
from typing import Any

from schemas import ChangeEvent, CleanDocument

BATCH = 16


@dataclass
class AloneResult:
    stage: str
    processes: int
    threads: int
    seconds: float
    items: int
    chunks: int
    cpu_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "processes": self.processes,
            "embedding_threads": self.threads,
            "seconds": round(self.seconds, 3),
            "items": self.items,
            "chunks": self.chunks,
            "cpu_s": round(self.cpu_s, 2),
            "cores_used": round(self.cpu_s / self.seconds, 2) if self.seconds > 0 else 0.0,
        }


def _shares(n_batches: int, processes: int) -> list[list[int]]:
    """Batch indices per process, dealt round-robin (neighbouring batches are alike)."""
    return [list(range(p, n_batches, processes)) for p in range(processes)]


def _child(
    stage: str,
    items: Sequence[Any],
    share: Sequence[int],
    threads: int,
    barrier: Any,
    queue: Any,
) -> None:
    os.environ["RAGSTREAM_EMBEDDING__THREADS"] = str(threads)
    from infra.settings import Settings

    settings = Settings()
    batches = [items[i * BATCH : (i + 1) * BATCH] for i in share]
    out: list[CleanDocument] = []
    chunks = 0
    if stage == "compliance":
        from streams.compliance.stage import PolicyComplianceStage

        compliance = PolicyComplianceStage(settings.compliance)
        compliance.warm_up()
        compliance.process(list(items[:BATCH]))  # warm caches (excluded)
        barrier.wait()
        cpu0, t0 = time.process_time(), time.monotonic()
        for batch in batches:
            out += [o.document for o in compliance.process(list(batch))]
        t1, cpu1 = time.monotonic(), time.process_time()
    else:
        from streams.chunking import SectionChunker
        from streams.embedding import make_embedder
        from streams.stages import ChunkEmbedStage

        # The worker's chunker and embedder; no stored vectors (no OpenSearch) and a
        # separate warm-up stage so the timed one starts with an empty vector cache.
        SectionChunker(settings.chunking).warm_up()
        warm = ChunkEmbedStage(SectionChunker(settings.chunking), make_embedder(settings.embedding))
        warm.warm_up()
        warm.process(list(items[:BATCH]))
        stage_ = ChunkEmbedStage(
            SectionChunker(settings.chunking), make_embedder(settings.embedding)
        )
        stage_.warm_up()
        barrier.wait()
        cpu0, t0 = time.process_time(), time.monotonic()
        for batch in batches:
            chunks += sum(len(e.chunks) for e in stage_.process(list(batch)))
        t1, cpu1 = time.monotonic(), time.process_time()
    queue.put((t0, t1, sum(len(b) for b in batches), chunks, cpu1 - cpu0, out))


def run_alone(
    stage: str,
    items: Sequence[ChangeEvent] | Sequence[CleanDocument],
    processes: int,
    threads: int,
    timeout: float = 1800.0,
) -> tuple[AloneResult, list[CleanDocument]]:
    """Run ``stage`` ("compliance" or "chunk_embed") over ``items`` in ``processes``
    processes; returns the timing and, for compliance, the clean documents."""
    ctx = mp.get_context("spawn")
    n_batches = (len(items) + BATCH - 1) // BATCH
    shares = _shares(n_batches, processes)
    barrier = ctx.Barrier(processes)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_child, args=(stage, list(items), share, threads, barrier, queue), daemon=True
        )
        for share in shares
    ]
    for p in procs:
        p.start()
    results: list[tuple[float, float, int, int, float, list[CleanDocument]]] = []
    deadline = time.monotonic() + timeout
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=5.0))
        except Empty:
            failed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
            if failed or time.monotonic() > deadline:
                for p in procs:
                    p.kill()
                raise RuntimeError(
                    f"{stage} alone: a process failed (exit codes {failed}) or timed out"
                ) from None
    for p in procs:
        p.join(60)
        if p.exitcode not in (0, None):
            raise RuntimeError(f"{stage} process exited with {p.exitcode}")
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    # Clean documents (compliance only); their order does not matter to chunk + embed.
    docs = [d for r in results for d in r[5]]
    return (
        AloneResult(
            stage=stage,
            processes=processes,
            threads=threads,
            seconds=end - start,
            items=sum(r[2] for r in results),
            chunks=sum(r[3] for r in results),
            cpu_s=sum(r[4] for r in results),
        ),
        docs,
    )
