"""Bad input on the changes topic goes to the dead-letter topic and the stream moves on."""

from __future__ import annotations

import json

import httpx
from confluent_kafka import Producer

from infra.deadletters import read_dead_letters
from schemas import ChangeEvent, Op
from tests.integration.conftest import Namespace, wait_for


def test_malformed_messages_are_dead_lettered_and_later_events_indexed(ns: Namespace) -> None:
    """Garbage, wrong schema, undecodable and oversized records get a reason; valid ones index."""
    ns.env["RAGSTREAM_KAFKA__MAX_EVENT_BYTES"] = "8192"
    assert ns.run(["topics"]).returncode == 0
    ns.env["RAGSTREAM_WORKER__WEB_PORT"] = "16066"
    ns.start_worker()
    k = ns.settings.kafka
    producer = Producer({"bootstrap.servers": k.bootstrap_servers, "enable.idempotence": True})
    valid = ChangeEvent(
        source_id="test",
        document_id="after-the-poison.md",
        op=Op.UPSERT,
        version=1,
        content="This document arrives after four poison records and must be indexed.",
        title="After the poison",
    )
    wrong_schema = json.dumps({"source_id": "test", "op": "explode", "version": -1})
    oversized = valid.model_copy(update={"document_id": "big.md", "content": "x" * 20000})
    for key, value in [
        (b"test/garbage", b"{not json at all"),
        (b"test/wrong-schema", wrong_schema.encode()),
        (b"test/undecodable", b"\xff\xfe\x00\x81 binary"),
        (b"test/big.md", oversized.to_bytes()),
        (valid.key.encode(), valid.to_bytes()),
    ]:
        producer.produce(k.changes_topic, key=key, value=value)
    assert producer.flush(30) == 0

    def indexed() -> bool:
        return any(d["document_id"] == "after-the-poison.md" for d in ns.documents())

    wait_for(indexed, 120, "the valid event after the poison records to be indexed")
    letters = list(read_dead_letters(k, k.dlq_raw_topic, limit=10, timeout=10))
    by_key = {letter.key: letter for letter in letters}
    assert set(by_key) == {"test/garbage", "test/wrong-schema", "test/undecodable", "test/big.md"}
    assert by_key["test/garbage"].error_class == "Rejected"
    assert "schema validation failed" in by_key["test/garbage"].message
    assert "op" in by_key["test/wrong-schema"].message
    assert by_key["test/undecodable"].error_class == "UnicodeDecodeError"
    assert "oversized" in by_key["test/big.md"].message
    assert by_key["test/undecodable"].original() == b"\xff\xfe\x00\x81 binary"
    assert all(letter.stage.value == "decode" and letter.offset is not None for letter in letters)
    # Nothing of the poison reached the post-compliance dead letters or the index.
    assert not list(read_dead_letters(k, k.dlq_topic, limit=10, timeout=3))
    assert [d["document_id"] for d in ns.documents()] == ["after-the-poison.md"]

    # Operators see it too: the worker's Prometheus endpoint counts the dead letters.
    metrics = httpx.get("http://127.0.0.1:16066/metrics/", timeout=10)
    assert metrics.status_code == 200
    counted = [
        line
        for line in metrics.text.splitlines()
        if line.startswith("ragstream_dead_letters_total{") and 'stage="decode"' in line
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in counted) == 4
    assert httpx.get("http://127.0.0.1:16066/health/", timeout=10).json()["status"] == "ok"
