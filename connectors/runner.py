"""run_source: the poll -> publish -> flush -> commit loop shared by every source."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from connectors.base import Batch, Publisher, PublishError, Source
from schemas import Op

log = structlog.get_logger(__name__)

C = TypeVar("C")


@dataclass
class RunSummary:
    """What a run published (counted once the broker acknowledged and the source committed).

    ``skipped``: seen but unchanged; ``ignored``: not handled by the source (unsupported
    type, hidden or temp file); ``dead_lettered``: sent to the raw dead-letter topic.
    """

    upserts: int = 0
    deletes: int = 0
    skipped: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    batches: int = 0

    def add(self, batch: Batch[Any], dead_lettered: frozenset[str] = frozenset()) -> None:
        """Count ``batch``; events whose key is in ``dead_lettered`` count as dead letters."""
        published = [event for event in batch.events if event.key not in dead_lettered]
        deletes = sum(1 for event in published if event.op is Op.DELETE)
        self.upserts += len(published) - deletes
        self.deletes += deletes
        self.skipped += batch.skipped
        self.ignored += batch.ignored
        self.dead_lettered += len(batch.dead_letters) + len(batch.events) - len(published)
        self.batches += 1


def run_source(
    source: Source[C],
    publisher: Publisher,
    stop: threading.Event,
    *,
    once: bool,
    flush_timeout_s: float = 30.0,
    poll_timeout_s: float = 0.5,
    max_backoff_s: float = 30.0,
) -> RunSummary:
    """Open ``source`` and move its batches to ``publisher`` until ``stop`` is set.

    Each batch is published and flushed before its checkpoint is committed (at-least-once);
    the keys of events the publisher dead-lettered instead are passed to ``commit`` so the
    source does not record them as published.
    With ``once`` the run ends after the batch that completes the initial snapshot and a
    :class:`PublishError` propagates; otherwise a failed flush is retried with exponential
    backoff (the whole batch is published again) until it succeeds or ``stop`` is set.
    The source is always closed; the publisher belongs to the caller.
    """
    summary = RunSummary()
    source.open()
    try:
        while not stop.is_set():
            batch = source.poll(poll_timeout_s)
            if batch is None:
                continue
            dead_lettered: frozenset[str] | None = frozenset()
            if not batch.empty:
                dead_lettered = _deliver(
                    batch,
                    publisher,
                    stop,
                    once=once,
                    flush_timeout_s=flush_timeout_s,
                    max_backoff_s=max_backoff_s,
                )
            if dead_lettered is None:
                break
            source.commit(batch.checkpoint, dead_lettered)
            summary.add(batch, dead_lettered)
            if not batch.empty:
                log.info(
                    "connector.batch_committed",
                    source=source.source_id,
                    events=len(batch.events) - len(dead_lettered),
                    dead_letters=len(batch.dead_letters) + len(dead_lettered),
                )
            if once and batch.snapshot_complete:
                break
    finally:
        source.close()
    log.info(
        "connector.run_finished",
        source=source.source_id,
        upserts=summary.upserts,
        deletes=summary.deletes,
        skipped=summary.skipped,
        ignored=summary.ignored,
        dead_lettered=summary.dead_lettered,
    )
    return summary


def _deliver(
    batch: Batch[C],
    publisher: Publisher,
    stop: threading.Event,
    *,
    once: bool,
    flush_timeout_s: float,
    max_backoff_s: float,
) -> frozenset[str] | None:
    """Publish and flush one batch; the keys of the events the publisher dead-lettered
    instead, or ``None`` if ``stop`` was set while waiting to retry."""
    attempt = 0
    while True:
        publisher.publish(batch.events)
        publisher.publish_dead_letters(batch.dead_letters)
        try:
            return publisher.flush(flush_timeout_s)
        except PublishError as exc:
            if once:
                raise
            attempt += 1
            delay = min(max_backoff_s, 2.0 ** (attempt - 1))
            log.warning(
                "connector.publish_retry", error=str(exc), attempt=attempt, retry_in_s=delay
            )
            if stop.wait(delay):
                return None
