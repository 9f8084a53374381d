"""The SQL source's checkpoint: the high watermark and, per known row, version and hash.

Saved as JSON next to the other connectors' checkpoints (``checkpoint_path``) and on Kafka's
``connect-offsets`` through a :class:`connectors.state.StateStore`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.state import Checkpoint
from connectors.state import CheckpointStore as BaseCheckpointStore


class RowState(BaseModel):
    """What was last published for one row. ``h``: content hash, ``None`` once deleted (the
    entry stays so a re-inserted row gets a higher version); ``r``: fingerprint of the row
    state last dead-lettered, so the same bad row is reported once; ``p``: the policy
    fingerprint it was published under (:func:`connectors.state.policy_fingerprint`), so a
    changed policy publishes the unchanged row again."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    v: int = Field(ge=0)
    h: str | None = None
    r: str | None = None
    p: str | None = None

    @property
    def live(self) -> bool:
        return self.h is not None


class SqlCheckpoint(Checkpoint):
    """``watermark``: the highest watermark read (epoch microseconds or version), ``None``
    before the first row; ``aware``: whether the column holds time-zone-aware values;
    ``policy``: the compliance policy (:func:`connectors.state.policy_fingerprint` without
    tags) every row was last read under; when it differs at start, a full pass publishes
    the rows again."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    source_id: str
    watermark: int | None = None
    aware: bool | None = None
    policy: str | None = None
    rows: dict[str, RowState] = Field(default_factory=dict)


@dataclass(frozen=True)
class SqlBatchCheckpoint:
    """What one batch changed: row states, the watermark reached, and the policy once a
    full pass under it finished."""

    rows: dict[str, RowState] = field(default_factory=dict)
    watermark: int | None = None
    aware: bool | None = None
    policy: str | None = None


class SqlCheckpointStore(BaseCheckpointStore[SqlCheckpoint]):
    """Loads and saves one :class:`SqlCheckpoint` (a path: the local file alone)."""

    def load(self, source_id: str) -> SqlCheckpoint:
        return self.load_saved(SqlCheckpoint) or SqlCheckpoint(source_id=source_id)
