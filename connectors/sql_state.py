"""The SQL source's checkpoint: the high watermark and, per known row, version and hash.

Saved as JSON next to the other connectors' checkpoints (``checkpoint_path``), replaced
atomically (temporary file, fsync, rename) like :class:`connectors.checkpoint.CheckpointStore`,
which is typed to the file-system checkpoint.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RowState(BaseModel):
    """What was last published for one row. ``h``: content hash, ``None`` once deleted (the
    entry stays so a re-inserted row gets a higher version); ``r``: fingerprint of the row
    state last dead-lettered, so the same bad row is reported once."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    v: int = Field(ge=0)
    h: str | None = None
    r: str | None = None

    @property
    def live(self) -> bool:
        return self.h is not None


class SqlCheckpoint(BaseModel):
    """``watermark``: the highest watermark read (epoch microseconds or version), ``None``
    before the first row; ``aware``: whether the column holds time-zone-aware values."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    source_id: str
    watermark: int | None = None
    aware: bool | None = None
    rows: dict[str, RowState] = Field(default_factory=dict)


@dataclass(frozen=True)
class SqlBatchCheckpoint:
    """What one batch changed: row states and the watermark reached."""

    rows: dict[str, RowState] = field(default_factory=dict)
    watermark: int | None = None
    aware: bool | None = None


class SqlCheckpointStore:
    """Loads and atomically saves one :class:`SqlCheckpoint`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, source_id: str) -> SqlCheckpoint:
        if not self.path.exists():
            return SqlCheckpoint(source_id=source_id)
        return SqlCheckpoint.model_validate_json(self.path.read_bytes())

    def save(self, checkpoint: SqlCheckpoint) -> None:
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
