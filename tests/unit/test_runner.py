"""The stage runner's three outcomes: retry and hold, dead-letter the record, or stop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from schemas import ChangeEvent, Op
from streams.pipeline import compliance_step
from streams.runner import (
    Fatal,
    Health,
    Output,
    RetryPolicy,
    StageResult,
    TransientError,
    is_transient,
    run_batch,
)
from streams.stages import ComplianceOutcomeLike, RawRecord, passthrough_document, run_isolating

FAST = RetryPolicy(initial_s=0.001, max_s=0.002, jitter_s=0.0)


def _event(doc: str, version: int = 1) -> RawRecord:
    ev = ChangeEvent(source_id="s", document_id=doc, op=Op.UPSERT, version=version, content="x")
    return RawRecord(ev.to_bytes(), ev.key.encode(), "t.changes", 0, version)


def test_outages_are_transient_and_bugs_are_not() -> None:
    assert is_transient(OSConnectionError("N/A", "refused", Exception()))
    assert is_transient(TransportError(503, "unavailable", {}))
    assert is_transient(TransportError(429, "too many requests", {}))
    assert is_transient(TimeoutError())
    assert is_transient(TransientError("registry"))
    assert not is_transient(TransportError(400, "mapper_parsing_exception", {}))
    assert not is_transient(ValueError("bad"))
    assert not is_transient(KeyError("x"))


def test_a_wrapped_broker_timeout_is_transient_but_a_wrapped_bug_is_not() -> None:
    """Faust raises ProducerSendError from aiokafka's KafkaTimeoutError while the broker
    restarts; that must hold the batch, not end the worker (seen in the broker_kill test)."""
    from aiokafka.errors import KafkaTimeoutError
    from faust.exceptions import ProducerSendError

    def wrapped(cause: BaseException) -> ProducerSendError:
        try:
            raise ProducerSendError(f"Error while sending: {cause!r}") from cause
        except ProducerSendError as exc:
            return exc

    assert is_transient(wrapped(KafkaTimeoutError()))
    assert not is_transient(wrapped(ValueError("schema")))
    assert not is_transient(ProducerSendError("No transaction producer found"))

    def bug_while_handling_outage() -> BaseException:
        try:
            try:
                raise KafkaTimeoutError()
            except KafkaTimeoutError:
                raise KeyError("typo")  # noqa: B904 - implicit context on purpose
        except KeyError as exc:
            return exc

    assert not is_transient(bug_while_handling_outage())


def test_a_producer_send_error_on_delivery_is_retried_not_fatal() -> None:
    from aiokafka.errors import KafkaTimeoutError
    from faust.exceptions import ProducerSendError

    health = Health(["chunk_embed"])
    calls = {"deliver": 0}

    async def call() -> StageResult:
        return StageResult(outputs=[Output("chunks", b"k", b"v")])

    async def deliver(result: StageResult) -> None:
        calls["deliver"] += 1
        if calls["deliver"] < 3:
            raise ProducerSendError("Error while sending") from KafkaTimeoutError()

    asyncio.run(run_batch("chunk_embed", call, deliver, health, FAST))
    assert calls["deliver"] == 3 and health.ready


def test_a_transient_failure_is_retried_until_it_passes_and_health_says_so() -> None:
    health = Health(["sink"])
    calls = {"n": 0}
    seen_states: list[str] = []
    delivered: list[StageResult] = []

    async def call() -> StageResult:
        calls["n"] += 1
        seen_states.append(health.stages["sink"].state)
        if calls["n"] < 4:
            raise OSConnectionError("N/A", "connection refused", Exception())
        return StageResult(outputs=[Output("chunks", b"k", b"v")])

    async def deliver(result: StageResult) -> None:
        delivered.append(result)

    result = asyncio.run(run_batch("sink", call, deliver, health, FAST))
    assert calls["n"] == 4
    assert seen_states[1:] == ["retrying", "retrying", "retrying"]
    assert health.ready and health.report()["status"] == "ok"
    assert delivered == [result] and result.outputs[0].value == b"v"


def test_a_failed_delivery_retries_the_whole_batch() -> None:
    """Produced records the broker did not acknowledge are produced again (idempotent)."""
    health = Health(["compliance"])
    calls = {"call": 0, "deliver": 0}

    async def call() -> StageResult:
        calls["call"] += 1
        return StageResult()

    async def deliver(result: StageResult) -> None:
        calls["deliver"] += 1
        if calls["deliver"] == 1:
            raise TimeoutError("broker did not acknowledge")

    asyncio.run(run_batch("compliance", call, deliver, health, FAST))
    assert calls == {"call": 2, "deliver": 2}


def test_anything_else_is_fatal_and_never_delivered() -> None:
    health = Health(["chunk_embed"])
    delivered: list[StageResult] = []

    async def call() -> StageResult:
        raise RuntimeError("model file missing")

    async def deliver(result: StageResult) -> None:
        delivered.append(result)

    with pytest.raises(Fatal, match="model file missing"):
        asyncio.run(run_batch("chunk_embed", call, deliver, health, FAST))
    assert delivered == []


def test_health_is_not_ready_while_a_stage_retries() -> None:
    health = Health(["compliance", "sink"])
    health.set("compliance", "ready")
    health.set("sink", "retrying", error="ConnectionError", attempts=3)
    report = health.report()
    assert not health.ready and report["status"] == "not_ready"
    assert report["stages"]["sink"]["error"] == "ConnectionError"  # type: ignore[index]


def test_isolation_never_turns_an_outage_into_poison() -> None:
    """The registry read failing during an OpenSearch outage must not dead-letter the batch."""

    def stage(items: Sequence[int]) -> list[int]:
        raise OSConnectionError("N/A", "127.0.0.1:9200 refused", Exception())

    with pytest.raises(OSConnectionError):
        run_isolating(stage, [1, 2, 3])
    with pytest.raises(OSConnectionError):
        run_isolating(stage, [1])


class _RegistryDown:
    def warm_up(self) -> None:
        return None

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]:
        raise OSConnectionError("N/A", "registry read: connection refused", Exception())


class _Passthrough:
    def warm_up(self) -> None:
        return None

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]:
        return [ComplianceOutcomeLike(passthrough_document(e), None) for e in events]


def test_compliance_step_raises_on_an_outage_instead_of_dead_lettering() -> None:
    step = compliance_step(lambda: _RegistryDown(), max_event_bytes=100_000)
    with pytest.raises(OSConnectionError):
        step([_event("a"), _event("b")])


def test_compliance_step_dead_letters_bad_records_with_their_position() -> None:
    step = compliance_step(lambda: _Passthrough(), max_event_bytes=100_000)
    bad = RawRecord(b"{not json", b"s/x", "t.changes", 1, 42)
    result = step([_event("a"), bad, _event("b")])
    assert [o.topic for o in result.outputs] == ["clean", "clean"]
    assert [(d.topic, d.partition, d.offset) for d in result.dead] == [("t.changes", 1, 42)]
