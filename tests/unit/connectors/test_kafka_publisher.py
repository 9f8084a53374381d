"""KafkaPublisher against a fake producer: keys, topics, oversized events, flush errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import KafkaError

from connectors.base import PublishError
from connectors.publisher import KafkaPublisher
from infra.settings import KafkaSettings
from schemas import ChangeEvent, DeadLetter, Op, Stage

pytestmark = pytest.mark.unit

Callback = Callable[[KafkaError | None, Any], None]


class FakeProducer:
    """Records produced records; ``flush`` delivers them with ``error`` (None = success)
    unless ``stuck`` records should stay unacknowledged."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.records: list[tuple[str, bytes | None, bytes | None]] = []
        self.error: KafkaError | None = None
        self.stuck = False
        self.purged = False
        self._pending: list[Callback] = []

    def produce(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        *,
        on_delivery: Callback | None = None,
    ) -> None:
        self.records.append((topic, key, value))
        assert on_delivery is not None
        self._pending.append(on_delivery)

    def poll(self, timeout: float = -1) -> int:
        return 0

    def flush(self, timeout: float = -1) -> int:
        if self.stuck:
            return len(self._pending)
        for callback in self._pending:
            callback(self.error, None)
        self._pending.clear()
        return 0

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        self.purged = True
        self._pending.clear()


def make(settings: KafkaSettings | None = None) -> tuple[KafkaPublisher, list[FakeProducer]]:
    made: list[FakeProducer] = []

    def factory(config: dict[str, Any]) -> FakeProducer:
        made.append(FakeProducer(config))
        return made[-1]

    return KafkaPublisher(settings or KafkaSettings(), producer_factory=factory), made


def upsert(document_id: str = "a.md", content: str = "hello") -> ChangeEvent:
    return ChangeEvent(
        source_id="fs-test", document_id=document_id, op=Op.UPSERT, version=1, content=content
    )


def test_constructor_does_no_io() -> None:
    """Building a publisher creates no producer; the first publish does."""
    publisher, made = make()
    assert made == []
    publisher.flush(1.0)  # nothing to wait for
    publisher.publish([upsert()])
    assert len(made) == 1


def test_producer_is_idempotent_and_waits_for_all_replicas() -> None:
    """The producer is configured for idempotence, acks=all and the configured broker."""
    publisher, made = make(KafkaSettings(bootstrap_servers="broker:1234"))
    publisher.publish([upsert()])
    config = made[0].config
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["bootstrap.servers"] == "broker:1234"
    assert config["message.max.bytes"] > KafkaSettings().max_event_bytes


def test_events_are_keyed_by_document_key_on_the_changes_topic() -> None:
    """Each event goes to the changes topic with its document key and its JSON as value."""
    publisher, made = make()
    event = upsert()
    publisher.publish([event])
    publisher.flush(1.0)
    assert made[0].records == [("ragstream.changes", b"fs-test/a.md", event.to_bytes())]


def test_oversized_event_goes_to_the_raw_dead_letter_topic() -> None:
    """An event over max_event_bytes becomes a truncated 'oversized' dead letter on dlq.raw."""
    settings = KafkaSettings(max_event_bytes=16 * 1024)
    publisher, made = make(settings)
    publisher.publish([upsert(content="x" * 40_000), upsert("small.md")])
    publisher.flush(1.0)

    topics = [topic for topic, _, _ in made[0].records]
    assert topics == ["ragstream.dlq.raw", "ragstream.changes"]
    _, key, value = made[0].records[0]
    assert key == b"fs-test/a.md"
    assert value is not None and len(value) <= settings.max_event_bytes
    letter = DeadLetter.from_bytes(value)
    assert letter.stage is Stage.CONNECTOR
    assert letter.message.startswith("oversized")
    assert letter.topic == "ragstream.changes"
    assert letter.original_size > len(letter.original())


def test_flush_reports_the_events_it_dead_lettered() -> None:
    """flush returns the keys of oversized events (so the source does not checkpoint them),
    once: the next flush starts empty, and a failed flush forgets them (batch resent)."""
    publisher, made = make(KafkaSettings(max_event_bytes=16 * 1024))
    publisher.publish([upsert("big.md", content="x" * 40_000), upsert("small.md")])

    assert publisher.flush(1.0) == frozenset({"fs-test/big.md"})
    assert publisher.flush(1.0) == frozenset()

    publisher.publish([upsert("big.md", content="x" * 40_000)])
    made[0].stuck = True
    with pytest.raises(PublishError):
        publisher.flush(1.0)
    made[0].stuck = False
    assert publisher.flush(1.0) == frozenset()


def test_dead_letters_are_published_to_the_raw_topic() -> None:
    """publish_dead_letters sends connector dead letters to dlq.raw keyed by document key."""
    publisher, made = make()
    letter = DeadLetter.wrap(Stage.CONNECTOR, "bad file", b"\xff", key="fs-test/bad.txt")
    publisher.publish_dead_letters([letter])
    publisher.flush(1.0)
    assert made[0].records == [("ragstream.dlq.raw", b"fs-test/bad.txt", letter.to_bytes())]


def test_failed_delivery_raises_naming_the_broker() -> None:
    """A delivery report with an error makes flush raise a PublishError that names the broker."""
    publisher, made = make(KafkaSettings(bootstrap_servers="kafka.example:9092"))
    publisher.publish([upsert()])
    made[0].error = KafkaError(KafkaError._MSG_TIMED_OUT)

    with pytest.raises(PublishError, match=r"kafka\.example:9092"):
        publisher.flush(1.0)
    made[0].error = None
    publisher.publish([upsert()])
    publisher.flush(1.0)  # the failure was reported once, not again


def test_unacknowledged_events_raise_and_are_purged() -> None:
    """Events still unacknowledged when the timeout ends raise and leave nothing queued."""
    publisher, made = make()
    publisher.publish([upsert()])
    made[0].stuck = True

    with pytest.raises(PublishError, match=r"127\.0\.0\.1:9092.*within 2s"):
        publisher.flush(2.0)
    assert made[0].purged
