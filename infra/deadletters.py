"""Dead letters: read them back, filter them, replay them (operators, tests).

A dead letter sits on ``<prefix>dlq`` (after compliance: redacted content only) or
``<prefix>dlq.raw`` (before compliance: may hold personal data). Its id is its own position,
``<dlq topic without prefix>:<partition>:<offset>`` (``dlq.raw:1:42``): stable and unique.

:func:`replay` re-drives a dead letter's original bytes to the topic the record came from
(its ``topic`` field), so the stage it failed in processes it again. Exactly once per id: in
one Kafka transaction per batch it produces the original record (headers
``ragstream-replay-of`` and ``ragstream-replay-actor``), a marker keyed by the id on the
compacted ``<prefix>dlq.replayed`` topic, and an :class:`AuditRecord` of kind ``dlq_replay`` on
the audit topic. All replays of one topic prefix share a transactional id, so a concurrent
replay is fenced, and the markers are read only after ``init_transactions`` has settled any
earlier transaction: a second replay of the same id is reported as ``already`` and sends
nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal

import structlog
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from pydantic import ValidationError

from infra.identity import worker_name
from infra.kafka_config import confluent_config
from infra.kafka_reader import read_records, read_topic
from infra.settings import KafkaSettings
from schemas import AuditRecord, DeadLetter

log = structlog.get_logger(__name__)

REPLAY_HEADER = "ragstream-replay-of"
ACTOR_HEADER = "ragstream-replay-actor"
REPLAY_AUDIT_KIND = "dlq_replay"
_RECORD_OVERHEAD_BYTES = 64 * 1024
_TRANSACTION_BATCH = 200


class ReplayError(RuntimeError):
    """A replay could not be carried out (nothing of the failed batch was committed)."""


def read_dead_letters(
    settings: KafkaSettings, topic: str, *, limit: int = 100, timeout: float = 10.0
) -> Iterator[DeadLetter]:
    """The first ``limit`` dead letters in ``topic``."""
    records = read_topic(settings, topic, idle_timeout=timeout)
    letters = (DeadLetter.from_bytes(value) for _, value in records if value is not None)
    return islice(letters, limit)


def replayed_topic(settings: KafkaSettings) -> str:
    """The compacted topic of replay markers, keyed by dead-letter id."""
    return settings.topic("dlq.replayed")


def replay_targets(settings: KafkaSettings) -> frozenset[str]:
    """The topics a replay may write to: the inputs of the worker's stages."""
    return frozenset(
        {settings.changes_topic, settings.clean_topic, settings.chunks_topic, settings.dsr_topic}
    )


