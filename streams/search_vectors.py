"""Vectors of chunks already embedded, so an unchanged chunk is never embedded twice.

A chunk's vector depends only on what the model embedded (its *embedding input*: title,
headings above it, text; see :func:`streams.chunking.embed_inputs`) and on the model. The key
of a vector is therefore ``sha256(model tag, embedding input)`` (:func:`vector_key`). Two
places hold vectors by that key:

* :class:`VectorCache`: an LRU map in the worker's memory (recent documents).
* :class:`IndexedVectors`: the chunks of the same documents already in ``rag-chunks``. It
  reads them back by ``doc_key`` (text, title, index, version and vector), rebuilds their
  embedding inputs from the stored chunk texts per version and keys them the same way; only
  chunks stored under the same model tag count. No extra field is stored.

Any OpenSearch error while reading raises: the stage runner retries transient ones
(connection errors, 429, 5xx) and stops on anything else; it never silently re-embeds.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from opensearchpy import OpenSearch

from infra.settings import OpenSearchSettings
from streams.chunking import embed_inputs

Vector = NDArray[np.float32]

#: Version of the embedding input format (title, headings, text); part of the model tag.
EMBED_INPUT_FORMAT = "ctx1"


def model_tag(model_id: str) -> str:
    """What ``model_id`` says in stored chunks: the model and the input format."""
    return f"{model_id}#{EMBED_INPUT_FORMAT}"


def vector_key(tag: str, embedding_input: str) -> str:
    """The key of a vector: the model tag and exactly what it embedded."""
    h = hashlib.sha256(tag.encode("utf-8"))
    h.update(b"\x1f")
    h.update(embedding_input.encode("utf-8"))
    return h.hexdigest()


class StoredVectors(Protocol):
    """Vectors already computed for chunks of these documents, by :func:`vector_key`."""

    def lookup(self, doc_keys: Sequence[str], tag: str) -> Mapping[str, Vector]: ...


class VectorCache:
    """An LRU map from vector key to vector, bounded to ``size`` entries (0: off)."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._data: OrderedDict[str, Vector] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str) -> Vector | None:
        vec = self._data.get(key)
        if vec is not None:
            self._data.move_to_end(key)
        return vec

    def put(self, key: str, vector: Vector) -> None:
        if self._size <= 0:
            return
        self._data[key] = vector
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)


class IndexedVectors:
    """Reads the vectors of documents' current chunks back from ``rag-chunks``."""

    #: Chunks per search page.
    PAGE = 1000

    def __init__(self, settings: OpenSearchSettings, client: OpenSearch) -> None:
        self._settings = settings
        self._client = client

    def lookup(self, doc_keys: Sequence[str], tag: str) -> dict[str, Vector]:
        if not doc_keys:
            return {}
        by_version: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for src in self._chunks(sorted(set(doc_keys)), tag):
            by_version.setdefault((src["doc_key"], int(src["version"])), []).append(src)
        found: dict[str, Vector] = {}
        for chunks in by_version.values():
            chunks.sort(key=lambda c: int(c["chunk_index"]))
            inputs = embed_inputs(chunks[0].get("title"), [str(c["text"]) for c in chunks])
            for chunk, text in zip(chunks, inputs, strict=True):
                found[vector_key(tag, text)] = np.asarray(chunk["embedding"], dtype=np.float32)
        return found

    def _chunks(self, doc_keys: Sequence[str], tag: str) -> Iterable[dict[str, Any]]:
        body: dict[str, Any] = {
            "size": self.PAGE,
            "_source": ["doc_key", "version", "chunk_index", "title", "text", "embedding"],
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"doc_key": list(doc_keys)}},
                        {"term": {"model_id": tag}},
                    ]
                }
            },
            "sort": [{"doc_key": "asc"}, {"version": "asc"}, {"chunk_index": "asc"}, "_doc"],
        }
        while True:
            resp = self._client.search(index=self._settings.chunks_alias, body=body)
            hits = resp["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < self.PAGE:
                return
            body["search_after"] = hits[-1]["sort"]
