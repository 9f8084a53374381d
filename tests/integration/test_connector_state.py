"""Connector checkpoints on Kafka's compacted connect-offsets topic: a connector started on
"another host" (an empty state directory, the same source id) resumes from the copy on the
broker and publishes nothing that did not change."""

from __future__ import annotations

import json
from pathlib import Path

from infra.kafka_admin import connect_offsets_topic
from infra.kafka_reader import read_topic
from tests.integration.conftest import Namespace


def _summary(stdout: str) -> dict[str, int]:
    loaded: dict[str, int] = json.loads(stdout.strip().splitlines()[-1])
    return loaded


def test_a_connector_on_another_host_resumes_from_kafka(ns: Namespace, tmp_path: Path) -> None:
    root = tmp_path / "share"
    root.mkdir()
    for n in range(3):
        (root / f"note-{n}.md").write_text(f"# Note {n}\n\nBody {n}.\n")
    args = ["connect", "filesystem", str(root), "--once", "--source-id", "handbook"]

    first = ns.run(args)
    assert first.returncode == 0, first.stderr
    assert _summary(first.stdout)["upserts"] == 3

    topic = connect_offsets_topic(ns.settings.kafka)
    records = [(k, v) for k, v in read_topic(ns.settings.kafka, topic) if k]
    assert [k for k, _ in records] == [b"filesystem/handbook"]
    value = json.loads(records[-1][1] or b"{}")
    assert value["source_id"] == "handbook"
    assert set(value["documents"]) == {"note-0.md", "note-1.md", "note-2.md"}
    assert value["generation"] >= 1

    (root / "note-1.md").write_text("# Note 1\n\nChanged while the connector moved.\n")
    other_host = {"RAGSTREAM_CONNECTORS__STATE_DIR": str(tmp_path / "other-host")}
    ns.env.update(other_host)
    moved = ns.run(args)

    assert moved.returncode == 0, moved.stderr
    summary = _summary(moved.stdout)
    assert (summary["upserts"], summary["skipped"]) == (1, 2)
    assert (tmp_path / "other-host" / "filesystem-handbook.json").is_file()
    latest = [v for k, v in read_topic(ns.settings.kafka, topic) if k == b"filesystem/handbook"]
    assert json.loads(latest[-1] or b"{}")["generation"] > value["generation"]
