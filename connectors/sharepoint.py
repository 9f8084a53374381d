"""SharePointSource: document libraries of SharePoint Online sites as ChangeEvents.

Each configured library is first crawled in full (page by page, ``page_size`` items), then
followed through its change log (``GetChanges`` from the change token kept in the
checkpoint). A change names an item; the source reads the item again and publishes what it
is now, so adds, edits, renames, moves, restores and permission changes all become one
upsert carrying the current name, URL, text and readers, and deletes a delete.

Document ids are the files' ``UniqueId`` (stable across renames and moves), so a rename is
one upsert with a new ``uri`` and ``title``, never a delete plus an add. A file's text comes
from :func:`connectors.formats.extract`; unsupported, encrypted, corrupt or too large files
become raw dead letters with the reason, once per file version. Readers come from the item's
role assignments (its own when inheritance is broken, else those of the scope it inherits),
SharePoint groups expanded to their members (:meth:`SharePointSite.acl`).

A crawl also ends a library's resync: when the change token is older than the change log
SharePoint keeps, or a folder was renamed, moved or deleted, or the library's permissions
changed, the library is crawled again and every document the checkpoint knows there that the
crawl did not see is deleted. A periodic crawl (``full_crawl_interval_s``) catches what the
change log does not record, such as SharePoint group membership.

Versions: the change number of the change (or, in a crawl, of the library's change token
when the crawl started), raised to last published version + 1 when not higher.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import structlog
from pydantic import ValidationError

from connectors.base import Batch, Publisher, Source
from connectors.formats import FormatError, extract
from connectors.publisher import dead_letter_room
from connectors.runner import RetryReport, RunSummary, run_source
from connectors.sharepoint_auth import TokenSource
from connectors.sharepoint_checkpoint import (
    ItemState,
    LibraryState,
    SharePointBatchCheckpoint,
    SharePointCheckpoint,
    SharePointCheckpointStore,
)
from connectors.sharepoint_client import (
    ChangeKind,
    LibraryInfo,
    RemoteItem,
    SharePointNotFound,
    SharePointSite,
    change_number,
    in_scope,
)
from connectors.sharepoint_config import LibraryConfig, SharePointSourceConfig, library_key
from connectors.sharepoint_errors import (
    ChangeTokenExpired,
    SharePointConfigError,
    SharePointUnavailable,
)
from connectors.state import StateStore, policy_fingerprint, source_state
from infra.settings import Settings
from schemas import ChangeEvent, DeadLetter, Op, Stage, document_key
from schemas.keys import stable_hash

log = structlog.get_logger(__name__)

_FOLDER_MOVES = frozenset(
    {ChangeKind.RENAME, ChangeKind.MOVE_AWAY, ChangeKind.MOVE_INTO, ChangeKind.RESTORE}
)


class FileTooLarge(ValueError):
    """Larger than ``max_file_bytes`` (not downloaded)."""


class InvalidEvent(ValueError):
    """The file's document is not a valid ChangeEvent."""


@dataclass
class _Crawl:
    """A full listing of one library in progress: why, the change token captured before the
    first page (where the change log resumes afterwards), the next page, what was seen."""

    reason: str
    started: bool = False
    start_token: str | None = None
    next_url: str | None = None
    seen: set[str] = field(default_factory=set)
    folders: dict[str, str] = field(default_factory=dict)
    pages: int = 0


@dataclass
class _Library:
    key: str
    site: SharePointSite
    config: LibraryConfig
    info: LibraryInfo | None = None
    scopes: tuple[str, ...] = ()
    crawl: _Crawl | None = None
    due_at: float = 0.0
    first_pass_done: bool = False
    failures: int = 0


@dataclass
class _ItemChanges:
    """What one page of the change log says about one item."""

    item_id: int | None = None
    number: int | None = None
    types: set[int] = field(default_factory=set)
    deleted: bool = False


@dataclass
class _Builder:
    events: list[ChangeEvent] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    items: dict[str, ItemState] = field(default_factory=dict)
    libraries: dict[str, LibraryState] = field(default_factory=dict)
    skipped: int = 0
    ignored: int = 0


