"""SqlSource: a table or query as a stream of ChangeEvents, by high watermark (SQLAlchemy 2).

Each pass reads the rows whose watermark is at least the last one seen minus an overlap
window (late commits: a transaction that wrote an older ``updated_at`` but committed after
the last pass), ordered by (watermark, id) and paged by key set. A row is published only
when its document's content hash differs from the one last published, so re-read rows
cost nothing downstream. Deletes come from a soft-delete column or, without one, from a
periodic comparison of all keys with the known ones (a known key gone -> delete).

Versions: the row's watermark as an integer (epoch microseconds or the version column),
raised to last published version + 1 when not higher, so a document's versions only grow.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from connectors import base
from connectors.base import Batch, Publisher, Source
from connectors.publisher import dead_letter_room
from connectors.runner import RetryReport, RunSummary, run_source
from connectors.sql_config import SqlConfigError, SqlSourceConfig, WatermarkKind
from connectors.sql_state import RowState, SqlBatchCheckpoint, SqlCheckpoint, SqlCheckpointStore
from connectors.state import StateStore, policy_fingerprint, source_state
from infra.settings import Settings
from schemas import ChangeEvent, DeadLetter, Stage, document_key
from schemas.keys import stable_hash
from schemas.row_mapping import RowMappingError, delete_event

log = structlog.get_logger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRUE_TEXT = frozenset({"1", "t", "true", "y", "yes", "deleted"})


class SourceUnavailable(base.SourceUnavailable):
    """The database could not be reached or queried (retried while watching)."""


class SourceConfigError(SqlConfigError):
    """The configuration does not fit the database (a configured column is missing)."""


class InvalidRow(ValueError):
    """A row whose document is not a valid ChangeEvent (e.g. an id longer than 2,000)."""


@dataclass
class _Builder:
    events: list[ChangeEvent] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    rows: dict[str, RowState] = field(default_factory=dict)
    skipped: int = 0
    ignored: int = 0


@dataclass
class _Pass:
    """One incremental pass: the lower bound and the (watermark, ids) of the last row read."""

    low: Any
    cursor: tuple[Any, ...] | None = None
    rows: int = 0


class SqlSource:
    """Publishes the rows of ``config.table`` or ``config.query`` and keeps them in sync.

    ``open`` loads the checkpoint and connects; ``poll`` returns one page (``batch_size``
    rows) of the current pass; the batch that ends the first pass (followed by a key-set
    comparison when hard deletes are detected) completes the snapshot. Then a pass runs
    every ``poll_interval_s`` and the key-set comparison every ``keyset_interval_s``.
    The constructor does no I/O.
    """

    def __init__(
        self,
        config: SqlSourceConfig,
        settings: Settings,
        publisher: Publisher,
        *,
        flush_timeout_s: float = 30.0,
        state: StateStore | None = None,
    ) -> None:
        self._config = config
        self._settings = settings
        self._publisher = publisher
        self._flush_timeout_s = flush_timeout_s
        self._store = SqlCheckpointStore(
            state or source_state(settings, "sql", config.source_id, publisher)
        )
        self._policy = policy_fingerprint(settings, ())
        self._full_pass = False
        self._closed = threading.Event()
        self._once = False
        self._engine: Engine | None = None
        self._source: sa.FromClause | None = None
        self._committed: SqlCheckpoint | None = None
        self._published: dict[str, RowState] = {}
        self._watermark: int | None = None
        self._aware: bool | None = None
        self._pass: _Pass | None = None
        self._snapshot_done = False
        self._next_pass_at = 0.0
        self._next_keyset_at = 0.0
        self._failures = 0

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
        """Publish the first pass and checkpoint; with ``once`` return after it, otherwise
        keep polling until ``stop`` is set (a database unreachable at start, or Kafka lost,
        is retried with backoff from the checkpoint). In ``once`` mode
        :class:`SourceUnavailable` and :class:`connectors.base.PublishError` propagate."""
        self._once = once
        source: Source[SqlBatchCheckpoint] = self
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
        self._published = dict(self._committed.rows)
        self._watermark = self._committed.watermark
        self._aware = self._committed.aware
        # A changed compliance policy (name or connectors.policy_version): read every row
        # again and publish those published under another policy.
        self._full_pass = self._committed.policy != self._policy
        self._pass = None
        self._snapshot_done = False
        self._failures = 0
        self._source = None
        try:
            self._engine = sa.create_engine(self._config.resolved_url(), pool_pre_ping=True)
            with self._engine.connect() as conn:
                self._source = self._reflect(conn)
        except sa.exc.SQLAlchemyError as exc:
            self.close()
            raise SourceUnavailable(self._describe(exc)) from exc
        except BaseException:
            self.close()
            raise
        log.info(
            "connector.opened",
            source=self.source_id,
            database=self._safe_url(),
            known_documents=sum(1 for s in self._published.values() if s.live),
            watermark=self._watermark,
            checkpoint=self._store.store.where,
            full_pass=self._full_pass,
        )

    def poll(self, timeout: float) -> Batch[SqlBatchCheckpoint] | None:
        if self._closed.is_set():
            return None
        if self._pass is None:
            if self._snapshot_done:
                wait = self._next_pass_at - time.monotonic()
                if wait > 0 and self._closed.wait(min(timeout, wait)):
                    return None
                if time.monotonic() < self._next_pass_at:
                    return None
            self._pass = _Pass(low=self._low_bound())
        try:
            return self._poll_page()
        except sa.exc.SQLAlchemyError as exc:
            self._pass = None
            message = self._describe(exc)
            if self._once:
                raise SourceUnavailable(message) from exc
            self._failures += 1
            delay = min(30.0, 2.0 ** (self._failures - 1))
            log.warning(
                "connector.database_error", source=self.source_id, error=message, retry_in_s=delay
            )
            self._next_pass_at = time.monotonic() + delay
            self._closed.wait(min(timeout, delay))
            return None

    def commit(
        self, checkpoint: SqlBatchCheckpoint, dead_lettered: frozenset[str] = frozenset()
    ) -> None:
        """Save the batch's row states and watermark. A row whose event the publisher
        dead-lettered (too large) keeps its last published state and remembers the rejected
        content hash, so it is not sent again until the row changes."""
        if self._committed is None:
            raise RuntimeError("commit before open")
        rows = dict(checkpoint.rows)
        prefix = self.source_id + "/"
        for key in dead_lettered:
            document_id = key.removeprefix(prefix)
            attempted = rows.get(document_id)
            if not key.startswith(prefix) or attempted is None:
                continue
            before = self._committed.rows.get(document_id) or RowState(v=0)
            kept = before.model_copy(update={"v": max(before.v, attempted.v), "r": attempted.h})
            rows[document_id] = kept
            self._published[document_id] = kept
        changed = False
        if rows:
            self._committed.rows.update(rows)
            changed = True
        if checkpoint.policy is not None and checkpoint.policy != self._committed.policy:
            self._committed.policy = checkpoint.policy
            changed = True
        if checkpoint.watermark is not None and checkpoint.watermark != self._committed.watermark:
            self._committed.watermark = checkpoint.watermark
            self._committed.aware = checkpoint.aware
            changed = True
        if changed:
            self._store.save(self._committed)

    def close(self) -> None:
        """Stop and release the connection pool; idempotent."""
        self._closed.set()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    # -- queries -----------------------------------------------------------------------------

    def _reflect(self, conn: Connection) -> sa.FromClause:
        """The table (reflected) or the query (as a subquery with the columns it returns)."""
        config = self._config
        if config.table is not None:
            table = sa.Table(
                config.table, sa.MetaData(), schema=config.db_schema, autoload_with=conn
            )
            self._check_columns(table)
            return table
        assert config.query is not None
        probe = sa.text(f"SELECT * FROM ({config.query}) AS ragstream_probe WHERE 1 = 0")
        names = list(conn.execute(probe).keys())
        subquery = (
            sa.text(config.query).columns(*[sa.column(name) for name in names]).subquery("src")
        )
        self._check_columns(subquery)
        return subquery

    def _check_columns(self, source: sa.FromClause) -> None:
        """Fail at open, not per row, when a configured column is missing."""
        available = set(source.c.keys())
        wanted = {
            *self._config.mapping.columns(),
            self._config.watermark_column,
            *([self._config.soft_delete_column] if self._config.soft_delete_column else []),
        }
        missing = sorted(wanted - available)
        if missing:
            raise SourceConfigError(
                f"source {self.source_id}: columns {missing} not found; the table or query "
                f"has {sorted(available)}"
            )

    def _poll_page(self) -> Batch[SqlBatchCheckpoint]:
        assert self._engine is not None and self._source is not None and self._pass is not None
        source, config, current = self._source, self._config, self._pass
        watermark = source.c[config.watermark_column]
        ids = [source.c[name] for name in config.mapping.id_columns]
        query = sa.select(source).where(watermark.is_not(None))
        if current.low is not None:
            query = query.where(watermark >= current.low)
        if current.cursor is not None:
            query = query.where(sa.tuple_(watermark, *ids) > sa.tuple_(*current.cursor))
        query = query.order_by(watermark, *ids).limit(config.batch_size)
        with self._engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
            builder = _Builder()
            for row in rows:
                self._examine(row, builder)
            current.rows += len(rows)
            if rows:
                last = rows[-1]
                current.cursor = (
                    last[config.watermark_column],
                    *(last[name] for name in config.mapping.id_columns),
                )
            finished = len(rows) < config.batch_size
            keyset = False
            if finished and config.detects_hard_deletes:
                keyset = not self._snapshot_done or time.monotonic() >= self._next_keyset_at
                if keyset:
                    self._keyset_deletes(conn, builder)
                    self._next_keyset_at = time.monotonic() + config.keyset_interval_s
        self._failures = 0
        snapshot_complete = False
        policy: str | None = None
        if (
            current.rows // config.progress_every
            > (current.rows - len(rows)) // config.progress_every
        ):
            log.info("connector.scan_progress", source=self.source_id, rows=current.rows)
        if finished:
            if self._full_pass and current.low is None:
                policy, self._full_pass = self._policy, False  # every row was read again
            self._pass = None
            self._next_pass_at = time.monotonic() + config.poll_interval_s
            if not self._snapshot_done:
                self._snapshot_done = True
                snapshot_complete = True
                log.info(
                    "connector.scan_finished",
                    source=self.source_id,
                    rows=current.rows,
                    keyset_checked=keyset,
                )
        return Batch(
            events=tuple(builder.events),
            dead_letters=tuple(builder.dead_letters),
            checkpoint=SqlBatchCheckpoint(
                rows=builder.rows, watermark=self._watermark, aware=self._aware, policy=policy
            ),
            skipped=builder.skipped,
            ignored=builder.ignored,
            snapshot_complete=snapshot_complete,
        )

    def _keyset_deletes(self, conn: Connection, builder: _Builder) -> None:
        """Every known live document whose key is no longer in the source -> delete."""
        assert self._source is not None
        mapping = self._config.mapping
        query = sa.select(*[self._source.c[name] for name in mapping.id_columns])
        present: set[str] = set()
        for row in conn.execute(query):
            try:
                present.add(mapping.document_id(dict(row._mapping)))
            except RowMappingError:
                continue
        gone = sorted(d for d, s in self._published.items() if s.live and d not in present)
        for document_id in gone:
            self._delete(document_id, None, builder)
        if gone:
            log.info("connector.keyset_deletes", source=self.source_id, deleted=len(gone))

    # -- one row -----------------------------------------------------------------------------

    def _examine(self, row: dict[str, Any], builder: _Builder) -> None:
        config = self._config
        raw_watermark = row[config.watermark_column]
        try:
            version, occurred_at = self._watermark_of(raw_watermark)
            if self._watermark is None or version > self._watermark:
                self._watermark = version
            document_id = config.mapping.document_id(row)
        except RowMappingError as exc:
            self._reject(None, row, exc, builder)
            return
        if config.soft_delete_column is not None and _is_deleted(row[config.soft_delete_column]):
            self._delete(document_id, version, builder, occurred_at)
            return
        try:
            document = config.mapping.to_document(row)
            content_hash = document.content_hash()
            policy = policy_fingerprint(self._settings, document.tags)
            previous = self._published.get(document_id)
            if previous is not None and (
                content_hash == previous.r or (content_hash == previous.h and previous.p == policy)
            ):
                builder.skipped += 1
                return
            if previous is not None:
                version = max(version, previous.v + 1)
            event = document.upsert(self.source_id, version, occurred_at)
        except RowMappingError as exc:
            self._reject(document_id, row, exc, builder)
            return
        except ValidationError as exc:
            reason = InvalidRow(f"no valid ChangeEvent: {exc.error_count()} error(s)")
            self._reject(document_id, row, reason, builder)
            return
        builder.events.append(event)
        self._set(document_id, RowState(v=version, h=content_hash, p=policy), builder)

    def _delete(
        self,
        document_id: str,
        version: int | None,
        builder: _Builder,
        occurred_at: datetime | None = None,
    ) -> None:
        previous = self._published.get(document_id)
        if previous is None or not previous.live:
            builder.skipped += 1
            return
        new_version = previous.v + 1 if version is None else max(version, previous.v + 1)
        builder.events.append(
            delete_event(
                self.source_id,
                document_id,
                new_version,
                occurred_at,
                tags=tuple(sorted(self._config.mapping.tags)),
            )
        )
        self._set(document_id, RowState(v=new_version), builder)

    def _reject(
        self, document_id: str | None, row: dict[str, Any], error: Exception, builder: _Builder
    ) -> None:
        """Dead-letter a row once per (row content, reason); the version indexed stays."""
        original = json.dumps(row, default=str, sort_keys=True, ensure_ascii=False).encode()
        fingerprint = stable_hash(type(error).__name__, str(error), original.decode())
        state_key = document_id if document_id is not None else f"!invalid/{fingerprint}"
        previous = self._published.get(state_key) or RowState(v=0)
        if previous.r == fingerprint:
            builder.skipped += 1
            return
        key = document_key(self.source_id, document_id or "?")
        log.warning(
            "connector.row_rejected",
            source=self.source_id,
            key=key,
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
        self._set(state_key, previous.model_copy(update={"r": fingerprint}), builder)

    def _set(self, document_id: str, state: RowState, builder: _Builder) -> None:
        self._published[document_id] = state
        builder.rows[document_id] = state

    # -- watermarks --------------------------------------------------------------------------

    def _watermark_of(self, value: Any) -> tuple[int, datetime | None]:
        """The watermark as a non-negative integer, and the change time when it is one."""
        if self._config.watermark_kind is WatermarkKind.INTEGER:
            try:
                number = int(value)
            except (TypeError, ValueError) as exc:
                raise RowMappingError(
                    f"watermark column {self._config.watermark_column!r} is not an integer"
                ) from exc
            return max(0, number), None
        moment = _as_datetime(value)
        if moment is None:
            raise RowMappingError(
                f"watermark column {self._config.watermark_column!r} is not a timestamp"
            )
        if self._aware is None:
            self._aware = moment.tzinfo is not None
        utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        micros = (utc - _EPOCH) // timedelta(microseconds=1)
        return max(0, micros), utc

    def _low_bound(self) -> Any:
        """The lowest watermark value the next pass reads (``None``: read everything)."""
        if self._watermark is None or self._full_pass:
            return None
        if self._config.watermark_kind is WatermarkKind.INTEGER:
            return self._watermark - self._config.overlap_versions
        low = (
            _EPOCH
            + timedelta(microseconds=self._watermark)
            - timedelta(seconds=self._config.overlap_s)
        )
        return low if self._aware else low.replace(tzinfo=None)

    # -- helpers -----------------------------------------------------------------------------

    def _safe_url(self) -> str:
        try:
            return sa.make_url(self._config.resolved_url()).render_as_string(hide_password=True)
        except (sa.exc.ArgumentError, ValueError):
            return "(unparseable url)"

    def _describe(self, exc: sa.exc.SQLAlchemyError) -> str:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        first = detail[0] if detail else type(exc).__name__
        return f"database {self._safe_url()}: {type(exc).__name__}: {first}"


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_deleted(value: Any) -> bool:
    """A soft-delete flag or ``deleted_at``: true, non-zero, ``yes``/``t``, or a timestamp."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_TEXT
    return True
