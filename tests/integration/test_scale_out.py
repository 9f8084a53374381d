"""Scaling out: two workers of one consumer group share the partitions and index everything once.

Each run gets a fresh namespace (topics with 4 partitions, indices, consumer group): start the
workers, wait until they are ready and the group has assigned partitions to every one of them,
publish N change events, and time until all N documents are in the index. The run with two
workers then checks, from the consumer group description and from each worker's metrics, that
both received partitions and processed events, and that the sinks indexed every document
exactly once. It prints

    SCALE workers=1 docs_per_s=... workers=2 docs_per_s=... ratio=...

with no assertion on the timing: the test machines have 2 shared cores, so two workers on one
machine compete for the same CPUs and the ratio may be about 1 (docs/SCALING.md has figures).
RAGSTREAM_SCALE_DOCS (default 600) and RAGSTREAM_SCALE_BACKEND (default hashing; onnx for the
real embedding model) change the workload; run with -s to see the per-run lines too.
"""

from __future__ import annotations

import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import AdminClient

from infra.kafka_config import confluent_config
from schemas import ChangeEvent, Op
from tests.integration.conftest import Namespace, wait_for
from tests.integration.helpers import consistency_problems

N = int(os.environ.get("RAGSTREAM_SCALE_DOCS", "600"))
PARTITIONS = 4
WORKER_ENV = {
    # hashing keeps CI fast; RAGSTREAM_SCALE_BACKEND=onnx measures the real model
    "RAGSTREAM_EMBEDDING__BACKEND": os.environ.get("RAGSTREAM_SCALE_BACKEND", "hashing"),
    "RAGSTREAM_KAFKA__PARTITIONS": str(PARTITIONS),
}
RESULTS: dict[int, Run] = {}

