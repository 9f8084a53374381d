"""JSON Schema export of every wire model (``ragstream schemas``)."""

from __future__ import annotations

from typing import Any

from schemas.audit import AuditRecord
from schemas.base import WireModel
from schemas.change import ChangeEvent
from schemas.chunk import EmbeddedDocument
from schemas.deadletter import DeadLetter
from schemas.document import CleanDocument
from schemas.dsr import SubjectRequest

WIRE_MODELS: tuple[type[WireModel], ...] = (
    ChangeEvent,
    CleanDocument,
    EmbeddedDocument,
    AuditRecord,
    DeadLetter,
    SubjectRequest,
)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Model name to its JSON Schema (validation mode)."""
    return {m.__name__: m.model_json_schema() for m in WIRE_MODELS}
