"""Operations without services: lag arithmetic, the status verdict and screen, metrics parsing,
dead-letter ids and filters, and the replay protocol against a fake transactional producer."""

from __future__ import annotations

import json
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import generate_latest

from infra.deadletters import (
    REPLAY_HEADER,
    LetterFilter,
    Replayer,
    ReplayError,
    ReplayMarker,
    StoredDeadLetter,
    dead_letter_id,
    parse_id,
    replayed_topic,
)
from infra.kafka_lag import LagMonitor, PartitionLag, consumer_lag, stage_topics
from infra.settings import KafkaSettings
from ragstream.cli_ops import (
    DeadLetterCount,
    StageLag,
    StatusReport,
    Thresholds,
    assess,
    describe_original,
    parse_metrics,
    rates,
    render,
)
from schemas import AuditRecord, DeadLetter, Stage

pytestmark = pytest.mark.unit

K = KafkaSettings(topic_prefix="t.")

# ----------------------------------------------------------------------------------- lag


def done(value: Any) -> Future[Any]:
    f: Future[Any] = Future()
    f.set_result(value)
    return f


class FakeAdmin:
    """The AdminClient calls consumer_lag makes, answered from dicts."""

    def __init__(
        self,
        partitions: dict[str, int],
        committed: dict[tuple[str, int], int],
        high: dict[tuple[str, int], int],
        low: dict[tuple[str, int], int] | None = None,
        members: int = 1,
    ) -> None:
        self.partitions, self.committed, self.high = partitions, committed, high
        self.low = low or {}
        self.members = members
        self.calls = 0

    def list_topics(self, timeout: float = 0) -> Any:
        self.calls += 1
        topics = {
            t: SimpleNamespace(partitions={p: None for p in range(n)}, error=None)
            for t, n in self.partitions.items()
        }
        return SimpleNamespace(topics=topics)

    def list_consumer_group_offsets(self, request: list[Any], **kw: Any) -> dict[str, Any]:
        group = request[0].group_id
        tps = [
            SimpleNamespace(
                topic=tp.topic,
                partition=tp.partition,
                offset=self.committed.get((tp.topic, tp.partition), -1001),
            )
            for tp in request[0].topic_partitions
        ]
        return {group: done(SimpleNamespace(topic_partitions=tps))}

    def list_offsets(self, specs: dict[Any, Any], **kw: Any) -> dict[Any, Any]:
        out = {}
        for tp, spec in specs.items():
            latest = type(spec).__name__.lower().startswith("latest")
            table = self.high if latest else self.low
            out[tp] = done(SimpleNamespace(offset=table.get((tp.topic, tp.partition), 0)))
        return out

    def describe_consumer_groups(self, groups: list[str], **kw: Any) -> dict[str, Any]:
        desc = SimpleNamespace(
            members=[object()] * self.members, state=SimpleNamespace(name="STABLE")
        )
        return {groups[0]: done(desc)}


def test_partition_lag_counts_from_the_committed_offset_or_the_low_watermark() -> None:
    assert PartitionLag("sink", "t", 0, committed=40, low=0, high=100).lag == 60
    assert PartitionLag("sink", "t", 0, committed=None, low=10, high=100).lag == 90
    # records deleted by retention before they were processed are not lag any more
    assert PartitionLag("sink", "t", 0, committed=5, low=10, high=100).lag == 90
    assert PartitionLag("sink", "t", 0, committed=100, low=0, high=100).lag == 0


def test_consumer_lag_per_stage_and_partition() -> None:
    admin = FakeAdmin(
        partitions={K.changes_topic: 2, K.chunks_topic: 1, "other": 3},
        committed={(K.changes_topic, 0): 7, (K.chunks_topic, 0): 3},
        high={(K.changes_topic, 0): 10, (K.changes_topic, 1): 4, (K.chunks_topic, 0): 3},
        low={(K.changes_topic, 1): 1},
        members=2,
    )
    result = consumer_lag(K, "g", admin=admin, with_members=True)
    assert result.by_stage() == {"compliance": 3 + 3, "sink": 0}
    assert result.partition_counts() == {"compliance": 2, "sink": 1}
    assert (result.members, result.state) == (2, "STABLE")
    assert stage_topics(K)["chunk_embed"] == "t.clean"


