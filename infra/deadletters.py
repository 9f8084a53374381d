"""Read dead letters back from their topic (operators, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from infra.kafka_reader import read_topic
from infra.settings import KafkaSettings
from schemas import DeadLetter


def read_dead_letters(
    settings: KafkaSettings, topic: str, *, limit: int = 100, timeout: float = 10.0
) -> Iterator[DeadLetter]:
    """The first ``limit`` dead letters in ``topic``."""
    records = read_topic(settings.bootstrap_servers, topic, idle_timeout=timeout)
    letters = (DeadLetter.from_bytes(value) for _, value in records if value is not None)
    return islice(letters, limit)
