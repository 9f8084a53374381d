"""Re-embed every live document into a new chunks index generation, then switch the alias.

``reembed`` is how a model change (another backend, model or dimension) happens without
downtime: queries keep using the alias, which points at the old generation until the new one
is complete, and then moves in one ``POST _aliases`` request (remove + add, atomic in
OpenSearch), so every query sees either the old or the new index, never none or both.

Steps:

1. create ``<chunks_alias>-<generation>`` with the new embedder's dimension
   (:func:`streams.sinks.indices.create_chunks_generation`);
2. read every live document (not a tombstone) from the documents alias with
   ``search_after`` on ``doc_key``, chunk and embed it with the given chunker and embedder
   (:class:`streams.stages.ChunkEmbedStage`, no vector reuse) and bulk-write the chunks with
   the same fields and ids as the sink;
3. catch up: documents whose record changed (``indexed_at``) since the pass began are read
   again; upserts get their chunks rewritten and older versions' chunks removed, tombstones
   get their chunks removed. Repeated until a pass finds no change (at most
   ``catch_up_passes``);
4. switch the alias atomically and return a :class:`ReembedReport`.

What it does not guarantee: a change the workers write after the last catch-up pass began
and before the switch exists only in the old generation (workers write through the alias).
Stop the workers for the switch (or replay the changes of that window); see docs/REINDEX.md.
The old generation is kept (delete it once the new one has proved itself).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opensearchpy import OpenSearch

from infra.opensearch import is_transient_status
from infra.settings import OpenSearchSettings
from schemas import Acl, CleanDocument, EmbeddedDocument, Op, Sensitivity
from streams.chunking import Chunker
from streams.embedding import Embedder
from streams.sinks.indices import (
    TransientStoreError,
    create_chunks_generation,
    delete_matching,
)
from streams.sinks.opensearch import BulkAction, _chunk_sources
from streams.stages import ChunkEmbedStage

Progress = Callable[[int, int], None]
"""Called with (documents done, documents in total) after every page."""


@dataclass
class ReembedReport:
    """What a re-embedding did."""

    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    old_indices: list[str] = field(default_factory=list)
    new_index: str = ""
    caught_up: int = 0
    """Documents re-read because they changed while the generation was being built."""
    removed: int = 0
    """Documents whose chunks were removed again (deleted while building)."""


def _clean_document(src: dict[str, Any]) -> CleanDocument:
    """The clean document a ``rag-documents`` record holds (an upsert)."""
    return CleanDocument(
        event_id=f"reembed:{src['doc_key']}@{src['version']}",
        source_id=src["source_id"],
        document_id=src["document_id"],
        op=Op.UPSERT,
        version=int(src["version"]),
        occurred_at=datetime.fromisoformat(src["occurred_at"]),
        text=src.get("text") or "",
        content_type=src.get("content_type") or "text/plain",
        title=src.get("title"),
        uri=src.get("uri"),
        acl=Acl(users=tuple(src.get("acl_users") or ()), groups=tuple(src.get("acl_groups") or ())),
        classification=Sensitivity(src.get("classification") or Sensitivity.INTERNAL.value),
        tags=tuple(src.get("tags") or ()),
        policy_id=src.get("policy_id") or "passthrough",
        frameworks=tuple(src.get("frameworks") or ()),
        subject_ids=tuple(src.get("subject_ids") or ()),
        expires_at=datetime.fromisoformat(src["expires_at"]) if src.get("expires_at") else None,
    )


def _pages(
    client: OpenSearch, index: str, query: dict[str, Any], page: int
) -> Iterator[list[dict[str, Any]]]:
    """Every hit's source of ``query`` in ``doc_key`` order, a page at a time."""
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {"size": page, "query": query, "sort": [{"doc_key": "asc"}]}
        if after is not None:
            body["search_after"] = after
        hits = client.search(index=index, body=body)["hits"]["hits"]
        if not hits:
            return
        yield [h["_source"] for h in hits]
        if len(hits) < page:
            return
        after = hits[-1]["sort"]