def test_lag_monitor_sets_and_removes_gauges() -> None:
    admin = FakeAdmin(
        partitions={K.changes_topic: 2},
        committed={(K.changes_topic, 0): 1},
        high={(K.changes_topic, 0): 5, (K.changes_topic, 1): 2},
    )
    monitor = LagMonitor(K, "g", admin_factory=lambda conf: admin)
    assert monitor.refresh() is not None
    text = generate_latest().decode()
    assert 'ragstream_consumer_lag{partition="0",stage="compliance",topic="t.changes"} 4.0' in text
    assert 'ragstream_consumer_lag{partition="1",stage="compliance",topic="t.changes"} 2.0' in text
    admin.partitions = {K.changes_topic: 1}
    monitor.refresh()
    text = generate_latest().decode()
    assert 'partition="1",stage="compliance",topic="t.changes"' not in text


def test_lag_monitor_survives_an_unreachable_broker() -> None:
    from confluent_kafka import KafkaException

    class Down(FakeAdmin):
        def list_topics(self, timeout: float = 0) -> Any:
            raise KafkaException("broker down")

    monitor = LagMonitor(K, "g", admin_factory=lambda conf: Down({}, {}, {}))
    assert monitor.refresh() is None
    assert monitor.refresh() is None  # logs once, keeps going


# ------------------------------------------------------------------------------- status

METRICS_1 = """
ragstream_events_out_total{stage="compliance",outcome="upsert"} 100.0
ragstream_events_out_total{stage="compliance",outcome="delete"} 10.0
ragstream_events_out_total{stage="sink",outcome="indexed"} 50.0
ragstream_retries_total{stage="sink"} 2.0
ragstream_stage_ready{stage="sink"} 1.0
ragstream_stage_ready{stage="compliance"} 1.0
ragstream_worker_up 1.0
"""
METRICS_2 = (
    METRICS_1.replace(" 100.0", " 150.0")
    .replace(" 50.0", " 90.0")
    .replace(
        'ragstream_retries_total{stage="sink"} 2.0', 'ragstream_retries_total{stage="sink"} 6.0'
    )
)


def test_parse_metrics_and_rates_over_workers() -> None:
    one = parse_metrics([METRICS_1])
    assert one.events_out == {"compliance": 110.0, "sink": 50.0}
    assert one.workers_up == 1
    two = parse_metrics([METRICS_2, METRICS_1.replace('stage="sink"} 1.0', 'stage="sink"} 0.0')])
    assert two.workers_up == 2
    assert two.stage_ready == {"sink": False, "compliance": True}  # one worker not ready
    assert rates(one.events_out, parse_metrics([METRICS_2]).events_out, 10) == {
        "compliance": 5.0,
        "sink": 4.0,
    }
    # a restarted worker's counter starts again from zero: its value is the increase
    assert rates({"sink": 100.0}, {"sink": 30.0}, 10) == {"sink": 3.0}


def report(**kw: Any) -> StatusReport:
    base: dict[str, Any] = {"group": "ragstream", "interval_s": 5.0, "members": 2}
    base.update(kw)
    return StatusReport(**base)


def test_growing_lag_with_idle_partitions_recommends_more_workers() -> None:
    r = assess(report(lag=[StageLag("compliance", "t.changes", 4, 100, 250)]))
    assert r.level == "WARN"
    text = " ".join(t for _, t in r.findings)
    assert "lag growing on compliance (100 -> 250 in 5s)" in text
    assert "add workers up to 4 (the partitions of t.changes); 2 running" in text


def test_growing_lag_with_every_partition_busy_recommends_partitions() -> None:
    r = assess(report(members=4, lag=[StageLag("sink", "t.chunks", 4, 10, 20)]))
    assert "add partitions" in r.findings[0][1]


def test_catching_up_is_fine_and_no_consumer_is_critical() -> None:
    r = assess(report(lag=[StageLag("sink", "t.chunks", 4, 5000, 4000)]), Thresholds(1000))
    assert r.level == "OK"
    assert "catching up" in r.findings[0][1]
    r = assess(report(members=0, lag=[StageLag("sink", "t.chunks", 4, 10, 10)]))
    assert r.level == "CRITICAL"
    assert "start `ragstream worker`" in r.findings[0][1]


