"""KafkaPublisher: idempotent producer of ChangeEvents and connector dead letters."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, Protocol

import structlog
from confluent_kafka import KafkaError, Message, Producer

from connectors.base import PublishError
from connectors.metrics import DEAD_LETTERS, ERRORS, EVENTS_PUBLISHED, source_of
from connectors.state import KafkaStateStore, RecordReader, StateStore
from infra.kafka_admin import connect_offsets_topic
from infra.kafka_config import confluent_config
from infra.kafka_reader import read_topic
from infra.settings import KafkaSettings
from schemas import ChangeEvent, DeadLetter, Stage

log = structlog.get_logger(__name__)

# Room kept for the DeadLetter envelope (JSON fields, message, key) around the base64 original.
_ENVELOPE_BYTES = 8 * 1024
# Kafka record overhead (key, headers, batch header) on top of the value.
_RECORD_OVERHEAD_BYTES = 64 * 1024
_MAX_FAILURES_NAMED = 3


class OversizedEvent(ValueError):
    """An event whose JSON is larger than ``kafka.max_event_bytes``."""


class ProducerLike(Protocol):
    """The part of ``confluent_kafka.Producer`` the publisher uses (a seam for tests)."""

    def produce(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        *,
        on_delivery: Callable[[KafkaError | None, Message], None] | None = None,
    ) -> None: ...

    def poll(self, timeout: float = -1) -> int: ...

    def flush(self, timeout: float = -1) -> int: ...

    def purge(
        self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True
    ) -> None: ...


ProducerFactory = Callable[[dict[str, Any]], ProducerLike]


def producer_config(settings: KafkaSettings, client_id: str) -> dict[str, Any]:
    """librdkafka settings: the connection and its security (:func:`confluent_config`),
    idempotent, every in-sync replica acknowledges, records big enough for a checkpoint
    (events are held to ``max_event_bytes`` before they reach the producer)."""
    return confluent_config(
        settings,
        {
            "client.id": client_id,
            "enable.idempotence": True,
            "acks": "all",
            "compression.type": "zstd",
            "linger.ms": 20,
            "message.max.bytes": max(settings.max_event_bytes, settings.large_message_bytes)
            + _RECORD_OVERHEAD_BYTES,
            "logger": logging.getLogger("ragstream.kafka"),
        },
    )


def checkpoint_reader(settings: KafkaSettings) -> RecordReader:
    """Reads a topic to its end (``infra.kafka_reader``), for :class:`KafkaStateStore`."""

    def read(topic: str) -> Iterator[tuple[bytes | None, bytes | None]]:
        return read_topic(settings, topic, idle_timeout=15.0)

    return read


def dead_letter_room(max_event_bytes: int) -> int:
    """How many original bytes a dead letter may keep and still fit in ``max_event_bytes``."""
    return max(0, (max_event_bytes - _ENVELOPE_BYTES) * 3 // 4)


def oversized_dead_letter(
    event: ChangeEvent, value: bytes, max_event_bytes: int, changes_topic: str
) -> DeadLetter:
    """The dead letter that replaces an event whose JSON ``value`` exceeds the limit."""
    error = OversizedEvent(
        f"oversized: event is {len(value)} bytes, kafka.max_event_bytes is {max_event_bytes}"
    )
    return DeadLetter.wrap(
        Stage.CONNECTOR,
        error,
        value,
        topic=changes_topic,
        key=event.key,
        max_original_bytes=dead_letter_room(max_event_bytes),
    )


class KafkaPublisher:
    """Publishes ChangeEvents (keyed by document key) and dead letters to Kafka.

    ``publish`` and ``publish_dead_letters`` only enqueue; ``flush`` waits for every
    delivery report and raises :class:`PublishError` naming the broker if any event was not
    acknowledged. Events larger than ``max_event_bytes`` are not sent to the changes topic:
    they become dead letters (reason ``oversized``) on the raw dead-letter topic, and ``flush``
    returns their keys so the source does not checkpoint them as published.
    The constructor does no I/O; the producer is created on first use.
    """

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        client_id: str = "ragstream-connector",
        producer_factory: ProducerFactory = Producer,
        checkpoint_reader: RecordReader | None = None,
    ) -> None:
        self._settings = settings
        self._reader = checkpoint_reader
        self._client_id = client_id
        self._factory = producer_factory
        self._producer: ProducerLike | None = None
        self._failures: list[str] = []
        self._failed = 0
        self._last_broker_error: str | None = None
        self._dead_lettered: set[str] = set()

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        limit = self._settings.max_event_bytes
        for event in events:
            value = event.to_bytes()
            if len(value) > limit:
                log.warning(
                    "connector.event_oversized", key=event.key, size=len(value), limit=limit
                )
                self.publish_dead_letters(
                    [oversized_dead_letter(event, value, limit, self._settings.changes_topic)]
                )
                self._dead_lettered.add(event.key)
                continue
            self._produce(
                self._settings.changes_topic,
                event.key,
                value,
                partial(self._on_event_delivery, event.source_id, event.op.value),
            )

    def publish_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Dead letters of connectors hold raw content: they go to the raw DLQ topic."""
        for letter in letters:
            value = self._fitting(letter).to_bytes()
            self._produce(
                self._settings.dlq_raw_topic,
                letter.key,
                value,
                partial(self._on_dead_letter_delivery, source_of(letter.key), letter.error_class),
            )

    def flush(self, timeout: float) -> frozenset[str]:
        dead_lettered, self._dead_lettered = frozenset(self._dead_lettered), set()
        if self._producer is None:
            return dead_lettered
        remaining = self._producer.flush(timeout)
        broker = self._settings.bootstrap_servers
        if remaining:
            # Drop what never left the queue so a retry starts clean (at-least-once: the
            # caller publishes the batch again).
            self._producer.purge(in_queue=True, in_flight=False, blocking=True)
            self._producer.poll(0)
            self._reset_failures()
            raise PublishError(
                f"{remaining} event(s) not acknowledged by Kafka at {broker} within "
                f"{timeout:g}s (broker unreachable or slow?); last broker error: "
                f"{self._last_broker_error or 'none'}"
            )
        if self._failed:
            failed, reasons = self._failed, "; ".join(self._failures)
            self._reset_failures()
            raise PublishError(f"{failed} event(s) failed delivery to Kafka at {broker}: {reasons}")
        return dead_lettered

    def checkpoint_store(self, key: str) -> StateStore:
        """The copy of a source's checkpoint on the compacted ``connect-offsets`` topic,
        written through this publisher's producer (after the batch's flush, so behind what
        the broker acknowledged) and delivered with the next flush or at ``close``."""
        return KafkaStateStore(
            connect_offsets_topic(self._settings),
            key,
            self,
            self._reader or checkpoint_reader(self._settings),
            max(self._settings.max_event_bytes, self._settings.large_message_bytes),
        )

    def produce_record(self, topic: str, key: str, value: bytes) -> None:
        """Enqueue one record outside the batches (a checkpoint); a failed delivery is
        logged and counted, it does not fail a flush."""
        self._produce(topic, key, value, partial(self._on_record_delivery, topic, key))

    def close(self, timeout: float = 10.0) -> None:
        """Wait up to ``timeout`` for outstanding deliveries; report, do not raise, the rest
        (their checkpoints were never committed, so they are published again on restart)."""
        if self._producer is None:
            return
        remaining = self._producer.flush(timeout)
        if remaining:
            log.warning(
                "connector.publisher_closed_unacknowledged",
                remaining=remaining,
                broker=self._settings.bootstrap_servers,
            )
        self._producer = None

    def _produce(
        self,
        topic: str,
        key: str | None,
        value: bytes,
        on_delivery: Callable[[KafkaError | None, Message], None],
    ) -> None:
        producer = self._ensure_producer()
        raw_key = key.encode("utf-8") if key is not None else None
        while True:
            try:
                producer.produce(topic, value, raw_key, on_delivery=on_delivery)
                return
            except BufferError:
                # Local queue full: serve delivery reports until there is room (backpressure).
                producer.poll(0.5)

    def _ensure_producer(self) -> ProducerLike:
        if self._producer is None:
            config = producer_config(self._settings, self._client_id)
            config["error_cb"] = self._on_broker_error
            self._producer = self._factory(config)
        return self._producer

    def _fitting(self, letter: DeadLetter) -> DeadLetter:
        """The dead letter, with its original cut further if it would exceed the limit."""
        if len(letter.to_bytes()) <= self._settings.max_event_bytes:
            return letter
        kept = letter.original()[: dead_letter_room(self._settings.max_event_bytes)]
        return letter.model_copy(update={"original_b64": base64.b64encode(kept).decode("ascii")})

    def _on_event_delivery(
        self, source: str, op: str, err: KafkaError | None, _msg: Message
    ) -> None:
        if err is None:
            EVENTS_PUBLISHED.labels(source=source, outcome=op).inc()
            return
        EVENTS_PUBLISHED.labels(source=source, outcome="failed").inc()
        self._record_failure(self._settings.changes_topic, err)

    def _on_dead_letter_delivery(
        self, source: str, reason: str, err: KafkaError | None, _msg: Message
    ) -> None:
        if err is None:
            DEAD_LETTERS.labels(source=source, outcome=reason).inc()
            return
        self._record_failure(self._settings.dlq_raw_topic, err)

    def _on_record_delivery(
        self, topic: str, key: str, err: KafkaError | None, _msg: Message
    ) -> None:
        if err is None:
            return
        ERRORS.labels(source=key.split("/", 1)[-1], outcome="CheckpointNotDelivered").inc()
        log.warning("connector.checkpoint_not_delivered", topic=topic, key=key, error=err.str())

    def _record_failure(self, topic: str, err: KafkaError) -> None:
        self._failed += 1
        if len(self._failures) < _MAX_FAILURES_NAMED:
            self._failures.append(f"{topic}: {err.str()}")

    def _reset_failures(self) -> None:
        self._failures = []
        self._failed = 0

    def _on_broker_error(self, err: KafkaError) -> None:
        # Called on every reconnect attempt while the broker is down: log changes only.
        repeated = err.str() == self._last_broker_error
        self._last_broker_error = err.str()
        if repeated and not err.fatal():
            return
        log.warning(
            "connector.kafka_error",
            broker=self._settings.bootstrap_servers,
            error=err.str(),
            fatal=err.fatal(),
        )
