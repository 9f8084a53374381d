"""AuditRecord: evidence of what compliance did to one document version."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import WireModel


class EntityCount(BaseModel):
    """How many findings of one entity type, and what was done: never a value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    entity_type: str
    count: int = Field(ge=0)
    action: str


class AuditRecord(WireModel):
    schema_version: Literal[1] = 1
    audit_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: Literal[
        "ingest",
        "delete",
        "blocked",
        "dsr_access",
        "dsr_erase",
        "dsr_opt_out",
        "dsr_lift_erasure",
        "purge",
        "dlq_replay",
        "quarantine_release",
        "quarantine_drop",
    ] = "ingest"
    event_id: str | None = None
    doc_key: str | None = None
    version: int | None = None
    policy_id: str | None = None
    policy_version: str | None = None
    frameworks: tuple[str, ...] = ()
    entities: tuple[EntityCount, ...] = ()
    outcome: str = "indexed"
    content_sha256_before: str | None = None
    content_sha256_after: str | None = None
    subject_ids: tuple[str, ...] = ()
    detail: dict[str, int | str] = Field(default_factory=dict)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    worker: str | None = None