def _bulk(client: OpenSearch, actions: list[BulkAction], *, attempts: int = 6) -> None:
    """Send index actions; retry items answered 408/429/5xx with backoff; raise on the rest."""
    pending = actions
    for attempt in range(attempts):
        if not pending:
            return
        result = client.bulk(body="".join(a.payload for a in pending))
        retry: list[BulkAction] = []
        for action, item in zip(pending, result["items"], strict=True):
            outcome = next(iter(item.values()))
            status = int(outcome.get("status", 500))
            if status < 300:
                continue
            if is_transient_status(status):
                retry.append(action)
            else:
                raise RuntimeError(f"bulk write rejected ({status}): {outcome.get('error')}")
        pending = retry
        if pending:
            time.sleep(min(0.5 * 2**attempt, 10.0))
    if pending:
        raise TransientStoreError(f"{len(pending)} chunk writes still failing after retries")


def _live(since: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {"bool": {"must_not": [{"term": {"deleted": True}}]}}
    if since is not None:
        query["bool"]["filter"] = [{"range": {"indexed_at": {"gte": since}}}]
    return query


def switch_alias(client: OpenSearch, alias: str, new_index: str) -> list[str]:
    """Point ``alias`` at ``new_index`` only, in one atomic request; returns the old indices."""
    old = (
        sorted(client.indices.get_alias(name=alias))
        if client.indices.exists_alias(name=alias)
        else []
    )
    actions: list[dict[str, Any]] = [
        {"remove": {"index": i, "alias": alias}} for i in old if i != new_index
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(body={"actions": actions})
    return [i for i in old if i != new_index]


def reembed(
    client: OpenSearch,
    settings: OpenSearchSettings,
    embedder: Embedder,
    chunker: Chunker,
    *,
    target_generation: str,
    page: int = 100,
    catch_up_passes: int = 3,
    progress: Progress | None = None,
) -> ReembedReport:
    """Build generation ``target_generation`` of the chunks index with ``embedder`` from the
    live documents, then move the chunks alias to it (see the module docstring)."""
    started = time.monotonic()
    report = ReembedReport()
    stage = ChunkEmbedStage(chunker, embedder, cache_size=0)
    stage.warm_up()
    new_index = create_chunks_generation(client, settings, target_generation, embedder.dimension)
    report.new_index = new_index
    docs_alias = settings.documents_alias

    def write(sources: list[dict[str, Any]]) -> int:
        now = datetime.now(UTC).isoformat()
        embedded: list[EmbeddedDocument] = stage.process([_clean_document(s) for s in sources])
        actions = [
            BulkAction.index(new_index, chunk_id, source)
            for item in embedded
            for chunk_id, source in _chunk_sources(item, now)
        ]
        _bulk(client, actions)
        return len(actions)

    client.indices.refresh(index=docs_alias)
    pass_start = datetime.now(UTC).isoformat()
    total = int(client.count(index=docs_alias, body={"query": _live()})["count"])
    for sources in _pages(client, docs_alias, _live(), page):
        report.chunks += write(sources)
        report.documents += len(sources)
        if progress is not None:
            progress(report.documents, total)

    for _ in range(catch_up_passes):
        client.indices.refresh(index=docs_alias)
        since, pass_start = pass_start, datetime.now(UTC).isoformat()
        changed = {"range": {"indexed_at": {"gte": since}}}
        seen = 0
        for sources in _pages(client, docs_alias, changed, page):
            seen += len(sources)
            for src in sources:
                older = {
                    "bool": {
                        "filter": [
                            {"term": {"doc_key": src["doc_key"]}},
                            {"range": {"version": {"lt": int(src["version"])}}},
                        ]
                    }
                }
                if src.get("deleted"):
                    delete_matching(client, new_index, {"term": {"doc_key": src["doc_key"]}})
                    report.removed += 1
                else:
                    delete_matching(client, new_index, older)
            live = [s for s in sources if not s.get("deleted")]
            if live:
                report.chunks += write(live)
                report.caught_up += len(live)
        if seen == 0:
            break

    client.indices.refresh(index=new_index)
    report.documents = int(client.count(index=docs_alias, body={"query": _live()})["count"])
    report.old_indices = switch_alias(client, settings.chunks_alias, new_index)
    report.seconds = time.monotonic() - started
    return report
