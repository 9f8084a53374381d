"""FileSystemSource: a directory tree as a stream of ChangeEvents (initial scan, then watch).

Files are read through :func:`connectors.formats.extract` (PDF, DOCX, PPTX, XLSX, HTML,
e-mail, text in any common encoding); an e-mail's attachments become documents of their
own (``<path>#attachment/<n>-<name>``), deleted with their mail or when it no longer holds
them. A file that cannot become text is a raw dead letter with the reason, once per content.
Each document remembers the tags and the compliance policy it was published under: when
they change, unchanged files are published again to be evaluated under the new policy.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import structlog
from pydantic import ValidationError
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from connectors.base import Batch, Publisher
from connectors.checkpoint import CheckpointStore, DocState, FileCheckpoint
from connectors.formats import Extracted, FormatError, UndecodableText, extract
from connectors.fs_files import (
    DirectoryUnreadable,
    FileBytes,
    FileRejected,
    FileUndecodable,
    content_type_for,
    is_ignored,
    read_file,
)
from connectors.fs_watch import OverflowListener, PathQueue
from connectors.metrics import RESCANS, UNREADABLE_DIRECTORIES
from connectors.publisher import dead_letter_room
from connectors.runner import RetryReport, RunSummary, run_source
from connectors.state import StateStore, policy_fingerprint, source_state
from infra.settings import Settings
from schemas import ChangeEvent, DeadLetter, Op, Stage, document_key

log = structlog.get_logger(__name__)

_INITIAL = "initial"
# Fingerprint prefix of a file whose event the publisher dead-lettered (too large for Kafka).
_EVENT_REJECTED = "event-dead-lettered"

WalkErrors = dict[str, OSError]


class RootNotFound(NotADirectoryError):
    """The source's root is missing or not a directory when the source opens."""


class InvalidEvent(FileRejected):
    """The file could not be described by a valid ChangeEvent (e.g. a path too long)."""


class FormatRejected(FileRejected):
    """A file (or a mail's attachment) that cannot become text: encrypted, corrupt or an
    unsupported format. The dead letter's error class is the format error's
    (``EncryptedDocument``, ``CorruptDocument``, ``UnsupportedFormat``)."""

    def __init__(
        self, error: FormatError, message: str, *, fingerprint: str, original: bytes = b""
    ) -> None:
        super().__init__(message, fingerprint=fingerprint, original=original)
        self.error: Exception = type(error)(message)


