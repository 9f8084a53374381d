"""Consumer lag per stage and partition: high watermark minus the group's committed offset.

The worker's stages share one consumer group (the Faust app id); each reads one topic
(:func:`stage_topics`). :func:`consumer_lag` asks the broker (confluent AdminClient) for the
committed offsets of the group and the low/high watermarks of every partition. A partition the
group never committed counts from its low watermark (the worker starts at ``earliest``).

:class:`LagMonitor` refreshes the ``ragstream_consumer_lag`` gauges from a daemon thread, so a
scrape of ``/metrics/`` never waits for the broker. Every worker of a group exports the same
numbers: aggregate with ``max by (stage, partition)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from infra.kafka_config import confluent_config
from infra.metrics import CONSUMER_LAG, CONSUMER_LAG_UPDATED
from infra.settings import KafkaSettings

log = structlog.get_logger(__name__)


def stage_topics(settings: KafkaSettings) -> dict[str, str]:
    """The topic each worker stage consumes, by stage name."""
    return {
        "compliance": settings.changes_topic,
        "chunk_embed": settings.clean_topic,
        "sink": settings.chunks_topic,
        "dsr": settings.dsr_topic,
    }


@dataclass(frozen=True)
class PartitionLag:
    stage: str
    topic: str
    partition: int
    committed: int | None
    low: int
    high: int

    @property
    def lag(self) -> int:
        start = self.low if self.committed is None else max(self.committed, self.low)
        return max(0, self.high - start)


@dataclass(frozen=True)
class GroupLag:
    """Lag of one consumer group over the stage topics, and who consumes them."""

    group: str
    partitions: tuple[PartitionLag, ...]
    members: int | None = None
    state: str | None = None
    at: float = field(default_factory=time.time)

    def by_stage(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.partitions:
            out[p.stage] = out.get(p.stage, 0) + p.lag
        return out

    def partition_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.partitions:
            out[p.stage] = out.get(p.stage, 0) + 1
        return out


AdminFactory = Callable[[dict[str, Any]], Any]


def _result(future: Any, timeout: float) -> Any:
    return future.result(timeout=timeout)


def consumer_lag(
    settings: KafkaSettings,
    group: str,
    *,
    stages: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    admin: Any | None = None,
    admin_factory: AdminFactory = AdminClient,
    with_members: bool = False,
) -> GroupLag:
    """Lag of ``group`` on every partition of the stage topics that exist.

    Raises ``KafkaException`` (or ``TimeoutError``) when the broker does not answer.
    """
    stages = dict(stages or stage_topics(settings))
    client = admin if admin is not None else admin_factory(confluent_config(settings))
    metadata = client.list_topics(timeout=timeout)
    tps: list[tuple[str, TopicPartition]] = []
    for stage, topic in stages.items():
        meta = metadata.topics.get(topic)
        if meta is None or getattr(meta, "error", None) is not None:
            continue
        tps.extend((stage, TopicPartition(topic, p)) for p in sorted(meta.partitions))
    if not tps:
        return GroupLag(group, ())
    request = [ConsumerGroupTopicPartitions(group, [tp for _, tp in tps])]
    committed_result = _result(
        client.list_consumer_group_offsets(request, request_timeout=timeout)[group], timeout
    )
    committed = {
        (tp.topic, tp.partition): (tp.offset if tp.offset >= 0 else None)
        for tp in committed_result.topic_partitions
    }
    highs = _offsets(client, [tp for _, tp in tps], _spec("latest"), timeout)
    lows = _offsets(client, [tp for _, tp in tps], _spec("earliest"), timeout)
    rows = tuple(
        PartitionLag(
            stage=stage,
            topic=tp.topic,
            partition=tp.partition,
            committed=committed.get((tp.topic, tp.partition)),
            low=lows[(tp.topic, tp.partition)],
            high=highs[(tp.topic, tp.partition)],
        )
        for stage, tp in tps
    )
    members: int | None = None
    state: str | None = None
    if with_members:
        members, state = group_members(client, group, timeout)
    return GroupLag(group, rows, members=members, state=state)


def _spec(which: str) -> Any:
    return getattr(OffsetSpec, which)()


def _offsets(
    client: Any, tps: Iterable[TopicPartition], spec: Any, timeout: float
) -> dict[tuple[str, int], int]:
    futures = client.list_offsets({tp: spec for tp in tps}, request_timeout=timeout)
    return {
        (tp.topic, tp.partition): int(_result(future, timeout).offset)
        for tp, future in futures.items()
    }


def group_members(client: Any, group: str, timeout: float = 10.0) -> tuple[int, str]:
    """How many consumers the group has now, and its state (Stable, Empty, ...)."""
    description = _result(
        client.describe_consumer_groups([group], request_timeout=timeout)[group], timeout
    )
    state = getattr(description.state, "name", str(description.state))
    return len(description.members), str(state)


class LagMonitor:
    """Refreshes ``ragstream_consumer_lag`` every ``interval_s`` seconds from a daemon thread."""

    def __init__(
        self,
        settings: KafkaSettings,
        group: str,
        *,
        interval_s: float = 15.0,
        timeout: float = 10.0,
        admin_factory: AdminFactory = AdminClient,
    ) -> None:
        self._settings = settings
        self._group = group
        self._interval = interval_s
        self._timeout = timeout
        self._factory = admin_factory
        self._admin: Any | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._labels: set[tuple[str, str, str]] = set()
        self._failing = False
        self.last: GroupLag | None = None

    def refresh(self) -> GroupLag | None:
        """Compute the lag once and set the gauges; None (and a log line) when it fails."""
        try:
            if self._admin is None:
                self._admin = self._factory(confluent_config(self._settings))
            result = consumer_lag(
                self._settings, self._group, timeout=self._timeout, admin=self._admin
            )
        except (KafkaException, TimeoutError, OSError) as exc:
            if not self._failing:
                log.warning("consumer_lag_unavailable", group=self._group, error=str(exc)[:300])
            self._failing = True
            return None
        if self._failing:
            log.info("consumer_lag_available", group=self._group)
        self._failing = False
        labels = set()
        for p in result.partitions:
            key = (p.stage, p.topic, str(p.partition))
            labels.add(key)
            CONSUMER_LAG.labels(*key).set(p.lag)
        for gone in self._labels - labels:
            CONSUMER_LAG.remove(*gone)
        self._labels = labels
        CONSUMER_LAG_UPDATED.set(result.at)
        self.last = result
        return result

    def _run(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._stop.wait(self._interval)

    def start(self) -> LagMonitor:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ragstream-lag", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


__all__ = [
    "GroupLag",
    "LagMonitor",
    "PartitionLag",
    "consumer_lag",
    "group_members",
    "stage_topics",
]
