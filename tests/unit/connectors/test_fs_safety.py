"""File-system connector safety: unreadable folders and a vanished root never mass-delete,
dead-lettered events are not checkpointed, rescans catch lost notifications, a moved
folder keeps its documents under a fixed source id."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from connectors.checkpoint import FileCheckpoint
from connectors.filesystem import FileSystemSource, RootNotFound, default_source_id
from connectors.fs_watch import PathQueue
from connectors.runner import RunSummary
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, KafkaSettings, Settings, get_settings
from schemas import Op

pytestmark = pytest.mark.unit

SECOND_NS = 1_000_000_000
EVENT_LIMIT = 16 * 1024  # events above this are dead-lettered by the publisher double


@pytest.fixture
def root(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    return docs


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        connectors=ConnectorSettings(state_dir=tmp_path / "state", max_file_bytes=256 * 1024),
        kafka=KafkaSettings(max_event_bytes=EVENT_LIMIT),
    )


def write(path: Path, data: str, mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def run_once(
    root: Path, settings: Settings, publisher: InMemoryPublisher | None = None
) -> tuple[InMemoryPublisher, RunSummary]:
    publisher = publisher or InMemoryPublisher(max_event_bytes=EVENT_LIMIT)
    summary = FileSystemSource(root, settings, publisher).run(threading.Event(), once=True)
    return publisher, summary


def checkpoint_of(settings: Settings, root: Path) -> FileCheckpoint:
    source = FileSystemSource(root, settings, InMemoryPublisher())
    return FileCheckpoint.model_validate_json(source.checkpoint_file.read_bytes())


def refuse_listing(monkeypatch: pytest.MonkeyPatch, *blocked: Path) -> None:
    """Make ``os.scandir`` (what the scan lists directories with) fail for ``blocked`` as it
    does for a folder without read permission; tests run as root, where chmod 000 does not."""
    real_scandir = os.scandir
    refused = {os.fspath(path) for path in blocked}

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) in refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def metric(name: str, source: str, outcome: str) -> float:
    return REGISTRY.get_sample_value(name, {"source": source, "outcome": outcome}) or 0.0


class _CliPublisher(InMemoryPublisher):
    made: ClassVar[list[_CliPublisher]] = []

    def __init__(self, *_: object, **__: object) -> None:
        super().__init__()
        _CliPublisher.made.append(self)

    def close(self, timeout: float = 10.0) -> None:
        pass


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The CLI in-process: settings read afresh with a private state dir, its signal
    handlers undone afterwards, and no Kafka (an in-memory publisher, no topic set-up)."""
    import connectors.publisher
    import infra.kafka_admin

    monkeypatch.setattr(connectors.publisher, "KafkaPublisher", _CliPublisher)
    monkeypatch.setattr(infra.kafka_admin, "ensure_topics", lambda settings: None)
    monkeypatch.setenv("RAGSTREAM_CONNECTORS__STATE_DIR", str(tmp_path / "cli-state"))
    monkeypatch.delenv("RAGSTREAM_SETTINGS_FILE", raising=False)
    monkeypatch.delenv("RAGSTREAM_CONNECTORS__SOURCE_ID", raising=False)
    monkeypatch.chdir(tmp_path)  # no ragstream.yaml of the working tree
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    get_settings.cache_clear()
    _CliPublisher.made.clear()
    yield
    _CliPublisher.made.clear()
    get_settings.cache_clear()
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


# -- unreadable folders, missing root --------------------------------------------------------


