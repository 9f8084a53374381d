"""Read whole topics back (integration tests only)."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, KafkaError, TopicPartition


def read_topic(
    bootstrap: str, topic: str, timeout: float = 10.0
) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) in ``topic`` from the beginning to the current end."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    out: list[tuple[bytes | None, bytes | None]] = []
    try:
        meta = consumer.list_topics(topic, timeout=10)
        if topic not in meta.topics:
            return out
        tps = []
        for p in meta.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                tps.append(TopicPartition(topic, p, low))
        consumer.assign(tps)
        remaining = {tp.partition for tp in tps}
        deadline = time.monotonic() + timeout
        while remaining and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    remaining.discard(msg.partition())
                    continue
                raise RuntimeError(str(err))
            out.append((msg.key(), msg.value()))
        assert not remaining, f"could not read {topic} to its end within {timeout}s"
        return out
    finally:
        consumer.close()
