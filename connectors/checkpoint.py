"""Checkpoint store: a connector's state as a JSON file, replaced atomically.

The runner commits a checkpoint only after the publisher's flush succeeded, so on restart a
source resumes from what the broker acknowledged (at-least-once: it may publish again what
was in flight when it stopped, never less).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DocState(BaseModel):
    """What was last published for one document.

    ``sha256`` is the hash of the published content, ``None`` once the document was deleted
    (the entry stays as a tombstone so a re-created file gets a higher version).
    ``rejected`` fingerprints the content last sent to the dead-letter topic, so the same
    bad file is not dead-lettered again on every scan.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = Field(ge=0)
    sha256: str | None = None
    rejected: str | None = None

    @property
    def live(self) -> bool:
        return self.sha256 is not None


class FileCheckpoint(BaseModel):
    """The file-system source's state: per relative path, what was last published."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    source_id: str
    root: str
    documents: dict[str, DocState] = Field(default_factory=dict)


def checkpoint_path(state_dir: Path, kind: str, source_id: str) -> Path:
    """``<state_dir>/<kind>-<source_id>.json``, with unsafe file-name characters replaced."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", source_id)
    return state_dir / f"{kind}-{safe}.json"


class CheckpointStore:
    """Loads and atomically saves one :class:`FileCheckpoint` (tmp file, fsync, rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, source_id: str, root: str) -> FileCheckpoint:
        """The saved checkpoint, or an empty one when there is none yet."""
        if not self.path.exists():
            return FileCheckpoint(source_id=source_id, root=root)
        return FileCheckpoint.model_validate_json(self.path.read_bytes())

    def save(self, checkpoint: FileCheckpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = checkpoint.model_dump_json(indent=1).encode("utf-8")
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
