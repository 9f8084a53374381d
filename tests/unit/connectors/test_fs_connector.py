"""FileSystemSource against an in-memory publisher: scans, checkpoints, versions, watching."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import PublishError
from connectors.filesystem import FileSystemSource, default_source_id
from connectors.runner import RunSummary
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, KafkaSettings, Settings
from schemas import Op

pytestmark = pytest.mark.unit

SECOND_NS = 1_000_000_000


@pytest.fixture
def root(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    return docs


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        connectors=ConnectorSettings(state_dir=tmp_path / "state", max_file_bytes=4096),
        kafka=KafkaSettings(max_event_bytes=64 * 1024),
    )


def write(path: Path, data: str | bytes, mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def run_once(root: Path, settings: Settings) -> tuple[InMemoryPublisher, RunSummary]:
    publisher = InMemoryPublisher()
    summary = FileSystemSource(root, settings, publisher).run(threading.Event(), once=True)
    return publisher, summary


def by_id(publisher: InMemoryPublisher) -> dict[str, list[tuple[Op, int]]]:
    seen: dict[str, list[tuple[Op, int]]] = {}
    for event in publisher.events:
        seen.setdefault(event.document_id, []).append((event.op, event.version))
    return seen


def test_initial_scan_publishes_upserts(root: Path, settings: Settings) -> None:
    """Every supported file under the root is published once as an upsert with its text."""
    write(root / "a.md", "intro\n\n# Quarterly plan\n\nbody", mtime_ns=5 * SECOND_NS)
    write(root / "sub" / "b.txt", "plain text")
    write(root / "image.png", b"\x89PNG")

    publisher, summary = run_once(root, settings)

    events = {event.document_id: event for event in publisher.events}
    assert set(events) == {"a.md", "sub/b.txt"}
    md = events["a.md"]
    assert md.op is Op.UPSERT
    assert md.content == "intro\n\n# Quarterly plan\n\nbody"
    assert md.title == "Quarterly plan"
    assert md.content_type == "text/markdown"
    assert md.version == 5 * SECOND_NS
    assert md.uri == (root / "a.md").as_uri()
    assert md.metadata["size_bytes"] == str(len(md.content.encode()))
    assert md.metadata["extension"] == ".md"
    assert md.key == f"{default_source_id(root)}/a.md"
    assert events["sub/b.txt"].title == "b"
    assert events["sub/b.txt"].content_type == "text/plain"
    assert (summary.upserts, summary.deletes, summary.ignored) == (2, 0, 1)


def test_restart_with_checkpoint_publishes_nothing_for_unchanged_files(
    root: Path, settings: Settings
) -> None:
    """A second run over an unchanged tree publishes nothing and counts the files skipped."""
    write(root / "a.md", "# A")
    write(root / "b.txt", "b")
    run_once(root, settings)

    publisher, summary = run_once(root, settings)

    assert publisher.events == []
    assert summary.skipped == 2


def test_modified_file_is_upserted_with_a_higher_version(root: Path, settings: Settings) -> None:
    """Changed content is published again with a version above the one published before."""
    path = write(root / "a.md", "one", mtime_ns=10 * SECOND_NS)
    first, _ = run_once(root, settings)
    write(path, "two", mtime_ns=20 * SECOND_NS)

    second, _ = run_once(root, settings)

    assert [(e.op, e.content) for e in second.events] == [(Op.UPSERT, "two")]
    assert second.events[0].version == 20 * SECOND_NS > first.events[0].version


def test_version_increases_even_when_mtime_goes_backwards(root: Path, settings: Settings) -> None:
    """A change whose mtime is older (restored file, clock skew) still gets last version + 1."""
    path = write(root / "a.md", "one", mtime_ns=50 * SECOND_NS)
    run_once(root, settings)
    write(path, "two", mtime_ns=10 * SECOND_NS)

    publisher, _ = run_once(root, settings)

    assert publisher.events[0].version == 50 * SECOND_NS + 1


def test_unchanged_rewrite_is_skipped(root: Path, settings: Settings) -> None:
    """Rewriting the same bytes with a new mtime publishes nothing (content hash unchanged)."""
    path = write(root / "a.md", "same", mtime_ns=10 * SECOND_NS)
    run_once(root, settings)
    write(path, "same", mtime_ns=99 * SECOND_NS)

    publisher, summary = run_once(root, settings)

    assert publisher.events == []
    assert summary.skipped == 1


def test_file_deleted_while_stopped_is_deleted_on_next_scan(root: Path, settings: Settings) -> None:
    """A checkpointed file missing at the next scan is published as a versioned delete."""
    write(root / "keep.md", "keep")
    gone = write(root / "gone.md", "gone", mtime_ns=7 * SECOND_NS)
    run_once(root, settings)
    gone.unlink()

    publisher, summary = run_once(root, settings)

    assert by_id(publisher) == {"gone.md": [(Op.DELETE, 7 * SECOND_NS + 1)]}
    assert publisher.events[0].content is None
    assert summary.deletes == 1


def test_recreated_file_gets_a_version_above_its_delete(root: Path, settings: Settings) -> None:
    """After a delete, a re-created file with an old mtime still outranks the delete."""
    path = write(root / "a.md", "v1", mtime_ns=7 * SECOND_NS)
    run_once(root, settings)
    path.unlink()
    run_once(root, settings)
    write(path, "v1 again", mtime_ns=7 * SECOND_NS)

    publisher, _ = run_once(root, settings)

    assert by_id(publisher) == {"a.md": [(Op.UPSERT, 7 * SECOND_NS + 2)]}


def test_rename_while_stopped_is_delete_plus_upsert(root: Path, settings: Settings) -> None:
    """A renamed file becomes a delete of the old document id and an upsert of the new one."""
    old = write(root / "old.md", "text", mtime_ns=3 * SECOND_NS)
    run_once(root, settings)
    old.rename(root / "new.md")

    publisher, _ = run_once(root, settings)

    assert by_id(publisher) == {
        "new.md": [(Op.UPSERT, 3 * SECOND_NS)],
        "old.md": [(Op.DELETE, 3 * SECOND_NS + 1)],
    }


def test_undecodable_and_oversized_files_are_dead_lettered(root: Path, settings: Settings) -> None:
    """Bad files become dead letters with a reason, and the good files are still published;
    text in a legacy encoding is decoded, not dead-lettered."""
    write(root / "good.md", "fine")
    write(root / "latin1.txt", b"caf\xe9 au lait")
    write(root / "binary.txt", b"\x00\x01\x02\x03\xff\xfe\x00" * 20)
    write(root / "big.txt", "x" * 5000)

    publisher, summary = run_once(root, settings)

    assert [e.document_id for e in publisher.events] == ["good.md", "latin1.txt"]
    assert publisher.events[1].content == "café au lait"
    letters = {letter.key: letter for letter in publisher.dead_letters}
    source = default_source_id(root)
    undecodable = letters[f"{source}/binary.txt"]
    assert undecodable.stage.value == "connector"
    assert undecodable.error_class == "FileUndecodable"
    assert undecodable.message.startswith("Undecodable: binary.txt: ")
    assert undecodable.original() == b"\x00\x01\x02\x03\xff\xfe\x00" * 20
    oversized = letters[f"{source}/big.txt"]
    assert oversized.error_class == "FileTooLarge"
    assert "max_file_bytes" in oversized.message
    assert summary.dead_lettered == 2


def test_rejected_file_is_dead_lettered_once(root: Path, settings: Settings) -> None:
    """An unchanged bad file is not dead-lettered again on every restart."""
    write(root / "bad.txt", b"\xff\xfe\x00")
    run_once(root, settings)

    publisher, summary = run_once(root, settings)

    assert publisher.dead_letters == []
    assert summary.skipped == 1


def test_unreadable_file_is_dead_lettered(
    root: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the process may not read is reported as a dead letter, not a crash."""
    write(root / "secret.md", "no access")
    write(root / "open.md", "fine")
    real_open = Path.open

    def refuse_secret(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "secret.md":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse_secret)

    publisher, _ = run_once(root, settings)

    assert [e.document_id for e in publisher.events] == ["open.md"]
    assert [letter.error_class for letter in publisher.dead_letters] == ["FileUnreadable"]
    assert "Permission denied" in publisher.dead_letters[0].message


