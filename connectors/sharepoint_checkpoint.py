"""The SharePoint source's checkpoint: per library the change token, per item what was
published.

Saved as JSON next to the other connectors' checkpoints (``checkpoint_path(state_dir,
"sharepoint", source_id)``) and on Kafka's ``connect-offsets`` through a
:class:`connectors.state.StateStore`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.state import Checkpoint
from connectors.state import CheckpointStore as BaseCheckpointStore


class ItemState(BaseModel):
    """What was last published for one document (a file, by its SharePoint UniqueId).

    ``lib``: the library key the file was last seen in (a move between configured libraries
    re-homes it); ``etag``: the file's ETag when its content was published, ``None`` once
    deleted (the entry stays, so a restored file gets a higher version); ``f``: fingerprint
    of everything else the event carried (name, URL, ACL, metadata); ``r``: fingerprint of
    the file state last dead-lettered, so the same bad file is reported once; ``p``: the
    policy fingerprint it was published under (:func:`connectors.state.policy_fingerprint`
    of its tags), so a changed policy publishes the unchanged file again.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    v: int = Field(ge=0)
    lib: str
    etag: str | None = None
    f: str | None = None
    r: str | None = None
    p: str | None = None

    @property
    def live(self) -> bool:
        return self.etag is not None


class LibraryState(BaseModel):
    """One configured library: its list id, the change token the next read starts from
    (``None``: a full crawl is needed), the folders seen (UniqueId -> server-relative URL, so
    a renamed, moved or deleted folder triggers a re-crawl), when it was last crawled, and
    the compliance policy of that crawl (:func:`connectors.state.policy_fingerprint` without
    tags): a different one at start crawls the library again."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    list_id: str | None = None
    token: str | None = None
    folders: dict[str, str] = Field(default_factory=dict)
    crawled_at: datetime | None = None
    policy: str | None = None


class SharePointCheckpoint(Checkpoint):
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


class SharePointCheckpointStore(BaseCheckpointStore[SharePointCheckpoint]):
    """Loads and saves one :class:`SharePointCheckpoint` (a path: the local file alone)."""

    def load(self, source_id: str) -> SharePointCheckpoint:
        saved = self.load_saved(SharePointCheckpoint)
        return saved or SharePointCheckpoint(source_id=source_id)
