"""Counts of what the indices hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opensearchpy import OpenSearch

from infra.settings import OpenSearchSettings


@dataclass(frozen=True)
class IndexCounts:
    documents: int
    chunks: int


def index_counts(client: OpenSearch, settings: OpenSearchSettings) -> IndexCounts:
    """Live (not deleted) documents and all chunks; zero where an index does not exist yet."""

    def count(index: str, query: Mapping[str, object]) -> int:
        if not client.indices.exists(index=index):
            return 0
        return int(client.count(index=index, body={"query": query})["count"])

    live = {"bool": {"must_not": [{"term": {"deleted": True}}]}}
    return IndexCounts(
        documents=count(settings.documents_alias, live),
        chunks=count(settings.chunks_alias, {"match_all": {}}),
    )
