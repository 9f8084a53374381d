"""Read a topic from its beginning to its current end (operators' commands, tests)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from confluent_kafka import Consumer, KafkaError, TopicPartition


def read_topic(
    bootstrap_servers: str, topic: str, *, idle_timeout: float = 10.0
) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Yield (key, value) of every record now in ``topic``; stop at the end of each partition.

    Uses a throw-away consumer group that commits nothing. Raises if the end is not reached
    within ``idle_timeout`` seconds without a record.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"ragstream-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=10)
        if topic not in meta.topics:
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
            yield msg.key(), msg.value()
    finally:
        consumer.close()
