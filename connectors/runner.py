"""run_source: the poll -> publish -> flush -> commit loop shared by every source, with
reconnection from the checkpoint and the lag metrics every source serves."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_never

from connectors.base import RETRIABLE, Batch, Publisher, PublishError, Source
from connectors.metrics import (
    ERRORS,
    LAG_SECONDS,
    LAST_COMMIT,
    NEWEST_CHANGE,
    PENDING_CHANGES,
    RECONNECTS,
)
from infra.kafka_admin import TopicSetupError
from schemas import Op

log = structlog.get_logger(__name__)

C = TypeVar("C")

RetryReport = Callable[[BaseException, int, float], None]
"""Told about each lost connection: the error, the attempt number, the seconds until the next."""

_RECONNECTABLE: tuple[type[Exception], ...] = (*RETRIABLE, TopicSetupError)


@dataclass
class RunSummary:
    """What a run published (counted once the broker acknowledged and the source committed).

    ``skipped``: seen but unchanged; ``ignored``: not handled by the source (unsupported
    type, hidden or temp file); ``dead_lettered``: sent to the raw dead-letter topic;
    ``reconnects``: times the source was reopened from its checkpoint after a lost connection.
    """

    upserts: int = 0
    deletes: int = 0
    skipped: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    batches: int = 0
    reconnects: int = 0

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


class _Lag:
    """How far the source trails: since when changes have been waiting (the gauges)."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.behind_since: float | None = None
        self.newest = 0.0
        LAG_SECONDS.labels(source=source_id).set_function(self.seconds)
        PENDING_CHANGES.labels(source=source_id).set(0)

    def seconds(self) -> float:
        since = self.behind_since
        return 0.0 if since is None else max(0.0, time.monotonic() - since)

    def polled(self, batch: Batch[Any] | None) -> None:
        if batch is None or batch.empty:
            self.behind_since = None  # nothing new: caught up
            return
        if self.behind_since is None:
            self.behind_since = time.monotonic()
        PENDING_CHANGES.labels(source=self.source_id).set(
            len(batch.events) + len(batch.dead_letters)
        )

    def stopped(self) -> None:
        """The source closed (stopped, or reconnecting): nothing is in hand any more."""
        self.behind_since = None
        PENDING_CHANGES.labels(source=self.source_id).set(0)

    def committed(self, batch: Batch[Any]) -> None:
        PENDING_CHANGES.labels(source=self.source_id).set(0)
        LAST_COMMIT.labels(source=self.source_id).set(time.time())
        if batch.events:
            newest = max(event.occurred_at for event in batch.events).timestamp()
            self.newest = max(self.newest, newest)
            NEWEST_CHANGE.labels(source=self.source_id).set(self.newest)


def run_source(
    source: Source[C],
    publisher: Publisher,
    stop: threading.Event,
    *,
    once: bool,
    flush_timeout_s: float = 30.0,
    poll_timeout_s: float = 0.5,
    max_backoff_s: float = 30.0,
    reconnect_max_backoff_s: float = 60.0,
    prepare: Callable[[], object] | None = None,
    on_retry: RetryReport | None = None,
) -> RunSummary:
    """Open ``source`` and move its batches to ``publisher`` until ``stop`` is set.

    Each batch is published and flushed before its checkpoint is committed (at-least-once);
    the keys of events the publisher dead-lettered instead are passed to ``commit`` so the
    source does not record them as published. ``prepare`` (e.g. creating the topics) runs
    before each opening.

    With ``once`` the run ends after the batch that completes the initial snapshot, and a
    :class:`PublishError`, :class:`connectors.base.SourceUnavailable` or
    :class:`infra.kafka_admin.TopicSetupError` propagates. Otherwise a failed flush is
    retried with exponential backoff (the whole batch is published again, up to
    ``max_backoff_s`` between attempts), and a lost connection anywhere else (opening, the
    source itself, the topics) closes the source and opens it again from its checkpoint with
    exponential backoff (1 s doubling to ``reconnect_max_backoff_s``; back to 1 s once a
    batch went through), reported to ``on_retry``, until it works or ``stop`` is set. The
    source is always closed; the publisher belongs to the caller.
    """
    summary = RunSummary()
    lag = _Lag(source.source_id)
    options = _Options(once, flush_timeout_s, poll_timeout_s, max_backoff_s)
    if once:
        _session(source, publisher, stop, summary, lag, options, prepare)
    else:
        backoff = _Backoff(reconnect_max_backoff_s)
        retrying = Retrying(
            retry=retry_if_exception_type(_RECONNECTABLE),
            wait=backoff.wait,
            stop=stop_never,
            sleep=_sleeper(stop),
            before_sleep=_reporter(source.source_id, summary, on_retry, backoff),
            reraise=True,
        )
        retrying(_session, source, publisher, stop, summary, lag, options, prepare, backoff)
    log.info(
        "connector.run_finished",
        source=source.source_id,
        upserts=summary.upserts,
        deletes=summary.deletes,
        skipped=summary.skipped,
        ignored=summary.ignored,
        dead_lettered=summary.dead_lettered,
        reconnects=summary.reconnects,
    )
    return summary


