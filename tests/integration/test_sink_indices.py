"""Index creation against a real node: workers starting together, querying before a worker."""

from __future__ import annotations

import threading

import pytest

from streams.sinks.indices import drop_indices, ensure_indices, indices_exist, missing_indices
from tests.integration.conftest import Namespace

pytestmark = pytest.mark.integration

DIM = 384


def test_workers_starting_together_all_create_the_indices(ns: Namespace) -> None:
    """Concurrent ensure_indices calls all succeed (already-exists is success), repeatedly."""
    settings = ns.settings.opensearch
    for _round in range(3):
        assert not indices_exist(ns.os, settings)
        barrier = threading.Barrier(6)
        errors: list[BaseException] = []

        def start_worker(barrier: threading.Barrier, errors: list[BaseException]) -> None:
            client = ns.os
            barrier.wait()
            try:
                ensure_indices(client, settings, DIM)
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=start_worker, args=(barrier, errors)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert indices_exist(ns.os, settings)
        client = ns.os
        for alias in (settings.chunks_alias, settings.documents_alias):
            assert list(client.indices.get_alias(name=alias)) == [f"{alias}-v1"]
        drop_indices(client, settings)


def test_missing_indices_are_named(ns: Namespace) -> None:
    settings = ns.settings.opensearch
    assert missing_indices(ns.os, settings) == [settings.chunks_alias, settings.documents_alias]
    ensure_indices(ns.os, settings, DIM)
    assert missing_indices(ns.os, settings) == []


def test_query_before_any_worker_started_explains_what_to_do(ns: Namespace) -> None:
    result = ns.run(["query", "anything"], timeout=120)
    assert result.returncode == 2, result.stderr
    chunks = ns.settings.opensearch.chunks_alias
    assert f"index {chunks} does not exist yet" in result.stderr
    assert "ragstream worker" in result.stderr
