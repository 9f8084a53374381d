"""Typed events exchanged between ragstream stages (pydantic v2, JSON on the wire)."""

from schemas.audit import AuditRecord, EntityCount
from schemas.change import Acl, ChangeEvent, Op
from schemas.chunk import Chunk, EmbeddedDocument, chunk_id_for
from schemas.deadletter import DeadLetter, Stage
from schemas.document import CleanDocument, Sensitivity
from schemas.dsr import SubjectRequest
from schemas.keys import document_key
from schemas.quarantine import QuarantineDecision, QuarantineRecord, parse_quarantine_entry

__all__ = [
    "Acl",
    "AuditRecord",
    "ChangeEvent",
    "Chunk",
    "CleanDocument",
    "DeadLetter",
    "EmbeddedDocument",
    "EntityCount",
    "Op",
    "QuarantineDecision",
    "QuarantineRecord",
    "Sensitivity",
    "Stage",
    "SubjectRequest",
    "chunk_id_for",
    "document_key",
    "parse_quarantine_entry",
]