def test_hidden_temp_and_unsupported_files_are_ignored(root: Path, settings: Settings) -> None:
    """Hidden files and dirs, editor temp files and unsupported types publish nothing."""
    write(root / ".hidden.md", "h")
    write(root / ".git" / "notes.md", "g")
    write(root / "draft.md~", "d")
    write(root / ".draft.md.swp", "s")
    write(root / "data.bin", "b")

    publisher, summary = run_once(root, settings)

    assert publisher.events == []
    assert publisher.dead_letters == []
    assert summary.ignored == 4  # .git/ is pruned before its files are counted


def test_failed_flush_commits_no_checkpoint(root: Path, settings: Settings) -> None:
    """If the broker does not acknowledge, the checkpoint is not saved and the next run
    publishes the same documents again (at-least-once)."""
    write(root / "a.md", "a")
    failing = InMemoryPublisher()
    failing.fail_flushes = 1
    source = FileSystemSource(root, settings, failing)

    with pytest.raises(PublishError):
        source.run(threading.Event(), once=True)

    assert not source.checkpoint_file.exists()
    publisher, _ = run_once(root, settings)
    assert [e.document_id for e in publisher.events] == ["a.md"]


def test_source_id_comes_from_settings_when_set(root: Path, tmp_path: Path) -> None:
    """An explicit connectors.source_id replaces the default derived from the root path."""
    settings = Settings(connectors=ConnectorSettings(state_dir=tmp_path / "s", source_id="wiki"))
    write(root / "a.md", "a")

    publisher, _ = run_once(root, settings)

    assert publisher.events[0].key == "wiki/a.md"
    assert default_source_id(root).startswith("fs-")