class SharePointSource:
    """Publishes the files of the configured SharePoint libraries and keeps them in sync.

    ``open`` loads the checkpoint (no network); each ``poll`` does one step for one library:
    a page of a crawl or a page of its change log. The batch that finishes the first pass of
    the last library (its crawl, or reading its change log to the end) completes the
    snapshot. ``msal_http_client`` replaces MSAL's HTTP client (tests: a fake token
    endpoint). The constructor does no I/O.
    """

    def __init__(
        self,
        config: SharePointSourceConfig,
        settings: Settings,
        publisher: Publisher,
        *,
        flush_timeout_s: float = 30.0,
        msal_http_client: object | None = None,
        state: StateStore | None = None,
    ) -> None:
        self._config = config
        self._settings = settings
        self._publisher = publisher
        self._flush_timeout_s = flush_timeout_s
        self._store = SharePointCheckpointStore(
            state or source_state(settings, "sharepoint", config.source_id, publisher)
        )
        self._policy = policy_fingerprint(settings, ())
        self._tokens = TokenSource(config.auth, http_client=msal_http_client)
        self._max_bytes = config.max_file_bytes or settings.connectors.max_file_bytes
        self._closed = threading.Event()
        self._stop: threading.Event | None = None
        self._once = False
        self._committed: SharePointCheckpoint | None = None
        self._published: dict[str, ItemState] = {}
        self._states: dict[str, LibraryState] = {}
        self._libraries: list[_Library] = []
        self._next_index = 0
        self._snapshot_reported = False

    @property
    def source_id(self) -> str:
        return self._config.source_id

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
        """Publish the first pass and checkpoint; with ``once`` return after it, otherwise keep
        following the change logs until ``stop`` is set. In ``once`` mode
        :class:`SharePointUnavailable` (throttled, unreachable) and
        :class:`connectors.base.PublishError` propagate; auth and configuration errors
        always do. While watching, a lost Kafka is retried with backoff from the checkpoint."""
        self._once = once
        self._stop = stop
        source: Source[SharePointBatchCheckpoint] = self
        return run_source(
            source,
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
        self._closed.clear()
        self._committed = self._store.load(self.source_id)
        self._published = dict(self._committed.items)
        self._states = dict(self._committed.libraries)
        self._snapshot_reported = False
        self._next_index = 0
        self._libraries = []
        config = self._config
        for site_config in config.sites:
            site = SharePointSite(
                site_config.url,
                self._tokens.for_resource(_origin(site_config.url)),
                timeout_s=config.request_timeout_s,
                max_retries=config.max_retries,
                max_retry_after_s=config.max_retry_after_s,
                wait=self._wait,
            )
            for library in site_config.libraries:
                key = library_key(site_config.url, library.title)
                state = self._states.get(key)
                entry = _Library(key=key, site=site, config=library)
                if state is None or state.token is None:
                    entry.crawl = _Crawl("initial crawl" if state is None else "resumed crawl")
                elif state.policy != self._policy:
                    entry.crawl = _Crawl("compliance policy changed")
                self._libraries.append(entry)
        log.info(
            "connector.opened",
            source=self.source_id,
            sites=len(config.sites),
            libraries=len(self._libraries),
            known_documents=sum(1 for s in self._published.values() if s.live),
            auth=self._tokens.description,
            checkpoint=self._store.store.where,
        )

    def poll(self, timeout: float) -> Batch[SharePointBatchCheckpoint] | None:
        if self._closed.is_set():
            return None
        library = self._next_due()
        if library is None:
            now = time.monotonic()
            wait = min((lib.due_at for lib in self._libraries), default=now + timeout) - now
            self._closed.wait(max(0.0, min(timeout, wait)))
            return None
        library.site.forget_groups()
        try:
            batch = self._step(library)
        except SharePointUnavailable as exc:
            if self._closing():
                return None
            if self._once:
                raise
            library.failures += 1
            delay = min(300.0, 2.0 ** (library.failures - 1))
            library.due_at = time.monotonic() + delay
            log.warning(
                "connector.sharepoint_unavailable",
                source=self.source_id,
                library=library.key,
                error=str(exc),
                retry_in_s=delay,
            )
            return None
        library.failures = 0
        return batch

    def commit(
        self, checkpoint: SharePointBatchCheckpoint, dead_lettered: frozenset[str] = frozenset()
    ) -> None:
        """Save the batch's item and library states. An item whose event the publisher
        dead-lettered (too large) keeps its last committed state and remembers the rejected
        file version, so it is not sent again until the file changes."""
        if self._committed is None:
            raise RuntimeError("commit before open")
        items = dict(checkpoint.items)
        prefix = self.source_id + "/"
        for key in dead_lettered:
            unique_id = key.removeprefix(prefix)
            attempted = items.get(unique_id)
            if not key.startswith(prefix) or attempted is None or not attempted.live:
                continue
            before = self._committed.items.get(unique_id) or ItemState(v=0, lib=attempted.lib)
            kept = before.model_copy(
                update={"v": max(before.v, attempted.v), "r": self._oversized(attempted.etag)}
            )
            items[unique_id] = kept
            self._published[unique_id] = kept
            log.warning(
                "connector.event_not_checkpointed",
                source=self.source_id,
                key=key,
                reason="dead-lettered by the publisher",
            )
        if not items and not checkpoint.libraries:
            return
        self._committed.items.update(items)
        self._committed.libraries.update(checkpoint.libraries)
        self._store.save(self._committed)

    def close(self) -> None:
        """Stop; interrupts a throttling wait. Idempotent."""
        self._closed.set()

    # -- scheduling --------------------------------------------------------------------------

    def _next_due(self) -> _Library | None:
        now = time.monotonic()
        interval = self._config.full_crawl_interval_s
        count = len(self._libraries)
        for offset in range(count):
            library = self._libraries[(self._next_index + offset) % count]
            state = self._states.get(library.key)
            if (
                interval > 0
                and library.crawl is None
                and state is not None
                and state.crawled_at is not None
                and (datetime.now(UTC) - state.crawled_at).total_seconds() >= interval
            ):
                library.crawl = _Crawl("periodic crawl")
            if library.due_at <= now:
                self._next_index = (self._next_index + offset + 1) % count
                return library
        return None

    def _closing(self) -> bool:
        return self._closed.is_set() or (self._stop is not None and self._stop.is_set())

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` (a Retry-After); true when the source is closing meanwhile."""
        deadline = time.monotonic() + seconds
        while not self._closing():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._closed.wait(min(left, 0.25))
        return True

    # -- one step ----------------------------------------------------------------------------

    def _step(self, library: _Library) -> Batch[SharePointBatchCheckpoint]:
        builder = _Builder()
        fresh = library.info is None
        info = library.info or self._resolve(library)
        if library.crawl is not None:
            snapshot = self._crawl_step(library, library.crawl, builder, fresh=fresh)
        else:
            try:
                snapshot = self._changes_step(library, info, builder)
            except ChangeTokenExpired as exc:
                log.warning(
                    "connector.sharepoint_token_expired",
                    source=self.source_id,
                    library=library.key,
                    detail=str(exc),
                    action="full crawl; documents not seen again are deleted",
                )
                library.crawl = _Crawl("change token expired")
                snapshot = self._crawl_step(library, library.crawl, builder, fresh=False)
        self._published.update(builder.items)
        self._states.update(builder.libraries)
        return Batch(
            events=tuple(builder.events),
            dead_letters=tuple(builder.dead_letters),
            checkpoint=SharePointBatchCheckpoint(items=builder.items, libraries=builder.libraries),
            skipped=builder.skipped,
            ignored=builder.ignored,
            snapshot_complete=snapshot,
        )

    def _resolve(self, library: _Library) -> LibraryInfo:
        """Look the library up by title (list id, root folder) and narrow it to its folders."""
        try:
            info = library.site.library(library.config.title)
        except SharePointNotFound:
            raise SharePointConfigError(
                f"library {library.config.title!r} not found on {library.site.url} "
                "(give the library's title as shown in the site contents)"
            ) from None
        self._set_info(library, info)
        state = self._states.get(library.key)
        if state is not None and state.list_id not in (None, info.list_id):
            log.warning(
                "connector.sharepoint_library_replaced",
                source=self.source_id,
                library=library.key,
                action="full crawl; documents of the old library are deleted",
            )
            library.crawl = _Crawl("library replaced")
        return info

    def _set_info(self, library: _Library, info: LibraryInfo) -> None:
        library.info = info
        folders = library.config.folders
        library.scopes = (
            tuple(f"{info.root_url}/{folder}" for folder in folders)
            if folders
            else (info.root_url,)
        )

    def _first_pass_done(self, library: _Library) -> bool:
        """Mark ``library``'s first pass done; true once, when it completes the snapshot."""
        library.first_pass_done = True
        if self._snapshot_reported or not all(lib.first_pass_done for lib in self._libraries):
            return False
        self._snapshot_reported = True
        log.info("connector.sharepoint_snapshot_complete", source=self.source_id)
        return True

    def _crawl_step(
        self, library: _Library, crawl: _Crawl, builder: _Builder, *, fresh: bool
    ) -> bool:
        """One page of a full listing; the last page deletes what was not seen and stores the
        change token captured before the first page (``fresh``: the library was looked up in
        this step already, so its change token is current)."""
        site = library.site
        start_token = crawl.start_token
        if not crawl.started:
            info = library.info if fresh and library.info else site.library(library.config.title)
            self._set_info(library, info)
            start_token = info.change_token
            log.info(
                "connector.sharepoint_crawl_started",
                source=self.source_id,
                library=library.key,
                reason=crawl.reason,
            )
        assert library.info is not None
        list_id = library.info.list_id
        url = crawl.next_url or site.first_items_url(list_id, self._config.page_size)
        page = site.items_page(url)
        floor = change_number(start_token)
        seen: set[str] = set()
        folders: dict[str, str] = {}
        for item in page.items:
            if item.is_folder:
                folders[item.unique_id] = item.path
            elif self._examine(library, item, floor, builder):
                seen.add(item.unique_id)
        # the page went through: only now does the crawl move on
        crawl.started = True
        crawl.start_token = start_token
        crawl.next_url = page.next_url
        crawl.seen |= seen
        crawl.folders.update(folders)
        crawl.pages += 1
        now = time.monotonic()
        if page.next_url is not None:
            library.due_at = now
            return False
        deleted = self._delete_unseen(library, crawl.seen, floor, builder)
        builder.libraries[library.key] = LibraryState(
            list_id=list_id,
            token=start_token,
            folders=crawl.folders,
            crawled_at=datetime.now(UTC),
            policy=self._policy,
        )
        library.crawl = None
        library.due_at = now
        log.info(
            "connector.sharepoint_crawl_finished",
            source=self.source_id,
            library=library.key,
            reason=crawl.reason,
            pages=crawl.pages,
            documents=len(crawl.seen),
            deleted=deleted,
        )
        return self._first_pass_done(library)

    def _changes_step(self, library: _Library, info: LibraryInfo, builder: _Builder) -> bool:
        """One page of the library's change log, from the checkpoint's change token."""
        state = self._states.get(library.key) or LibraryState(list_id=info.list_id)
        if state.token is None:  # not reachable: a library without token is crawled
            library.crawl = _Crawl("no change token")
            return False
        site, page_size = library.site, self._config.page_size
        changes = site.changes(info.list_id, state.token, page_size)
        rescan: str | None = None
        latest: dict[str, _ItemChanges] = {}
        for change in changes:
            if change.kind == "ChangeList":
                if change.change_type in ChangeKind.SECURITY:
                    rescan = "library permissions changed"
                continue
            if change.kind != "ChangeItem" or not change.unique_id:
                continue
            entry = latest.pop(change.unique_id, None) or _ItemChanges()
            entry.item_id = change.item_id if change.item_id is not None else entry.item_id
            entry.number = change_number(change.token)
            entry.types.add(change.change_type)
            entry.deleted = change.change_type == ChangeKind.DELETE
            latest[change.unique_id] = entry  # in the order of each item's last change
        folders = dict(state.folders)
        for unique_id, entry in latest.items():
            item = None
            if not entry.deleted and entry.item_id is not None:
                item = site.item(info.list_id, entry.item_id)
            if item is None or item.unique_id != unique_id:
                if unique_id in folders:
                    del folders[unique_id]
                    rescan = "folder deleted"
                else:
                    self._delete_here(library, unique_id, entry.number, builder)
                continue
            if item.is_folder:
                old_path = folders.get(unique_id)
                folders[unique_id] = item.path
                if old_path is not None and (
                    old_path != item.path or entry.types & (_FOLDER_MOVES | ChangeKind.SECURITY)
                ):
                    rescan = "folder renamed, moved, restored or its permissions changed"
                continue
            self._examine(library, item, entry.number, builder)
        token = changes[-1].token if changes and changes[-1].token else state.token
        updated = state.model_copy(
            update={"list_id": info.list_id, "token": token, "folders": folders}
        )
        if updated != state:  # an empty page of the change log writes nothing
            builder.libraries[library.key] = updated
        now = time.monotonic()
        if rescan is not None:
            log.info(
                "connector.sharepoint_rescan",
                source=self.source_id,
                library=library.key,
                reason=rescan,
            )
            library.crawl = _Crawl(rescan)
            library.due_at = now
            return False
        if len(changes) >= page_size:
            library.due_at = now
            return False
        library.due_at = now + self._config.poll_interval_s
        return False if library.first_pass_done else self._first_pass_done(library)

    # -- one item ----------------------------------------------------------------------------

    def _state(self, unique_id: str, builder: _Builder) -> ItemState | None:
        return builder.items.get(unique_id) or self._published.get(unique_id)

    def _examine(
        self, library: _Library, item: RemoteItem, floor: int | None, builder: _Builder
    ) -> bool:
        """Publish ``item`` if it is in scope and changed; false when it is out of scope."""
        unique_id = item.unique_id
        previous = self._state(unique_id, builder)
        suffix = PurePosixPath(item.name).suffix.lower()
        wanted = self._config.include_extensions
        if not in_scope(item.path, library.scopes) or (wanted is not None and suffix not in wanted):
            if previous is not None and previous.live and previous.lib == library.key:
                self._delete_here(library, unique_id, floor, builder)
            else:
                builder.ignored += 1
            return False
        assert library.info is not None
        site = library.site
        acl = site.acl(library.info.list_id, item.item_id)
        title = item.title or item.name
        uri = site.absolute_url(item.path)
        tags = tuple(sorted({*self._config.tags, *library.config.tags}))
        placement = {
            "site": site.url,
            "library": library.config.title,
            "list_id": library.info.list_id,
            "path": item.path,
            "file_name": item.name,
            "sharepoint_item_id": str(item.item_id),
        }
        fingerprint = stable_hash(
            title, uri, acl.model_dump_json(), json.dumps([placement, tags], sort_keys=True)
        )
        policy = policy_fingerprint(self._settings, tags)
        if (
            previous is not None
            and previous.live
            and previous.etag == item.etag
            and previous.f == fingerprint
            and previous.lib == library.key
            and previous.p == policy
        ):
            builder.skipped += 1
            return True
        if previous is not None and previous.r in (
            self._rejected(item.etag),
            self._oversized(item.etag),
        ):
            builder.skipped += 1  # this file version was dead-lettered already
            return True
        if item.size is not None and item.size > self._max_bytes:
            error = FileTooLarge(
                f"too large: {item.name} is {item.size} bytes, max_file_bytes is {self._max_bytes}"
            )
            self._reject(library, item, error, b"", builder)
            return True
        data = site.download(unique_id)
        if data is None:  # deleted since it was listed
            self._delete_here(library, unique_id, floor, builder)
            return False
        if len(data) > self._max_bytes:
            error = FileTooLarge(
                f"too large: {item.name} is {len(data)} bytes, max_file_bytes is {self._max_bytes}"
            )
            self._reject(library, item, error, b"", builder)
            return True
        try:
            main = extract(data, item.name, document_id=unique_id).main
        except FormatError as exc:
            reason = type(exc)(f"{exc.reason.value}: {item.name}: {exc}")
            self._reject(library, item, reason, data, builder)
            return True
        version = max(floor or 0, previous.v + 1 if previous is not None else 0)
        metadata = {**main.metadata, **placement, "size_bytes": str(len(data))}
        if item.etag:
            metadata["etag"] = item.etag
        if item.modified is not None:
            metadata["modified_at"] = item.modified.isoformat()
        try:
            event = ChangeEvent(
                source_id=self.source_id,
                document_id=unique_id,
                op=Op.UPSERT,
                version=version,
                occurred_at=item.modified or datetime.now(UTC),
                content=main.text,
                content_type=main.content_type,
                title=title,
                uri=uri,
                metadata=metadata,
                acl=acl,
                tags=tags,
            )
        except ValidationError as exc:
            invalid = InvalidEvent(f"no valid ChangeEvent: {exc.error_count()} error(s)")
            self._reject(library, item, invalid, data, builder)
            return True
        builder.events.append(event)
        etag = item.etag or "sha:" + stable_hash(main.text)
        builder.items[unique_id] = ItemState(
            v=version, lib=library.key, etag=etag, f=fingerprint, p=policy
        )
        return True

    def _delete_here(
        self, library: _Library, unique_id: str, floor: int | None, builder: _Builder
    ) -> None:
        """Delete a document published from ``library``; one that lives in another library
        now (moved there) or was never published is left alone."""
        previous = self._state(unique_id, builder)
        if previous is None or not previous.live or previous.lib != library.key:
            return
        version = max(floor or 0, previous.v + 1)
        builder.events.append(
            ChangeEvent(
                source_id=self.source_id,
                document_id=unique_id,
                op=Op.DELETE,
                version=version,
                tags=tuple(sorted({*self._config.tags, *library.config.tags})),
            )
        )
        builder.items[unique_id] = ItemState(v=version, lib=library.key)

    def _delete_unseen(
        self, library: _Library, seen: set[str], floor: int | None, builder: _Builder
    ) -> int:
        known = {**self._published, **builder.items}
        gone = sorted(
            unique_id
            for unique_id, state in known.items()
            if state.live and state.lib == library.key and unique_id not in seen
        )
        for unique_id in gone:
            self._delete_here(library, unique_id, floor, builder)
        return len(gone)

    def _reject(
        self,
        library: _Library,
        item: RemoteItem,
        error: Exception,
        original: bytes,
        builder: _Builder,
    ) -> None:
        """Dead-letter a file version once; the version already indexed (if any) stays."""
        key = document_key(self.source_id, item.unique_id)
        log.warning(
            "connector.file_rejected",
            source=self.source_id,
            key=key,
            path=item.path,
            reason=type(error).__name__,
            detail=str(error),
        )
        builder.dead_letters.append(
            DeadLetter.wrap(
                Stage.CONNECTOR,
                error,
                original,
                topic=self._settings.kafka.changes_topic,
                key=key,
                max_original_bytes=dead_letter_room(self._settings.kafka.max_event_bytes),
            )
        )
        previous = self._state(item.unique_id, builder) or ItemState(v=0, lib=library.key)
        builder.items[item.unique_id] = previous.model_copy(update={"r": self._rejected(item.etag)})

    def _rejected(self, etag: str | None) -> str:
        """Fingerprint of a dead-lettered file version; names the size limit, so raising
        ``max_file_bytes`` tries the file again."""
        return stable_hash("rejected", etag or "", str(self._max_bytes))

    def _oversized(self, etag: str | None) -> str:
        """Fingerprint of a file version whose event the publisher dead-lettered (too large
        for the changes topic); names the limit, so raising it tries again."""
        return stable_hash("oversized", etag or "", str(self._settings.kafka.max_event_bytes))


def _origin(site_url: str) -> str:
    scheme, _, rest = site_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
