"""Read whole topics back (integration tests)."""

from __future__ import annotations

from infra.kafka_reader import read_topic as _read


def read_topic(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) in ``topic`` from the beginning to the current end."""
    return list(_read(bootstrap, topic))
