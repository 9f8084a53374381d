"""A watched folder flows through the real Kafka broker, real Faust workers and real OpenSearch."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.conftest import Namespace, wait_for
from tests.integration.helpers import consistency_problems, index_state

TIMEOUT = 120

LONG_PARAGRAPH = (
    "The quarterly maintenance window for the assembly line controllers starts on the first "
    "Saturday of each quarter. Technicians stop the conveyor, back up the controller "
    "configuration to the engineering share, apply firmware updates in the documented order, "
    "and run the calibration routine on every robot arm before production resumes. "
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _state_for(ns: Namespace, document_id: str) -> dict[str, object] | None:
    for key, st in index_state(ns).items():
        if key.endswith("/" + document_id) and st["version"] is not None:
            return st
    return None


def test_watched_folder_changes_reach_the_index_exactly(ns: Namespace, tmp_path: Path) -> None:
    """Creates, shorter and longer edits, renames and deletes leave exactly the current chunks."""
    root = tmp_path / "docs"
    _write(root / "guide.md", "# Maintenance guide\n\n" + LONG_PARAGRAPH * 12 + "marker-alpha\n")
    _write(root / "notes.txt", "Short note about the cafeteria menu. marker-beta\n")
    _write(root / "team" / "oncall.md", "# On-call\n\nPage the platform team first. marker-gamma\n")

    ns.start_worker()
    ns.spawn(["connect", "filesystem", str(root), "--path-tag", "team/=hr"], "connector")

    def all_three() -> dict[str, dict[str, object]] | None:
        st = index_state(ns)
        live = [k for k, v in st.items() if v["version"] is not None]
        return st if len(live) == 3 and not consistency_problems(ns) else None

    wait_for(all_three, TIMEOUT, "the initial scan to be indexed")
    guide = _state_for(ns, "guide.md")
    assert guide is not None
    long_count = guide["chunk_count"]
    assert isinstance(long_count, int) and long_count >= 3, "a long file is cut into several chunks"

    # Shorter: the old version's extra chunks must disappear.
    _write(root / "guide.md", "# Maintenance guide\n\nNow a single sentence. marker-delta\n")

    def guide_shorter() -> bool:
        st = _state_for(ns, "guide.md")
        return bool(st and "marker-delta" in str(st["text"]) and not consistency_problems(ns))

    wait_for(guide_shorter, TIMEOUT, "the shorter edit to replace all old chunks")
    shorter = _state_for(ns, "guide.md")
    assert shorter is not None and shorter["chunk_count"] == 1
    assert all("marker-alpha" not in c["text"] for c in ns.chunks())

    # Longer: a short file grows into several chunks.
    _write(root / "notes.txt", LONG_PARAGRAPH * 8 + " marker-epsilon")

    def notes_longer() -> bool:
        st = _state_for(ns, "notes.txt")
        return bool(st and "marker-epsilon" in str(st["text"]) and not consistency_problems(ns))

    wait_for(notes_longer, TIMEOUT, "the longer edit to be indexed")
    longer = _state_for(ns, "notes.txt")
    assert longer is not None and isinstance(longer["chunk_count"], int)
    assert longer["chunk_count"] >= 2
    assert all("marker-beta" not in c["text"] for c in ns.chunks())

    # Rename: the old id disappears, the new one appears with the same content.
    os.rename(root / "team" / "oncall.md", root / "team" / "escalation.md")

    def renamed() -> bool:
        return bool(
            _state_for(ns, "team/escalation.md")
            and _state_for(ns, "team/oncall.md") is None
            and not consistency_problems(ns)
        )

    wait_for(renamed, TIMEOUT, "the rename to move the document")
    tags = {d["document_id"]: d["tags"] for d in ns.documents()}
    assert tags["team/escalation.md"] == ["hr"] and tags["guide.md"] == []

    # Delete: nothing of the file is left.
    (root / "notes.txt").unlink()

    def deleted() -> bool:
        return _state_for(ns, "notes.txt") is None and not consistency_problems(ns)

    wait_for(deleted, TIMEOUT, "the delete to remove every chunk")
    assert all("marker-epsilon" not in c["text"] for c in ns.chunks())
    live = sorted(
        k.split("/", 1)[1] for k, v in index_state(ns).items() if v["version"] is not None
    )
    assert live == ["guide.md", "team/escalation.md"]
    assert consistency_problems(ns) == []


def _snapshot(ns: Namespace) -> dict[str, object]:
    drop = {"indexed_at"}
    docs = {
        d["_id"]: {k: v for k, v in d.items() if k not in drop}
        for d in ns.search_all(ns.settings.opensearch.documents_alias)
    }
    chunks = {c["_id"]: {k: v for k, v in c.items() if k not in drop} for c in ns.chunks()}
    return {"documents": docs, "chunks": chunks}


def test_replaying_all_change_events_leaves_indices_identical(
    ns: Namespace, tmp_path: Path
) -> None:
    """A second consumer group replaying every event from offset 0 changes nothing indexed."""
    root = tmp_path / "docs"
    _write(root / "a.md", "# A\n\n" + LONG_PARAGRAPH * 6)
    _write(root / "b.md", "# B\n\nFirst version of b.")
    ns.start_worker()
    assert ns.run(["connect", "filesystem", str(root), "--once"]).returncode == 0
    _write(root / "b.md", "# B\n\nSecond, different version of b, a little longer than before.")
    (root / "a.md").unlink()
    _write(root / "c.txt", LONG_PARAGRAPH * 3)
    assert ns.run(["connect", "filesystem", str(root), "--once"]).returncode == 0

    def settled() -> bool:
        st = index_state(ns)
        live = sorted(k.split("/", 1)[1] for k, v in st.items() if v["version"] is not None)
        b = _state_for(ns, "b.md")
        return (
            live == ["b.md", "c.txt"]
            and bool(b and "Second" in str(b["text"]))
            and not consistency_problems(ns)
        )

    wait_for(settled, TIMEOUT, "the first pass to settle")
    before = _snapshot(ns)
    worker = ns.procs[0]
    ns.stop(worker)

    # A new consumer group starts from the earliest offsets: a full replay of every stage.
    ns.start_worker(app_id=f"{ns.name}-replay", log_name="replay-worker")
    wait_for(
        lambda: "sink_batch" in ns.log_text("replay-worker") and _replayed(ns),
        TIMEOUT,
        "the replay to finish",
    )
    after = _snapshot(ns)
    assert after == before


def _replayed(ns: Namespace) -> bool:
    """The replay group has consumed the chunks topic to its end."""
    from confluent_kafka import Consumer, TopicPartition

    topic = ns.settings.kafka.chunks_topic
    consumer = Consumer(
        {"bootstrap.servers": ns.settings.kafka.bootstrap_servers, "group.id": f"{ns.name}-replay"}
    )
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        tps = [TopicPartition(topic, p) for p in parts]
        committed = consumer.committed(tps, timeout=10)
        for tp in committed:
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            if high > 0 and tp.offset < high:
                return False
        return True
    finally:
        consumer.close()
