"""SubjectRegistry: which subjects were erased or opted out, kept in OpenSearch.

Entries hold only keyed hashes (subject ids), never identifiers. Compliance reads the
registry once per batch, so an erasure blocks re-ingestion from the next batch on, on every
worker. An erasure stays in force until a request with a new legal basis lifts it.

The index also holds quarantine releases (kind ``release``): ``<doc key>@<version>`` of a
document version a reviewer released (``ragstream quarantine release``), with the document
key after compliance (pseudonymous where the policy says so). Compliance applies the
policy's redact action instead of quarantine to exactly that version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from opensearchpy import OpenSearch

from infra.settings import OpenSearchSettings
from streams.runner import TransientError

Kind = Literal["erasure", "opt_out", "release"]
_MAX_ID_BYTES = 400  # OpenSearch ids are at most 512 bytes


@dataclass(frozen=True)
class RegistrySnapshot:
    """The active entries at one moment; implements the engine's OptOutRegistry protocol."""

    erased: frozenset[str]
    opted_out: frozenset[str]
    released: frozenset[str] = frozenset()
    """``<doc key>@<version>`` of quarantined document versions a reviewer released."""

    def any_opted_out(self, subject_ids: Iterable[str]) -> bool:
        return not self.opted_out.isdisjoint(subject_ids)

    def erased_among(self, subject_ids: Iterable[str]) -> frozenset[str]:
        return self.erased.intersection(subject_ids)

    def is_released(self, doc_key: str, version: int) -> bool:
        """Whether a reviewer released this quarantined document version."""
        return release_entry(doc_key, version) in self.released


def release_entry(doc_key: str, version: int) -> str:
    """The registry entry of a quarantine release: ``<doc key>@<version>``."""
    return f"{doc_key}@{version}"


def _entry_id(kind: str, entry: str) -> str:
    ident = f"{kind}:{entry}"
    if len(ident.encode("utf-8")) <= _MAX_ID_BYTES:
        return ident
    return f"{kind}:sha256:{hashlib.sha256(entry.encode('utf-8')).hexdigest()}"


class RegistryUnavailable(TransientError):
    """The registry cannot be read; nothing may pass compliance until it can."""


class SubjectRegistry:
    def __init__(
        self, settings: OpenSearchSettings, client: OpenSearch, *, page_size: int = 5000
    ) -> None:
        self._index = settings.subjects_index
        self._client = client
        self._settings = settings
        self._page_size = page_size

    def ensure(self) -> None:
        if not self._client.indices.exists(index=self._index):
            self._client.indices.create(
                index=self._index,
                body={
                    "settings": {
                        "number_of_shards": 1,
                        "number_of_replicas": self._settings.replicas,
                    },
                    "mappings": {
                        "dynamic": "strict",
                        "properties": {
                            "subject_id": {"type": "keyword"},
                            "kind": {"type": "keyword"},
                            "active": {"type": "boolean"},
                            "request_id": {"type": "keyword"},
                            "legal_basis": {"type": "keyword"},
                            "at": {"type": "date"},
                        },
                    },
                },
                params={"ignore": 400},
            )

    def record(
        self,
        kind: Kind,
        subject_ids: Iterable[str],
        request_id: str,
        *,
        active: bool = True,
        legal_basis: str | None = None,
    ) -> None:
        self.ensure()
        now = datetime.now(UTC).isoformat()
        actions: list[dict[str, object]] = []
        for sid in subject_ids:
            actions.append({"index": {"_index": self._index, "_id": _entry_id(kind, sid)}})
            actions.append(
                {
                    "subject_id": sid,
                    "kind": kind,
                    "active": active,
                    "request_id": request_id,
                    "legal_basis": legal_basis,
                    "at": now,
                }
            )
        if actions:
            resp = self._client.bulk(body=actions, params={"refresh": "true"})
            if resp.get("errors"):
                raise RuntimeError(f"could not record {kind} entries in {self._index}")

    def record_release(self, doc_key: str, version: int, request_id: str) -> None:
        """Release one quarantined document version (see the module docstring)."""
        self.record(
            "release",
            [release_entry(doc_key, version)],
            request_id,
            legal_basis="quarantine_release",
        )

    def snapshot(self) -> RegistrySnapshot:
        """Every active entry, paged (no 10,000-hit ceiling). Fails closed: a missing index
        or an unreachable node raises, so the stage runner holds the batch and retries
        instead of letting an erased subject's documents through."""
        if not self._client.indices.exists(index=self._index):
            raise RegistryUnavailable(
                f"subject registry index {self._index} is missing: processing holds until it "
                "is back (a worker creates it at start-up; erasures must not be forgotten)"
            )
        found: dict[str, set[str]] = {"erasure": set(), "opt_out": set(), "release": set()}
        after: list[str] | None = None
        while True:
            body: dict[str, object] = {
                "size": self._page_size,
                "query": {"term": {"active": True}},
                "_source": ["subject_id", "kind"],
                "sort": [{"kind": "asc"}, {"subject_id": "asc"}],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._client.search(index=self._index, body=body)["hits"]["hits"]
            for hit in hits:
                src = hit["_source"]
                found.setdefault(src["kind"], set()).add(src["subject_id"])
            if len(hits) < self._page_size:
                return RegistrySnapshot(
                    frozenset(found["erasure"]),
                    frozenset(found["opt_out"]),
                    frozenset(found["release"]),
                )
            after = hits[-1]["sort"]
