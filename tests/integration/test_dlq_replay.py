"""A dead letter whose cause was fixed is replayed through the stage it failed in, once.

A change event larger than kafka.max_event_bytes is dead-lettered by a real worker; the
operator raises the limit, restarts the worker and replays it with ``ragstream dlq replay``:
the document is indexed, the replay is audited (kind dlq_replay, who, which id), and a
second replay sends nothing. ``ragstream status`` then shows the lag, the index and no
dead letters waiting.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from infra.deadletters import REPLAY_HEADER, read_stored
from infra.kafka_reader import read_records
from schemas import AuditRecord, ChangeEvent, Op
from tests.integration.conftest import REPO, Namespace, wait_for

pytestmark = pytest.mark.integration

OPS = [sys.executable, "-m", "ragstream.cli_ops"]
WORDS = ["retention", "schedule", "invoices", "quarterly", "archive", "ledger", "policy", "review"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ops(ns: Namespace, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [*OPS, *args],
        cwd=REPO,
        env={**os.environ, **ns.env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_oversized_event_is_replayed_after_the_limit_is_raised(ns: Namespace) -> None:
    k = ns.settings.kafka
    port = free_port()
    ns.env["RAGSTREAM_KAFKA__MAX_EVENT_BYTES"] = "8192"
    ns.env["RAGSTREAM_WORKER__WEB_PORT"] = str(port)
    assert ns.run(["topics"]).returncode == 0
    worker = ns.start_worker(log_name="worker-small-limit")

    body = " ".join(WORDS[i % len(WORDS)] for i in range(1800))  # about 14 KB
    big = ChangeEvent(
        source_id="test", document_id="big.md", op=Op.UPSERT, version=1, content=body, title="Big"
    )
    small = big.model_copy(update={"document_id": "small.md", "content": "A short note."})
    ns.publish([big, small])

    def indexed(doc_id: str) -> bool:
        return any(d["document_id"] == doc_id for d in ns.documents())

    wait_for(lambda: indexed("small.md"), 180, "the small document to be indexed")
    letters = wait_for(
        lambda: list(read_stored(k, k.dlq_raw_topic, timeout=10)), 60, "the dead letter"
    )
    assert [s.letter.key for s in letters] == [big.key]
    letter_id = letters[0].id
    assert "oversized" in letters[0].letter.message

    # Raw dead letters are not touched without --raw.
    refused = ops(ns, "dlq", "replay", letter_id)
    assert refused.returncode == 2
    assert "--raw" in refused.stderr
    listed = ops(ns, "dlq", "list", "--raw", "--json", "--reason", "oversized")
    assert listed.returncode == 0, listed.stderr
    assert "may hold personal data" in listed.stderr
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["id"] == letter_id and row["replayed"] is None
    assert "original_b64" not in row

    # The fix: a bigger limit. Then the replay.
    ns.stop(worker)
    ns.env["RAGSTREAM_KAFKA__MAX_EVENT_BYTES"] = "100000"
    ns.start_worker(log_name="worker-big-limit")
    replay = ops(ns, "dlq", "replay", "--raw", "--reason", "oversized", "--actor", "op-alice")
    assert replay.returncode == 0, replay.stderr
    assert f"{letter_id:<16} replayed" in replay.stdout
    wait_for(lambda: indexed("big.md"), 180, "the replayed document to be indexed")

    # Replaying again sends nothing.
    again = ops(ns, "dlq", "replay", "--raw", letter_id, "--actor", "op-bob")
    assert again.returncode == 0, again.stderr
    assert "already" in again.stdout and "op-alice" in again.stdout
    copies = [r for r in read_records(k, k.changes_topic) if r.key == big.key.encode()]
    assert len(copies) == 2  # the original and one replay
    # The replayed record carries its origin (header), for tracing.
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": k.bootstrap_servers, "group.id": f"{ns.name}-h"})
    try:
        last = copies[-1]
        consumer.assign([TopicPartition(k.changes_topic, last.partition, last.offset)])
        msg = wait_for(lambda: consumer.poll(1.0), 30, "the replayed record")
        assert (REPLAY_HEADER, letter_id.encode()) in (msg.headers() or [])
    finally:
        consumer.close()

    # Audited once, with who and what; never the content.
    audits = [
        AuditRecord.from_bytes(v)
        for _, v in (
            (r.key, r.value) for r in read_records(k, k.audit_topic) if r.value is not None
        )
    ]
    replays = [a for a in audits if a.kind == "dlq_replay"]
    assert len(replays) == 1
    assert replays[0].detail["actor"] == "op-alice"
    assert replays[0].detail["dead_letter_id"] == letter_id
    assert replays[0].detail["target_topic"] == k.changes_topic
    assert replays[0].doc_key == big.key

    # The status screen: the worker's metrics, the index, no dead letter waiting.
    status = ops(
        ns,
        "status",
        "--json",
        "--interval",
        "1",
        "--metrics-url",
        f"http://127.0.0.1:{port}/metrics/",
    )
    assert status.returncode in (0, 1), status.stderr
    report = json.loads(status.stdout)
    assert report["dead_letters"] == [] and report["dead_letters_replayed"] == 1
    assert report["kafka_error"] is None and report["throughput"] is not None
    assert {s["stage"] for s in report["lag"]} >= {"compliance", "chunk_embed", "sink"}
    assert report["indices"][ns.settings.opensearch.documents_alias] >= 2
