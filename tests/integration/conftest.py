"""Integration fixtures: the real local stack, a fresh namespace per test, real workers."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from connectors.publisher import KafkaPublisher
from infra.opensearch import make_client
from infra.settings import Settings
from schemas import ChangeEvent

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
RAGSTREAM = [sys.executable, "-m", "ragstream.cli"]


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")


@pytest.fixture(scope="session")
def stack() -> None:
    """The local stack must be up (scripts/test.sh starts it); fail loudly, never skip."""
    base = Settings()
    admin = AdminClient({"bootstrap.servers": base.kafka.bootstrap_servers})
    try:
        admin.list_topics(timeout=10)
    except Exception as exc:
        pytest.fail(
            f"Kafka at {base.kafka.bootstrap_servers} unreachable ({exc}); run `make stack-up`"
        )
    client = make_client(base.opensearch)
    try:
        alive = client.ping()
    except Exception:  # turned into a clear failure
        alive = False
    if not alive:
        pytest.fail(f"OpenSearch at {base.opensearch.url} unreachable; run `make stack-up`")


@dataclass
class Namespace:
    """Fresh topics, indices, consumer group and state for one test."""

    name: str
    tmp: Path
    env: dict[str, str]
    settings: Settings
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def os(self) -> OpenSearch:
        return make_client(self.settings.opensearch)

    def spawn(
        self, args: list[str], log_name: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{log_name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [*RAGSTREAM, *args],
            cwd=REPO,
            env={**os.environ, **self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def run(
        self, args: list[str], input_text: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*RAGSTREAM, *args],
            cwd=REPO,
            env={**os.environ, **self.env},
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start_worker(
        self, app_id: str | None = None, log_name: str = "worker"
    ) -> subprocess.Popen[bytes]:
        extra = {"RAGSTREAM_WORKER__APP_ID": app_id} if app_id else {}
        if app_id:
            extra["RAGSTREAM_WORKER__DATA_DIR"] = str(self.tmp / f"worker-{app_id}")
        return self.spawn(["worker"], log_name, extra)

    def publish(self, events: list[ChangeEvent]) -> None:
        """Publish change events as a connector would (idempotent producer, keyed)."""
        publisher = KafkaPublisher(self.settings.kafka)
        try:
            publisher.publish(events)
            publisher.flush(30)
        finally:
            publisher.close()

    def log_text(self, log_name: str) -> str:
        path = self.tmp / f"{log_name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def check_alive(self) -> None:
        """Fail at once, with the log tail, when a long-running process died."""
        for proc in self.procs:
            if proc.returncode is None and proc.poll() is not None:
                name = Path(str(proc.args[-1])).name if proc.args else "process"
                logs = sorted(self.tmp.glob("*.log"), key=lambda p: p.stat().st_mtime)
                tail = logs[-1].read_text(errors="replace")[-3000:] if logs else ""
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{tail}")

    def search_all(self, index: str, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.check_alive()
        client = self.os
        if not client.indices.exists(index=index):
            return []
        client.indices.refresh(index=index)
        resp = client.search(
            index=index,
            body={
                "size": 10000,
                "query": query or {"match_all": {}},
                "_source": {"excludes": ["embedding"]},
            },
        )
        return [{"_id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]

    def chunks(self) -> list[dict[str, Any]]:
        return self.search_all(self.settings.opensearch.chunks_alias)

    def documents(self, live_only: bool = True) -> list[dict[str, Any]]:
        docs = self.search_all(self.settings.opensearch.documents_alias)
        return [d for d in docs if not (live_only and d.get("deleted"))]


@pytest.fixture
def ns(stack: None, tmp_path: Path) -> Iterator[Namespace]:
    name = f"t{uuid.uuid4().hex[:10]}"
    env = {
        "RAGSTREAM_KAFKA__TOPIC_PREFIX": f"{name}.",
        "RAGSTREAM_KAFKA__PARTITIONS": "2",
        "RAGSTREAM_OPENSEARCH__CHUNKS_ALIAS": f"{name}-rag-chunks",
        "RAGSTREAM_OPENSEARCH__DOCUMENTS_ALIAS": f"{name}-rag-documents",
        "RAGSTREAM_OPENSEARCH__SUBJECTS_INDEX": f"{name}-subjects",
        "RAGSTREAM_WORKER__APP_ID": f"{name}-app",
        "RAGSTREAM_WORKER__DATA_DIR": str(tmp_path / "worker"),
        "RAGSTREAM_WORKER__WEB_PORT": "0",
        "RAGSTREAM_WORKER__TAKE_WITHIN_S": "0.5",
        "RAGSTREAM_CONNECTORS__STATE_DIR": str(tmp_path / "state"),
        "RAGSTREAM_LOG__LEVEL": "INFO",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        namespace = Namespace(name, tmp_path, env, Settings())
        yield namespace
    finally:
        for proc in namespace.procs:
            namespace.stop(proc)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _cleanup(namespace)


def _cleanup(namespace: Namespace) -> None:
    """Drop the test's indices and topics so the single-node stack stays small."""
    from streams.sinks.indices import drop_indices

    with contextlib.suppress(Exception):  # best-effort teardown must not hide the result
        drop_indices(namespace.os, namespace.settings.opensearch)
    with contextlib.suppress(Exception):
        namespace.os.indices.delete(
            index=namespace.settings.opensearch.subjects_index,
            params={"ignore_unavailable": "true"},
        )
    admin = AdminClient({"bootstrap.servers": namespace.settings.kafka.bootstrap_servers})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(namespace.name)]
    if topics:
        for fut in admin.delete_topics(topics, operation_timeout=30).values():
            with contextlib.suppress(Exception):
                fut.result()
