"""Assertions about what the indices hold, shared by the integration tests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tests.integration.conftest import Namespace


def index_state(ns: Namespace) -> dict[str, dict[str, Any]]:
    """Per live document: its version, chunk count, text, and the chunks in the index."""
    docs = {d["doc_key"]: d for d in ns.documents()}
    chunks_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in ns.chunks():
        chunks_by_doc[c["doc_key"]].append(c)
    state: dict[str, dict[str, Any]] = {}
    for key in set(docs) | set(chunks_by_doc):
        doc = docs.get(key)
        state[key] = {
            "version": doc["version"] if doc else None,
            "chunk_count": doc.get("chunk_count") if doc else None,
            "text": doc.get("text") if doc else None,
            "chunks": sorted(chunks_by_doc.get(key, []), key=lambda c: c["chunk_index"]),
        }
    return state


def consistency_problems(ns: Namespace) -> list[str]:
    """Everything that breaks "the index holds exactly the chunks of the current content"."""
    problems = []
    for key, st in index_state(ns).items():
        chunks = st["chunks"]
        if st["version"] is None:
            problems.append(f"{key}: {len(chunks)} chunks of a deleted or unknown document")
            continue
        versions = {c["version"] for c in chunks}
        if versions - {st["version"]}:
            problems.append(f"{key}: chunks of old versions {sorted(versions - {st['version']})}")
        indexes = [c["chunk_index"] for c in chunks]
        if indexes != list(range(st["chunk_count"] or 0)):
            problems.append(f"{key}: chunk indexes {indexes} != 0..{st['chunk_count']}")
        ids = [c["_id"] for c in chunks]
        if len(ids) != len(set(ids)):
            problems.append(f"{key}: duplicate chunk ids")
        text = st["text"] or ""
        for c in chunks:
            if text[c["start"] : c["end"]] != c["text"]:
                problems.append(f"{key}: chunk {c['chunk_index']} is not a slice of the document")
    return problems
