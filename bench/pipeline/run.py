"""Benchmark: the real pipeline end to end against its bare CPU stages and a naive loop.

    .venv/bin/python bench/pipeline/run.py --copies 3 --out bench/results
    (or: .venv/bin/python -m bench.pipeline.run ...)

One run, one machine, the same texts: ``samples/corpus`` copied ``--copies`` times.

* pipeline: a fresh namespace (topics, aliases, subjects index, consumer group), one
  ``ragstream worker`` process; after a probe document went through (warm-up, excluded),
  the clock runs from the start of ``ragstream connect filesystem DIR --once`` until
  ``rag-documents`` holds every document and ``rag-chunks`` every chunk of them.
* bare: ``PolicyComplianceStage.process`` then ``ChunkEmbedStage.process`` in this process,
  batches of 16 (the worker's ``take_batch``), no Kafka, no OpenSearch.
* naive: per document one Presidio ``AnalyzerEngine.analyze`` + ``AnonymizerEngine``, then
  chunk, one ``embed`` call and one ``index?refresh=true`` request per chunk.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError
from prometheus_client.parser import text_string_to_metric_families

from connectors.filesystem import FileSystemSource
from connectors.testing import InMemoryPublisher
from infra.opensearch import make_client
from infra.settings import ConnectorSettings, Settings
from schemas import ChangeEvent, CleanDocument, Op
from streams.chunking import TokenChunker
from streams.compliance.stage import PolicyComplianceStage
from streams.embedding import DIMENSION, OnnxMiniLmEmbedder
from streams.sinks.indices import chunks_body, drop_indices
from streams.stages import ChunkEmbedStage

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "samples" / "corpus"
RAGSTREAM = [sys.executable, "-m", "ragstream.cli"]
#: ``ragstream worker`` plus a metrics port (see worker.py: the worker's own /metrics/ is 500).
METERED_WORKER = [sys.executable, str(Path(__file__).resolve().parent / "worker.py")]
BATCH = 16
OTHER_BENCHMARKS = ("bench/compliance", "bench.compliance")
PROBE_TEXT = "# Probe\n\nA short warm-up document for the pipeline benchmark; no personal data.\n"
STACK_SERVICES = ("kafka", "opensearch")
METRICS = (
    "ragstream_stage_seconds_sum",
    "ragstream_stage_seconds_count",
    "ragstream_batch_size_sum",
    "ragstream_batch_size_count",
    "ragstream_events_out_total",
    "ragstream_chunks_indexed_total",
    "ragstream_dead_letters_total",
    "ragstream_retries_total",
    "ragstream_freshness_seconds_sum",
    "ragstream_freshness_seconds_count",
)


# -- machine and load ----------------------------------------------------------------------


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu": cpu_model(),
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_state() -> dict[str, Any]:
    """The commit measured and the files that differ from it (results excluded)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {
        "commit": git("rev-parse", "HEAD").strip(),
        "changed": [c for c in changed if not c.startswith("bench/results/")],
    }


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process (its threads included), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stack_pids() -> dict[str, int]:
    """PIDs of the local Kafka and OpenSearch, from ``compose/stack.sh status``."""
    out = subprocess.run(
        ["bash", str(REPO / "compose" / "stack.sh"), "status"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    ).stdout
    pids: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in STACK_SERVICES and parts[1] == "running":
            with contextlib.suppress(ValueError):
                pids[parts[0]] = int(parts[2])
    return pids


def machine_cpu_s() -> tuple[float, float]:
    """Busy and stolen CPU seconds of the whole machine (all CPUs), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


class CpuMeter:
    """CPU seconds spent by named processes, this process, its reaped children and the
    whole machine; ``other`` in a delta is what no process of this run used."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)

    def snapshot(self) -> dict[str, float]:
        snap = {name: process_cpu_s(pid) for name, pid in self.pids.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = {name: v for name, v in snap.items() if v is not None}
        out["bench_process"] = time.process_time()
        out["reaped_children"] = children.ru_utime + children.ru_stime
        out["machine_busy"], out["machine_steal"] = machine_cpu_s()
        return out

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        out = {k: round(after[k] - before[k], 2) for k in after if k in before}
        ours = sum(v for k, v in out.items() if not k.startswith("machine_"))
        out["other"] = round(out["machine_busy"] - ours, 2)
        return out


def wait_for_quiet(max_wait_s: float) -> float:
    """Wait until no other benchmark runs (parallel CPU load skews the numbers)."""
    started = time.monotonic()
    while True:
        busy = []
        for pattern in OTHER_BENCHMARKS:
            found = subprocess.run(
                ["pgrep", "-f", pattern], capture_output=True, text=True, check=False
            ).stdout.split()
            busy += [p for p in found if int(p) != os.getpid()]
        waited = time.monotonic() - started
        if not busy:
            return waited
        if waited > max_wait_s:
            raise SystemExit(f"other benchmarks still run (pids {busy}) after {waited:.0f}s")
        print(f"waiting for other benchmarks to finish (pids {' '.join(busy)})", flush=True)
        time.sleep(15)


# -- corpus --------------------------------------------------------------------------------


def make_corpus(root: Path, copies: int) -> None:
    for i in range(copies):
        shutil.copytree(CORPUS, root / f"copy-{i}")


def connector_events(root: Path, state_dir: Path) -> list[ChangeEvent]:
    """The ChangeEvents the file-system connector publishes for ``root`` (same code path)."""
    settings = Settings(connectors=ConnectorSettings(state_dir=state_dir))
    publisher = InMemoryPublisher()
    FileSystemSource(root, settings, publisher).run(threading.Event(), once=True)
    return [e for e in publisher.events if e.op is Op.UPSERT]


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 else 0.0


# -- (a) the pipeline ----------------------------------------------------------------------


@dataclass
class Namespace:
    """Fresh topics, indices, subjects index, consumer group and state for one run."""

    name: str
    tmp: Path
    env: dict[str, str]
    settings: Settings
    metrics_port: int
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def create(cls, tmp: Path) -> Namespace:
        name = f"bench{uuid.uuid4().hex[:10]}"
        metrics_port = free_port()
        env = {
            "RAGSTREAM_KAFKA__TOPIC_PREFIX": f"{name}.",
            "RAGSTREAM_OPENSEARCH__CHUNKS_ALIAS": f"{name}-rag-chunks",
            "RAGSTREAM_OPENSEARCH__DOCUMENTS_ALIAS": f"{name}-rag-documents",
            "RAGSTREAM_OPENSEARCH__SUBJECTS_INDEX": f"{name}-subjects",
            "RAGSTREAM_WORKER__APP_ID": f"{name}-app",
            "RAGSTREAM_WORKER__DATA_DIR": str(tmp / "worker"),
            "RAGSTREAM_WORKER__WEB_PORT": "0",
            "RAGSTREAM_CONNECTORS__STATE_DIR": str(tmp / "state"),
            "BENCH_METRICS_PORT": str(metrics_port),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            settings = Settings()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return cls(name, tmp, env, settings, metrics_port)

    @property
    def documents(self) -> str:
        return self.settings.opensearch.documents_alias

    @property
    def chunks(self) -> str:
        return self.settings.opensearch.chunks_alias

    def spawn(self, command: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{log_name}.log", "wb")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def run(self, args: list[str], timeout: float = 120) -> str:
        done = subprocess.run(
            [*RAGSTREAM, *args],
            cwd=REPO,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ragstream {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def log_tail(self, log_name: str, n: int = 3000) -> str:
        path = self.tmp / f"{log_name}.log"
        return path.read_text(errors="replace")[-n:] if path.exists() else ""

    def check_worker(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is not None:
            raise RuntimeError(
                f"worker exited with {worker.returncode}:\n{self.log_tail('worker')}"
            )

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)

    def cleanup(self, client: OpenSearch) -> None:
        """Delete the namespace's indices, topics and consumer group."""
        with contextlib.suppress(Exception):  # best effort: never hide the result
            drop_indices(client, self.settings.opensearch)
        with contextlib.suppress(Exception):
            client.indices.delete(
                index=self.settings.opensearch.subjects_index, ignore_unavailable=True
            )
        admin = AdminClient({"bootstrap.servers": self.settings.kafka.bootstrap_servers})
        topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(self.name)]
        if topics:
            for fut in admin.delete_topics(topics, operation_timeout=30).values():
                with contextlib.suppress(Exception):
                    fut.result()
        with contextlib.suppress(Exception):
            for fut in admin.delete_consumer_groups([self.settings.worker.app_id]).values():
                fut.result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> dict[str, float]:
    """The worker's ragstream_* samples of interest, keyed ``name{labels}``."""
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as resp:
        text = resp.read().decode("utf-8")
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in METRICS:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                out[f"{sample.name}{{{labels}}}"] = float(sample.value)
    return out


def count(client: OpenSearch, index: str, query: dict[str, Any] | None = None) -> int:
    try:
        resp = client.count(index=index, body={"query": query or {"match_all": {}}})
    except NotFoundError:
        return 0
    return int(resp["count"])


def refreshed_count(client: OpenSearch, index: str, query: dict[str, Any] | None = None) -> int:
    try:
        client.indices.refresh(index=index)
    except NotFoundError:
        return 0
    return count(client, index, query)


def expected_chunks(client: OpenSearch, documents: str) -> int:
    """Sum of ``chunk_count`` over the live documents: what rag-chunks must hold."""
    resp = client.search(
        index=documents,
        body={
            "size": 0,
            "query": {"term": {"deleted": False}},
            "aggs": {"chunks": {"sum": {"field": "chunk_count"}}},
        },
    )
    return int(resp["aggregations"]["chunks"]["value"] or 0)


def wait_until(
    probe: Callable[[], bool], timeout: float, what: str, check: Callable[[], None]
) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        check()
        if probe():
            return time.perf_counter() - started
        time.sleep(0.25)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def run_pipeline(
    root: Path,
    n_docs: int,
    tmp: Path,
    meter: CpuMeter,
    timeout: float,
    metered: bool,
    logs: Path | None,
) -> dict[str, Any]:
    ns = Namespace.create(tmp)
    client = make_client(ns.settings.opensearch)
    live = {"term": {"deleted": False}}
    try:
        ns.run(["topics"])
        spawned = time.perf_counter()
        worker = ns.spawn(METERED_WORKER if metered else [*RAGSTREAM, "worker"], "worker")
        meter.pids["worker"] = worker.pid

        # Warm-up, excluded from timing: the worker loads its models, joins the group and
        # indexes one probe document end to end.
        probe_dir = tmp / "probe"
        probe_dir.mkdir()
        (probe_dir / "probe.md").write_text(PROBE_TEXT, encoding="utf-8")
        ns.run(["connect", "filesystem", str(probe_dir), "--once"])
        wait_until(
            lambda: refreshed_count(client, ns.documents) >= 1,
            180,
            "the probe document",
            lambda: ns.check_worker(worker),
        )
        probe_chunks = expected_chunks(client, ns.documents)
        wait_until(
            lambda: refreshed_count(client, ns.chunks) >= probe_chunks,
            60,
            "the probe's chunks",
            lambda: ns.check_worker(worker),
        )
        ready_s = time.perf_counter() - spawned
        time.sleep(2.0)  # let the worker's commit and the probe's stragglers settle
        metrics_before = scrape(ns.metrics_port) if metered else {}
        load = loadavg()
        cpu_before = meter.snapshot()

        # Timed: connector start -> every document and chunk searchable.
        timeline: list[tuple[float, int, int]] = []
        first_doc_s: float | None = None
        published_s: float | None = None
        docs_s: float | None = None
        target = n_docs + 1
        started = time.perf_counter()
        connector = ns.spawn(
            [*RAGSTREAM, "connect", "filesystem", str(root), "--once"], "connector"
        )
        last_sample = -1.0
        while True:
            now = time.perf_counter() - started
            if now > timeout:
                raise TimeoutError(
                    f"pipeline not done after {timeout:.0f}s: "
                    f"{count(client, ns.documents)} of {target} documents"
                )
            ns.check_worker(worker)
            if published_s is None and connector.poll() is not None:
                if connector.returncode != 0:
                    raise RuntimeError(f"connector failed:\n{ns.log_tail('connector')}")
                published_s = now
            docs = refreshed_count(client, ns.documents)
            if first_doc_s is None and docs > 1:
                first_doc_s = now
            if now - last_sample >= 1.0:
                timeline.append((round(now, 2), docs - 1, count(client, ns.chunks)))
                last_sample = now
            if docs >= target:
                docs_s = docs_s or now
                want = expected_chunks(client, ns.documents)
                if refreshed_count(client, ns.chunks) >= want:
                    break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if connector.poll() is None:
            connector.wait(30)
        cpu_after = meter.snapshot()
        metrics_after = scrape(ns.metrics_port) if metered else {}

        chunks_total = refreshed_count(client, ns.chunks)
        live_docs = count(client, ns.documents, live) - 1
        chunks = chunks_total - probe_chunks
        docs_total = refreshed_count(client, ns.documents) - 1
        timeline.append((round(seconds, 2), docs_total, chunks_total))
        return {
            "namespace": ns.name,
            "worker_command": "bench/pipeline/worker.py" if metered else "ragstream worker",
            "loadavg_before": load,
            "worker_ready_s": round(ready_s, 2),
            "seconds": seconds,
            "seconds_until_documents": docs_s,
            "connector_seconds": published_s,
            "first_document_s": first_doc_s,
            "docs": n_docs,
            "live_docs": live_docs,
            "chunks": chunks,
            "probe_chunks": probe_chunks,
            "docs_per_s": rate(n_docs, seconds),
            "chunks_per_s": rate(chunks, seconds),
            "steady_docs_per_s": steady_rate(timeline, n_docs),
            "cpu_s": CpuMeter.delta(cpu_before, cpu_after),
            "worker_metrics": metric_delta(metrics_before, metrics_after),
            "timeline": timeline,
        }
    finally:
        meter.pids.pop("worker", None)
        ns.stop_all()
        ns.cleanup(client)
        if logs is not None:
            logs.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob("*.log"):
                shutil.copy(log, logs / log.name)


def steady_rate(timeline: Sequence[tuple[float, int, int]], n_docs: int) -> float | None:
    """Documents per second between 10 % and 90 % of the corpus indexed."""
    lo = next((t for t, d, _ in timeline if d >= 0.1 * n_docs), None)
    hi = next((t for t, d, _ in timeline if d >= 0.9 * n_docs), None)
    if lo is None or hi is None or hi <= lo:
        return None
    return 0.8 * n_docs / (hi - lo)


def metric_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: round(v - before.get(k, 0.0), 3) for k, v in sorted(after.items())}


# -- (b) the bare stages -------------------------------------------------------------------


def run_bare(
    events: Sequence[ChangeEvent],
    settings: Settings,
    chunker: TokenChunker,
    embedder: OnnxMiniLmEmbedder,
    meter: CpuMeter,
) -> dict[str, Any]:
    compliance = PolicyComplianceStage(settings.compliance)
    compliance.warm_up()
    chunk_embed = ChunkEmbedStage(chunker, embedder)
    chunk_embed.warm_up()
    # Warm caches on one real batch each, excluded from timing.
    warm_docs = [o.document for o in compliance.process(events[:BATCH])]
    chunk_embed.process(warm_docs)

    load = loadavg()
    cpu_before = meter.snapshot()
    started = time.perf_counter()
    clean: list[CleanDocument] = []
    for batch in batches(events, BATCH):
        clean += [o.document for o in compliance.process(batch)]
    compliance_s = time.perf_counter() - started

    started = time.perf_counter()
    chunks = 0
    for docs in batches(clean, BATCH):
        chunks += sum(len(e.chunks) for e in chunk_embed.process(docs))
    chunk_embed_s = time.perf_counter() - started
    cpu_after = meter.snapshot()

    started = time.perf_counter()
    for doc in clean:
        if doc.op is Op.UPSERT:
            chunker.split(doc.text or "")
    split_s = time.perf_counter() - started

    load_threads = loadavg()
    threads = run_threaded(events, clean, compliance, chunk_embed)

    n = len(events)
    total_s = compliance_s + chunk_embed_s
    threads.update(
        loadavg_before=load_threads,
        docs_per_s=rate(n, threads["seconds"]),
        chunks_per_s=rate(chunks, threads["seconds"]),
    )
    return {
        "loadavg_before": load,
        "docs": n,
        "live_docs": sum(1 for d in clean if d.op is Op.UPSERT),
        "chunks": chunks,
        "compliance": {"seconds": compliance_s, "docs_per_s": rate(n, compliance_s)},
        "chunk_embed": {
            "seconds": chunk_embed_s,
            "docs_per_s": rate(n, chunk_embed_s),
            "chunks_per_s": rate(chunks, chunk_embed_s),
            "chunking_alone_seconds": split_s,
        },
        "seconds": total_s,
        "docs_per_s": rate(n, total_s),
        "chunks_per_s": rate(chunks, total_s),
        "cpu_s": CpuMeter.delta(cpu_before, cpu_after),
        "two_threads": threads,
    }


def run_threaded(
    events: Sequence[ChangeEvent],
    clean: Sequence[CleanDocument],
    compliance: PolicyComplianceStage,
    chunk_embed: ChunkEmbedStage,
) -> dict[str, Any]:
    """Both stages at once, each in its own thread, as the worker's executors run them.

    Compliance works through the events while chunk + embed works through the clean
    documents of the sequential run: the best case of a full pipeline, with no waiting.
    """
    seconds: dict[str, float] = {}

    def timed(name: str, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            started = time.perf_counter()
            work()
            seconds[name] = time.perf_counter() - started

        return run

    def comply() -> None:
        for batch in batches(events, BATCH):
            compliance.process(batch)

    def embed() -> None:
        for docs in batches(clean, BATCH):
            chunk_embed.process(docs)

    workers = [
        threading.Thread(target=timed("compliance", comply)),
        threading.Thread(target=timed("chunk_embed", embed)),
    ]
    cpu_before = time.process_time()
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    return {
        "seconds": wall,
        "compliance_seconds": seconds["compliance"],
        "chunk_embed_seconds": seconds["chunk_embed"],
        "cpu_s": round(time.process_time() - cpu_before, 2),
    }


# -- (c) the naive baseline ----------------------------------------------------------------


def run_naive(
    events: Sequence[ChangeEvent],
    settings: Settings,
    chunker: TokenChunker,
    embedder: OnnxMiniLmEmbedder,
    meter: CpuMeter,
) -> dict[str, Any]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import RecognizerResult

    from streams.compliance.detector import LANGUAGE, build_nlp_engine
    from streams.compliance.recognizers import OfflineEmailRecognizer

    analyzer = AnalyzerEngine(
        nlp_engine=build_nlp_engine(settings.compliance.spacy_model),
        supported_languages=[LANGUAGE],
    )
    analyzer.registry.remove_recognizer("EmailRecognizer")
    analyzer.registry.add_recognizer(OfflineEmailRecognizer())
    anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
    client = make_client(settings.opensearch)
    index = f"bench{uuid.uuid4().hex[:10]}-naive-chunks"
    client.indices.create(index=index, body=chunks_body(settings.opensearch, DIMENSION))
    parts = {"analyze_anonymize": 0.0, "chunk_embed": 0.0, "index": 0.0}

    def one(event: ChangeEvent, key: str) -> int:
        t0 = time.perf_counter()
        text = event.content or ""
        found = [
            RecognizerResult(r.entity_type, r.start, r.end, r.score)
            for r in analyzer.analyze(text=text, language=LANGUAGE)
        ]
        redacted = anonymizer.anonymize(text=text, analyzer_results=found).text
        t1 = time.perf_counter()
        spans = chunker.split(redacted)
        vectors = [embedder.embed([s.text])[0] for s in spans]
        t2 = time.perf_counter()
        for span, vector in zip(spans, vectors, strict=True):
            client.index(
                index=index,
                id=f"{key}#{span.index}",
                body={
                    "doc_key": key,
                    "source_id": event.source_id,
                    "document_id": event.document_id,
                    "version": event.version,
                    "title": event.title,
                    "uri": event.uri,
                    "content_type": event.content_type,
                    "occurred_at": event.occurred_at.isoformat(),
                    "indexed_at": datetime.now(UTC).isoformat(),
                    "chunk_id": f"{key}#{span.index}",
                    "chunk_index": span.index,
                    "chunk_count": len(spans),
                    "start": span.start,
                    "end": span.end,
                    "text": span.text,
                    "model_id": embedder.model_id,
                    "embedding": [float(x) for x in vector],
                },
                refresh=True,
            )
        t3 = time.perf_counter()
        parts["analyze_anonymize"] += t1 - t0
        parts["chunk_embed"] += t2 - t1
        parts["index"] += t3 - t2
        return len(spans)

    try:
        one(events[0], "warm-up")  # excluded from timing
        parts.update(dict.fromkeys(parts, 0.0))
        load = loadavg()
        cpu_before = meter.snapshot()
        started = time.perf_counter()
        chunks = sum(one(e, e.key) for e in events)
        seconds = time.perf_counter() - started
        cpu_after = meter.snapshot()
    finally:
        with contextlib.suppress(Exception):
            client.indices.delete(index=index)
    n = len(events)
    return {
        "loadavg_before": load,
        "docs": n,
        "chunks": chunks,
        "seconds": seconds,
        "docs_per_s": rate(n, seconds),
        "chunks_per_s": rate(chunks, seconds),
        "parts_seconds": {k: round(v, 2) for k, v in parts.items()},
        "cpu_s": CpuMeter.delta(cpu_before, cpu_after),
    }


# -- report --------------------------------------------------------------------------------


def _row(name: str, seconds: float, docs_per_s: float, chunks_per_s: float | None) -> str:
    cps = f"{chunks_per_s:.1f}" if chunks_per_s is not None else "-"
    return f"| {name} | {seconds:.1f} | {docs_per_s:.2f} | {cps} |"


def render(result: dict[str, Any]) -> str:
    p, b, nv = result.get("pipeline"), result.get("bare"), result.get("naive")
    rows = ["| run | seconds | docs/s | chunks/s |", "|---|---:|---:|---:|"]
    if p:
        rows.append(
            _row(
                "pipeline: connector -> Kafka -> worker -> OpenSearch",
                p["seconds"],
                p["docs_per_s"],
                p["chunks_per_s"],
            )
        )
    if b:
        c, ce = b["compliance"], b["chunk_embed"]
        rows.append(_row("bare: compliance", c["seconds"], c["docs_per_s"], None))
        rows.append(
            _row("bare: chunk + embed", ce["seconds"], ce["docs_per_s"], ce["chunks_per_s"])
        )
        rows.append(
            _row(
                "bare: compliance + chunk + embed", b["seconds"], b["docs_per_s"], b["chunks_per_s"]
            )
        )
    if b and "two_threads" in b:
        t = b["two_threads"]
        rows.append(
            _row(
                "bare: both stages at once in two threads (as in the worker)",
                t["seconds"],
                t["docs_per_s"],
                t["chunks_per_s"],
            )
        )
    if nv:
        rows.append(
            _row(
                "naive: per-doc Presidio, per-chunk embed + index?refresh",
                nv["seconds"],
                nv["docs_per_s"],
                nv["chunks_per_s"],
            )
        )
    m = result["machine"]
    lines = [
        f"# Pipeline benchmark ({result['at'][:19]} UTC)",
        "",
        f"`{result['command']}`: samples/corpus x {result['copies']} = {result['docs']} "
        f"documents, {result['chunks']} chunks; {m['nproc']} CPUs ({m['cpu']}), "
        f"Python {m['python']}; commit {result['git']['commit'][:7]}; "
        f"whole run {result['runtime_s']:.0f} s.",
        "",
        *rows,
    ]
    ratios = result.get("ratios", {})
    if ratios:
        lines += ["", "Throughput ratios (docs/s):", ""]
        lines += [f"* {name}: **{value:.2f}x**" for name, value in ratios.items()]
    if p:
        lines += ["", *pipeline_notes(p)]
    if b and "two_threads" in b:
        lines += ["", bare_notes(b)]
    if nv:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in nv["parts_seconds"].items())
        lines += ["", f"Naive time split: {parts}."]
    loads = {k: result[k]["loadavg_before"] for k in ("pipeline", "bare", "naive") if k in result}
    lines += [
        "",
        "Load average before each measurement: "
        + "; ".join(f"{k} {' '.join(f'{x:.2f}' for x in v)}" for k, v in loads.items()),
    ]
    return "\n".join(lines)


def bare_notes(b: dict[str, Any]) -> str:
    t = b["two_threads"]
    seq_cpu = b["cpu_s"].get("bench_process", 0.0)
    return (
        f"Bare stages in two threads: wall {t['seconds']:.1f} s against "
        f"{b['seconds']:.1f} s one after the other; compliance took "
        f"{t['compliance_seconds']:.1f} s (alone {b['compliance']['seconds']:.1f} s), chunk + "
        f"embed {t['chunk_embed_seconds']:.1f} s (alone {b['chunk_embed']['seconds']:.1f} s); "
        f"process CPU {t['cpu_s']:.1f} s = {rate(t['cpu_s'], t['seconds']):.2f} cores "
        f"(one after the other: {seq_cpu:.1f} s = {rate(seq_cpu, b['seconds']):.2f} cores)."
    )


def pipeline_notes(p: dict[str, Any]) -> list[str]:
    wm: dict[str, float] = p["worker_metrics"]
    busy = {
        stage: wm.get(f"ragstream_stage_seconds_sum{{stage={stage}}}", 0.0)
        for stage in ("compliance", "chunk_embed", "sink")
    }
    sizes = {
        stage: rate(
            wm.get(f"ragstream_batch_size_sum{{stage={stage}}}", 0.0),
            wm.get(f"ragstream_batch_size_count{{stage={stage}}}", 0.0),
        )
        for stage in busy
    }
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in p["cpu_s"].items())
    steady = p.get("steady_docs_per_s")
    lines = [
        "Where the pipeline's time goes:",
        "",
        f"* connector done after {p['connector_seconds'] or 0:.1f} s; first document "
        f"searchable after {p['first_document_s'] or 0:.1f} s; all documents after "
        f"{p['seconds_until_documents'] or 0:.1f} s, all chunks after {p['seconds']:.1f} s"
        + (f"; steady state (10-90 %) {steady:.2f} docs/s" if steady else "")
        + ".",
    ]
    if wm:
        lines.append(
            "* worker stage busy seconds (executor time; stages overlap): "
            + ", ".join(f"{k} {v:.1f} s (mean batch {sizes[k]:.1f})" for k, v in busy.items())
            + "."
        )
    lines += [
        f"* CPU seconds during the timed window: {cpu}.",
        f"* worker start to probe indexed (excluded): {p['worker_ready_s']:.1f} s.",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of samples/corpus")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument(
        "--phases", default="pipeline,bare,naive", help="comma-separated subset to run"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="pipeline wait limit, s")
    parser.add_argument(
        "--plain-worker",
        action="store_true",
        help="run `python -m ragstream.cli worker` itself (no stage timings)",
    )
    parser.add_argument("--logs", type=Path, help="copy the worker and connector logs here")
    parser.add_argument(
        "--max-wait", type=float, default=900.0, help="wait this long for other benchmarks"
    )
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - {"pipeline", "bare", "naive"}
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")

    waited = wait_for_quiet(args.max_wait)
    run_started = time.perf_counter()
    settings = Settings()
    meter = CpuMeter(stack_pids())
    result: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(),
        "command": " ".join(["python", "bench/pipeline/run.py", *(argv or sys.argv[1:])]),
        "machine": machine_info(),
        "git": git_state(),
        "waited_for_other_benchmarks_s": round(waited, 1),
        "copies": args.copies,
        "settings": {
            "take_batch": settings.worker.take_batch,
            "take_within_s": settings.worker.take_within_s,
            "partitions": settings.kafka.partitions,
            "compliance_batch_size": settings.compliance.batch_size,
            "policy": settings.compliance.policy,
            "spacy_model": settings.compliance.spacy_model,
            "chunking": settings.chunking.model_dump(),
            "embedding": settings.embedding.model_dump(),
            "bare_batch": BATCH,
        },
    }
    with tempfile.TemporaryDirectory(prefix="ragstream-bench-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "corpus"
        make_corpus(root, args.copies)
        events = connector_events(root, tmp / "inmemory-state")
        result["docs"] = len(events)
        print(f"{len(events)} documents from {args.copies} copies of {CORPUS}", flush=True)

        if "pipeline" in phases:
            print("(a) pipeline ...", flush=True)
            result["pipeline"] = run_pipeline(
                root, len(events), tmp, meter, args.timeout, not args.plain_worker, args.logs
            )
        chunker = TokenChunker(settings.chunking)
        embedder = OnnxMiniLmEmbedder(settings.embedding)
        if "bare" in phases:
            print("(b) bare stages ...", flush=True)
            result["bare"] = run_bare(events, settings, chunker, embedder, meter)
        if "naive" in phases:
            print("(c) naive baseline ...", flush=True)
            chunker.warm_up()
            embedder.warm_up()
            result["naive"] = run_naive(events, settings, chunker, embedder, meter)

    reference = result.get("bare") or result.get("pipeline") or result.get("naive") or {}
    result["chunks"] = reference.get("chunks", 0)
    result["live_docs"] = reference.get("live_docs")
    p, b, nv = result.get("pipeline"), result.get("bare"), result.get("naive")
    ratios: dict[str, float] = {}
    if p and b:
        ratios["pipeline / bare stages"] = p["docs_per_s"] / b["docs_per_s"]
    if p and nv:
        ratios["pipeline / naive"] = p["docs_per_s"] / nv["docs_per_s"]
    if b and nv:
        ratios["bare stages / naive"] = b["docs_per_s"] / nv["docs_per_s"]
    result["ratios"] = ratios
    result["runtime_s"] = time.perf_counter() - run_started

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pipeline.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = render(result)
    (args.out / "pipeline.md").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