_ATTACHMENT = "#attachment/"


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
    gone), then debounced bursts of watched changes, and a full rescan every
    ``rescan_interval_s`` or as soon as the operating system dropped notifications. A
    directory that cannot be listed never deletes the documents under it: it becomes a
    ``DirectoryUnreadable`` dead letter and is tried again at the next rescan. Document id:
    the path relative to ``root`` (POSIX); version: the file's mtime_ns, bumped to stay above
    the last version published for that document. The constructor does no I/O.
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
        rescan_interval_s: float | None = None,
        state: StateStore | None = None,
    ) -> None:
        self._root = Path(os.path.abspath(root))
        self._settings = settings
        self._publisher = publisher
        self._source_id = settings.connectors.source_id or default_source_id(self._root)
        self._store = CheckpointStore(
            state or source_state(settings, "filesystem", self._source_id, publisher)
        )
        self._debounce_s = debounce_s
        self._max_debounce_s = max_debounce_s
        self._max_batch_files = max_batch_files
        self._max_batch_bytes = max_batch_bytes
        self._progress_every = progress_every
        self._flush_timeout_s = flush_timeout_s
        self._rescan_interval_s = (
            settings.connectors.rescan_interval_s
            if rescan_interval_s is None
            else rescan_interval_s
        )
        self._watch = True
        self._closed = threading.Event()
        self._committed: FileCheckpoint | None = None
        self._root_moved = False
        self._published: dict[str, DocState] = {}
        self._children: dict[str, set[str]] = {}
        self._scan: Iterator[str] | None = None
        self._scan_kind = _INITIAL
        self._scan_errors: WalkErrors = {}
        self._scan_unreadable: set[str] = set()
        self._seen: set[str] = set()
        self._scanned = 0
        self._next_rescan: float | None = None
        self._reported_unreadable: set[str] = set()
        self._paths: PathQueue | None = None
        self._overflow: OverflowListener | None = None
        self._observer: BaseObserver | None = None
        self._watched_root: tuple[int, int] | None = None

    @property
    def source_id(self) -> str:
        return self._source_id

    @property
    def root(self) -> Path:
        return self._root

    @property
    def checkpoint_file(self) -> Path:
        return self._store.path

    def run(
        self,
        stop: threading.Event,
        once: bool = False,
        *,
        prepare: Callable[[], object] | None = None,
        on_retry: RetryReport | None = None,
    ) -> RunSummary:
        """Scan, publish and checkpoint; with ``once`` return after the scan, otherwise keep
        watching until ``stop`` is set (a lost Kafka is retried with backoff from the
        checkpoint, see :func:`run_source`). Raises :class:`RootNotFound` when the root is
        not a directory, and :class:`connectors.base.PublishError` in ``once`` mode when
        Kafka does not acknowledge."""
        self._watch = not once
        return run_source(
            self,
            self._publisher,
            stop,
            once=once,
            flush_timeout_s=self._flush_timeout_s,
            reconnect_max_backoff_s=self._settings.connectors.reconnect_max_backoff_s,
            prepare=prepare,
            on_retry=on_retry,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self) -> None:
        if not self._root.is_dir():
            raise RootNotFound(
                f"file-system source root {self._root} does not exist or is not a directory"
            )
        self._closed.clear()
        self._committed = self._store.load(self._source_id, str(self._root))
        self._root_moved = self._committed.root != str(self._root)
        if self._root_moved:
            log.warning(
                "connector.checkpoint_root_changed",
                source=self._source_id,
                checkpoint_root=self._committed.root,
                root=str(self._root),
            )
            self._committed.root = str(self._root)
        self._published = dict(self._committed.documents)
        self._children = {}
        for document_id, state in self._published.items():
            if state.parent is not None:
                self._children.setdefault(state.parent, set()).add(document_id)
        self._reported_unreadable = set()
        self._next_rescan = None
        self._paths = None
        if self._watch:
            self._paths = PathQueue()
            self._overflow = OverflowListener(self._paths.request_rescan)
            self._overflow.install()
            self._start_watch()
        self._start_scan(_INITIAL)
        log.info(
            "connector.opened",
            source=self._source_id,
            root=str(self._root),
            known_documents=sum(1 for s in self._published.values() if s.live),
            checkpoint=self._store.store.where,
            watch=self._watch,
            rescan_interval_s=self._rescan_interval_s if self._watch else None,
        )

    def poll(self, timeout: float) -> Batch[FsCheckpoint] | None:
        if self._closed.is_set():
            return None
        if self._scan is not None:
            return self._poll_scan()
        if self._paths is None:
            return None
        if self._rescan_requested():
            return self._poll_scan()
        wait = timeout
        if self._next_rescan is not None:
            wait = max(0.0, min(timeout, self._next_rescan - time.monotonic()))
        paths = self._paths.collect(wait, self._debounce_s, self._max_debounce_s)
        if self._closed.is_set():
            return None
        if self._rescan_requested():
            return self._poll_scan()  # the rescan looks at every path collected, and more
        if not paths:
            return None
        return self._reconcile(paths)

    def commit(self, checkpoint: FsCheckpoint, dead_lettered: frozenset[str] = frozenset()) -> None:
        """Save the batch's document states, except for documents whose event the publisher
        dead-lettered: they keep their last published state (and remember the rejected
        content, so an unchanged file is not dead-lettered again), so the file is published
        once it changes."""
        if self._committed is None:
            raise RuntimeError("commit before open")
        changes = dict(checkpoint.changes)
        prefix = self._source_id + "/"
        for key in dead_lettered:
            if key.startswith(prefix):
                self._keep_unpublished(key.removeprefix(prefix), changes)
        if not changes and not self._root_moved:
            return
        self._committed.documents.update(changes)
        self._store.save(self._committed)
        self._root_moved = False

    def close(self) -> None:
        """Stop watching and wake a ``poll`` blocked in another thread; idempotent."""
        self._closed.set()
        if self._paths is not None:
            self._paths.close()
        overflow, self._overflow = self._overflow, None
        if overflow is not None:
            overflow.uninstall()
        self._stop_watch()

    # -- watching ----------------------------------------------------------------------------

    def _start_watch(self) -> None:
        """Start the observer on the root; a root that cannot be watched now (gone,
        permissions) is logged and watched again at the next rescan that finds it."""
        if self._paths is None:
            return
        self._stop_watch()
        observer = Observer()
        observer.schedule(self._paths, str(self._root), recursive=True)
        try:
            identity = _identity(self._root)
            observer.start()
        except (PermissionError, FileNotFoundError, NotADirectoryError) as exc:
            log.error(
                "connector.watch_failed",
                source=self._source_id,
                root=str(self._root),
                error=type(exc).__name__,
                detail=exc.strerror or str(exc),
            )
            self._watched_root = None
            return
        self._observer = observer
        self._watched_root = identity

    def _stop_watch(self) -> None:
        observer, self._observer = self._observer, None
        self._watched_root = None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)

    def _ensure_watch(self) -> None:
        """Watch the root again if the watch was lost (root gone, replaced or remounted)."""
        if self._paths is None:
            return
        try:
            identity: tuple[int, int] | None = _identity(self._root)
        except OSError:
            identity = None
        if identity is None or identity == self._watched_root:
            return
        log.info("connector.watch_restarted", source=self._source_id, root=str(self._root))
        self._start_watch()

    def _rescan_requested(self) -> bool:
        """Start a rescan when the watch lost notifications or the periodic one is due."""
        if self._paths is None:
            return False
        if self._paths.take_rescan():
            log.warning("connector.watch_overflow", source=self._source_id)
            self._start_scan("overflow")
            return True
        if self._next_rescan is not None and time.monotonic() >= self._next_rescan:
            self._start_scan("periodic")
            return True
        return False

    # -- scans -------------------------------------------------------------------------------

    def _start_scan(self, kind: str) -> None:
        """Begin a full comparison of the disk with the checkpoint (batched by ``poll``)."""
        if kind != _INITIAL:
            RESCANS.labels(source=self._source_id, outcome=kind).inc()
            log.info("connector.rescan_started", source=self._source_id, trigger=kind)
            self._ensure_watch()  # before the walk, so nothing changed during it is missed
        self._scan_kind = kind
        self._scan_errors = {}
        self._scan_unreadable = set()
        self._seen = set()
        self._scanned = 0
        self._next_rescan = None
        self._scan = self._walk(self._root, self._scan_errors)

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
                self._scan_unreadable |= self._report_walk_errors(self._scan_errors, builder)
                return builder.build()
        self._scan_unreadable |= self._report_walk_errors(self._scan_errors, builder)
        for relative in sorted(set(self._published) - self._seen):
            state = self._published[relative]
            if state.parent is not None and state.parent in self._seen:
                continue  # an attachment: its mail, seen, took care of it
            if not _under_any(state.parent or relative, self._scan_unreadable):
                self._delete(relative, builder)
        for relative in sorted(self._reported_unreadable - self._scan_unreadable):
            log.info("connector.directory_readable_again", source=self._source_id, path=relative)
        self._reported_unreadable &= self._scan_unreadable
        initial = self._scan_kind == _INITIAL
        self._scan = None
        self._seen = set()
        if self._watch and self._rescan_interval_s > 0:
            self._next_rescan = time.monotonic() + self._rescan_interval_s
        log.info(
            "connector.scan_finished",
            source=self._source_id,
            trigger=self._scan_kind,
            files=self._scanned,
            unreadable_directories=len(self._scan_unreadable),
        )
        return builder.build(snapshot_complete=initial)

    def _walk(self, top: Path, errors: WalkErrors) -> Iterator[str]:
        """Relative POSIX paths of the files under ``top``, sorted, depth first, skipping
        hidden dirs and without following symbolic links. A directory that cannot be listed
        is recorded in ``errors`` (relative path -> error) and skipped."""
        pending = [top]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(directory) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as exc:
                errors[self._relative_of(directory)] = exc
                continue
            subdirectories: list[Path] = []
            for entry in entries:
                if _is_dir(entry):
                    if not entry.name.startswith(".") and not entry.is_symlink():
                        subdirectories.append(Path(entry.path))
                    continue
                yield self._relative_of(Path(entry.path))
            pending.extend(reversed(subdirectories))

    def _relative_of(self, path: Path) -> str:
        return path.relative_to(self._root).as_posix()

    def _report_walk_errors(self, errors: WalkErrors, builder: _BatchBuilder) -> set[str]:
        """Turn listing errors into dead letters; the directories whose documents must be
        kept. A subdirectory that vanished meanwhile is simply gone (its documents are
        deleted); the root is never treated as gone."""
        unreadable: set[str] = set()
        for relative, error in sorted(errors.items()):
            if relative != "." and isinstance(error, FileNotFoundError | NotADirectoryError):
                log.debug("connector.directory_vanished", source=self._source_id, path=relative)
                continue
            unreadable.add(relative)
            if relative == ".":
                self._watched_root = None  # the watch may have gone with it: renew at rescan
            self._directory_unreadable(relative, error, builder)
        errors.clear()
        return unreadable

    def _directory_unreadable(self, relative: str, error: OSError, builder: _BatchBuilder) -> None:
        problem = DirectoryUnreadable(relative, error)
        kept = sum(
            1 for key, state in self._published.items() if state.live and _under(key, relative)
        )
        UNREADABLE_DIRECTORIES.labels(source=self._source_id, outcome=problem.error_class).inc()
        log.error(
            "connector.directory_unreadable",
            source=self._source_id,
            path=relative,
            error=problem.error_class,
            detail=str(problem),
            documents_kept=kept,
        )
        if relative in self._reported_unreadable:
            return  # dead-lettered once while it stays unreadable; logged and counted always
        self._reported_unreadable.add(relative)
        builder.dead_letters.append(
            DeadLetter.wrap(
                Stage.CONNECTOR,
                problem,
                b"",
                topic=self._settings.kafka.changes_topic,
                key=document_key(self._source_id, relative),
            )
        )

    # -- watched changes ---------------------------------------------------------------------

    def _reconcile(self, paths: Iterable[str]) -> Batch[FsCheckpoint]:
        """Bring the documents under each touched path in line with the disk: a path is
        looked at again, whatever happened to it (created, modified, moved, deleted).
        Nothing is deleted under a directory that cannot be listed, nor anywhere while the
        root itself is gone or unreadable."""
        builder = _BatchBuilder()
        errors: WalkErrors = {}
        root_error = _directory_error(self._root)
        if root_error is not None:
            errors["."] = root_error
            self._report_walk_errors(errors, builder)
            return builder.build()
        candidates: set[str] = set()
        for path in paths:
            relative = self._relative(path)
            if relative is None:
                continue
            if relative == ".":
                candidates.update(self._walk(self._root, errors))
                candidates.update(self._published)
                continue
            prefix = relative + "/"
            candidates.update(k for k in self._published if k == relative or k.startswith(prefix))
            if is_ignored(PurePosixPath(relative)):
                continue  # inside a hidden or temp path: only what was published there matters
            absolute = self._root / relative
            try:
                is_directory = absolute.is_dir() and not absolute.is_symlink()
            except OSError as exc:  # a parent that may no longer be searched
                errors[relative] = exc
                continue
            if is_directory:
                candidates.update(self._walk(absolute, errors))
            else:
                candidates.add(relative)
        unreadable = self._report_walk_errors(errors, builder)
        for relative in sorted(candidates):
            if not _under_any(relative, unreadable):
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
        previous = self._published.get(relative)
        if previous is not None and previous.parent is not None:
            if not self._live(previous.parent):
                self._delete(relative, builder)  # an attachment whose mail is gone
            return  # an attachment: examined with its mail
        pure = PurePosixPath(relative)
        if is_ignored(pure) or content_type_for(pure) is None:
            if relative in self._published:
                self._delete(relative, builder)  # e.g. renamed to a hidden name
            else:
                builder.ignored += 1
                log.debug("connector.file_ignored", source=self._source_id, path=relative)
            return
        max_bytes = self._settings.connectors.max_file_bytes
        try:
            content = read_file(self._root / relative, max_bytes)
        except FileRejected as rejection:
            self._reject(relative, rejection, builder)
            return
        if content is None:
            self._delete(relative, builder)
            return
        tags = self._settings.connectors.tags_for(relative)
        policy = policy_fingerprint(self._settings, tags)
        if previous is not None and previous.sha256 == content.sha256:
            if previous.policy == policy:
                builder.skipped += 1
                return
            log.info(
                "connector.republish_for_policy",
                source=self._source_id,
                path=relative,
                tags=list(tags),
                published_tags=list(previous.tags or ()),
            )
        if previous is not None and previous.rejected == self._event_fingerprint(content.sha256):
            builder.skipped += 1  # this content's event was dead-lettered already
            return
        try:
            extraction = extract(content.data, pure.name, document_id=relative)
        except FormatError as exc:
            self._reject(relative, self._format_rejection(relative, exc, content), builder)
            return
        version = content.mtime_ns
        if previous is not None:
            version = max(version, previous.version + 1)
        state = DocState(version=version, sha256=content.sha256, tags=tags, policy=policy)
        if not self._upsert(relative, extraction.main, content, version, tags, state, builder):
            return
        builder.content_bytes += content.size
        failed_ids = {failed.document_id for failed in extraction.failed}
        self._attachments(
            relative, extraction.documents[1:], failed_ids, content, version, tags, builder
        )
        for failed in extraction.failed:
            self._attachment_failed(relative, failed.document_id, failed.error, content, builder)

    def _upsert(
        self,
        document_id: str,
        doc: Extracted,
        content: FileBytes,
        version: int,
        tags: tuple[str, ...],
        state: DocState,
        builder: _BatchBuilder,
    ) -> bool:
        """Add the upsert of one document (a file or an attachment); false when it is not a
        valid ChangeEvent (then dead-lettered)."""
        relative, _, attachment = document_id.partition(_ATTACHMENT)
        name = doc.metadata.get("file_name", "") if attachment else relative
        metadata = {
            **doc.metadata,
            "size_bytes": str(len(doc.text.encode("utf-8")) if attachment else content.size),
            "extension": PurePosixPath(name).suffix.lower(),
            "sha256": state.sha256 or "",
            "modified_at": datetime.fromtimestamp(content.mtime_ns / 1e9, tz=UTC).isoformat(),
        }
        uri = (self._root / relative).as_uri()
        try:
            event = ChangeEvent(
                source_id=self._source_id,
                document_id=document_id,
                op=Op.UPSERT,
                version=version,
                content=doc.text,
                content_type=doc.content_type,
                title=doc.title,
                uri=f"{uri}{_ATTACHMENT}{quote(attachment)}" if attachment else uri,
                tags=tags,
                metadata=metadata,
            )
        except ValidationError as exc:
            fingerprint = f"invalid:{state.sha256}"
            reason = f"no valid ChangeEvent: {exc.error_count()} error(s)"
            original = b"" if attachment else content.data
            rejection = InvalidEvent(reason, fingerprint=fingerprint, original=original)
            self._reject(document_id, rejection, builder)
            return False
        builder.events.append(event)
        self._set(document_id, state, builder)
        return True

    def _attachments(
        self,
        relative: str,
        documents: tuple[Extracted, ...],
        failed_ids: set[str],
        content: FileBytes,
        version: int,
        tags: tuple[str, ...],
        builder: _BatchBuilder,
    ) -> None:
        """Publish the mail's attachments that changed (or whose policy did); delete those
        the mail no longer holds (one that could not be read keeps its indexed version)."""
        policy = policy_fingerprint(self._settings, tags)
        present = {doc.document_id for doc in documents} | failed_ids
        for doc in documents:
            digest = _document_hash(doc)
            previous = self._published.get(doc.document_id)
            if previous is not None and previous.sha256 == digest and previous.policy == policy:
                builder.skipped += 1
                continue
            if previous is not None and previous.rejected == self._event_fingerprint(digest):
                builder.skipped += 1
                continue
            attachment_version = version
            if previous is not None:
                attachment_version = max(version, previous.version + 1)
            state = DocState(
                version=attachment_version, sha256=digest, tags=tags, policy=policy, parent=relative
            )
            self._upsert(doc.document_id, doc, content, attachment_version, tags, state, builder)
        for child in sorted(self._children.get(relative, set()) - present):
            self._delete(child, builder)

    def _attachment_failed(
        self,
        relative: str,
        document_id: str,
        error: FormatError,
        content: FileBytes,
        builder: _BatchBuilder,
    ) -> None:
        """An attachment that cannot become text: a dead letter once per mail content (a
        version of it indexed before stays, like a file's)."""
        name = document_id.partition(_ATTACHMENT)[2]
        rejection = FormatRejected(
            error,
            f"{error.reason.value}: {relative}, attachment {name}: {error}",
            fingerprint=f"format:{content.sha256}",
        )
        self._reject(document_id, rejection, builder, parent=relative)

    def _format_rejection(
        self, relative: str, error: FormatError, content: FileBytes
    ) -> FileRejected:
        message = f"{error.reason.value}: {PurePosixPath(relative).name}: {error}"
        fingerprint = f"format:{content.sha256}"
        if isinstance(error, UndecodableText):
            return FileUndecodable(message, fingerprint=fingerprint, original=content.data)
        return FormatRejected(error, message, fingerprint=fingerprint, original=content.data)

    def _live(self, document_id: str) -> bool:
        state = self._published.get(document_id)
        return state is not None and state.live

    def _delete(self, relative: str, builder: _BatchBuilder) -> None:
        """Delete a document (and, for a mail, its attachments)."""
        for child in sorted(self._children.get(relative, ())):
            self._delete(child, builder)
        previous = self._published.get(relative)
        if previous is None or not previous.live:
            return
        version = previous.version + 1
        path = relative.partition(_ATTACHMENT)[0]
        tags = self._settings.connectors.tags_for(path)
        builder.events.append(
            ChangeEvent(
                source_id=self._source_id,
                document_id=relative,
                op=Op.DELETE,
                version=version,
                uri=(self._root / path).as_uri(),
                tags=tags,
            )
        )
        self._set(relative, DocState(version=version, parent=previous.parent), builder)

    def _reject(
        self,
        relative: str,
        rejection: FileRejected,
        builder: _BatchBuilder,
        *,
        parent: str | None = None,
    ) -> None:
        """Dead-letter a supported file once per rejected state; its indexed version stays."""
        previous = self._published.get(relative) or DocState(version=0, parent=parent)
        if previous.rejected == rejection.fingerprint:
            builder.skipped += 1
            return
        key = document_key(self._source_id, relative)
        reported: Exception = (
            rejection.error if isinstance(rejection, FormatRejected) else rejection
        )
        log.warning(
            "connector.file_rejected",
            source=self._source_id,
            key=key,
            reason=type(reported).__name__,
            detail=str(rejection),
        )
        builder.dead_letters.append(
            DeadLetter.wrap(
                Stage.CONNECTOR,
                reported,
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
        if state.parent is not None:
            self._children.setdefault(state.parent, set()).add(relative)

    def _event_fingerprint(self, sha256: str) -> str:
        """What ``rejected`` holds for content whose event the publisher dead-lettered; it
        names the limit, so raising ``kafka.max_event_bytes`` tries the file again."""
        return f"{_EVENT_REJECTED}:{self._settings.kafka.max_event_bytes}:{sha256}"

    def _keep_unpublished(self, relative: str, changes: dict[str, DocState]) -> None:
        """The publisher dead-lettered this document's event: drop its new state from
        ``changes`` and go back to the last committed one, so the old version is not taken
        for current and the file is published again once it changes."""
        if self._committed is None:
            raise RuntimeError("commit before open")
        attempted = changes.pop(relative, None)
        if attempted is None:
            return
        kept = self._committed.documents.get(relative)
        if attempted.sha256 is not None:  # an upsert: remember the content that failed
            base = kept or DocState(version=0, parent=attempted.parent)
            kept = base.model_copy(update={"rejected": self._event_fingerprint(attempted.sha256)})
            changes[relative] = kept
        log.warning(
            "connector.event_not_checkpointed",
            source=self._source_id,
            key=document_key(self._source_id, relative),
            reason="dead-lettered by the publisher",
        )
        if kept is None:
            self._published.pop(relative, None)
        else:
            self._published[relative] = kept


def _document_hash(doc: Extracted) -> str:
    """The content hash of an extracted document (an attachment has no file of its own)."""
    payload = json.dumps(
        [doc.text, doc.title, doc.content_type, doc.metadata], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Like ``os.walk``: a directory or a link to one (links are listed, never followed)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _identity(directory: Path) -> tuple[int, int]:
    """(device, inode) of a directory: changes when it is replaced or remounted."""
    info = os.stat(directory)
    return info.st_dev, info.st_ino


def _directory_error(directory: Path) -> OSError | None:
    """Why ``directory`` is not an existing directory, ``None`` when it is one."""
    try:
        info = os.stat(directory)
    except OSError as exc:
        return exc
    if not stat.S_ISDIR(info.st_mode):
        return NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory))
    return None


def _under(relative: str, directory: str) -> bool:
    """Whether document ``relative`` lies in ``directory`` (``.`` is the root)."""
    return directory == "." or relative == directory or relative.startswith(directory + "/")


def _under_any(relative: str, directories: Iterable[str]) -> bool:
    return any(_under(relative, directory) for directory in directories)
