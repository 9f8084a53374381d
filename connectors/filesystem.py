"""FileSystemSource: a directory tree as a stream of ChangeEvents (initial scan, then watch)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import structlog
from pydantic import ValidationError
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from connectors.base import Batch, Publisher
from connectors.checkpoint import CheckpointStore, DocState, FileCheckpoint, checkpoint_path
from connectors.fs_files import (
    FileRejected,
    content_type_for,
    is_ignored,
    read_text,
)
from connectors.fs_watch import PathQueue
from connectors.publisher import dead_letter_room
from connectors.runner import RunSummary, run_source
from infra.settings import Settings
from schemas import ChangeEvent, DeadLetter, Op, Stage, document_key

log = structlog.get_logger(__name__)


class InvalidEvent(FileRejected):
    """The file could not be described by a valid ChangeEvent (e.g. a path too long)."""


def default_source_id(root: Path) -> str:
    """``fs-<12 hex>`` from the absolute root path: stable per directory, no I/O."""
    digest = hashlib.sha256(os.path.abspath(root).encode("utf-8")).hexdigest()
    return f"fs-{digest[:12]}"


@dataclass(frozen=True)
class FsCheckpoint:
    """A batch's checkpoint: the document states it changed, by relative path."""

    changes: Mapping[str, DocState]


@dataclass
class _BatchBuilder:
    events: list[ChangeEvent] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    changes: dict[str, DocState] = field(default_factory=dict)
    skipped: int = 0
    ignored: int = 0
    content_bytes: int = 0

    def build(self, *, snapshot_complete: bool = False) -> Batch[FsCheckpoint]:
        return Batch(
            events=tuple(self.events),
            dead_letters=tuple(self.dead_letters),
            checkpoint=FsCheckpoint(changes=dict(self.changes)),
            skipped=self.skipped,
            ignored=self.ignored,
            snapshot_complete=snapshot_complete,
        )


