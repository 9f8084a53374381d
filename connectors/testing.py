"""Test doubles for connectors: an in-memory publisher that needs no Kafka."""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping, Sequence

from connectors.base import PublishError
from connectors.publisher import oversized_dead_letter
from connectors.state import MemoryStateStore, StateStore
from infra.settings import KafkaSettings
from schemas import ChangeEvent, DeadLetter

_CHANGES_TOPIC = KafkaSettings().changes_topic


class InMemoryPublisher:
    """Test double of :class:`connectors.base.Publisher` that keeps what it was given.

    ``events`` and ``dead_letters`` hold what a successful ``flush`` acknowledged, in order;
    what was published since the last flush is pending. Set ``fail_flushes`` to make that
    many upcoming flushes raise :class:`PublishError` and drop their pending records, as a
    broker outage would. With ``max_event_bytes``, larger events become ``oversized`` dead
    letters as in :class:`connectors.publisher.KafkaPublisher`, and ``flush`` returns their
    keys. Thread-safe, so a test can watch a source running in a thread.

    ``checkpoints`` plays the Kafka copy of the sources' checkpoints (``connect-offsets``,
    by ``<kind>/<source_id>``): pass one dict to the publishers of two "hosts" to move a
    source between them.
    """

    def __init__(
        self,
        *,
        max_event_bytes: int | None = None,
        checkpoints: MutableMapping[str, bytes] | None = None,
    ) -> None:
        self.checkpoints: MutableMapping[str, bytes] = {} if checkpoints is None else checkpoints
        self.events: list[ChangeEvent] = []
        self.dead_letters: list[DeadLetter] = []
        self.flushes = 0
        self.fail_flushes = 0
        self.max_event_bytes = max_event_bytes
        self._pending_events: list[ChangeEvent] = []
        self._pending_letters: list[DeadLetter] = []
        self._pending_dead_keys: set[str] = set()
        self._changed = threading.Condition()

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        with self._changed:
            limit = self.max_event_bytes
            for event in events:
                value = event.to_bytes() if limit is not None else b""
                if limit is not None and len(value) > limit:
                    self._pending_letters.append(
                        oversized_dead_letter(event, value, limit, _CHANGES_TOPIC)
                    )
                    self._pending_dead_keys.add(event.key)
                else:
                    self._pending_events.append(event)

    def publish_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        with self._changed:
            self._pending_letters.extend(letters)

    def flush(self, timeout: float) -> frozenset[str]:
        with self._changed:
            self.flushes += 1
            dead_keys = frozenset(self._pending_dead_keys)
            self._pending_dead_keys.clear()
            if self.fail_flushes > 0:
                self.fail_flushes -= 1
                self._pending_events.clear()
                self._pending_letters.clear()
                raise PublishError("in-memory publisher: flush failed on purpose")
            self.events.extend(self._pending_events)
            self.dead_letters.extend(self._pending_letters)
            self._pending_events.clear()
            self._pending_letters.clear()
            self._changed.notify_all()
            return dead_keys

    def checkpoint_store(self, key: str) -> StateStore:
        """The in-memory stand-in of the checkpoint copy on ``connect-offsets``."""
        return MemoryStateStore(self.checkpoints, key)

    def wait_for(self, predicate: Callable[[InMemoryPublisher], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds after a flush, or ``timeout`` seconds pass."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout=timeout)

    def latest(self) -> dict[str, ChangeEvent]:
        """The last acknowledged event per document key."""
        with self._changed:
            return {event.key: event for event in self.events}

    def clear(self) -> None:
        with self._changed:
            self.events.clear()
            self.dead_letters.clear()