class Watching:
    """A FileSystemSource running in a thread, stopped and joined at the end."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.publisher = InMemoryPublisher()
        self.stop = threading.Event()
        self.source = FileSystemSource(root, settings, self.publisher, debounce_s=0.1)
        self.thread = threading.Thread(target=self.source.run, args=(self.stop, False))

    def __enter__(self) -> Watching:
        self.thread.start()
        assert self.publisher.wait_for(lambda p: p.flushes >= 1, timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "run() did not return after stop"

    def saw(self, document_id: str, op: Op, timeout: float = 10) -> bool:
        return self.publisher.wait_for(
            lambda p: any(e.document_id == document_id and e.op is op for e in p.events),
            timeout=timeout,
        )


@pytest.fixture
def watching(root: Path, settings: Settings) -> Iterator[Watching]:
    write(root / "seed.md", "seed")
    with Watching(root, settings) as running:
        yield running


def test_created_file_is_published_while_watching(watching: Watching, root: Path) -> None:
    """A file created while the source runs is published as an upsert within seconds."""
    started = time.monotonic()
    write(root / "notes" / "new.md", "# New\nhello")

    assert watching.saw("notes/new.md", Op.UPSERT)
    assert time.monotonic() - started < 10
    event = next(e for e in watching.publisher.events if e.document_id == "notes/new.md")
    assert event.title == "New"


def test_burst_of_writes_publishes_the_final_content(watching: Watching, root: Path) -> None:
    """Several quick writes of one file end in an upsert of the last content, never a stale one
    as the last event."""
    path = root / "burst.md"
    for i in range(5):
        write(path, f"draft {i}")
    assert watching.publisher.wait_for(
        lambda p: any(e.content == "draft 4" for e in p.events), timeout=10
    )
    burst = [e for e in watching.publisher.events if e.document_id == "burst.md"]
    assert burst[-1].content == "draft 4"
    assert len(burst) <= 2


def test_rename_while_watching_is_delete_plus_upsert(watching: Watching, root: Path) -> None:
    """A rename seen live deletes the old document id and upserts the new one."""
    (root / "seed.md").rename(root / "renamed.md")

    assert watching.saw("seed.md", Op.DELETE)
    assert watching.saw("renamed.md", Op.UPSERT)


def test_move_out_of_the_tree_is_a_delete(watching: Watching, root: Path, tmp_path: Path) -> None:
    """A file moved outside the root is deleted; one moved in is upserted."""
    outside = write(tmp_path / "outside.md", "from outside")
    (root / "seed.md").rename(tmp_path / "seed-moved.md")
    outside.rename(root / "inside.md")

    assert watching.saw("seed.md", Op.DELETE)
    assert watching.saw("inside.md", Op.UPSERT)


def test_deleted_directory_deletes_its_documents(watching: Watching, root: Path) -> None:
    """Removing a directory while watching deletes every document that was under it."""
    write(root / "dir" / "x.md", "x")
    write(root / "dir" / "y.txt", "y")
    assert watching.saw("dir/y.txt", Op.UPSERT)
    assert watching.saw("dir/x.md", Op.UPSERT)

    for child in (root / "dir").iterdir():
        child.unlink()
    (root / "dir").rmdir()

    assert watching.saw("dir/x.md", Op.DELETE)
    assert watching.saw("dir/y.txt", Op.DELETE)


def test_close_unblocks_a_waiting_poll(root: Path, settings: Settings) -> None:
    """close() from another thread wakes a poll that is waiting for file-system events."""
    source = FileSystemSource(root, settings, InMemoryPublisher())
    source.open()
    assert source.poll(1.0) is not None  # the (empty) initial scan
    closer = threading.Timer(0.2, source.close)
    closer.start()
    started = time.monotonic()

    assert source.poll(30.0) is None
    assert time.monotonic() - started < 5
    closer.join()
