"""ChangeEvent: what a connector publishes on ``ragstream.changes``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import WireModel
from schemas.keys import document_key


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class Acl(BaseModel):
    """Who may read a document; empty lists mean no restriction recorded by the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


class ChangeEvent(WireModel):
    """One change of one document in a source system."""

    schema_version: Literal[1] = 1
    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    source_id: str = Field(min_length=1, max_length=200, pattern=r"^[^/\s]+$")
    document_id: str = Field(min_length=1, max_length=2000)
    op: Op
    version: int = Field(ge=0, description="monotonic per document (mtime_ns, LSN, ...)")
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    content: str | None = None
    content_type: str = "text/plain"
    title: str | None = None
    uri: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    acl: Acl = Acl()
    classification_hint: str | None = None
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _content_matches_op(self) -> ChangeEvent:
        if self.op is Op.UPSERT and self.content is None:
            raise ValueError("an upsert needs content")
        if self.op is Op.DELETE and self.content is not None:
            raise ValueError("a delete carries no content")
        return self

    @property
    def key(self) -> str:
        return document_key(self.source_id, self.document_id)
