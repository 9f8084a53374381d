"""Benchmark: the real pipeline end to end against its bound, a naive loop and LangChain.

    .venv/bin/python -m bench.pipeline.run --out bench/results      (what `make bench` runs)
    .venv/bin/python -m bench.pipeline.run --numpy-docs 40 --phases pipeline,bare   (a quick try)

One run, one machine, the same texts: ``samples/corpus`` (36 documents with planted personal
data) plus the first ``--numpy-docs`` documents of the retrieval benchmark's NumPy reference
set, written as Markdown files. No document is a copy of another: copies would let the
worker's vector cache skip the model for the repeats, which neither baseline can do.

* e2e (``pipeline``): a fresh namespace (topics, aliases, subjects index, consumer group), one
  worker process (``bench/pipeline/worker.py``: ``ragstream worker`` plus a metrics port);
  after a probe document went through (warm-up, excluded), the clock runs from the start of
  ``ragstream connect filesystem DIR --once`` until ``rag-documents`` holds every document
  and ``rag-chunks`` every chunk. Then, on the same worker, **freshness**: a watching
  connector on a second folder, files written at a steady rate, each timed from its write
  to the first search (no refresh by the benchmark) that finds its chunk. The worker's
  peak RSS (``VmHWM``) is read before it stops. ``pipeline_off`` repeats the timed run in
  another namespace with ``RAGSTREAM_COMPLIANCE__ENABLED=false``.
* bound (``bare``): each CPU stage alone (``stages_alone.py``): compliance
  (``PolicyComplianceStage``) and chunk + embed (the worker's ``SectionChunker`` and
  embedder), batches of 16, no Kafka, no OpenSearch; each once the way the worker runs it
  (one process) and once in one process per core; the faster is the stage's throughput with
  the whole machine; bound = 1 / sum(1 / stage chunks/s).
* naive: per document one Presidio ``AnalyzerEngine.analyze`` + ``AnonymizerEngine``, the
  same chunker, one ``embed`` call for all of the document's chunks, one bulk request, no
  forced refresh (one refresh at the end, timed, so everything is searchable).
* langchain: LangChain's indexing API ``index()`` with a ``SQLRecordManager`` (SQLite),
  ``OpenSearchVectorSearch`` on the same node, the same chunks (ragstream's chunker) and
  ragstream's embedder wrapped as LangChain ``Embeddings``; compliance off, compared with
  ``pipeline_off``.
* resync: every document sent again with one local edit in 1 % of them, through one
  ``ChunkEmbedStage``; the share of chunks whose vectors were computed again.

Results: bench/results/latest.json (summary, targets), latest.png, pipeline.md, and
pipeline.json (every detail).
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
import string
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

from bench.pipeline import report
from bench.pipeline.stages_alone import run_alone
from connectors.filesystem import FileSystemSource
from connectors.testing import InMemoryPublisher
from infra.opensearch import make_client
from infra.settings import ConnectorSettings, Settings
from schemas import ChangeEvent, CleanDocument, Op
from streams.chunking import Chunker, SectionChunker
from streams.embedding import DIMENSION, Embedder, HashingEmbedder, make_embedder
from streams.sinks.indices import chunks_body, drop_indices
from streams.stages import ChunkEmbedStage, passthrough_document

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "samples" / "corpus"
NUMPY_DOCS = REPO / "bench" / "retrieval" / "data" / "docs.jsonl"
RETRIEVAL_JSON = REPO / "bench" / "results" / "retrieval.json"
RAGSTREAM = [sys.executable, "-m", "ragstream.cli"]
#: ``ragstream worker`` plus a metrics port (see worker.py: the worker's own /metrics/ is 500).
METERED_WORKER = [sys.executable, str(Path(__file__).resolve().parent / "worker.py")]
BATCH = 16
PHASES = ("pipeline", "pipeline_off", "bare", "naive", "langchain", "resync")
OTHER_BENCHMARKS = ("bench/compliance", "bench.compliance", "bench/retrieval", "bench.retrieval")
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
    "ragstream_chunk_vectors_total",
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
        "cores": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu": cpu_model(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
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
    changed = [c for c in changed if not c.startswith("bench/results/")]
    return {"commit": git("rev-parse", "HEAD").strip(), "clean": not changed, "changed": changed}


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
    if max_wait_s < 0:
        return 0.0
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


def make_corpus(root: Path, numpy_docs: int) -> dict[str, Any]:
    """samples/corpus plus the first ``numpy_docs`` NumPy reference documents as Markdown."""
    shutil.copytree(CORPUS, root / "samples")
    added = 0
    if numpy_docs > 0:
        target = root / "numpy"
        target.mkdir()
        for line in NUMPY_DOCS.read_text(encoding="utf-8").splitlines()[:numpy_docs]:
            row = json.loads(line)
            name = "".join(c if c.isalnum() or c in "._-" else "_" for c in row["id"])
            (target / f"{name}.md").write_text(
                f"# {row['title']}\n\n{row['text']}\n", encoding="utf-8"
            )
            added += 1
    files = [p for p in root.rglob("*") if p.is_file()]
    return {
        "description": f"samples/corpus + {added} NumPy reference documents "
        f"({NUMPY_DOCS.relative_to(REPO)}) as Markdown, no duplicates",
        "samples_files": sum(1 for p in files if "samples" in p.relative_to(root).parts[:1]),
        "numpy_files": added,
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
    }


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
    def create(cls, tmp: Path, extra_env: dict[str, str] | None = None) -> Namespace:
        name = f"bench{uuid.uuid4().hex[:10]}"
        tmp = tmp / name
        tmp.mkdir(parents=True)
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
            **(extra_env or {}),
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


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size of a process (``VmHWM``), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def stage_busy(wm: dict[str, float]) -> dict[str, float]:
    return {
        stage: round(wm.get(f"ragstream_stage_seconds_sum{{stage={stage}}}", 0.0), 2)
        for stage in ("compliance", "chunk_embed", "sink")
    }


def run_pipeline(
    root: Path,
    n_docs: int,
    tmp: Path,
    meter: CpuMeter,
    timeout: float,
    logs: Path | None,
    extra_env: dict[str, str] | None = None,
    freshness: dict[str, float] | None = None,
) -> dict[str, Any]:
    ns = Namespace.create(tmp, extra_env)
    client = make_client(ns.settings.opensearch)
    live = {"term": {"deleted": False}}
    worker: subprocess.Popen[bytes] | None = None
    try:
        ns.run(["topics"])
        spawned = time.perf_counter()
        worker = ns.spawn(METERED_WORKER, "worker")
        meter.pids["worker"] = worker.pid
        w = worker

        # Warm-up, excluded from timing: the worker loads its models, joins the group and
        # indexes one probe document end to end.
        probe_dir = ns.tmp / "probe"
        probe_dir.mkdir()
        (probe_dir / "probe.md").write_text(PROBE_TEXT, encoding="utf-8")
        ns.run(["connect", "filesystem", str(probe_dir), "--once", "--source-id", "probe"])
        wait_until(
            lambda: refreshed_count(client, ns.documents) >= 1,
            240,
            "the probe document",
            lambda: ns.check_worker(w),
        )
        probe_chunks = expected_chunks(client, ns.documents)
        wait_until(
            lambda: refreshed_count(client, ns.chunks) >= probe_chunks,
            60,
            "the probe's chunks",
            lambda: ns.check_worker(w),
        )
        ready_s = time.perf_counter() - spawned
        time.sleep(2.0)  # let the worker's commit and the probe's stragglers settle
        metrics_before = scrape(ns.metrics_port)
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
            [*RAGSTREAM, "connect", "filesystem", str(root), "--once", "--source-id", "corpus"],
            "connector",
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
            # No refresh asked: "searchable" is what the index's own refresh shows.
            docs = count(client, ns.documents)
            if first_doc_s is None and docs > 1:
                first_doc_s = now
            if now - last_sample >= 1.0:
                timeline.append((round(now, 2), docs - 1, count(client, ns.chunks)))
                last_sample = now
            if docs >= target:
                docs_s = docs_s or now
                want = expected_chunks(client, ns.documents)
                if count(client, ns.chunks) >= want:
                    break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if connector.poll() is None:
            connector.wait(30)
        cpu_after = meter.snapshot()
        metrics_after = scrape(ns.metrics_port)
        rss_after_bulk = peak_rss_mb(worker.pid)

        chunks_total = refreshed_count(client, ns.chunks)
        live_docs = count(client, ns.documents, live) - 1
        chunks = chunks_total - probe_chunks
        docs_total = refreshed_count(client, ns.documents) - 1
        timeline.append((round(seconds, 2), docs_total, chunks_total))
        wm = metric_delta(metrics_before, metrics_after)
        out: dict[str, Any] = {
            "namespace": ns.name,
            "extra_env": extra_env or {},
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
            "stage_busy_s": stage_busy(wm),
            "worker_metrics": wm,
            "timeline": timeline,
            "worker_rss_mb_after_bulk": rss_after_bulk,
        }
        if freshness:
            out["freshness"] = run_freshness(ns, client, worker, **freshness)
        out["worker_rss_mb"] = peak_rss_mb(worker.pid)
        return out
    finally:
        meter.pids.pop("worker", None)
        ns.stop_all()
        ns.cleanup(client)
        if logs is not None:
            logs.mkdir(parents=True, exist_ok=True)
            for log in ns.tmp.glob("*.log"):
                shutil.copy(log, logs / f"{ns.name}-{log.name}")


def _token(i: int) -> str:
    """A lowercase, letters-only marker word (no digits: nothing a detector would take for
    an identifier)."""
    letters = string.ascii_lowercase
    word = ""
    for _ in range(4):
        word = letters[i % 26] + word
        i //= 26
    return f"freshmark{word}"


def run_freshness(
    ns: Namespace,
    client: OpenSearch,
    worker: subprocess.Popen[bytes],
    rate_per_s: float,
    duration_s: float,
) -> dict[str, Any]:
    """Change-to-searchable latency at a steady load through the real connector and worker.

    A watching connector (``ragstream connect filesystem DIR``, no ``--once``) on an empty
    folder; new documents (NumPy reference documents from the end of the file, not in the
    timed corpus, so no chunk's vector is at hand; each with a unique marker word) are moved
    into it at ``rate_per_s``; each is timed from its write to the first search of
    ``rag-chunks`` (no refresh asked by the benchmark: the index's own refresh) that returns
    its marker.
    """
    n = max(1, int(rate_per_s * duration_s))
    texts = [
        f"# {row['title']}\n\n{row['text']}\n"
        for row in map(json.loads, NUMPY_DOCS.read_text(encoding="utf-8").splitlines()[::-1][:n])
    ]
    watch = ns.tmp / "fresh"
    staging = ns.tmp / "fresh-staging"
    watch.mkdir()
    staging.mkdir()
    connector = ns.spawn(
        [*RAGSTREAM, "connect", "filesystem", str(watch), "--source-id", "fresh"],
        "fresh-connector",
    )
    time.sleep(5.0)  # the connector's initial (empty) scan and watch set-up
    if connector.poll() is not None:
        raise RuntimeError(f"watching connector exited:\n{ns.log_tail('fresh-connector')}")
    written: dict[str, float] = {}
    seen: dict[str, float] = {}
    interval = 1.0 / rate_per_s
    start = time.perf_counter()
    deadline_after_last = 60.0
    i = 0

    def poll() -> None:
        pending = [t for t in written if t not in seen]
        if not pending:
            return
        try:
            resp = client.search(
                index=ns.chunks,
                body={
                    "size": 10 * len(pending),
                    "query": {"terms": {"text": pending}},
                    "_source": ["text"],
                },
            )
        except NotFoundError:
            return
        now = time.perf_counter()
        for hit in resp["hits"]["hits"]:
            text = hit["_source"].get("text", "")
            for token in pending:
                if token in text and token not in seen:
                    seen[token] = now

    while True:
        now = time.perf_counter()
        if i < n and now >= start + i * interval:
            token = _token(i)
            body = texts[i % len(texts)] + f"\n\nReference tag: {token}.\n"
            tmp_file = staging / f"fresh-{i:05d}.md"
            tmp_file.write_text(body, encoding="utf-8")
            os.replace(tmp_file, watch / tmp_file.name)
            written[token] = time.perf_counter()
            i += 1
        poll()
        ns.check_worker(worker)
        if i >= n and len(seen) >= len(written):
            break
        if i >= n and now > start + n * interval + deadline_after_last:
            break
        time.sleep(0.05)
    connector.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        connector.wait(30)
    latencies = [seen[t] - written[t] for t in written if t in seen]
    return {
        "rate_per_s": rate_per_s,
        "duration_s": duration_s,
        "written": len(written),
        "seen": len(seen),
        "p50_s": report.percentile(latencies, 50),
        "p99_s": report.percentile(latencies, 99),
        "max_s": max(latencies) if latencies else None,
        "latencies_s": [round(x, 3) for x in latencies],
    }


def steady_rate(timeline: Sequence[tuple[float, int, int]], n_docs: int) -> float | None:
    """Documents per second between 10 % and 90 % of the corpus indexed."""
    lo = next((t for t, d, _ in timeline if d >= 0.1 * n_docs), None)
    hi = next((t for t, d, _ in timeline if d >= 0.9 * n_docs), None)
    if lo is None or hi is None or hi <= lo:
        return None
    return 0.8 * n_docs / (hi - lo)


def metric_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: round(v - before.get(k, 0.0), 3) for k, v in sorted(after.items())}


# -- (b) the bound: each CPU stage alone with the whole machine ----------------------------


def run_bare(events: Sequence[ChangeEvent], settings: Settings, chunks: int) -> dict[str, Any]:
    """Each CPU stage alone, the worker's way and one process per core; the faster counts.

    Compliance's rate is expressed in chunks/s of the same corpus (chunks / its seconds),
    so the bound is in chunks/s.
    """
    cores = len(os.sched_getaffinity(0))
    threads = settings.embedding.threads or cores
    variants = [(1, threads)]
    if cores > 1:
        variants.append((cores, max(1, threads // cores)))
    load = loadavg()
    stages: dict[str, list[dict[str, Any]]] = {"compliance": [], "chunk_embed": []}
    clean: list[CleanDocument] = []
    for processes, thr in variants:
        result, docs = run_alone("compliance", events, processes, thr)
        stages["compliance"].append(result.as_dict())
        clean = clean or docs
        print(f"  compliance alone, {processes} process(es): {result.seconds:.1f} s", flush=True)
    live = [d for d in clean if d.op is Op.UPSERT]
    n_chunks = 0
    for processes, thr in variants:
        result, _ = run_alone("chunk_embed", clean, processes, thr)
        stages["chunk_embed"].append(result.as_dict())
        n_chunks = result.chunks
        print(
            f"  chunk + embed alone, {processes} process(es) x {thr} threads: "
            f"{result.seconds:.1f} s",
            flush=True,
        )
    best = {stage: min(r["seconds"] for r in runs) for stage, runs in stages.items()}
    # Chunks of the clean documents (what the bound's chunk_embed produced); compliance's
    # rate uses the same count.
    per_s = {stage: rate(n_chunks, s) for stage, s in best.items()}
    return {
        "loadavg_before": load,
        "docs": len(events),
        "live_docs": len(live),
        "chunks": n_chunks,
        "e2e_chunks_reference": chunks,
        "stages": stages,
        "best_seconds": best,
        "best_chunks_per_s": per_s,
        "bound_chunks_per_s": report.bound(per_s),
    }


# -- (c) the naive baseline ----------------------------------------------------------------


def chunk_source(
    event: ChangeEvent, key: str, span: Any, n: int, vector: Any, model: str
) -> dict[str, Any]:
    return {
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
        "chunk_count": n,
        "start": span.start,
        "end": span.end,
        "text": span.text,
        "model_id": model,
        "embedding": [float(x) for x in vector],
    }


def run_naive(
    events: Sequence[ChangeEvent],
    settings: Settings,
    chunker: Chunker,
    embedder: Embedder,
    meter: CpuMeter,
) -> dict[str, Any]:
    """A seed-style loop: per document Presidio analyze + anonymize, chunk, one embed call,
    one bulk request (no forced refresh); one refresh at the end, inside the clock."""
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
        t2 = time.perf_counter()
        if spans:
            vectors = embedder.embed([s.text for s in spans])  # one call per document
            t2 = time.perf_counter()
            actions: list[dict[str, Any]] = []
            for span, vector in zip(spans, vectors, strict=True):
                actions.append({"index": {"_index": index, "_id": f"{key}#{span.index}"}})
                actions.append(
                    chunk_source(event, key, span, len(spans), vector, embedder.model_id)
                )
            resp = client.bulk(body=actions)
            if resp.get("errors"):
                raise RuntimeError(f"naive bulk had errors: {str(resp)[:500]}")
        t3 = time.perf_counter()
        parts["analyze_anonymize"] += t1 - t0
        parts["chunk_embed"] += t2 - t1
        parts["index"] += t3 - t2
        return len(spans)

    try:
        one(events[0], "warm-up")  # excluded from timing
        client.delete(index=index, id="warm-up#0", ignore=[404])
        parts.update(dict.fromkeys(parts, 0.0))
        load = loadavg()
        cpu_before = meter.snapshot()
        started = time.perf_counter()
        chunks = sum(one(e, e.key) for e in events)
        t_refresh = time.perf_counter()
        client.indices.refresh(index=index)
        seconds = time.perf_counter() - started
        parts["final_refresh"] = time.perf_counter() - t_refresh
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


# -- (d) LangChain's indexing API ----------------------------------------------------------


def langchain_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("langchain-core", "langchain-classic", "langchain-community"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def run_langchain(
    events: Sequence[ChangeEvent],
    settings: Settings,
    chunker: Chunker,
    embedder: Embedder,
    tmp: Path,
    meter: CpuMeter,
) -> dict[str, Any]:
    """LangChain ``index()`` + ``SQLRecordManager`` into ``OpenSearchVectorSearch``.

    Compliance off (as ``pipeline_off``). The documents are ragstream's chunks of each file
    (same chunker, same size: the same chunk count), with ``source`` = the document key;
    the clock covers chunking, ``index()`` (hashing, record manager, embedding, bulk
    writes with the vector store's own refresh) and a final refresh.
    """
    try:
        import warnings

        warnings.filterwarnings("ignore", category=DeprecationWarning)
        from langchain_classic.indexes import SQLRecordManager
        from langchain_community.vectorstores import OpenSearchVectorSearch
        from langchain_core.documents import Document
        from langchain_core.embeddings import Embeddings
        from langchain_core.indexing import index
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}

    class RagstreamEmbeddings(Embeddings):
        """ragstream's embedder as LangChain ``Embeddings``."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in embedder.embed(texts)]

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    name = f"bench{uuid.uuid4().hex[:10]}-langchain"
    store = OpenSearchVectorSearch(
        opensearch_url=settings.opensearch.url,
        index_name=name,
        embedding_function=RagstreamEmbeddings(),
        engine="lucene",
        space_type="cosinesimil",
    )
    db = tmp / f"{name}.sqlite"
    records = SQLRecordManager(f"opensearch/{name}", db_url=f"sqlite:///{db}")
    records.create_schema()
    client = make_client(settings.opensearch)

    def documents(batch: Sequence[ChangeEvent]) -> list[Any]:
        out = []
        for e in batch:
            for span in chunker.split(e.content or ""):
                out.append(
                    Document(
                        page_content=span.text,
                        metadata={
                            "source": e.key,
                            "chunk_index": span.index,
                            "title": e.title or "",
                        },
                    )
                )
        return out

    try:
        # Warm-up, excluded: creates the index and loads what the first call loads.
        warm = [Document(page_content=PROBE_TEXT, metadata={"source": "warm-up"})]
        index(warm, records, store, cleanup="incremental", source_id_key="source")
        index([], records, store, cleanup="full", source_id_key="source")
        load = loadavg()
        cpu_before = meter.snapshot()
        started = time.perf_counter()
        docs = documents(events)
        chunk_s = time.perf_counter() - started
        result = index(docs, records, store, cleanup="incremental", source_id_key="source")
        client.indices.refresh(index=name)
        seconds = time.perf_counter() - started
        cpu_after = meter.snapshot()
        indexed = count(client, name)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "versions": langchain_versions()}
    finally:
        with contextlib.suppress(Exception):
            client.indices.delete(index=name)
    return {
        "versions": langchain_versions(),
        "loadavg_before": load,
        "docs": len(events),
        "chunks": len(docs),
        "indexed": indexed,
        "index_result": dict(result),
        "seconds": seconds,
        "chunking_seconds": round(chunk_s, 2),
        "docs_per_s": rate(len(events), seconds),
        "chunks_per_s": rate(len(docs), seconds),
        "cpu_s": CpuMeter.delta(cpu_before, cpu_after),
    }


# -- (e) re-embedding after a 1 % edit -----------------------------------------------------


def edit_once(text: str, rng: Any) -> str:
    """The retrieval benchmark's edit (bench/retrieval/run.py ``edit_once``)."""
    from bench.retrieval.run import edit_once as retrieval_edit

    return retrieval_edit(text, rng)


def run_resync(events: Sequence[ChangeEvent], settings: Settings, seed: int = 9) -> dict[str, Any]:
    """Every document again as version + 1, 1 % of them with one local edit, through one
    ``ChunkEmbedStage`` (the worker's chunker; the vector cache as in the worker). What
    is counted is model calls per chunk, which does not depend on the model, so the
    hashing embedder stands in for speed."""
    import random

    rng = random.Random(seed)
    docs = [passthrough_document(e) for e in events if e.op is Op.UPSERT and e.content]
    n_edit = max(1, round(len(docs) / 100))
    picked = sorted(rng.sample(range(len(docs)), n_edit))
    edited = [d.model_copy(update={"version": d.version + 1}) for d in docs]
    for i in picked:
        edited[i] = edited[i].model_copy(update={"text": edit_once(docs[i].text or "", rng)})
    stage = ChunkEmbedStage(SectionChunker(settings.chunking), HashingEmbedder(settings.embedding))
    stage.warm_up()
    for b in batches(docs, BATCH):
        stage.process(b)
    total = stage.computed
    for b in batches(edited, BATCH):
        stage.process(b)
    again = stage.computed - total
    return {
        "documents": len(docs),
        "edited_documents": n_edit,
        "chunks": total,
        "recomputed": again,
        "fraction": round(again / total, 5) if total else None,
        "retrieval": report.resync_from_retrieval(RETRIEVAL_JSON),
    }


# -- summary -------------------------------------------------------------------------------


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """latest.json: the figures issue #9 asks for, each target with met/MISSED."""
    p, off = result.get("pipeline") or {}, result.get("pipeline_off") or {}
    bare, nv, lc = result.get("bare") or {}, result.get("naive") or {}, result.get("langchain")
    fr = p.get("freshness") or {}
    rs = result.get("resync") or {}
    latest: dict[str, Any] = {
        "at": result["at"],
        "command": result["command"],
        "git": result["git"],
        "commit": result["git"]["commit"],
        "tree_clean": result["git"]["clean"],
        "machine": result["machine"],
        "corpus": {**result["corpus"], "documents": result["docs"], "chunks": result["chunks"]},
        "settings": result["settings"],
        "e2e_chunks_per_s": p.get("chunks_per_s"),
        "bound_chunks_per_s": bare.get("bound_chunks_per_s"),
        "bound_stage_chunks_per_s": bare.get("best_chunks_per_s"),
        "naive_chunks_per_s": nv.get("chunks_per_s"),
        "e2e_compliance_off_chunks_per_s": off.get("chunks_per_s"),
        "langchain_chunks_per_s": (lc or {}).get("chunks_per_s"),
        "freshness_p50_s": fr.get("p50_s"),
        "freshness_p99_s": fr.get("p99_s"),
        "worker_rss_mb": max(
            (x for x in (p.get("worker_rss_mb"), off.get("worker_rss_mb")) if x is not None),
            default=None,
        ),
        "resync_embed_fraction": rs.get("fraction"),
        "ndcg10": report.ndcg_from_retrieval(RETRIEVAL_JSON),
        "runtime_s": result["runtime_s"],
    }
    for key in (
        "e2e_chunks_per_s",
        "bound_chunks_per_s",
        "naive_chunks_per_s",
        "e2e_compliance_off_chunks_per_s",
        "langchain_chunks_per_s",
        "worker_rss_mb",
        "freshness_p50_s",
        "freshness_p99_s",
    ):
        if isinstance(latest[key], float):
            latest[key] = round(latest[key], 3)
    if lc is not None and "error" in lc:
        latest["langchain_error"] = lc["error"]
    latest["ratios"] = report.ratios(latest)
    latest["other_targets"] = report.other_targets(latest)
    latest["ceilings"] = report.ceilings(latest)
    latest["missed"] = [
        n
        for n, r in {**latest["ratios"], **latest["other_targets"]}.items()
        if r["status"] == "MISSED"
    ]
    return latest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--numpy-docs",
        type=int,
        default=150,
        help="NumPy reference documents added to samples/corpus",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument(
        "--phases", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="pipeline wait limit, s")
    parser.add_argument(
        "--fresh-rate",
        type=float,
        default=1.0,
        help="files per second written during the freshness run",
    )
    parser.add_argument(
        "--fresh-seconds", type=float, default=60.0, help="length of the freshness run (0 = skip)"
    )
    parser.add_argument("--logs", type=Path, help="copy the worker and connector logs here")
    parser.add_argument(
        "--max-wait",
        type=float,
        default=900.0,
        help="wait this long for other benchmarks (negative: do not wait)",
    )
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    available = len(NUMPY_DOCS.read_text(encoding="utf-8").splitlines())
    fresh_docs = int(args.fresh_rate * args.fresh_seconds)
    if args.numpy_docs + fresh_docs > available:
        parser.error(
            f"--numpy-docs {args.numpy_docs} plus {fresh_docs} freshness documents exceed the "
            f"{available} documents of {NUMPY_DOCS.name} (no document may be used twice)"
        )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    waited = wait_for_quiet(args.max_wait)
    run_started = time.perf_counter()
    settings = Settings()
    meter = CpuMeter(stack_pids())
    result: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(),
        "command": " ".join(["python -m bench.pipeline.run", *(argv or sys.argv[1:])]),
        "machine": machine_info(),
        "git": git_state(),
        "waited_for_other_benchmarks_s": round(waited, 1),
        "phases": phases,
        "settings": {
            "take_batch": settings.worker.take_batch,
            "take_within_s": settings.worker.take_within_s,
            "partitions": settings.kafka.partitions,
            "compliance_batch_size": settings.compliance.batch_size,
            "policy": settings.compliance.policy,
            "spacy_model": settings.compliance.spacy_model,
            "chunking": settings.chunking.model_dump(),
            "embedding": settings.embedding.model_dump(mode="json", exclude={"http_api_key"}),
            "bare_batch": BATCH,
        },
    }
    with tempfile.TemporaryDirectory(prefix="ragstream-bench-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "corpus"
        root.mkdir()
        result["corpus"] = make_corpus(root, args.numpy_docs)
        events = connector_events(root, tmp / "inmemory-state")
        result["docs"] = len(events)
        print(f"{len(events)} documents: {result['corpus']['description']}", flush=True)
        chunker = SectionChunker(settings.chunking)
        chunker.warm_up()
        n_chunks = sum(len(chunker.split(e.content or "")) for e in events)
        result["chunks_uncompliant"] = n_chunks

        if "pipeline" in phases:
            print("(a) pipeline, default policy, then freshness ...", flush=True)
            fresh = (
                {"rate_per_s": args.fresh_rate, "duration_s": args.fresh_seconds}
                if args.fresh_seconds > 0
                else None
            )
            result["pipeline"] = run_pipeline(
                root, len(events), tmp, meter, args.timeout, args.logs, freshness=fresh
            )
            print(f"    {result['pipeline']['chunks_per_s']:.1f} chunks/s", flush=True)
        if "pipeline_off" in phases:
            print("(a') pipeline, compliance off ...", flush=True)
            result["pipeline_off"] = run_pipeline(
                root,
                len(events),
                tmp,
                meter,
                args.timeout,
                args.logs,
                extra_env={"RAGSTREAM_COMPLIANCE__ENABLED": "false"},
            )
            print(f"    {result['pipeline_off']['chunks_per_s']:.1f} chunks/s", flush=True)
        if "bare" in phases:
            print("(b) each CPU stage alone (bound) ...", flush=True)
            result["bare"] = run_bare(events, settings, n_chunks)
            print(f"    bound {result['bare']['bound_chunks_per_s']:.1f} chunks/s", flush=True)
        embedder = make_embedder(settings.embedding)
        if "naive" in phases or "langchain" in phases:
            embedder.warm_up()
        if "naive" in phases:
            print("(c) naive loop ...", flush=True)
            result["naive"] = run_naive(events, settings, chunker, embedder, meter)
            print(f"    {result['naive']['chunks_per_s']:.1f} chunks/s", flush=True)
        if "langchain" in phases:
            print("(d) LangChain index() ...", flush=True)
            result["langchain"] = run_langchain(events, settings, chunker, embedder, tmp, meter)
            print(
                f"    {result['langchain'].get('chunks_per_s') or result['langchain']}", flush=True
            )
        if "resync" in phases:
            print("(e) re-embedding after a 1 % edit ...", flush=True)
            result["resync"] = run_resync(events, settings)

    reference = result.get("pipeline") or result.get("bare") or result.get("naive") or {}
    result["chunks"] = reference.get("chunks", n_chunks)
    result["runtime_s"] = round(time.perf_counter() - run_started, 1)
    latest = summarize(result)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pipeline.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "latest.json").write_text(json.dumps(latest, indent=2) + "\n", encoding="utf-8")
    summary = report.render_markdown(latest, result)
    (args.out / "pipeline.md").write_text(summary, encoding="utf-8")
    try:
        report.chart(latest, args.out / "latest.png")
    except ImportError as exc:
        print(f"no chart: {exc} (install bench/requirements.lock)", file=sys.stderr)
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