def test_unreadable_subdirectory_keeps_its_documents_and_is_dead_lettered(
    root: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the scan cannot list deletes nothing under it: one DirectoryUnreadable dead
    letter (relative path, error class, no content), logged and counted; the rest of the tree
    is still scanned."""
    write(root / "private" / "a.md", "secret a")
    write(root / "private" / "deeper" / "b.md", "secret b")
    write(root / "public.md", "public")
    run_once(root, settings)
    write(root / "public.md", "public, edited")
    source = default_source_id(root)
    before = metric("ragstream_connector_unreadable_directories_total", source, "PermissionError")
    refuse_listing(monkeypatch, root / "private")

    publisher, summary = run_once(root, settings)

    assert [(e.document_id, e.op) for e in publisher.events] == [("public.md", Op.UPSERT)]
    assert summary.deletes == 0
    [letter] = publisher.dead_letters
    assert letter.error_class == "DirectoryUnreadable"
    assert letter.key == f"{source}/private"
    assert "private" in letter.message and "PermissionError" in letter.message
    assert letter.original() == b""
    after = metric("ragstream_connector_unreadable_directories_total", source, "PermissionError")
    assert after == before + 1
    documents = checkpoint_of(settings, root).documents
    assert documents["private/a.md"].live and documents["private/deeper/b.md"].live

    monkeypatch.undo()  # readable again: a file really removed meanwhile is deleted now
    (root / "private" / "a.md").unlink()
    publisher, _ = run_once(root, settings)
    assert [(e.document_id, e.op) for e in publisher.events] == [("private/a.md", Op.DELETE)]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads through chmod 000; the scandir seam above covers it",
)
def test_folder_without_permissions_keeps_its_documents(root: Path, settings: Settings) -> None:
    """The same with real permissions, where the tests do not run as root."""
    write(root / "locked" / "a.md", "a")
    run_once(root, settings)
    (root / "locked").chmod(0)
    try:
        publisher, summary = run_once(root, settings)
    finally:
        (root / "locked").chmod(0o755)

    assert (publisher.events, summary.deletes) == ([], 0)
    assert [letter.error_class for letter in publisher.dead_letters] == ["DirectoryUnreadable"]


def test_unreadable_root_deletes_nothing(
    root: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A root that exists but cannot be listed (permissions, a dead share) keeps every
    checkpointed document and reports the root (``.``) as unreadable."""
    write(root / "a.md", "a")
    write(root / "sub" / "b.md", "b")
    run_once(root, settings)
    refuse_listing(monkeypatch, root)

    publisher, summary = run_once(root, settings)

    assert publisher.events == []
    assert [letter.error_class for letter in publisher.dead_letters] == ["DirectoryUnreadable"]
    assert publisher.dead_letters[0].key == f"{default_source_id(root)}/."
    assert summary.deletes == 0
    assert all(state.live for state in checkpoint_of(settings, root).documents.values())


def test_missing_root_at_start_is_an_error(tmp_path: Path, settings: Settings) -> None:
    """A root that does not exist stops the source before anything is published."""
    publisher = InMemoryPublisher()
    with pytest.raises(RootNotFound, match="does not exist"):
        FileSystemSource(tmp_path / "nope", settings, publisher).run(threading.Event(), True)
    assert publisher.flushes == 0


def test_cli_refuses_a_missing_root_with_one_clear_message(tmp_path: Path, cli: None) -> None:
    """`ragstream connect filesystem` on a missing folder exits non-zero, before Kafka."""
    from ragstream.cli import app

    missing = tmp_path / "nope"
    result = CliRunner().invoke(app, ["connect", "filesystem", str(missing), "--once"])

    assert result.exit_code == 1
    assert result.output.strip() == f"error: folder {missing} does not exist or is not a directory"


class Watching:
    """A FileSystemSource running in a thread, stopped and joined at the end."""

    def __init__(self, root: Path, settings: Settings, rescan_interval_s: float = 0) -> None:
        self.publisher = InMemoryPublisher(max_event_bytes=EVENT_LIMIT)
        self.stop = threading.Event()
        self.source = FileSystemSource(
            root, settings, self.publisher, debounce_s=0.1, rescan_interval_s=rescan_interval_s
        )
        self.thread = threading.Thread(target=self.source.run, args=(self.stop, False))

    def __enter__(self) -> Watching:
        if not (self.source.root / "seed.md").exists():
            write(self.source.root / "seed.md", "seed")  # the initial scan flushes something
        self.thread.start()
        if not self.publisher.wait_for(lambda p: p.flushes >= 1, timeout=10):
            self.__exit__()
            pytest.fail("the initial scan was not published")
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

    def letters(self, error_class: str) -> int:
        return sum(1 for d in self.publisher.dead_letters if d.error_class == error_class)


@pytest.fixture
def deaf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop every file-system notification, as a lost or overflowed queue would."""
    monkeypatch.setattr(PathQueue, "on_any_event", lambda self, event: None)


def test_root_vanishing_while_watching_deletes_nothing(
    root: Path, settings: Settings, tmp_path: Path
) -> None:
    """A root moved away (an unmounted share) is reported unreadable at the next rescan and
    nothing is deleted; once it is back, watching resumes."""
    write(root / "a.md", "a")
    write(root / "b.md", "b")
    with Watching(root, settings, rescan_interval_s=0.2) as watching:
        assert watching.saw("b.md", Op.UPSERT)
        root.rename(tmp_path / "elsewhere")
        assert watching.publisher.wait_for(
            lambda p: any(d.error_class == "DirectoryUnreadable" for d in p.dead_letters), 10
        )
        time.sleep(0.6)  # a few more rescans while the root is gone
        assert not any(e.op is Op.DELETE for e in watching.publisher.events)
        assert watching.letters("DirectoryUnreadable") == 1  # dead-lettered once, not per rescan
        assert "FileNotFoundError" in watching.publisher.dead_letters[0].message

        (tmp_path / "elsewhere").rename(root)
        time.sleep(0.5)  # the next rescan finds the root and watches it again
        write(root / "c.md", "new")
        assert watching.saw("c.md", Op.UPSERT)
    assert not any(e.op is Op.DELETE for e in watching.publisher.events)


# -- dead-lettered events are not checkpointed -----------------------------------------------


def test_oversized_event_is_not_checkpointed_and_is_retried_after_shrinking(
    root: Path, settings: Settings
) -> None:
    """A file under max_file_bytes whose event is over max_event_bytes is dead-lettered by
    the publisher; the checkpoint keeps the last published state, an unchanged file is not
    dead-lettered again, and the file is published once it fits."""
    path = write(root / "grows.md", "small", mtime_ns=10 * SECOND_NS)
    first, _ = run_once(root, settings)
    published_sha = checkpoint_of(settings, root).documents["grows.md"].sha256
    write(path, "x" * (EVENT_LIMIT * 2), mtime_ns=20 * SECOND_NS)

    publisher, summary = run_once(root, settings)

    assert publisher.events == []
    assert [letter.error_class for letter in publisher.dead_letters] == ["OversizedEvent"]
    assert (summary.upserts, summary.dead_lettered) == (0, 1)
    state = checkpoint_of(settings, root).documents["grows.md"]
    assert state.sha256 == published_sha  # not recorded as published
    assert state.version == first.events[0].version

    again, summary = run_once(root, settings)
    assert (again.events, again.dead_letters, summary.skipped) == ([], [], 1)

    write(path, "small again", mtime_ns=15 * SECOND_NS)
    publisher, _ = run_once(root, settings)
    [event] = publisher.events
    assert (event.op, event.content) == (Op.UPSERT, "small again")
    assert event.version == 15 * SECOND_NS > first.events[0].version


def test_new_oversized_file_is_published_once_it_shrinks_while_watching(
    root: Path, settings: Settings
) -> None:
    """While watching, a dead-lettered event leaves no trace of being published either."""
    with Watching(root, settings) as watching:
        path = write(root / "big.md", "y" * (EVENT_LIMIT * 2))
        assert watching.publisher.wait_for(lambda p: len(p.dead_letters) == 1, timeout=10)
        write(path, "fits now")
        assert watching.saw("big.md", Op.UPSERT)
    assert [e.content for e in watching.publisher.events if e.document_id == "big.md"] == [
        "fits now"
    ]


# -- rescans ---------------------------------------------------------------------------------


def test_periodic_rescan_finds_changes_no_notification_reported(
    root: Path, settings: Settings, deaf: None
) -> None:
    """With notifications lost, the periodic rescan still publishes creates, edits and
    deletes made on disk."""
    write(root / "edit.md", "v1")
    write(root / "gone.md", "gone")
    source = default_source_id(root)
    before = metric("ragstream_connector_rescans_total", source, "periodic")
    with Watching(root, settings, rescan_interval_s=0.3) as watching:
        write(root / "new.md", "new")
        write(root / "edit.md", "v2")
        (root / "gone.md").unlink()

        assert watching.saw("new.md", Op.UPSERT)
        assert watching.saw("gone.md", Op.DELETE)
        assert watching.publisher.wait_for(
            lambda p: any(e.content == "v2" for e in p.events), timeout=10
        )
    assert metric("ragstream_connector_rescans_total", source, "periodic") > before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux only")
def test_inotify_overflow_triggers_an_immediate_rescan(
    root: Path, settings: Settings, deaf: None
) -> None:
    """An IN_Q_OVERFLOW from the kernel (events lost) makes the source rescan at once, even
    with periodic rescans off."""
    from watchdog.observers.inotify_c import InotifyConstants, InotifyEvent, InotifyFD

    with Watching(root, settings, rescan_interval_s=0) as watching:
        write(root / "missed.md", "written while the queue overflowed")
        assert not watching.saw("missed.md", Op.UPSERT, timeout=1.0)

        # What watchdog's inotify reader does when the kernel reports an overflow (wd -1).
        overflow = InotifyEvent(-1, InotifyConstants.IN_Q_OVERFLOW, 0, b"")  # type: ignore[arg-type]
        InotifyFD.get_instance().handle_event(overflow)

        assert watching.saw("missed.md", Op.UPSERT)


def test_rescan_request_wakes_a_waiting_collect() -> None:
    """request_rescan ends a collect at once and is read back once by take_rescan."""
    paths = PathQueue()
    timer = threading.Timer(0.1, paths.request_rescan)
    timer.start()
    started = time.monotonic()

    assert paths.collect(30.0, 0.1, 1.0) == set()
    assert time.monotonic() - started < 5
    assert paths.take_rescan() is True
    assert paths.take_rescan() is False
    timer.join()


# -- moved folder, fixed source id -----------------------------------------------------------


def test_moved_folder_with_the_same_source_id_publishes_nothing_new(
    root: Path, tmp_path: Path
) -> None:
    """Document ids are relative to the root and the checkpoint is named by the source id:
    a folder moved and restarted with the same source id resumes where it was."""
    settings = Settings(
        connectors=ConnectorSettings(state_dir=tmp_path / "state", source_id="handbook")
    )
    write(root / "a.md", "a")
    write(root / "sub" / "b.txt", "b")
    first, _ = run_once(root, settings)
    assert {e.key for e in first.events} == {"handbook/a.md", "handbook/sub/b.txt"}
    moved = tmp_path / "moved" / "handbook"
    moved.parent.mkdir()
    root.rename(moved)

    publisher, summary = run_once(moved, settings)

    assert publisher.events == []
    assert (summary.skipped, summary.deletes) == (2, 0)
    assert checkpoint_of(settings, moved).root == str(moved)  # the new place is remembered

    write(moved / "a.md", "a, edited")
    publisher, _ = run_once(moved, settings)
    assert [(e.key, e.uri) for e in publisher.events] == [
        ("handbook/a.md", (moved / "a.md").as_uri())
    ]


def test_cli_source_id_carries_a_moved_folder_over(root: Path, tmp_path: Path, cli: None) -> None:
    """`--source-id` names the checkpoint and the keys; after a move nothing is republished."""
    from ragstream.cli import app

    write(root / "a.md", "a")
    args = ["--once", "--source-id", "team-wiki", "--rescan-interval", "0"]
    first = CliRunner().invoke(app, ["connect", "filesystem", str(root), *args])
    assert first.exit_code == 0, first.output
    assert [e.key for e in _CliPublisher.made[-1].events] == ["team-wiki/a.md"], first.output
    assert (tmp_path / "cli-state" / "filesystem-team-wiki.json").is_file()
    moved = tmp_path / "moved"
    root.rename(moved)

    second = CliRunner().invoke(app, ["connect", "filesystem", str(moved), *args])

    assert second.exit_code == 0, second.output
    assert _CliPublisher.made[-1].events == []
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert (summary["upserts"], summary["skipped"]) == (0, 1)