def is_raw_topic(settings: KafkaSettings, topic: str) -> bool:
    return topic == settings.dlq_raw_topic


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter with its id and position on its dead-letter topic."""

    id: str
    topic: str
    partition: int
    offset: int
    letter: DeadLetter

    def problem(self, settings: KafkaSettings) -> str | None:
        """Why it cannot be replayed as it is, or None."""
        letter = self.letter
        if letter.topic is None:
            return "no origin topic recorded (re-run the source instead)"
        if letter.topic not in replay_targets(settings):
            return f"origin topic {letter.topic} is not a stage input of this topic prefix"
        if len(letter.original()) != letter.original_size:
            return (
                f"only {len(letter.original())} of {letter.original_size} original bytes were "
                "kept (re-run the source instead)"
            )
        if letter.key is not None and "\ufffd" in letter.key:
            return "the original key was not UTF-8 and cannot be restored"
        return None


def dead_letter_id(settings: KafkaSettings, topic: str, partition: int, offset: int) -> str:
    short = topic.removeprefix(settings.topic_prefix)
    return f"{short}:{partition}:{offset}"


def parse_id(settings: KafkaSettings, letter_id: str) -> tuple[str, int, int]:
    """``dlq.raw:1:42`` -> (full topic, partition, offset); ValueError when malformed."""
    short, sep, rest = letter_id.partition(":")
    part, sep2, off = rest.partition(":")
    if not (sep and sep2 and part.isdigit() and off.isdigit()):
        raise ValueError(f"not a dead-letter id (want TOPIC:PARTITION:OFFSET): {letter_id!r}")
    topic = settings.topic(short)
    if topic not in (settings.dlq_topic, settings.dlq_raw_topic):
        raise ValueError(f"{letter_id!r} does not name a dead-letter topic (dlq or dlq.raw)")
    return topic, int(part), int(off)


def read_stored(
    settings: KafkaSettings, topic: str, *, timeout: float = 10.0
) -> Iterator[StoredDeadLetter]:
    """Every dead letter now on ``topic``, oldest first per partition (unreadable ones logged)."""
    for rec in read_records(settings, topic, idle_timeout=timeout):
        if rec.value is None:
            continue
        try:
            letter = DeadLetter.from_bytes(rec.value)
        except ValidationError:
            log.warning("dlq_unreadable_record", topic=topic, partition=rec.partition)
            continue
        ident = dead_letter_id(settings, topic, rec.partition, rec.offset)
        yield StoredDeadLetter(ident, topic, rec.partition, rec.offset, letter)


@dataclass(frozen=True)
class LetterFilter:
    """Which dead letters an operator means."""

    since: datetime | None = None
    reason: str | None = None
    stage: str | None = None
    ids: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.since or self.reason or self.stage or self.ids)

    def matches(self, stored: StoredDeadLetter) -> bool:
        letter = stored.letter
        if self.ids and stored.id not in self.ids:
            return False
        if self.since is not None:
            since = self.since if self.since.tzinfo else self.since.replace(tzinfo=UTC)
            if letter.at < since:
                return False
        if self.stage and letter.stage.value != self.stage:
            return False
        if self.reason:
            needle = self.reason.lower()
            if needle not in letter.error_class.lower() and needle not in letter.message.lower():
                return False
        return True


def select(letters: Iterable[StoredDeadLetter], where: LetterFilter) -> Iterator[StoredDeadLetter]:
    return (s for s in letters if where.matches(s))


@dataclass(frozen=True)
class ReplayMarker:
    id: str
    target: str
    actor: str
    at: str
    audit_id: str


def replayed(settings: KafkaSettings, *, timeout: float = 10.0) -> dict[str, ReplayMarker]:
    """The replay markers now on the marker topic (committed transactions only), by id."""
    markers: dict[str, ReplayMarker] = {}
    for key, value in read_topic(settings, replayed_topic(settings), idle_timeout=timeout):
        if key is None:
            continue
        if value is None:
            markers.pop(key.decode(), None)
            continue
        data = json.loads(value)
        markers[key.decode()] = ReplayMarker(**data)
    return markers


def ensure_replayed_topic(
    settings: KafkaSettings,
    *,
    timeout: float = 30.0,
    admin_factory: Callable[[dict[str, Any]], Any] = AdminClient,
) -> None:
    """Create the compacted marker topic when it is missing (idempotent)."""
    admin = admin_factory(confluent_config(settings))
    name = replayed_topic(settings)
    if name in admin.list_topics(timeout=timeout).topics:
        return
    spec = NewTopic(
        name,
        num_partitions=1,
        replication_factor=settings.replication_factor,
        config={"cleanup.policy": "compact"},
    )
    try:
        admin.create_topics([spec], operation_timeout=timeout)[name].result()
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        if not (isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS):
            raise


@dataclass(frozen=True)
class ReplayOutcome:
    id: str
    status: Literal["replayed", "already", "skipped", "would_replay"]
    target: str | None = None
    detail: str = ""


def replay_audit(stored: StoredDeadLetter, actor: str, dlq_topic: str) -> AuditRecord:
    """The audit evidence of one replay: who, what, where to; never the content."""
    letter = stored.letter
    try:
        return AuditRecord.model_validate(
            {
                "kind": REPLAY_AUDIT_KIND,
                "doc_key": letter.key,
                "outcome": "replayed",
                "content_sha256_before": hashlib.sha256(letter.original()).hexdigest(),
                "detail": {
                    "dead_letter_id": stored.id,
                    "dlq_topic": dlq_topic,
                    "target_topic": letter.topic or "",
                    "stage": letter.stage.value,
                    "error_class": letter.error_class,
                    "original_partition": -1 if letter.partition is None else letter.partition,
                    "original_offset": -1 if letter.offset is None else letter.offset,
                    "original_size": letter.original_size,
                    "actor": actor,
                },
                "worker": worker_name(),
            }
        )
    except ValidationError as exc:
        raise ReplayError(
            f"the audit schema (schemas/audit.py AuditRecord.kind) does not accept "
            f"{REPLAY_AUDIT_KIND!r}: {exc.errors()[0]['msg']}"
        ) from exc


def audit_supports_replay() -> bool:
    """True once AuditRecord accepts kind ``dlq_replay``."""
    try:
        AuditRecord.model_validate({"kind": REPLAY_AUDIT_KIND})
    except ValidationError:
        return False
    return True


@dataclass
class Replayer:
    """Replays dead letters exactly once per id (see the module docstring)."""

    settings: KafkaSettings
    actor: str
    allow_raw: bool = False
    timeout: float = 30.0
    producer_factory: Callable[[dict[str, Any]], Any] = Producer
    outcomes: list[ReplayOutcome] = field(default_factory=list)

    def ensure_marker_topic(self) -> None:
        ensure_replayed_topic(self.settings, timeout=self.timeout)

    def markers(self) -> dict[str, ReplayMarker]:
        return replayed(self.settings, timeout=self.timeout)

    def _producer(self) -> Any:
        k = self.settings
        limit = max(k.large_message_bytes, k.max_event_bytes) + _RECORD_OVERHEAD_BYTES
        conf = confluent_config(
            k,
            {
                "transactional.id": f"ragstream-dlq-replay-{k.topic_prefix}",
                "enable.idempotence": True,
                "acks": "all",
                "message.max.bytes": limit,
                "transaction.timeout.ms": int(max(self.timeout, 60) * 1000),
            },
        )
        return self.producer_factory(conf)

    def run(
        self, letters: Sequence[StoredDeadLetter], *, dry_run: bool = False
    ) -> list[ReplayOutcome]:
        k = self.settings
        raw = [s.id for s in letters if is_raw_topic(k, s.topic)]
        if raw and not self.allow_raw:
            raise ReplayError(f"{len(raw)} raw dead letters selected; replaying them needs --raw")
        for s in letters:  # fail before anything is sent when the audit cannot be written
            replay_audit(s, self.actor, s.topic)
        self.ensure_marker_topic()
        producer = None if dry_run else self._producer()
        if producer is not None:
            producer.init_transactions(self.timeout)
        # Read the markers only now: init_transactions settled earlier transactions of this id.
        done = self.markers()
        pending: list[tuple[StoredDeadLetter, str]] = []
        for s in letters:
            marker = done.get(s.id)
            if marker is not None:
                self.outcomes.append(
                    ReplayOutcome(
                        s.id, "already", marker.target, f"by {marker.actor} at {marker.at}"
                    )
                )
                continue
            problem = s.problem(k)
            if problem is not None:
                self.outcomes.append(ReplayOutcome(s.id, "skipped", s.letter.topic, problem))
                continue
            assert s.letter.topic is not None
            if dry_run:
                self.outcomes.append(ReplayOutcome(s.id, "would_replay", s.letter.topic))
                continue
            pending.append((s, s.letter.topic))
        for start in range(0, len(pending), _TRANSACTION_BATCH):
            self._commit(producer, pending[start : start + _TRANSACTION_BATCH])
        return self.outcomes

    def _commit(self, producer: Any, batch: list[tuple[StoredDeadLetter, str]]) -> None:
        k = self.settings
        producer.begin_transaction()
        try:
            for s, target in batch:
                letter = s.letter
                key = letter.key.encode() if letter.key is not None else None
                audit = replay_audit(s, self.actor, s.topic)
                producer.produce(
                    target,
                    value=letter.original(),
                    key=key,
                    headers=[(REPLAY_HEADER, s.id.encode()), (ACTOR_HEADER, self.actor.encode())],
                )
                marker = ReplayMarker(
                    id=s.id,
                    target=target,
                    actor=self.actor,
                    at=datetime.now(UTC).isoformat(),
                    audit_id=audit.audit_id,
                )
                producer.produce(
                    replayed_topic(k),
                    key=s.id.encode(),
                    value=json.dumps(marker.__dict__).encode(),
                )
                producer.produce(k.audit_topic, key=key or s.id.encode(), value=audit.to_bytes())
            producer.commit_transaction(self.timeout)
        except KafkaException as exc:
            try:
                producer.abort_transaction(self.timeout)
            except KafkaException:
                log.warning("dlq_replay_abort_failed")
            raise ReplayError(f"replay transaction failed, nothing of it was sent: {exc}") from exc
        for s, target in batch:
            log.info("dlq_replayed", id=s.id, target=target, actor=self.actor)
            self.outcomes.append(ReplayOutcome(s.id, "replayed", target))


__all__ = [
    "LetterFilter",
    "ReplayError",
    "ReplayOutcome",
    "Replayer",
    "StoredDeadLetter",
    "audit_supports_replay",
    "dead_letter_id",
    "parse_id",
    "read_dead_letters",
    "read_stored",
    "replayed",
    "replayed_topic",
    "select",
]
