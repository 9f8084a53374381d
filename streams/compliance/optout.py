"""CCPA opt-out: subjects whose documents must not be indexed."""

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
