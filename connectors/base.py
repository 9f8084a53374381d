"""The source lifecycle and the publisher contract every connector is written against.

A source goes through ``open`` -> ``poll`` ... -> ``commit`` ... -> ``close``:

- ``open()`` does the I/O the constructor must not do (load state, start watchers).
- ``poll(timeout)`` returns the next :class:`Batch`, or ``None`` when nothing arrived within
  ``timeout`` seconds. Records the source cannot turn into a ChangeEvent travel in the batch
  as dead letters (poison records); they never raise.
- ``commit(checkpoint, dead_lettered)`` persists the batch's checkpoint. The runner calls it
  only after the publisher's ``flush`` succeeded, so a checkpoint never runs ahead of the
  broker. ``dead_lettered`` holds the keys of the batch's events the publisher sent to the
  raw dead-letter topic instead (e.g. too large for the changes topic): the source must not
  record them as published, so they are tried again when the record changes.
- ``close()`` releases resources and unblocks a ``poll`` waiting in another thread; it is
  safe to call twice.

Failures come in three kinds: :class:`PublishError` and :class:`SourceUnavailable`
(retriable: the broker or the source system is down or slow), dead letters (poison records:
published to the raw DLQ, the source moves on), and any other exception (a bug: it
propagates and the process stops).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from schemas import ChangeEvent, DeadLetter

C = TypeVar("C")


class PublishError(RuntimeError):
    """Retriable: events were not acknowledged by the broker (unreachable, timed out, ...)."""


class SourceUnavailable(RuntimeError):
    """Retriable: the source system (database, SharePoint, the checkpoint's Kafka copy)
    could not be reached. While watching, the runner reopens the source from its checkpoint
    with backoff; a ``--once`` run fails with it."""


RETRIABLE: tuple[type[Exception], ...] = (PublishError, SourceUnavailable)
"""Failures a watching connector outlives: it retries with backoff from its checkpoint."""


@dataclass(frozen=True)
class Batch(Generic[C]):
    """What one ``poll`` produced.

    ``skipped`` counts records seen but not worth an event (content unchanged), ``ignored``
    records the source does not handle (unsupported type, hidden file). ``snapshot_complete``
    is true on the batch that finishes the initial snapshot of the source.
    """

    events: tuple[ChangeEvent, ...]
    dead_letters: tuple[DeadLetter, ...]
    checkpoint: C
    skipped: int = 0
    ignored: int = 0
    snapshot_complete: bool = False

    @property
    def empty(self) -> bool:
        return not self.events and not self.dead_letters


class Source(Protocol[C]):
    """A connector's source side; see the module docstring for the lifecycle."""

    @property
    def source_id(self) -> str: ...

    def open(self) -> None: ...

    def poll(self, timeout: float) -> Batch[C] | None: ...

    def commit(self, checkpoint: C, dead_lettered: frozenset[str] = frozenset()) -> None: ...

    def close(self) -> None: ...


class Publisher(Protocol):
    """Where batches go: Kafka in production, :class:`connectors.testing.InMemoryPublisher`
    in tests. ``publish*`` only enqueue; ``flush`` waits for every acknowledgement and raises
    :class:`PublishError` if any event was not acknowledged. ``flush`` returns the keys of
    the events published since the previous flush that went to the raw dead-letter topic
    instead of the changes topic (empty when all were published)."""

    def publish(self, events: Sequence[ChangeEvent]) -> None: ...

    def publish_dead_letters(self, letters: Sequence[DeadLetter]) -> None: ...

    def flush(self, timeout: float) -> frozenset[str]: ...
