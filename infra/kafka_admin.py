"""ensure_topics: create the ragstream topics if they do not exist yet (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from infra.kafka_config import KafkaSecurityError, confluent_config
from infra.settings import KafkaSettings

log = structlog.get_logger(__name__)

# SOX asks for seven years of audit evidence.
AUDIT_RETENTION_MS = 7 * 365 * 24 * 3600 * 1000
_RECORD_OVERHEAD_BYTES = 64 * 1024


class TopicSetupError(RuntimeError):
    """The broker could not be reached, or refused to create a topic."""


class AdminLike(Protocol):
    """The part of ``AdminClient`` used here (a seam for tests)."""

    def list_topics(self, *args: Any, **kwargs: Any) -> Any: ...

    def create_topics(self, new_topics: list[NewTopic], **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TopicsResult:
    created: tuple[str, ...]
    existing: tuple[str, ...]


def topic_specs(settings: KafkaSettings) -> list[NewTopic]:
    """Every ragstream topic with its partitions and configuration."""
    record_limit = str(settings.max_event_bytes + _RECORD_OVERHEAD_BYTES)
    large_limit = str(
        max(settings.large_message_bytes, settings.max_event_bytes) + _RECORD_OVERHEAD_BYTES
    )
    raw = {"retention.ms": str(settings.raw_retention_ms), "max.message.bytes": record_limit}
    plain = {"max.message.bytes": record_limit}
    # Keyed by document: compaction keeps the latest record per document, and an erasure's
    # tombstones remove the earlier ones. The raw topic also keeps its short retention.
    # max.compaction.lag.ms bounds how long an erased record can survive its tombstone.
    compacted = {
        "cleanup.policy": "compact,delete",
        "max.compaction.lag.ms": str(settings.max_compaction_lag_ms),
    }
    large = {"max.message.bytes": large_limit}
    configs: dict[str, dict[str, str]] = {
        settings.changes_topic: {**raw, **compacted},
        settings.dlq_raw_topic: raw,
        # Raw events held for review: the raw retention, never compacted (a reviewer's
        # decision is a later record of the same key, and both must stay until retention).
        settings.quarantine_topic: {**raw, "cleanup.policy": "delete"},
        settings.clean_topic: {**large, **compacted},
        settings.chunks_topic: {**large, **compacted},
        # Dead letters after compliance hold redacted content only; their retention is
        # bounded like the raw topic's, so an erased subject's records age out with it.
        settings.dlq_topic: {**large, "retention.ms": str(settings.raw_retention_ms)},
        settings.audit_topic: {**plain, "retention.ms": str(AUDIT_RETENTION_MS)},
        settings.dsr_topic: {**plain, "retention.ms": str(AUDIT_RETENTION_MS)},
    }
    specs = [
        NewTopic(
            name,
            num_partitions=settings.partitions,
            replication_factor=settings.replication_factor,
            config=config,
        )
        for name, config in configs.items()
    ]
    # Connector checkpoints keyed <kind>/<source_id>: compaction keeps the latest per source.
    specs.append(
        NewTopic(
            connect_offsets_topic(settings),
            num_partitions=1,
            replication_factor=settings.replication_factor,
            config={"cleanup.policy": "compact", **large},
        )
    )
    return specs


def connect_offsets_topic(settings: KafkaSettings) -> str:
    """The compacted topic holding every connector's latest checkpoint."""
    return settings.topic("connect-offsets")


def ensure_topics(
    settings: KafkaSettings,
    *,
    timeout: float = 30.0,
    admin_factory: Callable[[dict[str, Any]], AdminLike] = AdminClient,
) -> TopicsResult:
    """Create the missing ragstream topics; topics that already exist are left as they are.

    Raises :class:`TopicSetupError` naming the broker when it is unreachable within
    ``timeout`` seconds or a creation fails for another reason than "already exists".
    """
    broker = settings.bootstrap_servers
    try:
        config = confluent_config(settings)
    except KafkaSecurityError as exc:
        raise TopicSetupError(f"Kafka at {broker}: {exc}") from exc
    admin = admin_factory(config)
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise TopicSetupError(f"Kafka at {broker} unreachable: {exc}") from exc
    if not metadata.brokers:
        raise TopicSetupError(f"Kafka at {broker} unreachable: no broker answered in {timeout:g}s")
    present = set(metadata.topics)
    specs = topic_specs(settings)
    missing = [spec for spec in specs if spec.topic not in present]
    existing = [spec.topic for spec in specs if spec.topic in present]
    created: list[str] = []
    if missing:
        futures = admin.create_topics(missing, operation_timeout=timeout, request_timeout=timeout)
        for name, future in futures.items():
            try:
                future.result()
            except KafkaException as exc:
                if _already_exists(exc):
                    existing.append(name)
                    continue
                raise TopicSetupError(f"creating topic {name} on Kafka at {broker}: {exc}") from exc
            created.append(name)
    log.info("connector.topics_ready", broker=broker, created=len(created), existing=len(existing))
    return TopicsResult(created=tuple(sorted(created)), existing=tuple(sorted(existing)))


def _already_exists(exc: KafkaException) -> bool:
    error = exc.args[0] if exc.args else None
    return isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS
