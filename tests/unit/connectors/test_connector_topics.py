"""ensure_topics against a fake AdminClient: what is created, with which configuration."""

from __future__ import annotations

from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.cimpl import NewTopic

from infra.kafka_admin import AUDIT_RETENTION_MS, TopicSetupError, ensure_topics
from infra.settings import KafkaSettings

pytestmark = pytest.mark.unit


class FakeAdmin:
    def __init__(self, present: set[str], brokers: int = 1, racing: set[str] | None = None):
        self.present = present
        self.brokers = brokers
        self.racing = racing or set()
        self.created: list[NewTopic] = []

    def list_topics(self, *args: Any, **kwargs: Any) -> Any:
        brokers = {i: object() for i in range(self.brokers)}
        return SimpleNamespace(brokers=brokers, topics={name: object() for name in self.present})

    def create_topics(self, new_topics: list[NewTopic], **kwargs: Any) -> dict[str, Any]:
        futures: dict[str, Future[None]] = {}
        for spec in new_topics:
            future: Future[None] = Future()
            if spec.topic in self.racing:
                future.set_exception(KafkaException(KafkaError(KafkaError.TOPIC_ALREADY_EXISTS)))
            else:
                self.created.append(spec)
                future.set_result(None)
            futures[spec.topic] = future
        return futures


def test_creates_all_missing_topics_with_their_retention() -> None:
    """Every missing topic is created (connect-offsets compacted); raw topics keep
    raw_retention_ms, audit keeps 7 years."""
    settings = KafkaSettings(topic_prefix="t.", partitions=3, raw_retention_ms=3_600_000)
    admin = FakeAdmin(present={"t.audit"})

    result = ensure_topics(settings, admin_factory=lambda _config: admin)

    specs = {spec.topic: spec for spec in admin.created}
    assert set(specs) >= {  # other topics may join the list
        "t.changes",
        "t.clean",
        "t.chunks",
        "t.dlq",
        "t.dlq.raw",
        "t.dsr",
        "t.connect-offsets",
    }
    assert result.existing == ("t.audit",)
    assert all(spec.num_partitions == 3 for name, spec in specs.items() if "offsets" not in name)
    assert specs["t.changes"].config is not None
    assert specs["t.changes"].config["retention.ms"] == "3600000"
    assert specs["t.dlq.raw"].config is not None
    assert specs["t.dlq.raw"].config["retention.ms"] == "3600000"
    assert specs["t.dsr"].config is not None
    assert specs["t.dsr"].config["retention.ms"] == str(AUDIT_RETENTION_MS)
    # Erasure bounds: tombstones compact earlier records within a day; dead letters age out.
    for compacted in ("t.changes", "t.clean", "t.chunks"):
        config = specs[compacted].config
        assert config is not None and config["max.compaction.lag.ms"] == str(24 * 3600 * 1000)
    dlq = specs["t.dlq"].config
    assert dlq is not None and dlq["retention.ms"] == "3600000"
    offsets = specs["t.connect-offsets"]
    assert offsets.config is not None and offsets.config["cleanup.policy"] == "compact"
    assert offsets.num_partitions == 1


def test_topic_created_concurrently_counts_as_existing() -> None:
    """TopicAlreadyExists from a concurrent creator is not an error."""
    admin = FakeAdmin(present=set(), racing={"ragstream.changes"})

    result = ensure_topics(KafkaSettings(), admin_factory=lambda _config: admin)

    assert "ragstream.changes" in result.existing
    assert "ragstream.changes" not in result.created


def test_unreachable_broker_raises_naming_it() -> None:
    """No broker answering within the timeout is a clear TopicSetupError naming the address."""
    admin = FakeAdmin(present=set(), brokers=0)
    settings = KafkaSettings(bootstrap_servers="nowhere:9092")

    with pytest.raises(TopicSetupError, match="nowhere:9092"):
        ensure_topics(settings, timeout=0.1, admin_factory=lambda _config: admin)
