"""Turns watchdog notifications into a debounced set of touched paths, and notices when the
operating system dropped notifications (inotify queue overflow) so the source can rescan."""

from __future__ import annotations

import enum
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)

_NOISE = frozenset({EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE})

# watchdog (7.x) handles IN_Q_OVERFLOW itself (it rebuilds its recursive watches) but sends
# no event to handlers: the only outward sign is this warning of its inotify_c module.
WATCHDOG_INOTIFY_LOGGER = "watchdog.observers.inotify_c"
_OVERFLOW_MESSAGE = "Inotify queue overflowed"


class _Signal(enum.Enum):
    CLOSE = "close"
    RESCAN = "rescan"


class PathQueue(FileSystemEventHandler):
    """A watchdog handler that queues the absolute paths an event touched.

    Moves queue both ends. A directory's own "modified" events are dropped: its children
    report their changes themselves, and re-reading the whole directory would be wasted work.
    ``close`` wakes up a ``collect`` waiting in another thread; ``request_rescan`` (called
    when notifications were lost) wakes it too and is read back with ``take_rescan``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.Queue[str | _Signal] = queue.Queue()
        self._rescan = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _NOISE:
            return
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return
        self._queue.put(os.fsdecode(event.src_path))
        if event.dest_path:
            self._queue.put(os.fsdecode(event.dest_path))

    def close(self) -> None:
        self._queue.put(_Signal.CLOSE)

    def request_rescan(self) -> None:
        """Ask for a full rescan (thread-safe): notifications were lost."""
        self._rescan.set()
        self._queue.put(_Signal.RESCAN)

    def take_rescan(self) -> bool:
        """Whether a rescan was requested since the last call."""
        requested = self._rescan.is_set()
        self._rescan.clear()
        return requested

    def collect(self, timeout: float, quiet_s: float, max_wait_s: float) -> set[str]:
        """Paths touched in one burst: wait up to ``timeout`` for the first, then keep
        collecting until ``quiet_s`` pass without news or ``max_wait_s`` have elapsed.
        Returns early (with what it has) when a rescan is requested; empty once closed."""
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            return set()
        if isinstance(first, _Signal):
            return set()
        paths = {first}
        deadline = time.monotonic() + max_wait_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=min(quiet_s, left))
            except queue.Empty:
                break
            if item is _Signal.CLOSE:
                return set()
            if item is _Signal.RESCAN:
                break
            paths.add(item)
        return paths


class OverflowListener(logging.Handler):
    """Calls ``on_overflow`` when watchdog reports that the kernel dropped notifications.

    Hooks watchdog's inotify warning (see ``WATCHDOG_INOTIFY_LOGGER``); other observers
    (FSEvents, Windows, polling) report nothing comparable, and a future watchdog may word
    it differently: the periodic rescan is the safety net for those.
    """

    def __init__(self, on_overflow: Callable[[], None]) -> None:
        super().__init__(level=logging.WARNING)
        self._on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(_OVERFLOW_MESSAGE):
            self._on_overflow()

    def install(self) -> None:
        logger = logging.getLogger(WATCHDOG_INOTIFY_LOGGER)
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)  # the warning must be emitted to be seen
        logger.addHandler(self)

    def uninstall(self) -> None:
        logging.getLogger(WATCHDOG_INOTIFY_LOGGER).removeHandler(self)
