"""Where a connector keeps its checkpoint: one small interface, three implementations.

A :class:`StateStore` loads and saves the checkpoint of one source as bytes (the checkpoint's
JSON). :class:`FileStateStore` is the local file under ``connectors.state_dir`` (replaced
atomically); :class:`KafkaStateStore` is the record keyed ``<connector kind>/<source_id>`` on
the compacted topic ``<prefix>connect-offsets``; :class:`CombinedStateStore` writes both and,
at start, reads both and takes the newer one, so a connector moved to another host (an empty
or stale ``state_dir``, the same source id) resumes where it stopped. The local file is a
cache: it is the copy read when Kafka cannot be read at start.

"Newer" is the checkpoint's ``generation``, a counter every save increments
(:class:`Checkpoint`): clocks of different hosts need not agree.

The runner commits a checkpoint only after the broker acknowledged its batch, so both copies
trail what Kafka holds (at-least-once: after a move or a lost Kafka copy a source may publish
again what it had published, never less).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import structlog
from pydantic import BaseModel, Field
from tenacity import Retrying, stop_after_delay, wait_exponential

from connectors.base import SourceUnavailable
from connectors.metrics import ERRORS
from infra.settings import Settings
from schemas.keys import stable_hash

log = structlog.get_logger(__name__)


class StateUnavailable(SourceUnavailable):
    """The remote copy of a checkpoint could not be read (Kafka unreachable)."""


class StateStore(Protocol):
    """Loads and saves one source's checkpoint (JSON bytes)."""

    @property
    def where(self) -> str:
        """Where the checkpoint lives, for logs and messages."""
        ...

    def load(self) -> bytes | None:
        """The saved checkpoint, ``None`` when there is none yet."""
        ...

    def save(self, data: bytes) -> None: ...


class Checkpoint(BaseModel):
    """Base of every source's checkpoint model: ``generation`` grows with every save and
    tells which of two copies is newer."""

    generation: int = Field(default=0, ge=0)


M = TypeVar("M", bound=Checkpoint)


def load_checkpoint(store: StateStore, model: type[M]) -> M | None:
    data = store.load()
    return None if data is None else model.model_validate_json(data)


def save_checkpoint(
    store: StateStore, checkpoint: Checkpoint, *, indent: int | None = None
) -> None:
    """Increment the checkpoint's generation and save it."""
    checkpoint.generation += 1
    store.save(checkpoint.model_dump_json(exclude_none=True, indent=indent).encode("utf-8"))


class CheckpointStore(Generic[M]):
    """Loads and saves one source's checkpoint model through a :class:`StateStore` (given
    a path: the local file alone). Each source names its model and how an empty one looks."""

    def __init__(self, store: Path | StateStore) -> None:
        self.store: StateStore = FileStateStore(store) if isinstance(store, Path) else store

    @property
    def path(self) -> Path:
        path = local_path(self.store)
        if path is None:
            raise AttributeError("this checkpoint store has no local file")
        return path

    def load_saved(self, model: type[M]) -> M | None:
        """The saved checkpoint, or None when there is none yet."""
        return load_checkpoint(self.store, model)

    def save(self, checkpoint: M) -> None:
        save_checkpoint(self.store, checkpoint)


def generation_of(data: bytes) -> int:
    """The ``generation`` of a checkpoint's JSON (0 when absent or unreadable)."""
    try:
        loaded = json.loads(data)
    except ValueError:
        return 0
    value = loaded.get("generation", 0) if isinstance(loaded, dict) else 0
    return value if isinstance(value, int) else 0


def checkpoint_path(state_dir: Path, kind: str, source_id: str) -> Path:
    """``<state_dir>/<kind>-<source_id>.json``, with unsafe file-name characters replaced."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", source_id)
    return state_dir / f"{kind}-{safe}.json"


def state_key(kind: str, source_id: str) -> str:
    """The key of a source's checkpoint on the offsets topic: ``<connector kind>/<source_id>``."""
    return f"{kind}/{source_id}"


def policy_fingerprint(settings: Settings, tags: Iterable[str]) -> str:
    """What a document was evaluated under: the compliance policy's name, the operator's
    ``connectors.policy_version`` and the document's tags. A document whose fingerprint
    differs from the one it was published with is published again (same content, higher
    version), so the compliance stage evaluates it under the new policy."""
    return stable_hash(
        "policy",
        settings.compliance.policy,
        settings.connectors.policy_version or "",
        *sorted(set(tags)),
    )[:16]


# -- implementations ---------------------------------------------------------------------------


