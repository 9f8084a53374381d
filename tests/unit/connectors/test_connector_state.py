"""StateStore: the local file, the copy on Kafka's connect-offsets, and the combination that
lets a connector moved to another host resume without publishing everything again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from connectors.filesystem import FileSystemSource
from connectors.publisher import KafkaPublisher
from connectors.state import (
    CombinedStateStore,
    FileStateStore,
    KafkaStateStore,
    MemoryStateStore,
    StateUnavailable,
    generation_of,
    source_state,
)
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, KafkaSettings, Settings

pytestmark = pytest.mark.unit


def checkpoint(generation: int, **extra: Any) -> bytes:
    return json.dumps({"generation": generation, **extra}).encode()


class Sink:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, bytes]] = []

    def produce_record(self, topic: str, key: str, value: bytes) -> None:
        self.records.append((topic, key, value))


def test_file_store_round_trip_and_missing(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path / "state" / "filesystem-a.json")
    assert store.load() is None
    store.save(checkpoint(1))
    store.save(checkpoint(2))
    assert store.load() == checkpoint(2)
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["filesystem-a.json"]


def test_combined_store_takes_the_newer_copy(tmp_path: Path) -> None:
    records: dict[str, bytes] = {}
    local = FileStateStore(tmp_path / "a.json")
    store = CombinedStateStore(local, MemoryStateStore(records, "filesystem/a"))
    assert store.load() is None

    store.save(checkpoint(3))
    assert records["filesystem/a"] == local.load() == checkpoint(3)

    records["filesystem/a"] = checkpoint(7, moved=True)  # another host went on
    assert store.load() == checkpoint(7, moved=True)
    assert local.load() == checkpoint(7, moved=True), "the local cache is refreshed"

    local.save(checkpoint(9))
    assert generation_of(store.load() or b"") == 9  # a newer local copy wins


class BrokenRemote:
    where = "nowhere"

    def load(self) -> bytes | None:
        raise StateUnavailable("Kafka unreachable")

    def save(self, data: bytes) -> None:
        pass


def test_unreadable_remote_falls_back_to_the_local_file_only(tmp_path: Path) -> None:
    local = FileStateStore(tmp_path / "a.json")
    store = CombinedStateStore(local, BrokenRemote())
    with pytest.raises(StateUnavailable):
        store.load()  # nothing local: starting empty would publish everything again
    local.save(checkpoint(2))
    assert store.load() == checkpoint(2)


def test_kafka_store_reads_the_last_record_of_its_key() -> None:
    log = [
        (b"filesystem/a", checkpoint(1)),
        (b"sql/a", checkpoint(5)),
        (b"filesystem/a", checkpoint(2)),
        (b"filesystem/b", checkpoint(9)),
    ]
    sink = Sink()

    def reader(topic: str) -> Iterator[tuple[bytes | None, bytes | None]]:
        assert topic == "p.connect-offsets"
        return iter(log)

    store = KafkaStateStore("p.connect-offsets", "filesystem/a", sink, reader, max_bytes=100)
    assert store.load() == checkpoint(2)
    log.append((b"filesystem/a", None))  # a tombstone forgets it
    assert store.load() is None

    store.save(checkpoint(3))
    assert sink.records == [("p.connect-offsets", "filesystem/a", checkpoint(3))]
    before = REGISTRY.get_sample_value(
        "ragstream_connector_errors_total", {"source": "a", "outcome": "CheckpointTooLarge"}
    )
    store.save(b"x" * 101)  # too large for the topic: the local file keeps it
    assert len(sink.records) == 1
    after = REGISTRY.get_sample_value(
        "ragstream_connector_errors_total", {"source": "a", "outcome": "CheckpointTooLarge"}
    )
    assert (after or 0) == (before or 0) + 1


def test_kafka_store_read_failure_is_state_unavailable() -> None:
    def reader(topic: str) -> Iterator[tuple[bytes | None, bytes | None]]:
        raise RuntimeError("broker down")

    store = KafkaStateStore("t", "sql/crm", Sink(), reader, max_bytes=100, retry_s=0.3)
    with pytest.raises(StateUnavailable, match="broker down"):
        store.load()


def test_kafka_publisher_writes_checkpoints_to_connect_offsets() -> None:
    produced: list[tuple[str, bytes | None, bytes | None]] = []

    class Producer:
        def __init__(self, config: dict[str, Any]) -> None:
            self.config = config

        def produce(self, topic: str, value: bytes, key: bytes, **_: Any) -> None:
            produced.append((topic, key, value))

        def poll(self, timeout: float = -1) -> int:
            return 0

        def flush(self, timeout: float = -1) -> int:
            return 0

    def reader(topic: str) -> Iterator[tuple[bytes | None, bytes | None]]:
        return iter([(b"filesystem/docs", checkpoint(4))])

    publisher = KafkaPublisher(
        KafkaSettings(topic_prefix="p."), producer_factory=Producer, checkpoint_reader=reader
    )
    store = publisher.checkpoint_store("filesystem/docs")
    assert store.load() == checkpoint(4)
    store.save(checkpoint(5))
    assert produced == [("p.connect-offsets", b"filesystem/docs", checkpoint(5))]


def test_state_in_kafka_can_be_switched_off(tmp_path: Path) -> None:
    on = Settings(connectors=ConnectorSettings(state_dir=tmp_path))
    off = Settings(connectors=ConnectorSettings(state_dir=tmp_path, state_in_kafka=False))
    assert isinstance(source_state(on, "sql", "crm", InMemoryPublisher()), CombinedStateStore)
    assert isinstance(source_state(off, "sql", "crm", InMemoryPublisher()), FileStateStore)
    assert isinstance(source_state(on, "sql", "crm", object()), FileStateStore)


def test_file_system_source_moved_to_another_host_resumes(tmp_path: Path) -> None:
    """Same source id, a different (empty) state_dir: the checkpoint comes from the Kafka
    copy, nothing unchanged is published again, only what changed meanwhile."""
    root = tmp_path / "share"
    root.mkdir()
    (root / "a.md").write_text("# A")
    (root / "b.txt").write_text("b")
    offsets: dict[str, bytes] = {}

    def host(name: str) -> Settings:
        return Settings(
            connectors=ConnectorSettings(state_dir=tmp_path / name / "state", source_id="wiki")
        )

    first = InMemoryPublisher(checkpoints=offsets)
    FileSystemSource(root, host("host-a"), first).run(threading.Event(), once=True)
    assert len(first.events) == 2
    assert set(offsets) == {"filesystem/wiki"}

    (root / "b.txt").write_text("b, edited on the way")
    moved = InMemoryPublisher(checkpoints=offsets)
    source = FileSystemSource(root, host("host-b"), moved)
    source.run(threading.Event(), once=True)

    assert [(e.document_id, e.content) for e in moved.events] == [("b.txt", "b, edited on the way")]
    assert source.checkpoint_file.is_file()  # the new host's cache
    assert source.checkpoint_file.parent == tmp_path / "host-b" / "state"
