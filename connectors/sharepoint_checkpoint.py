"""The SharePoint source's checkpoint: per library the change token, per item what was
published.

Saved as JSON next to the other connectors' checkpoints (``checkpoint_path(state_dir,
"sharepoint", source_id)``), replaced atomically (temporary file, fsync, rename) like
:class:`connectors.checkpoint.CheckpointStore`, which is typed to the file-system checkpoint.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ItemState(BaseModel):
    """What was last published for one document (a file, by its SharePoint UniqueId).

    ``lib``: the library key the file was last seen in (a move between configured libraries
    re-homes it); ``etag``: the file's ETag when its content was published, ``None`` once
    deleted (the entry stays, so a restored file gets a higher version); ``f``: fingerprint
    of everything else the event carried (name, URL, ACL, metadata); ``r``: fingerprint of
    the file state last dead-lettered, so the same bad file is reported once.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    v: int = Field(ge=0)
    lib: str
    etag: str | None = None
    f: str | None = None
    r: str | None = None

    @property
    def live(self) -> bool:
        return self.etag is not None


class LibraryState(BaseModel):
    """One configured library: its list id, the change token the next read starts from
    (``None``: a full crawl is needed), the folders seen (UniqueId -> server-relative URL, so
    a renamed, moved or deleted folder triggers a re-crawl) and when it was last crawled."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    list_id: str | None = None
    token: str | None = None
    folders: dict[str, str] = Field(default_factory=dict)
    crawled_at: datetime | None = None


class SharePointCheckpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    source_id: str
    libraries: dict[str, LibraryState] = Field(default_factory=dict)
    items: dict[str, ItemState] = Field(default_factory=dict)


@dataclass(frozen=True)
class SharePointBatchCheckpoint:
    """What one batch changed: item states and library states (token, folders)."""

    items: dict[str, ItemState] = field(default_factory=dict)
    libraries: dict[str, LibraryState] = field(default_factory=dict)


class SharePointCheckpointStore:
    """Loads and atomically saves one :class:`SharePointCheckpoint`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, source_id: str) -> SharePointCheckpoint:
        if not self.path.exists():
            return SharePointCheckpoint(source_id=source_id)
        return SharePointCheckpoint.model_validate_json(self.path.read_bytes())

    def save(self, checkpoint: SharePointCheckpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = checkpoint.model_dump_json(exclude_none=True).encode("utf-8")
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
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