class FileSystemSource:
    """Publishes the text and Markdown files under ``root`` and keeps them in sync.

    ``open`` loads the checkpoint and (when watching) starts the watcher before the scan,
    so nothing changed during the scan is missed. ``poll`` first returns the initial scan
    in batches (upserts for new or changed content, deletes for checkpointed files that are
    gone), then debounced bursts of watched changes. Document id: the path relative to
    ``root`` (POSIX); version: the file's mtime_ns, bumped to stay above the last version
    published for that document. The constructor does no I/O.
    """

    def __init__(
        self,
        root: Path | str,
        settings: Settings,
        publisher: Publisher,
        *,
        debounce_s: float = 0.3,
        max_debounce_s: float = 3.0,
        max_batch_files: int = 256,
        max_batch_bytes: int = 32 * 1024 * 1024,
        progress_every: int = 1000,
        flush_timeout_s: float = 30.0,
    ) -> None:
        self._root = Path(os.path.abspath(root))
        self._settings = settings
        self._publisher = publisher
        self._source_id = settings.connectors.source_id or default_source_id(self._root)
        self._store = CheckpointStore(
            checkpoint_path(settings.connectors.state_dir, "filesystem", self._source_id)
        )
        self._debounce_s = debounce_s
        self._max_debounce_s = max_debounce_s
        self._max_batch_files = max_batch_files
        self._max_batch_bytes = max_batch_bytes
        self._progress_every = progress_every
        self._flush_timeout_s = flush_timeout_s
        self._watch = True
        self._closed = threading.Event()
        self._committed: FileCheckpoint | None = None
        self._published: dict[str, DocState] = {}
        self._scan: Iterator[str] | None = None
        self._seen: set[str] = set()
        self._scanned = 0
        self._snapshot_done = False
        self._paths: PathQueue | None = None
        self._observer: BaseObserver | None = None

    @property
    def source_id(self) -> str:
        return self._source_id

    @property
    def root(self) -> Path:
        return self._root

    @property
    def checkpoint_file(self) -> Path:
        return self._store.path

    def run(self, stop: threading.Event, once: bool = False) -> RunSummary:
        """Scan, publish and checkpoint; with ``once`` return after the scan, otherwise keep
        watching until ``stop`` is set. Raises :class:`connectors.base.PublishError` in
        ``once`` mode when Kafka does not acknowledge."""
        self._watch = not once
        return run_source(
            self, self._publisher, stop, once=once, flush_timeout_s=self._flush_timeout_s
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self) -> None:
        if not self._root.is_dir():
            raise NotADirectoryError(f"file-system source root {self._root} is not a directory")
        self._closed.clear()
        self._committed = self._store.load(self._source_id, str(self._root))
        if self._committed.root != str(self._root):
            log.warning(
                "connector.checkpoint_root_changed",
                source=self._source_id,
                checkpoint_root=self._committed.root,
                root=str(self._root),
            )
            self._committed.root = str(self._root)
        self._published = dict(self._committed.documents)
        self._seen = set()
        self._scanned = 0
        self._snapshot_done = False
        self._paths = None
        if self._watch:
            self._paths = PathQueue()
            self._observer = Observer()
            self._observer.schedule(self._paths, str(self._root), recursive=True)
            self._observer.start()
        self._scan = self._walk(self._root)
        log.info(
            "connector.opened",
            source=self._source_id,
            root=str(self._root),
            known_documents=sum(1 for s in self._published.values() if s.live),
            watch=self._watch,
        )

    def poll(self, timeout: float) -> Batch[FsCheckpoint] | None:
        if self._closed.is_set():
            return None
        if not self._snapshot_done:
            return self._poll_scan()
        if self._paths is None:
            return None
        paths = self._paths.collect(timeout, self._debounce_s, self._max_debounce_s)
        if not paths or self._closed.is_set():
            return None
        return self._reconcile(paths)

    def commit(self, checkpoint: FsCheckpoint) -> None:
        if self._committed is None:
            raise RuntimeError("commit before open")
        if not checkpoint.changes:
            return
        self._committed.documents.update(checkpoint.changes)
        self._store.save(self._committed)

    def close(self) -> None:
        """Stop watching and wake a ``poll`` blocked in another thread; idempotent."""
        self._closed.set()
        if self._paths is not None:
            self._paths.close()
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)

    # -- initial scan ------------------------------------------------------------------------

    def _poll_scan(self) -> Batch[FsCheckpoint]:
        if self._scan is None:
            raise RuntimeError("poll before open")
        builder = _BatchBuilder()
        for files, relative in enumerate(self._scan, start=1):
            self._seen.add(relative)
            self._examine(relative, builder)
            self._scanned += 1
            if self._scanned % self._progress_every == 0:
                log.info("connector.scan_progress", source=self._source_id, files=self._scanned)
            if (
                files >= self._max_batch_files
                or builder.content_bytes >= self._max_batch_bytes
                or self._closed.is_set()
            ):
                return builder.build()
        for relative in sorted(set(self._published) - self._seen):
            self._delete(relative, builder)
        self._snapshot_done = True
        self._seen = set()
        log.info("connector.scan_finished", source=self._source_id, files=self._scanned)
        return builder.build(snapshot_complete=True)

    def _walk(self, top: Path) -> Iterator[str]:
        """Relative POSIX paths of the files under ``top``, sorted, skipping hidden dirs and
        without following symbolic links."""
        for directory, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                yield Path(directory, name).relative_to(self._root).as_posix()

    # -- watched changes ---------------------------------------------------------------------

    def _reconcile(self, paths: Iterable[str]) -> Batch[FsCheckpoint]:
        """Bring the documents under each touched path in line with the disk: a path is
        looked at again, whatever happened to it (created, modified, moved, deleted)."""
        candidates: set[str] = set()
        for path in paths:
            relative = self._relative(path)
            if relative is None:
                continue
            if relative == ".":
                candidates.update(self._walk(self._root))
                candidates.update(self._published)
                continue
            prefix = relative + "/"
            candidates.update(k for k in self._published if k == relative or k.startswith(prefix))
            if is_ignored(PurePosixPath(relative)):
                continue  # inside a hidden or temp path: only what was published there matters
            absolute = self._root / relative
            if absolute.is_dir() and not absolute.is_symlink():
                candidates.update(self._walk(absolute))
            else:
                candidates.add(relative)
        builder = _BatchBuilder()
        for relative in sorted(candidates):
            self._examine(relative, builder)
        return builder.build()

    def _relative(self, path: str) -> str | None:
        """``path`` relative to the root, ``None`` when outside it."""
        relative = os.path.relpath(path, self._root)
        if relative == ".." or relative.startswith("../") or os.path.isabs(relative):
            return None
        return PurePosixPath(Path(relative).as_posix()).as_posix()

    # -- one document ------------------------------------------------------------------------

    def _examine(self, relative: str, builder: _BatchBuilder) -> None:
        """Add what ``relative`` needs (upsert, delete, dead letter or nothing) to the batch."""
        pure = PurePosixPath(relative)
        content_type = content_type_for(pure)
        if is_ignored(pure) or content_type is None:
            if relative in self._published:
                self._delete(relative, builder)  # e.g. renamed to a hidden name
            else:
                builder.ignored += 1
                log.debug("connector.file_ignored", source=self._source_id, path=relative)
            return
        previous = self._published.get(relative)
        max_bytes = self._settings.connectors.max_file_bytes
        try:
            content = read_text(self._root / relative, content_type, max_bytes)
        except FileRejected as rejection:
            self._reject(relative, rejection, builder)
            return
        if content is None:
            self._delete(relative, builder)
            return
        if previous is not None and previous.sha256 == content.sha256:
            builder.skipped += 1
            return
        version = content.mtime_ns
        if previous is not None:
            version = max(version, previous.version + 1)
        try:
            event = ChangeEvent(
                source_id=self._source_id,
                document_id=relative,
                op=Op.UPSERT,
                version=version,
                content=content.text,
                content_type=content.content_type,
                title=content.title,
                uri=(self._root / relative).as_uri(),
                tags=self._settings.connectors.tags_for(relative),
                metadata={
                    "size_bytes": str(content.size),
                    "extension": pure.suffix.lower(),
                    "sha256": content.sha256,
                    "modified_at": datetime.fromtimestamp(
                        content.mtime_ns / 1e9, tz=UTC
                    ).isoformat(),
                },
            )
        except ValidationError as exc:
            fingerprint = f"invalid:{content.sha256}"
            reason = f"no valid ChangeEvent: {exc.error_count()} error(s)"
            self._reject(relative, InvalidEvent(reason, fingerprint=fingerprint), builder)
            return
        builder.events.append(event)
        builder.content_bytes += content.size
        self._set(relative, DocState(version=version, sha256=content.sha256), builder)

    def _delete(self, relative: str, builder: _BatchBuilder) -> None:
        previous = self._published.get(relative)
        if previous is None or not previous.live:
            return
        version = previous.version + 1
        builder.events.append(
            ChangeEvent(
                source_id=self._source_id,
                document_id=relative,
                op=Op.DELETE,
                version=version,
                uri=(self._root / relative).as_uri(),
                tags=self._settings.connectors.tags_for(relative),
            )
        )
        self._set(relative, DocState(version=version), builder)

    def _reject(self, relative: str, rejection: FileRejected, builder: _BatchBuilder) -> None:
        """Dead-letter a supported file once per rejected state; its indexed version stays."""
        previous = self._published.get(relative) or DocState(version=0)
        if previous.rejected == rejection.fingerprint:
            builder.skipped += 1
            return
        key = document_key(self._source_id, relative)
        log.warning(
            "connector.file_rejected",
            source=self._source_id,
            key=key,
            reason=type(rejection).__name__,
            detail=str(rejection),
        )
        builder.dead_letters.append(
            DeadLetter.wrap(
                Stage.CONNECTOR,
                rejection,
                rejection.original,
                topic=self._settings.kafka.changes_topic,
                key=key,
                max_original_bytes=dead_letter_room(self._settings.kafka.max_event_bytes),
            )
        )
        self._set(
            relative, previous.model_copy(update={"rejected": rejection.fingerprint}), builder
        )

    def _set(self, relative: str, state: DocState, builder: _BatchBuilder) -> None:
        self._published[relative] = state
        builder.changes[relative] = state