def test_dead_letters_not_ready_stages_retries_and_outages() -> None:
    r = assess(
        report(
            dead_letters=[
                DeadLetterCount("t.dlq.raw", "decode", "Rejected", 3),
                DeadLetterCount("t.dlq", "sink", "Rejected", 1, "OpenSearch rejected it"),
            ],
            stage_ready={"sink": False, "compliance": True},
            retry_rate={"sink": 0.4},
            throughput={"sink": 1.0},
        )
    )
    texts = [t for _, t in r.findings]
    assert r.level == "WARN"
    assert any("4 dead letters not replayed (3 raw)" in t for t in texts)
    assert any("stage sink not ready" in t for t in texts)
    assert any("sink retries transient failures" in t for t in texts)
    assert assess(report(kafka_error="127.0.0.1:9092: down")).level == "CRITICAL"
    assert assess(report(opensearch_error="down")).level == "CRITICAL"
    assert assess(report()).findings == [("OK", "all stages keep up; no dead letters waiting")]


def test_render_shows_every_section_and_never_a_raw_reason() -> None:
    r = assess(
        report(
            group_state="STABLE",
            lag=[StageLag("compliance", "t.changes", 2, 0, 3)],
            throughput={"compliance": 12.5},
            stage_ready={"compliance": True},
            workers_up=2,
            dead_letters=[DeadLetterCount("t.dlq.raw", "decode", "Rejected", 2, None)],
            indices={"rag-documents": 10, "rag-chunks": 55, "ragstream-subjects": None},
        )
    )
    screen = render(r)
    for expected in (
        "ragstream status: WARN",
        "compliance            2          3       +3",
        "12.50/s  ready",
        "raw  decode",
        "rag-chunks",
        "missing",
        "Verdict: WARN",
    ):
        assert expected in screen, expected


def test_describe_original() -> None:
    assert describe_original(b'{"a": 1}') == {"encoding": "json", "value": {"a": 1}}
    assert describe_original(b"plain") == {"encoding": "text", "value": "plain"}
    assert describe_original(b"\xff\x00") == {"encoding": "base64", "value": "/wA="}


# ------------------------------------------------------------------------- dead letters


def stored(
    offset: int,
    *,
    topic: str = K.dlq_raw_topic,
    origin: str | None = K.changes_topic,
    original: bytes = b'{"x": 1}',
    at: datetime | None = None,
    message: str = "oversized: 20000 bytes > limit 8192",
    max_original_bytes: int = 1024,
    key: str | None = "src/doc.md",
) -> StoredDeadLetter:
    letter = DeadLetter.wrap(
        Stage.DECODE,
        message,
        original,
        topic=origin,
        partition=0,
        offset=offset,
        key=key,
        max_original_bytes=max_original_bytes,
    )
    if at is not None:
        letter = letter.model_copy(update={"at": at})
    return StoredDeadLetter(dead_letter_id(K, topic, 0, offset), topic, 0, offset, letter)


def test_ids_are_positions() -> None:
    assert dead_letter_id(K, "t.dlq.raw", 1, 42) == "dlq.raw:1:42"
    assert parse_id(K, "dlq.raw:1:42") == ("t.dlq.raw", 1, 42)
    assert parse_id(K, "dlq:0:7") == ("t.dlq", 0, 7)
    for bad in ("dlq.raw:1", "changes:0:1", "dlq:x:1", "nonsense"):
        with pytest.raises(ValueError):
            parse_id(K, bad)
    assert replayed_topic(K) == "t.dlq.replayed"


def test_filters() -> None:
    now = datetime.now(UTC)
    old = stored(1, at=now - timedelta(days=2))
    new = stored(2, at=now, message="schema validation failed")
    assert LetterFilter().empty
    assert LetterFilter(since=now - timedelta(hours=1)).matches(new)
    assert not LetterFilter(since=now - timedelta(hours=1)).matches(old)
    # a naive --since is UTC
    naive = (now - timedelta(hours=1)).replace(tzinfo=None)
    assert not LetterFilter(since=naive).matches(old)
    assert LetterFilter(reason="OVERSIZED").matches(old)
    assert LetterFilter(reason="rejected").matches(old)  # error class
    assert not LetterFilter(reason="oversized").matches(new)
    assert LetterFilter(stage="decode").matches(old)
    assert not LetterFilter(stage="sink").matches(old)
    assert LetterFilter(ids=frozenset({"dlq.raw:0:2"})).matches(new)
    assert not LetterFilter(ids=frozenset({"dlq.raw:0:2"})).matches(old)


