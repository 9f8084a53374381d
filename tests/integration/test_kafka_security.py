"""SASL_SSL end to end: the project's own client helpers against a real secured broker.

compose/kafka-secure.sh runs a second broker (SASL_SSL with SCRAM on 127.0.0.1:9094, its own
CA); the test starts it when it is not running and stops it again if it started it. Records
go through confluent-kafka (``confluent_config``), aiokafka (``aiokafka_args``) and the
aiokafka arguments Faust derives from ``faust_broker_args``; a plaintext client, a wrong
password and a client that does not trust the broker's CA are refused.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient

from infra.kafka_admin import ensure_topics
from infra.kafka_config import aiokafka_args, confluent_config, faust_broker_args
from infra.kafka_reader import read_topic
from infra.settings import KafkaSettings
from schemas import ChangeEvent, Op
from tests.integration.conftest import Namespace, wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "compose" / "kafka-secure.sh"
CLIENT_ENV = REPO / ".stack" / "kafka-secure" / "client.env"


def _script(action: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), action],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def secure() -> Iterator[KafkaSettings]:
    """Settings of the SASL_SSL broker's client user (started here when it is not running)."""
    started = False
    if _script("status", 30).returncode != 0:
        up = _script("up")
        assert up.returncode == 0, f"kafka-secure.sh up failed:\n{up.stdout}\n{up.stderr}"
        started = True
    env: dict[str, Any] = {}
    for line in CLIENT_ENV.read_text().splitlines():
        name, _, value = line.partition("=")
        field = name.removeprefix("RAGSTREAM_KAFKA__").lower()
        env[field] = value
    prefix = f"sec{uuid.uuid4().hex[:8]}."
    try:
        yield KafkaSettings.model_validate({**env, "topic_prefix": prefix, "partitions": 2})
    finally:
        if started:
            _script("down", 60)


def _errors_of(conf: dict[str, Any], seconds: float = 8.0) -> list[Any]:
    """Connect a client with ``conf`` for a while and collect the errors librdkafka reports."""
    errors: list[Any] = []
    producer = Producer({**conf, "error_cb": errors.append, "log_level": 0})
    try:
        producer.list_topics(timeout=seconds)
    except Exception as exc:  # the metadata request times out: error_cb says why
        errors.append(exc.args[0] if exc.args else exc)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        producer.poll(0.2)  # serves error_cb
    return errors


def test_confluent_and_aiokafka_clients_over_sasl_ssl(secure: KafkaSettings) -> None:
    result = ensure_topics(secure, timeout=30)
    assert secure.changes_topic in result.created + result.existing
    topic = secure.changes_topic

    producer = Producer(confluent_config(secure, {"enable.idempotence": True, "acks": "all"}))
    for i in range(3):
        producer.produce(topic, key=f"k{i}".encode(), value=f"confluent-{i}".encode())
    assert producer.flush(30) == 0

    async def aio_round_trip() -> list[bytes]:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
        from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

        # What Faust hands its aiokafka clients, from faust_broker_args.
        faust_args = faust_broker_args(secure)
        assert faust_args["broker"] == [f"kafka://{secure.bootstrap_servers}"]
        auth = credentials_to_aiokafka_auth(faust_args["broker_credentials"])
        assert auth["security_protocol"] == "SASL_SSL"
        faust_producer = AIOKafkaProducer(bootstrap_servers=secure.bootstrap_servers, **auth)
        await faust_producer.start()
        try:
            await faust_producer.send_and_wait(topic, b"faust-args", key=b"kf")
        finally:
            await faust_producer.stop()

        aio_producer = AIOKafkaProducer(**aiokafka_args(secure))
        await aio_producer.start()
        try:
            await aio_producer.send_and_wait(topic, b"aiokafka", key=b"ka")
        finally:
            await aio_producer.stop()

        consumer = AIOKafkaConsumer(
            topic,
            group_id=f"{secure.topic_prefix}group",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **aiokafka_args(secure),
        )
        await consumer.start()
        seen: list[bytes] = []
        try:
            deadline = time.monotonic() + 60
            while len(seen) < 5 and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=1000)
                seen += [rec.value for recs in batch.values() for rec in recs if rec.value]
        finally:
            await consumer.stop()
        return seen

    seen = asyncio.run(aio_round_trip())
    expected = {b"confluent-0", b"confluent-1", b"confluent-2", b"faust-args", b"aiokafka"}
    assert set(seen) == expected
    # The operators' reader (confluent, same settings) sees the same five records.
    assert {value for _, value in read_topic(secure, topic, idle_timeout=20)} == expected


