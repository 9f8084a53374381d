"""The document key: ``<source_id>/<document_id>``, the Kafka key of every event."""

from __future__ import annotations

import hashlib


def document_key(source_id: str, document_id: str) -> str:
    """Kafka key and OpenSearch document id of one source document."""
    return f"{source_id}/{document_id}"


def stable_hash(*parts: str) -> str:
    """A short, deterministic hex digest of the parts (not a secret: no key)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:32]
