"""The stage runner: every batch ends in exactly one of three outcomes, never a fourth.

A stage is a plain function over a batch of Kafka records returning a :class:`StageResult`:
records to produce downstream and per-record dead letters. The runner calls it and:

1. **Transient failure** (Kafka, OpenSearch, the subject registry, time-outs, 429/5xx: see
   :func:`is_transient`): retries the *whole batch* with exponential backoff (tenacity),
   forever, holding the partition. Nothing is acknowledged, nothing is dead-lettered, and the
   stage reports not ready on ``/health/`` until a retry succeeds.
2. **Permanent per-record failure**: the stage function already turned that record into a
   dead letter with topic, partition, offset and reason; the rest of the batch goes on.
3. **Anything else** (a bug, a broken model file, a whole batch of poison): :class:`Fatal`.
   The shell logs one line and ends the process with a non-zero exit *before* the batch is
   acknowledged, so a supervisor restarts it and the batch is processed again.

The runner knows nothing of Faust: the shell (``ragstream.app``) gives it ``call`` (run the
stage function off the event loop) and ``deliver`` (produce and await the broker's acks).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_exponential_jitter,
)

from infra.logs import get_logger
from infra.metrics import ERRORS, RETRIES, STAGE_READY
from infra.opensearch import is_transient_status
from schemas import DeadLetter

log = get_logger(__name__)


class TransientError(RuntimeError):
    """A dependency is unavailable; the same batch can be retried as it is."""


class Fatal(RuntimeError):
    """Neither transient nor a per-record problem: the process must stop before the ack."""


@dataclass(frozen=True)
class Output:
    """One record to produce: ``topic`` is a logical name the shell maps to a Kafka topic."""

    topic: str
    key: bytes | None
    value: bytes | None


@dataclass
class StageResult:
    """What a stage made of one batch."""

    outputs: list[Output] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


def is_transient(exc: BaseException) -> bool:
    """True for failures that go away by waiting: never a reason to dead-letter a record.

    Wrappers are looked through: Faust raises ``ProducerSendError(...) from`` the aiokafka
    error (a ``KafkaTimeoutError`` while the broker restarts), so an explicit cause that is
    transient makes the wrapper transient too. Only ``__cause__`` (``raise ... from``) is
    followed, never the implicit context, so a bug raised while handling an outage stays a bug.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if _transient_itself(cur):
            return True
        seen.add(id(cur))
        cur = cur.__cause__
    return False


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, TransientError | TimeoutError | ConnectionError):
        return True
    # Imported here so this module stays importable without the optional clients.
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import ConnectionTimeout, TransportError

    if isinstance(exc, OSConnectionError | ConnectionTimeout):
        return True
    if isinstance(exc, TransportError):
        return is_transient_status(exc.status_code)
    try:
        from aiokafka.errors import KafkaError as AioKafkaError
    except ImportError:  # pragma: no cover - aiokafka ships with faust
        return False
    if isinstance(exc, AioKafkaError):
        return bool(getattr(exc, "retriable", False)) or type(exc).__name__ in {
            "KafkaConnectionError",
            "KafkaTimeoutError",
            "NodeNotReadyError",
            "RequestTimedOutError",
            "NotLeaderForPartitionError",
            "LeaderNotAvailableError",
        }
    return False


State = Literal["starting", "ready", "retrying"]


@dataclass
class StageStatus:
    state: State = "starting"
    since: float = field(default_factory=time.time)
    error: str | None = None
    attempts: int = 0


class Health:
    """Readiness of every stage of this worker, as ``/health/`` reports it."""

    def __init__(self, stages: Sequence[str]) -> None:
        self.stages = {s: StageStatus() for s in stages}
        for stage in stages:
            STAGE_READY.labels(stage=stage).set(0)

    def set(self, stage: str, state: State, error: str | None = None, attempts: int = 0) -> None:
        cur = self.stages.setdefault(stage, StageStatus())
        if cur.state != state:
            cur.since = time.time()
        cur.state, cur.error, cur.attempts = state, error, attempts
        STAGE_READY.labels(stage=stage).set(1 if state == "ready" else 0)

    @property
    def ready(self) -> bool:
        return all(s.state == "ready" for s in self.stages.values())

    def report(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ready else "not_ready",
            "stages": {
                name: {
                    "state": s.state,
                    "since": round(s.since, 3),
                    "error": s.error,
                    "attempts": s.attempts,
                }
                for name, s in self.stages.items()
            },
        }


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float = 0.5
    max_s: float = 10.0  # an outage's end is noticed within about this long
    jitter_s: float = 0.25


async def run_batch(
    stage: str,
    call: Callable[[], Awaitable[StageResult]],
    deliver: Callable[[StageResult], Awaitable[None]],
    health: Health,
    policy: RetryPolicy = RetryPolicy(),
) -> StageResult:
    """Process one batch to completion: returns only when everything was delivered.

    Transient failures of ``call`` or ``deliver`` retry both (idempotent downstream), without
    limit; any other exception is raised as :class:`Fatal` and must end the process.
    """

    def before_sleep(rs: RetryCallState) -> None:
        exc = rs.outcome.exception() if rs.outcome else None
        name = type(exc).__name__ if exc else "unknown"
        RETRIES.labels(stage=stage).inc()
        ERRORS.labels(stage=stage, error=name).inc()
        health.set(stage, "retrying", error=name, attempts=rs.attempt_number)
        delay = rs.next_action.sleep if rs.next_action else 0.0
        log.warning(
            "stage_retry",
            stage=stage,
            error=name,
            message=str(exc)[:300],
            attempt=rs.attempt_number,
            delay_s=round(delay, 2),
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential_jitter(
            multiplier=policy.initial_s, max=policy.max_s, jitter=policy.jitter_s
        ),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                result = await call()
                await deliver(result)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        ERRORS.labels(stage=stage, error=type(exc).__name__).inc()
        raise Fatal(f"stage {stage} failed: {type(exc).__name__}: {exc}") from exc
    health.set(stage, "ready")
    return result