def test_plaintext_wrong_password_and_untrusted_ca_are_refused(secure: KafkaSettings) -> None:
    good = confluent_config(secure)

    # A plaintext client on the SASL_SSL port gets no metadata.
    plain = _errors_of({"bootstrap.servers": secure.bootstrap_servers}, seconds=5)
    assert plain, "a plaintext client must not get metadata from the SASL_SSL listener"

    # The right TLS but a wrong password: SCRAM authentication fails.
    wrong = KafkaSettings.model_validate({**secure.model_dump(), "sasl_password": "not-it"})
    errors = _errors_of(confluent_config(wrong))
    codes = {e.code() for e in errors if isinstance(e, KafkaError)}
    assert KafkaError._AUTHENTICATION in codes, errors

    # A client that does not trust the broker's CA refuses the connection.
    untrusted = {k: v for k, v in good.items() if k != "ssl.ca.location"}
    errors = _errors_of(untrusted, seconds=5)
    assert any("certificate" in str(e).lower() for e in errors), errors

    async def aio_wrong_password() -> str:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(request_timeout_ms=5000, **aiokafka_args(wrong))
        try:
            await producer.start()
        except Exception as exc:
            return type(exc).__name__ + ": " + str(exc)
        finally:
            await producer.stop()
        return ""

    refused = asyncio.run(aio_wrong_password())
    assert refused, "aiokafka must not connect with a wrong password"

    # The good settings still work (the refusals above were not an outage).
    assert AdminClient(good).list_topics(timeout=15).brokers


@pytest.mark.skipif(
    "faust_broker_args" not in (REPO / "ragstream" / "app.py").read_text(),
    reason="ragstream/app.py does not pass faust_broker_args(settings.kafka) to faust.App yet",
)
def test_worker_indexes_through_sasl_ssl(secure: KafkaSettings, ns: Namespace) -> None:
    """A real worker (Faust, SASL_SSL) takes a change event from the secured broker to the index."""
    k = secure.model_copy(update={"topic_prefix": f"{ns.name}."})
    for line in CLIENT_ENV.read_text().splitlines():
        name, _, value = line.partition("=")
        ns.env[name] = value
    ns.env["RAGSTREAM_WORKER__WEB_PORT"] = "0"
    ns.start_worker(log_name="secure-worker")
    event = ChangeEvent(
        source_id="secure",
        document_id="over-tls.md",
        op=Op.UPSERT,
        version=1,
        content="This note travelled over SASL_SSL with SCRAM authentication.",
        title="Over TLS",
    )
    producer = Producer(confluent_config(k, {"enable.idempotence": True, "acks": "all"}))
    try:

        def published() -> bool:
            topics = AdminClient(confluent_config(k)).list_topics(timeout=10).topics
            if k.changes_topic not in topics:
                return False  # the worker creates the topics when it starts
            producer.produce(k.changes_topic, key=event.key.encode(), value=event.to_bytes())
            return producer.flush(30) == 0

        wait_for(published, 180, "the worker to create the topics on the secured broker")
        wait_for(
            lambda: any(d["document_id"] == "over-tls.md" for d in ns.documents()),
            180,
            "the document to be indexed through the SASL_SSL broker",
        )
    finally:
        admin = AdminClient(confluent_config(k))
        topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(ns.name)]
        if topics:
            for future in admin.delete_topics(topics, operation_timeout=30).values():
                future.exception()