@dataclass(frozen=True)
class _Options:
    once: bool
    flush_timeout_s: float
    poll_timeout_s: float
    max_backoff_s: float


class _Backoff:
    """Exponential backoff whose count restarts once a batch went through."""

    def __init__(self, max_s: float) -> None:
        self.max_s = max_s
        self.failures = 0

    def wait(self, _state: RetryCallState) -> float:
        self.failures += 1
        return float(min(self.max_s, 2.0 ** (self.failures - 1)))

    def progressed(self) -> None:
        self.failures = 0


def _sleeper(stop: threading.Event) -> Callable[[float], None]:
    """Sleep that ``stop`` cuts short (the next attempt then returns at once)."""

    def sleep(seconds: float) -> None:
        stop.wait(seconds)

    return sleep


def _reporter(
    source_id: str, summary: RunSummary, on_retry: RetryReport | None, backoff: _Backoff
) -> Callable[[RetryCallState], None]:
    def report(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        if error is None:
            return
        delay = state.upcoming_sleep
        summary.reconnects += 1
        RECONNECTS.labels(source=source_id).inc()
        ERRORS.labels(source=source_id, outcome=type(error).__name__).inc()
        log.warning(
            "connector.reconnecting",
            source=source_id,
            error=str(error),
            error_class=type(error).__name__,
            attempt=backoff.failures,
            retry_in_s=delay,
            resume="from the checkpoint",
        )
        if on_retry is not None:
            on_retry(error, backoff.failures, delay)

    return report


def _session(
    source: Source[C],
    publisher: Publisher,
    stop: threading.Event,
    summary: RunSummary,
    lag: _Lag,
    options: _Options,
    prepare: Callable[[], object] | None,
    backoff: _Backoff | None = None,
) -> None:
    """Open the source (from its checkpoint) and run it until stopped or done."""
    if stop.is_set():
        return
    if prepare is not None:
        prepare()
    source.open()
    try:
        while not stop.is_set():
            batch = source.poll(options.poll_timeout_s)
            lag.polled(batch)
            if batch is None:
                continue
            dead_lettered: frozenset[str] | None = frozenset()
            if not batch.empty:
                dead_lettered = _deliver(batch, publisher, stop, options, source.source_id)
            if dead_lettered is None:
                break
            source.commit(batch.checkpoint, dead_lettered)
            summary.add(batch, dead_lettered)
            lag.committed(batch)
            if backoff is not None:
                backoff.progressed()
            if not batch.empty:
                log.info(
                    "connector.batch_committed",
                    source=source.source_id,
                    events=len(batch.events) - len(dead_lettered),
                    dead_letters=len(batch.dead_letters) + len(dead_lettered),
                )
            if options.once and batch.snapshot_complete:
                break
    finally:
        lag.stopped()
        source.close()


def _deliver(
    batch: Batch[C], publisher: Publisher, stop: threading.Event, options: _Options, source: str
) -> frozenset[str] | None:
    """Publish and flush one batch; the keys of the events the publisher dead-lettered
    instead, or ``None`` if ``stop`` was set while waiting to retry."""
    attempt = 0
    while True:
        publisher.publish(batch.events)
        publisher.publish_dead_letters(batch.dead_letters)
        try:
            return publisher.flush(options.flush_timeout_s)
        except PublishError as exc:
            ERRORS.labels(source=source, outcome=type(exc).__name__).inc()
            if options.once:
                raise
            attempt += 1
            delay = min(options.max_backoff_s, 2.0 ** (attempt - 1))
            log.warning(
                "connector.publish_retry", error=str(exc), attempt=attempt, retry_in_s=delay
            )
            if stop.wait(delay):
                return None
