"""SubjectRequest: a data-subject request (GDPR/CCPA) on ``ragstream.dsr``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from schemas.base import WireModel


class SubjectRequest(WireModel):
    schema_version: Literal[1] = 1
    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: Literal["access", "erasure", "opt_out", "lift_erasure"]
    subject_ids: tuple[str, ...] = Field(
        min_length=1, description="keyed hashes of the subject's identifiers, never raw values"
    )
    requester: str = "cli"
    legal_basis: str | None = None
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