WORDS = [
    *("stream", "partition", "consumer", "broker", "offset", "replica", "index", "shard"),
    *("segment", "vector", "chunk", "document", "source", "change", "event", "worker"),
    *("group", "lag", "throughput", "latency", "batch", "commit"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _events(n: int) -> list[ChangeEvent]:
    """n distinct documents of about 120 words (one chunk each), no personal data."""
    events = []
    for i in range(n):
        words = [WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(120)]
        sentences = [" ".join(words[k : k + 12]).capitalize() + "." for k in range(0, 120, 12)]
        events.append(
            ChangeEvent(
                source_id="scale",
                document_id=f"doc-{i:05d}.md",
                op=Op.UPSERT,
                version=1,
                content=f"Scale test document {i}. " + " ".join(sentences),
                title=f"Scale test document {i}",
            )
        )
    return events


def _metric_sum(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels`` (Prometheus text)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _rss_mib(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, MiB (from /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _cpu_s(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    workers: int
    seconds: float = 0.0
    docs_per_s: float = 0.0
    assignment: dict[str, list[int]] = field(default_factory=dict)
    rss_mib: list[float] = field(default_factory=list)
    peak_rss_mib: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    compliance_in: list[float] = field(default_factory=list)
    indexed: list[float] = field(default_factory=list)
    chunks: int = 0
    chunk_index_bytes: int = 0


def _assignment(admin: AdminClient, group: str, topic: str) -> dict[str, list[int]] | None:
    """Partitions of ``topic`` per member of a stable group, or None while it rebalances."""
    try:
        desc = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    except Exception:
        return None
    if desc.state != ConsumerGroupState.STABLE:
        return None
    out: dict[str, list[int]] = {}
    for m in desc.members:
        parts = m.assignment.topic_partitions if m.assignment else []
        out[m.member_id] = sorted(tp.partition for tp in parts if tp.topic == topic)
    return out


def _measure(ns: Namespace, workers: int) -> Run:
    ns.env["RAGSTREAM_KAFKA__PARTITIONS"] = str(PARTITIONS)
    created = ns.run(["topics"])
    assert created.returncode == 0, created.stderr
    k = ns.settings.kafka
    admin = AdminClient(dict(confluent_config(k)))
    meta = admin.list_topics(k.changes_topic, timeout=10).topics[k.changes_topic]
    assert len(meta.partitions) == PARTITIONS

    ports = [_free_port() for _ in range(workers)]
    procs = []
    for i, port in enumerate(ports):
        env = {
            **WORKER_ENV,
            "RAGSTREAM_WORKER__WEB_PORT": str(port),
            "RAGSTREAM_WORKER__DATA_DIR": str(ns.tmp / f"worker-{i}"),
        }
        procs.append(ns.spawn(["worker"], f"worker-{i}", env))

    def ready() -> bool:
        ns.check_alive()
        for port in ports:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=3).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
        return True

    wait_for(ready, 240, f"{workers} worker(s) to report ready on /health/", interval=1)
    group = ns.settings.worker.app_id

    def settled() -> dict[str, list[int]] | None:
        ns.check_alive()
        a = _assignment(admin, group, k.changes_topic)
        if a and len(a) == workers and all(a.values()):
            return a
        return None

    wait_for(settled, 120, f"the group {group} to give each of {workers} worker(s) partitions", 1)

    events = _events(N)
    docs_alias = ns.settings.opensearch.documents_alias

    def count() -> int:
        ns.check_alive()
        client = ns.os
        if not client.indices.exists(index=docs_alias):
            return 0
        client.indices.refresh(index=docs_alias)
        return int(client.count(index=docs_alias)["count"])

    started = time.monotonic()
    ns.publish(events)
    wait_for(lambda: count() >= N, 900, f"{N} documents in {docs_alias}", interval=0.25)
    elapsed = time.monotonic() - started

    run = Run(workers=workers, seconds=elapsed, docs_per_s=N / elapsed)
    run.assignment = wait_for(settled, 60, "a stable group after the run", 1)
    for port, proc in zip(ports, procs, strict=True):
        text = httpx.get(f"http://127.0.0.1:{port}/metrics/", timeout=10).text
        run.compliance_in.append(_metric_sum(text, "ragstream_events_in_total", stage="compliance"))
        run.indexed.append(
            _metric_sum(text, "ragstream_events_out_total", stage="sink", outcome="indexed")
        )
        rss, peak = _rss_mib(proc.pid)
        run.rss_mib.append(round(rss))
        run.peak_rss_mib.append(round(peak))
        run.cpu_s.append(round(_cpu_s(proc.pid), 1))

    # Index size per chunk (sizing OpenSearch, docs/SCALING.md): primaries after a flush
    chunks_alias = ns.settings.opensearch.chunks_alias
    ns.os.indices.flush(index=chunks_alias)
    stats = ns.os.indices.stats(index=chunks_alias, metric="docs,store")["_all"]["primaries"]
    run.chunks = int(stats["docs"]["count"])
    run.chunk_index_bytes = int(stats["store"]["size_in_bytes"])

    # Exactly once: every document once, at its version, with its complete set of chunks ...
    docs = ns.documents()
    ids = Counter(d["document_id"] for d in docs)
    assert set(ids) == {e.document_id for e in events}
    assert max(ids.values()) == 1 and len(docs) == N
    assert {d["version"] for d in docs} == {1}
    assert consistency_problems(ns) == []
    # ... and the sinks wrote each one once (a second delivery of a version counts as stale).
    assert sum(run.indexed) == N, run.indexed
    assert sum(run.compliance_in) >= N
    return run


def _report(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\nscale run: workers={run.workers} docs={N} backend="
            f"{WORKER_ENV['RAGSTREAM_EMBEDDING__BACKEND']} seconds={run.seconds:.1f} "
            f"docs_per_s={run.docs_per_s:.2f} partitions(changes)={run.assignment} "
            f"compliance_events_in={run.compliance_in} sink_indexed={run.indexed} "
            f"worker_rss_mib={run.rss_mib} worker_peak_rss_mib={run.peak_rss_mib} "
            f"worker_cpu_s={run.cpu_s} chunks={run.chunks} "
            f"chunk_index_bytes_per_chunk={run.chunk_index_bytes / max(run.chunks, 1):.0f}"
        )


def test_one_worker_throughput(ns: Namespace, capsys: pytest.CaptureFixture[str]) -> None:
    """One worker holds all 4 partitions and indexes N documents once."""
    run = _measure(ns, 1)
    assert [len(p) for p in run.assignment.values()] == [PARTITIONS]
    RESULTS[1] = run
    _report(run, capsys)


def test_two_workers_share_partitions(ns: Namespace, capsys: pytest.CaptureFixture[str]) -> None:
    """Two workers of one group split the 4 partitions; together they index N documents once."""
    run = _measure(ns, 2)
    RESULTS[2] = run
    _report(run, capsys)
    parts = sorted(p for ps in run.assignment.values() for p in ps)
    assert parts == list(range(PARTITIONS)), run.assignment
    assert all(run.assignment.values()), f"a worker got no partition: {run.assignment}"
    assert all(n > 0 for n in run.compliance_in), f"a worker processed nothing: {run}"
    one = RESULTS.get(1)
    with capsys.disabled():
        if one is None:
            print(
                f"SCALE workers=1 docs_per_s=n/a workers=2 docs_per_s={run.docs_per_s:.2f} "
                "ratio=n/a"
            )
        else:
            print(
                f"SCALE workers=1 docs_per_s={one.docs_per_s:.2f} workers=2 "
                f"docs_per_s={run.docs_per_s:.2f} ratio={run.docs_per_s / one.docs_per_s:.2f}"
            )
