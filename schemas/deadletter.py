"""DeadLetter: an event a stage could not process, with the reason."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.base import WireModel


class Stage(StrEnum):
    CONNECTOR = "connector"
    DECODE = "decode"
    COMPLIANCE = "compliance"
    CHUNK_EMBED = "chunk_embed"
    SINK = "sink"
    DSR = "dsr"


class DeadLetter(WireModel):
    schema_version: Literal[1] = 1
    stage: Stage
    error_class: str
    message: str = Field(max_length=2000)
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    original_b64: str = Field(description="the original bytes, base64")
    original_size: int = Field(ge=0)
    attempts: int = Field(default=1, ge=1)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def wrap(
        cls,
        stage: Stage,
        error: BaseException | str,
        original: bytes,
        *,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        key: str | None = None,
        max_original_bytes: int = 1024 * 1024,
        attempts: int = 1,
    ) -> DeadLetter:
        """A dead letter for ``original``; oversized payloads keep a prefix and say so."""
        if isinstance(error, BaseException):
            error_class, message = type(error).__name__, str(error)
        else:
            error_class, message = "Rejected", error
        kept = original[:max_original_bytes]
        return cls(
            stage=stage,
            error_class=error_class,
            message=message[:2000],
            topic=topic,
            partition=partition,
            offset=offset,
            key=key,
            original_b64=base64.b64encode(kept).decode("ascii"),
            original_size=len(original),
            attempts=attempts,
        )

    def original(self) -> bytes:
        return base64.b64decode(self.original_b64)
