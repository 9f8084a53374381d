"""Crash and outage tests: a few thousand changes in flight, one fault, an exact final state.

Each test runs a real file-system connector and real Faust worker(s) against the real Kafka
and OpenSearch of the local stack, drives ~2,000 creates, longer and shorter edits and
deletes through a watched folder, injects one fault in the middle, and then requires the
indices to equal the folder exactly. It prints one line per scenario:

    RELIABILITY worker_kill: lost=0 duplicate=0 stale=0 undeleted=0 dlq=0 changes=... resume_s=...

``resume_s`` is the time from the fault (for a restarted service: from its restart) to the
next indexed change. Workers use the model-free hashing embedder (the runtime is under test,
not the model) and the default compliance policy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from tests.integration.conftest import REPO, Namespace, wait_for
from tests.reliability.harness import ChangeDriver, Verdict, compare, first_write_after

CHANGES = int(os.environ.get("RAGSTREAM_RELIABILITY_CHANGES", "2000"))
DURATION_S = float(os.environ.get("RAGSTREAM_RELIABILITY_DURATION_S", "45"))
CONVERGE_S = 240.0
RESULTS = REPO / ".ragstream" / "reliability.txt"
LINES: list[str] = []  # printed in the terminal summary (see conftest.py)

WORKER_ENV = {
    "RAGSTREAM_EMBEDDING__BACKEND": "hashing",
    "RAGSTREAM_KAFKA__PARTITIONS": "4",
    "RAGSTREAM_WORKER__TAKE_BATCH": "32",
    "RAGSTREAM_CONNECTORS__RESCAN_INTERVAL_S": "0",
}


def _stack(*args: str) -> None:
    subprocess.run(["bash", str(REPO / "compose" / "stack.sh"), *args], check=True, timeout=300)


def _stack_pid(service: str) -> int:
    return int((REPO / ".stack" / "pids" / f"{service}.pid").read_text().strip())


@dataclass
class Run:
    ns: Namespace
    root: Path
    workers: list[subprocess.Popen[bytes]]
    connector: subprocess.Popen[bytes]
    driver: ChangeDriver
    worker_count: int = 0
    takeover_s: float | None = None

    health_urls: list[str] = field(default_factory=list)
    not_ready_seen: bool | None = None

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.worker_count += 1
        port = _free_port()
        env = {**WORKER_ENV, "RAGSTREAM_WORKER__WEB_PORT": str(port)}
        proc = self.ns.spawn(["worker"], f"worker-{self.worker_count}", env)
        self.workers.append(proc)
        self.health_urls.append(f"http://127.0.0.1:{port}/health/")
        return proc

    def start_connector(self) -> subprocess.Popen[bytes]:
        self.connector = self.ns.spawn(
            ["connect", "filesystem", str(self.root)], f"connector-{time.time():.0f}", WORKER_ENV
        )
        return self.connector


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def _worker_story(run: Run) -> str:
    """Exit codes and the last warnings of every worker: why indexing stopped."""
    lines = []
    for i, proc in enumerate(run.workers, 1):
        lines.append(f"worker {i}: exit code {proc.poll()}")
    for log in sorted(run.ns.tmp.glob("worker-*.log")):
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
        notable = [t for t in text if '"warning"' in t or '"critical"' in t or '"error"' in t]
        lines.append(f"--- {log.name}: last of {len(notable)} warnings/errors")
        lines += [t[:400] for t in notable[-8:]]
    return "\n".join(lines)


def _kill9(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def _group_owns_all(ns: Namespace, members: int) -> bool:
    """The worker group has exactly ``members`` members (the dead one was evicted)."""
    admin = AdminClient({"bootstrap.servers": ns.settings.kafka.bootstrap_servers})
    group = ns.settings.worker.app_id
    desc = admin.describe_consumer_groups([group])[group].result(timeout=10)
    return len(desc.members) == members and str(desc.state).endswith("STABLE")


Fault = Callable[[Run], float]


def fault_worker_kill(run: Run) -> float:
    """kill -9 the only worker; a supervisor would restart it at once."""
    victim = run.workers.pop()
    _kill9(victim)
    moment = time.time()
    run.start_worker()
    return moment


def fault_connector_kill(run: Run) -> float:
    """kill -9 the connector; restart it two seconds later (it resumes from its checkpoint)."""
    _kill9(run.connector)
    run.ns.procs.remove(run.connector)
    time.sleep(2)
    run.start_connector()
    return time.time()


BROKER_DOWN_S = float(os.environ.get("RAGSTREAM_RELIABILITY_BROKER_DOWN_S", "5"))


def fault_broker_kill(run: Run) -> float:
    """kill -9 the Kafka broker; restart it five seconds later (``BROKER_DOWN_S``)."""
    os.kill(_stack_pid("kafka"), signal.SIGKILL)
    time.sleep(BROKER_DOWN_S)
    _stack("up", "kafka")
    return time.time()


def fault_opensearch_stop(run: Run) -> float:
    """Stop OpenSearch for 30 s while the workers index, then start it again."""
    _stack("down", "opensearch")
    down_at = time.monotonic()
    url = run.health_urls[-1]
    run.not_ready_seen = False
    while time.monotonic() - down_at < 30:
        if _health_status(url) == 503:
            run.not_ready_seen = True  # /health/ tells the truth while a stage retries
        time.sleep(1)
    _stack("up", "opensearch")
    return time.time()


def fault_one_of_two_workers_killed(run: Run) -> float:
    """Two workers share the partitions; kill -9 one, the other must take over alone."""
    victim = run.workers.pop(0)
    _kill9(victim)
    run.ns.procs.remove(victim)
    moment = time.time()
    wait_for(lambda: _group_owns_all(run.ns, 1), 120, "the surviving worker to own everything")
    run.takeover_s = time.time() - moment
    return moment


SCENARIOS: dict[str, tuple[Fault, int]] = {
    "worker_kill": (fault_worker_kill, 1),
    "connector_kill": (fault_connector_kill, 1),
    "broker_kill": (fault_broker_kill, 1),
    "opensearch_stop": (fault_opensearch_stop, 1),
    "two_workers_one_killed": (fault_one_of_two_workers_killed, 2),
}


def _report(
    name: str,
    verdict: Verdict,
    driver: ChangeDriver,
    resume_s: float | None,
    converge_s: float,
    fault_s: float,
    takeover_s: float | None = None,
) -> str:
    s = driver.stats
    resume = "none" if resume_s is None else f"{resume_s:.1f}"
    line = (
        f"RELIABILITY {name}: {verdict.line()} changes={s.total} (creates={s.creates} "
        f"longer={s.longer} shorter={s.shorter} deletes={s.deletes}) files={len(driver.expected)} "
        f"faults=1 fault_at_s={fault_s:.1f} resume_s={resume} "
        f"converged_after_stream_s={converge_s:.1f}"
    )
    if takeover_s is not None:
        line += f" partitions_moved_s={takeover_s:.1f}"
    LINES.append(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    return line


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_nothing_lost_or_stale_after(name: str, ns: Namespace, tmp_path: Path) -> None:
    fault, workers = SCENARIOS[name]
    root = tmp_path / "watched"
    root.mkdir()
    driver = ChangeDriver(root, CHANGES, DURATION_S, seed=sum(map(ord, name)))
    run = Run(ns, root, [], None, driver)  # type: ignore[arg-type]
    for _ in range(workers):
        run.start_worker()
    run.start_connector()
    if workers == 2:
        wait_for(lambda: _group_owns_all(ns, 2), 120, "both workers to join the group")

    started = time.monotonic()
    driver.start()
    time.sleep(DURATION_S / 2)
    moment = fault(run)
    fault_at = time.monotonic() - started
    try:
        resume_s = wait_for(
            lambda: first_write_after(ns, moment), 180, f"indexing to resume after {name}", 0.25
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_worker_story(run)}") from None
    driver.join()
    stream_end = time.monotonic()

    last: list[Verdict] = []

    def converged() -> Verdict | None:
        verdict = compare(ns, driver.expected)
        last[:] = [verdict]
        return verdict if verdict.clean else None

    with contextlib.suppress(AssertionError):  # the verdict below says what is wrong
        wait_for(converged, CONVERGE_S, "the indices to equal the folder", 2.0)
    verdict = last[0]
    line = _report(
        name, verdict, driver, resume_s, time.monotonic() - stream_end, fault_at, run.takeover_s
    )
    assert verdict.clean, f"{line}\n{verdict.examples()}"
    if run.not_ready_seen is not None:
        assert run.not_ready_seen, "/health/ never reported not ready during the outage"
        assert _health_status(run.health_urls[-1]) == 200, "/health/ not ready after recovery"
