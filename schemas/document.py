"""CleanDocument: a change after the compliance stage, on ``ragstream.clean``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from schemas.audit import EntityCount
from schemas.base import WireModel
from schemas.change import Acl, ChangeEvent, Op
from schemas.keys import document_key


class Sensitivity(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class CleanDocument(WireModel):
    """The redacted document; never holds a raw value the policy removes."""

    schema_version: Literal[1] = 1
    event_id: str
    source_id: str
    document_id: str
    op: Op
    version: int = Field(ge=0)
    occurred_at: datetime
    text: str | None = None
    content_type: str = "text/plain"
    title: str | None = None
    uri: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    acl: Acl = Acl()
    classification: Sensitivity = Sensitivity.INTERNAL
    tags: tuple[str, ...] = ()
    policy_id: str = "passthrough"
    policy_version: str = "0"
    frameworks: tuple[str, ...] = ()
    findings: tuple[EntityCount, ...] = ()
    subject_ids: tuple[str, ...] = Field(
        default=(), description="keyed hashes of the identifiers found, for erasure"
    )
    expires_at: datetime | None = None

    @property
    def key(self) -> str:
        return document_key(self.source_id, self.document_id)

    @classmethod
    def deletion_of(cls, event: ChangeEvent, **fields: Any) -> CleanDocument:
        """A versioned delete of ``event``'s document (the event's own version and identity)."""
        return cls(
            event_id=event.event_id,
            source_id=event.source_id,
            document_id=event.document_id,
            op=Op.DELETE,
            version=event.version,
            occurred_at=event.occurred_at,
            uri=event.uri,
            acl=event.acl,
            tags=event.tags,
            **fields,
        )
