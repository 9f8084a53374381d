"""Tags and the compliance policy are part of every checkpoint: when they change, unchanged
documents are published again (only those affected) so they are evaluated anew."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from connectors.checkpoint import FileCheckpoint
from connectors.filesystem import FileSystemSource
from connectors.state import policy_fingerprint
from connectors.testing import InMemoryPublisher
from infra.settings import ComplianceSettings, ConnectorSettings, Settings
from schemas import Op
from tests.sql_scenario import at, harness, row

pytestmark = pytest.mark.unit


def fs_settings(tmp_path: Path, **connectors: object) -> Settings:
    policy = str(connectors.pop("policy", "default"))
    return Settings(
        connectors=ConnectorSettings(
            state_dir=tmp_path / "state",
            source_id="clinic-share",
            **connectors,  # type: ignore[arg-type]
        ),
        compliance=ComplianceSettings(policy=policy),
    )


def run_fs(root: Path, settings: Settings) -> InMemoryPublisher:
    publisher = InMemoryPublisher()
    FileSystemSource(root, settings, publisher).run(threading.Event(), once=True)
    return publisher


@pytest.fixture
def root(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    (docs / "clinic").mkdir(parents=True)
    (docs / "clinic" / "visit.md").write_text("# Visit\n\nPatient seen on Monday.")
    (docs / "clinic" / "intake.txt").write_text("Intake form.")
    (docs / "general.md").write_text("# General\n\nCafeteria hours.")
    return docs


def test_a_new_path_tag_republishes_only_the_files_under_it(root: Path, tmp_path: Path) -> None:
    first = run_fs(root, fs_settings(tmp_path))
    assert {e.document_id: e.tags for e in first.events} == {
        "clinic/intake.txt": (),
        "clinic/visit.md": (),
        "general.md": (),
    }
    versions = {e.document_id: e.version for e in first.events}

    tagged = fs_settings(tmp_path, path_tags={"clinic/": ("phi",)})
    second = run_fs(root, tagged)

    assert sorted((e.document_id, e.op, e.tags) for e in second.events) == [
        ("clinic/intake.txt", Op.UPSERT, ("phi",)),
        ("clinic/visit.md", Op.UPSERT, ("phi",)),
    ]
    for event in second.events:
        assert event.version == versions[event.document_id] + 1  # same content, newer version
        assert event.content is not None
    source = FileSystemSource(root, tagged, InMemoryPublisher())
    checkpoint = FileCheckpoint.model_validate_json(source.checkpoint_file.read_bytes())
    visit = checkpoint.documents["clinic/visit.md"]
    assert visit.tags == ("phi",)
    assert visit.policy == policy_fingerprint(tagged, ("phi",))
    assert checkpoint.documents["general.md"].tags == ()

    assert run_fs(root, tagged).events == []  # settled


def test_a_new_policy_version_or_name_republishes_everything(root: Path, tmp_path: Path) -> None:
    run_fs(root, fs_settings(tmp_path))
    assert run_fs(root, fs_settings(tmp_path)).events == []

    bumped = run_fs(root, fs_settings(tmp_path, policy_version="2025-06"))
    assert len(bumped.events) == 3
    assert run_fs(root, fs_settings(tmp_path, policy_version="2025-06")).events == []

    renamed = run_fs(root, fs_settings(tmp_path, policy_version="2025-06", policy="hipaa"))
    assert sorted(e.document_id for e in renamed.events) == [
        "clinic/intake.txt",
        "clinic/visit.md",
        "general.md",
    ]


def test_policy_republish_is_resumed_after_a_crash(root: Path, tmp_path: Path) -> None:
    """Each document remembers its own policy: a republish interrupted half way goes on
    with the documents not yet done, not again from the start."""
    run_fs(root, fs_settings(tmp_path))
    tagged = fs_settings(tmp_path, policy_version="v2")
    failing = InMemoryPublisher()
    source = FileSystemSource(root, tagged, failing, max_batch_files=1)
    calls = {"n": 0}
    flush = failing.flush

    def flaky(timeout: float) -> frozenset[str]:
        calls["n"] += 1
        if calls["n"] == 2:
            failing.fail_flushes = 1
        return flush(timeout)

    failing.flush = flaky  # type: ignore[method-assign]
    with pytest.raises(Exception, match="failed on purpose"):
        source.run(threading.Event(), once=True)
    done = {e.document_id for e in failing.events}
    assert len(done) == 1

    rest = run_fs(root, tagged)
    assert done.isdisjoint(e.document_id for e in rest.events)
    assert len(rest.events) == 2


def test_sql_rows_are_published_again_under_a_new_policy(tmp_path: Path) -> None:
    h = harness(f"sqlite:///{tmp_path / 'crm.db'}", "notes", tmp_path / "state", soft_delete=False)
    h.insert(row(1, at(1)), row(2, at(2)), row(3, at(3)))
    h.run_once()
    h.insert(row(4, at(4)))
    assert [e.document_id for e in h.run_once()] == ["4"]

    h.settings = h.settings.model_copy(
        update={"connectors": h.settings.connectors.model_copy(update={"policy_version": "v2"})}
    )
    again = h.run_once()
    assert sorted(e.document_id for e in again) == ["1", "2", "3", "4"]
    assert all(e.op is Op.UPSERT for e in again)
    assert h.run_once() == []
