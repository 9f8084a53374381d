"""Read dead letters back from their topic (operators, tests)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from confluent_kafka import Consumer, KafkaError, TopicPartition

from ragstream.settings import KafkaSettings
from schemas import DeadLetter


def read_dead_letters(
    settings: KafkaSettings, topic: str, *, limit: int = 100, timeout: float = 5.0
) -> Iterator[DeadLetter]:
    """Dead letters from the start of ``topic``, up to ``limit``, waiting ``timeout`` for more."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"ragstream-dlq-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=10)
        parts = meta.topics[topic].partitions if topic in meta.topics else {}
        consumer.assign([TopicPartition(topic, p, 0) for p in parts])
        seen = 0
        deadline = time.monotonic() + timeout
        while seen < limit and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(f"reading {topic}: {err}")
            value = msg.value()
            if value is None:
                continue
            seen += 1
            yield DeadLetter.from_bytes(value)
    finally:
        consumer.close()
