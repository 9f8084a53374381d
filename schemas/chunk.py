"""Chunk: a window of a clean document with its embedding, on ``ragstream.chunks``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from schemas.base import WireModel
from schemas.change import Acl
from schemas.document import Sensitivity
from schemas.keys import stable_hash


def chunk_id_for(doc_key: str, index: int, version: int) -> str:
    """Deterministic chunk id: a replay of the same version overwrites, never duplicates."""
    return stable_hash(doc_key, str(index), str(version))


class Chunk(WireModel):
    schema_version: Literal[1] = 1
    chunk_id: str
    doc_key: str
    source_id: str
    document_id: str
    version: int = Field(ge=0)
    index: int = Field(ge=0)
    count: int = Field(ge=1, description="number of chunks of this document version")
    text: str
    start: int = Field(ge=0, description="character offset into the clean text")
    end: int = Field(ge=0)
    embedding: tuple[float, ...]
    model_id: str
    title: str | None = None
    uri: str | None = None
    acl: Acl = Acl()
    classification: Sensitivity = Sensitivity.INTERNAL
    subject_ids: tuple[str, ...] = ()
    occurred_at: datetime
    expires_at: datetime | None = None
