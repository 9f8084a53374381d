"""Quarantine: documents the policy holds for review, on ``ragstream.quarantine``.

The topic is restricted (it holds raw, pre-compliance events) and keeps the retention of the
raw ``changes`` topic. Two record types share it, keyed by the document key after compliance
(pseudonymous where the policy says so):

* :class:`QuarantineRecord`: a quarantined event exactly as received, with the id of the
  compliance audit record that reported it and the reason (entity types, never values).
* :class:`QuarantineDecision`: a reviewer released or dropped one quarantined record
  (``quarantine_audit_id``); the record itself stays until retention removes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from schemas.base import WireModel
from schemas.change import ChangeEvent


class QuarantineRecord(WireModel):
    """A quarantined change event, held for review."""

    schema_version: Literal[1] = 1
    type: Literal["quarantined"] = "quarantined"
    audit_id: str = Field(description="the compliance audit record that quarantined it")
    doc_key: str = Field(description="the document key after compliance (as in the audit)")
    version: int = Field(ge=0)
    reason: str = Field(max_length=2000, description="why: entity types, never values")
    policy_id: str
    policy_version: str
    frameworks: tuple[str, ...] = ()
    event: ChangeEvent = Field(description="the raw event as received (restricted content)")
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class QuarantineDecision(WireModel):
    """A reviewer's decision on one quarantined record (a marker; the record stays)."""

    schema_version: Literal[1] = 1
    type: Literal["released", "dropped"]
    quarantine_audit_id: str = Field(description="audit_id of the QuarantineRecord decided")
    doc_key: str
    version: int = Field(ge=0)
    reviewer: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    audit_id: str = Field(description="the audit record of the decision")
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


QuarantineEntry = Annotated[QuarantineRecord | QuarantineDecision, Field(discriminator="type")]
_ENTRY: TypeAdapter[QuarantineRecord | QuarantineDecision] = TypeAdapter(QuarantineEntry)


def parse_quarantine_entry(raw: bytes) -> QuarantineRecord | QuarantineDecision:
    """One record of the quarantine topic (raises pydantic.ValidationError when invalid)."""
    return _ENTRY.validate_json(raw)