def test_what_cannot_be_replayed() -> None:
    assert stored(1).problem(K) is None
    assert "no origin topic" in (stored(1, origin=None).problem(K) or "")
    assert "not a stage input" in (stored(1, origin="elsewhere").problem(K) or "")
    truncated = stored(1, original=b"x" * 100, max_original_bytes=10)
    assert "only 10 of 100" in (truncated.problem(K) or "")
    assert "UTF-8" in (stored(1, key="bad\ufffdkey").problem(K) or "")


class FakeProducer:
    def __init__(self, conf: dict[str, Any], fail_commit: bool = False) -> None:
        self.conf = conf
        self.log: list[Any] = []
        self.fail_commit = fail_commit

    def init_transactions(self, timeout: float) -> None:
        self.log.append("init")

    def begin_transaction(self) -> None:
        self.log.append("begin")

    def produce(self, topic: str, value: bytes, key: bytes | None, **kw: Any) -> None:
        self.log.append(("produce", topic, key, value, kw.get("headers")))

    def commit_transaction(self, timeout: float) -> None:
        from confluent_kafka import KafkaError, KafkaException

        if self.fail_commit:
            raise KafkaException(KafkaError(KafkaError._FENCED, "fenced"))
        self.log.append("commit")

    def abort_transaction(self, timeout: float) -> None:
        self.log.append("abort")


class OfflineReplayer(Replayer):
    """The replay protocol with the marker topic in memory."""

    known: dict[str, ReplayMarker]

    def ensure_marker_topic(self) -> None:
        self.log_ensure = True

    def markers(self) -> dict[str, ReplayMarker]:
        return self.known


def replayer(known: dict[str, ReplayMarker] | None = None, **kw: Any) -> tuple[Any, list[Any]]:
    producers: list[FakeProducer] = []

    def factory(conf: dict[str, Any]) -> FakeProducer:
        producers.append(FakeProducer(conf, **kw))
        return producers[-1]

    r = OfflineReplayer(K, actor="alice", allow_raw=True, producer_factory=factory)
    r.known = known or {}
    return r, producers


def test_replay_is_one_transaction_with_record_marker_and_audit() -> None:
    r, producers = replayer(
        {"dlq.raw:0:2": ReplayMarker("dlq.raw:0:2", "t.changes", "bob", "earlier", "a1")}
    )
    outcomes = r.run([stored(1), stored(2), stored(3, origin=None)])
    assert [(o.id, o.status) for o in outcomes] == [
        ("dlq.raw:0:2", "already"),
        ("dlq.raw:0:3", "skipped"),
        ("dlq.raw:0:1", "replayed"),
    ]
    (producer,) = producers
    assert producer.conf["transactional.id"] == "ragstream-dlq-replay-t."
    assert producer.log[:2] == ["init", "begin"] and producer.log[-1] == "commit"
    sent = [entry for entry in producer.log if isinstance(entry, tuple)]
    assert [(topic, key) for _, topic, key, _, _ in sent] == [
        ("t.changes", b"src/doc.md"),
        ("t.dlq.replayed", b"dlq.raw:0:1"),
        ("t.audit", b"src/doc.md"),
    ]
    assert sent[0][3] == b'{"x": 1}'
    assert (REPLAY_HEADER, b"dlq.raw:0:1") in sent[0][4]
    marker = json.loads(sent[1][3])
    assert marker["actor"] == "alice" and marker["target"] == "t.changes"
    audit = AuditRecord.from_bytes(sent[2][3])
    assert audit.kind == "dlq_replay"
    assert audit.detail["actor"] == "alice"
    assert audit.detail["dead_letter_id"] == "dlq.raw:0:1"
    assert audit.audit_id == marker["audit_id"]
    assert b'"x"' not in sent[2][3]  # the audit record never carries the content


def test_failed_commit_aborts_and_reports_nothing_sent() -> None:
    r, producers = replayer(fail_commit=True)
    with pytest.raises(ReplayError, match="nothing of it was sent"):
        r.run([stored(1)])
    assert producers[0].log[-1] == "abort"
    assert not [o for o in r.outcomes if o.status == "replayed"]


def test_dry_run_sends_nothing() -> None:
    r, producers = replayer()
    assert [o.status for o in r.run([stored(1)], dry_run=True)] == ["would_replay"]
    assert producers == []


def test_raw_dead_letters_need_allow_raw() -> None:
    r = OfflineReplayer(K, actor="alice")
    r.known = {}
    with pytest.raises(ReplayError, match="needs --raw"):
        r.run([stored(1)])