class FileStateStore:
    """The checkpoint as a local file, replaced atomically (temporary file, fsync, rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        return str(self.path)

    def load(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def save(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)


class RecordSink(Protocol):
    """Produces one keyed record without waiting for it (the publisher's producer)."""

    def produce_record(self, topic: str, key: str, value: bytes) -> None: ...


RecordReader = Callable[[str], Iterator[tuple[bytes | None, bytes | None]]]


class KafkaStateStore:
    """The checkpoint as the latest record keyed ``key`` on the compacted ``topic``.

    ``save`` hands the record to ``sink`` (the publisher's idempotent producer) without
    waiting: it is delivered with the next batch's flush or when the publisher closes; a
    record that cannot be sent (too large) is logged and counted, never fatal, since the
    local file still holds the checkpoint. ``load`` reads the topic to its end with
    ``reader`` and returns the last value for ``key``, trying again for up to ``retry_s``
    seconds (a topic just created has no partition leader yet, a broker restarts); a topic
    that stays unreadable raises :class:`StateUnavailable`.
    """

    def __init__(
        self,
        topic: str,
        key: str,
        sink: RecordSink,
        reader: RecordReader,
        max_bytes: int,
        *,
        retry_s: float = 30.0,
    ) -> None:
        self.topic = topic
        self.key = key
        self._sink = sink
        self._reader = reader
        self._max_bytes = max_bytes
        self._retry_s = retry_s

    @property
    def where(self) -> str:
        return f"{self.topic} (key {self.key})"

    def load(self) -> bytes | None:
        retrying = Retrying(
            stop=stop_after_delay(self._retry_s),
            wait=wait_exponential(multiplier=0.2, max=5.0),
            reraise=True,
            before_sleep=lambda state: log.info(
                "connector.checkpoint_read_retry",
                topic=self.topic,
                attempt=state.attempt_number,
                error=str(state.outcome.exception()) if state.outcome else None,
            ),
        )
        try:
            return retrying(self._read)
        except Exception as exc:  # any client failure: the caller decides (cache or retry)
            raise StateUnavailable(f"cannot read checkpoints from {self.topic}: {exc}") from exc

    def _read(self) -> bytes | None:
        wanted = self.key.encode("utf-8")
        latest: bytes | None = None
        for key, value in self._reader(self.topic):
            if key == wanted:
                latest = value  # a tombstone (None) forgets the checkpoint
        return latest

    def save(self, data: bytes) -> None:
        source = self.key.split("/", 1)[-1]
        if len(data) > self._max_bytes:
            ERRORS.labels(source=source, outcome="CheckpointTooLarge").inc()
            log.error(
                "connector.checkpoint_not_in_kafka",
                key=self.key,
                size=len(data),
                limit=self._max_bytes,
                reason="checkpoint larger than kafka.large_message_bytes; the local file "
                "still holds it",
            )
            return
        try:
            self._sink.produce_record(self.topic, self.key, data)
        except Exception as exc:  # a local producer error (queue, size): the file has it
            ERRORS.labels(source=source, outcome=type(exc).__name__).inc()
            log.warning("connector.checkpoint_not_in_kafka", key=self.key, error=str(exc))


class MemoryStateStore:
    """A checkpoint in a dict (tests: a fake of the Kafka copy shared by "hosts")."""

    def __init__(self, records: MutableMapping[str, bytes], key: str) -> None:
        self._records = records
        self.key = key

    @property
    def where(self) -> str:
        return f"memory (key {self.key})"

    def load(self) -> bytes | None:
        return self._records.get(self.key)

    def save(self, data: bytes) -> None:
        self._records[self.key] = data


class CombinedStateStore:
    """The local file plus a remote copy: ``save`` writes both (the file first), ``load``
    takes the copy with the higher generation (the file on a tie) and refreshes the file
    from the remote one when that is newer. When the remote copy cannot be read, the file
    is used if there is one (with a warning); without a file :class:`StateUnavailable`
    propagates, since starting from nothing would publish every document again."""

    def __init__(self, local: FileStateStore, remote: StateStore) -> None:
        self.local = local
        self.remote = remote

    @property
    def path(self) -> Path:
        return self.local.path

    @property
    def where(self) -> str:
        return f"{self.local.where} and {self.remote.where}"

    def load(self) -> bytes | None:
        local = self.local.load()
        try:
            remote = self.remote.load()
        except StateUnavailable as exc:
            if local is None:
                raise
            log.warning(
                "connector.checkpoint_remote_unavailable",
                remote=self.remote.where,
                error=str(exc),
                using=self.local.where,
            )
            return local
        if remote is None:
            return local
        if local is None or generation_of(remote) > generation_of(local):
            log.info(
                "connector.checkpoint_from_kafka",
                remote=self.remote.where,
                generation=generation_of(remote),
                local_generation=None if local is None else generation_of(local),
            )
            self.local.save(remote)
            return remote
        return local

    def save(self, data: bytes) -> None:
        self.local.save(data)
        self.remote.save(data)


def source_state(settings: Settings, kind: str, source_id: str, publisher: object) -> StateStore:
    """The checkpoint store of one source: ``<state_dir>/<kind>-<source_id>.json``, plus
    the publisher's remote copy (Kafka's ``connect-offsets``, or the in-memory one of the
    test publisher) unless ``connectors.state_in_kafka`` is off."""
    local = FileStateStore(checkpoint_path(settings.connectors.state_dir, kind, source_id))
    factory: Callable[[str], StateStore | None] | None = getattr(
        publisher, "checkpoint_store", None
    )
    if not settings.connectors.state_in_kafka or factory is None:
        return local
    remote = factory(state_key(kind, source_id))
    if remote is None:
        return local
    return CombinedStateStore(local, remote)


def local_path(store: StateStore) -> Path | None:
    """The local file of a store, if it has one."""
    if isinstance(store, FileStateStore | CombinedStateStore):
        return store.path
    return None


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
