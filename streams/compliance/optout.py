"""Registry views of the engine: CCPA opt-outs (subjects whose documents must not be
indexed) and quarantine releases (document versions a reviewer let through)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class OptOutRegistry(Protocol):
    """Answers whether any of a document's subjects opted out."""

    def any_opted_out(self, subject_ids: Iterable[str]) -> bool: ...


class InMemoryOptOutRegistry:
    """An opt-out registry held in memory (tests, single worker, or fed from a topic)."""

    def __init__(self, subject_ids: Iterable[str] = ()) -> None:
        self._ids: set[str] = set(subject_ids)

    def opt_out(self, subject_ids: Iterable[str]) -> None:
        self._ids.update(subject_ids)

    def opt_in(self, subject_ids: Iterable[str]) -> None:
        self._ids.difference_update(subject_ids)

    def any_opted_out(self, subject_ids: Iterable[str]) -> bool:
        return not self._ids.isdisjoint(subject_ids)

    def __len__(self) -> int:
        return len(self._ids)


class ReleaseRegistry(Protocol):
    """Answers whether a reviewer released a quarantined document version."""

    def is_released(self, doc_key: str, version: int) -> bool: ...


class InMemoryReleases:
    """Released ``(doc key, version)`` pairs held in memory (tests, the CLI's dry runs)."""

    def __init__(self, released: set[tuple[str, int]] | None = None) -> None:
        self._released = set(released or ())

    def release(self, doc_key: str, version: int) -> None:
        self._released.add((doc_key, version))

    def is_released(self, doc_key: str, version: int) -> bool:
        return (doc_key, version) in self._released
