"""Chunks with embeddings, on ``ragstream.chunks`` as one message per document version."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from schemas.base import WireModel
from schemas.document import CleanDocument
from schemas.keys import stable_hash


def chunk_id_for(doc_key: str, index: int, version: int) -> str:
    """Deterministic chunk id: a replay of the same version overwrites, never duplicates."""
    return stable_hash(doc_key, str(index), str(version))


def _decode_vector(value: object) -> tuple[float, ...]:
    if isinstance(value, str):
        arr = np.frombuffer(base64.b64decode(value), dtype="<f4")
        return tuple(float(x) for x in arr)
    if isinstance(value, list | tuple):
        return tuple(float(x) for x in value)
    raise ValueError("an embedding is a base64 float32 string or a list of floats")


def _encode_vector(value: tuple[float, ...]) -> str:
    return base64.b64encode(np.asarray(value, dtype="<f4").tobytes()).decode("ascii")


Vector = Annotated[
    tuple[float, ...],
    BeforeValidator(_decode_vector),
    PlainSerializer(_encode_vector, return_type=str, when_used="json"),
]
"""A float vector; on the wire, little-endian float32 in base64 (4x smaller than JSON)."""


class Chunk(BaseModel):
    """A window of the clean text of one document version, with its embedding."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    chunk_id: str
    index: int = Field(ge=0)
    text: str
    start: int = Field(ge=0, description="character offset into the clean text")
    end: int = Field(ge=0)
    embedding: Vector


class EmbeddedDocument(WireModel):
    """A clean document version and all of its chunks: the unit the sink writes."""

    schema_version: Literal[1] = 1
    document: CleanDocument
    model_id: str
    chunks: tuple[Chunk, ...] = ()

    @property
    def key(self) -> str:
        return self.document.key
