"""The file-system source's checkpoint, and where checkpoint files are named.

The runner commits a checkpoint only after the publisher's flush succeeded, so on restart a
source resumes from what the broker acknowledged (at-least-once: it may publish again what
was in flight when it stopped, never less). Where it is kept (the local file, plus its copy
on Kafka's ``connect-offsets``) is :mod:`connectors.state`'s business.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.state import Checkpoint
from connectors.state import CheckpointStore as BaseCheckpointStore
from connectors.state import (
    checkpoint_path as checkpoint_path,
)


class DocState(BaseModel):
    """What was last published for one document.

    ``sha256`` is the hash of the published content, ``None`` once the document was deleted
    (the entry stays as a tombstone so a re-created file gets a higher version).
    ``rejected`` fingerprints the content last sent to the dead-letter topic, so the same
    bad file is not dead-lettered again on every scan. ``tags`` are the tags the document
    was published with and ``policy`` the fingerprint of the compliance policy and tags it
    was published under (:func:`connectors.state.policy_fingerprint`): when it differs at
    the next scan the unchanged file is published again to be evaluated anew (``None`` in a
    checkpoint written before they were recorded: published again once). ``parent`` is
    set on an e-mail attachment's document: the relative path of its mail.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = Field(ge=0)
    sha256: str | None = None
    rejected: str | None = None
    tags: tuple[str, ...] | None = None
    policy: str | None = None
    parent: str | None = None

    @property
    def live(self) -> bool:
        return self.sha256 is not None


class FileCheckpoint(Checkpoint):
    """The file-system source's state: per document id (the relative path, or
    ``<path>#attachment/<n>-<name>`` for a mail's attachment), what was last published."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    source_id: str
    root: str
    documents: dict[str, DocState] = Field(default_factory=dict)


class CheckpointStore(BaseCheckpointStore[FileCheckpoint]):
    """Loads and saves the file-system source's :class:`FileCheckpoint` through a
    :class:`connectors.state.StateStore` (a path: the local file alone)."""

    def load(self, source_id: str, root: str) -> FileCheckpoint:
        """The saved checkpoint, or an empty one when there is none yet."""
        saved = self.load_saved(FileCheckpoint)
        return saved or FileCheckpoint(source_id=source_id, root=root)
