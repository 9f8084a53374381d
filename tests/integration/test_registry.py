"""The subject registry against real OpenSearch: every entry is read (no 10,000-hit ceiling)
and a missing registry fails closed instead of reading as empty."""

from __future__ import annotations

import pytest

from streams.registry import RegistryUnavailable, SubjectRegistry
from streams.runner import is_transient
from tests.integration.conftest import Namespace


def test_snapshot_pages_through_every_entry_and_fails_closed(ns: Namespace) -> None:
    settings = ns.settings.opensearch.model_copy(update={"subjects_index": f"{ns.name}-subjects"})
    client = ns.os
    registry = SubjectRegistry(settings, client, page_size=1000)
    try:
        with pytest.raises(RegistryUnavailable) as missing:
            registry.snapshot()
        assert is_transient(missing.value), "a missing registry must hold the stream, not pass it"

        erased = [f"sid-{i:05d}" for i in range(10_500)]
        for first in range(0, len(erased), 2000):
            registry.record("erasure", erased[first : first + 2000], "req-bulk")
        registry.record("opt_out", ["sid-optout"], "req-opt")
        registry.record("erasure", ["sid-00007"], "req-lift", active=False)

        snap = registry.snapshot()
        assert len(snap.erased) == 10_499
        assert "sid-10499" in snap.erased and "sid-00007" not in snap.erased
        assert snap.opted_out == frozenset({"sid-optout"})
    finally:
        client.indices.delete(index=settings.subjects_index, params={"ignore_unavailable": "true"})
