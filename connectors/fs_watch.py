"""Turns watchdog notifications into a debounced set of touched paths."""

from __future__ import annotations

import os
import queue
import time

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)

_NOISE = frozenset({EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE})


class PathQueue(FileSystemEventHandler):
    """A watchdog handler that queues the absolute paths an event touched.

    Moves queue both ends. A directory's own "modified" events are dropped: its children
    report their changes themselves, and re-reading the whole directory would be wasted work.
    ``close`` wakes up a ``collect`` waiting in another thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.Queue[str | None] = queue.Queue()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _NOISE:
            return
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return
        self._queue.put(os.fsdecode(event.src_path))
        if event.dest_path:
            self._queue.put(os.fsdecode(event.dest_path))

    def close(self) -> None:
        self._queue.put(None)

    def collect(self, timeout: float, quiet_s: float, max_wait_s: float) -> set[str]:
        """Paths touched in one burst: wait up to ``timeout`` for the first, then keep
        collecting until ``quiet_s`` pass without news or ``max_wait_s`` have elapsed."""
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            return set()
        if first is None:
            return set()
        paths = {first}
        deadline = time.monotonic() + max_wait_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=min(quiet_s, left))
            except queue.Empty:
                break
            if item is None:
                return set()
            paths.add(item)
        return paths
