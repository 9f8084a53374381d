"""Read a topic from its beginning to its current end (operators' commands, tests)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, TopicPartition

from infra.kafka_config import confluent_config
from infra.settings import KafkaSettings


@dataclass(frozen=True)
class KafkaRecord:
    """One record with its position."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None


def _consumer(source: str | KafkaSettings) -> Consumer:
    settings = KafkaSettings(bootstrap_servers=source) if isinstance(source, str) else source
    return Consumer(
        confluent_config(
            settings,
            {
                "group.id": f"ragstream-reader-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "isolation.level": "read_committed",
            },
        )
    )


def read_records(
    source: str | KafkaSettings, topic: str, *, idle_timeout: float = 10.0
) -> Iterator[KafkaRecord]:
    """Yield every record now in ``topic`` with its position; stop at the end of each partition.

    ``source`` is the settings (with their security) or, for the local stack, a plaintext
    ``bootstrap.servers`` string. Uses a throw-away consumer group that commits nothing.
    Raises if the end is not reached within ``idle_timeout`` seconds without a record.
    """
    consumer = _consumer(source)
    try:
        meta = consumer.list_topics(topic, timeout=10)
        if topic not in meta.topics or meta.topics[topic].error is not None:
            return
        tps = []
        for p in meta.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                tps.append(TopicPartition(topic, p, low))
        consumer.assign(tps)
        remaining = {tp.partition for tp in tps}
        deadline = time.monotonic() + idle_timeout
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {idle_timeout}s")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    remaining.discard(msg.partition())
                    continue
                raise RuntimeError(f"reading {topic}: {err}")
            deadline = time.monotonic() + idle_timeout
            kind, ts = msg.timestamp()
            yield KafkaRecord(
                topic,
                msg.partition() or 0,
                msg.offset() or 0,
                msg.key(),
                msg.value(),
                ts if kind != 0 else None,
            )
    finally:
        consumer.close()


def read_topic(
    source: str | KafkaSettings, topic: str, *, idle_timeout: float = 10.0
) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Yield (key, value) of every record now in ``topic`` (see :func:`read_records`)."""
    for record in read_records(source, topic, idle_timeout=idle_timeout):
        yield record.key, record.value
