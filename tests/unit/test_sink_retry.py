"""The OpenSearch sink's handling of an unavailable store (no services needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError

from infra.settings import OpenSearchSettings
from schemas import CleanDocument, EmbeddedDocument, Op
from streams.sinks.opensearch import OpenSearchSink, TransientSinkError


class FlakyClient:
    """Refuses connections ``failures`` times, then answers like OpenSearch."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bulk_calls = 0

        class _Indices:
            def refresh(self, index: str) -> None:
                return None

        self.indices = _Indices()

    def bulk(self, body: list[dict[str, Any]], params: Any = None) -> dict[str, Any]:
        self.bulk_calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise OSConnectionError("N/A", "connection refused", None)
        n = len([a for a in body if "index" in a or "delete" in a])
        return {"items": [{"index": {"status": 201}} for _ in range(n)]}

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"hits": {"hits": []}}


def _doc() -> EmbeddedDocument:
    clean = CleanDocument(
        event_id="e",
        source_id="s",
        document_id="d",
        op=Op.DELETE,
        version=2,
        occurred_at=datetime.now(UTC),
    )
    return EmbeddedDocument(document=clean, model_id="m")


def test_the_sink_waits_out_an_outage_and_then_writes() -> None:
    """Connection errors are retried with backoff (backpressure), not dead-lettered."""
    sleeps: list[float] = []
    client = FlakyClient(failures=3)
    sink = OpenSearchSink(OpenSearchSettings(), client, sleep=sleeps.append)  # type: ignore[arg-type]
    report = sink.write([_doc()])
    assert report.deleted == 1 and report.failures == []
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_bounded_sink_gives_up_with_a_clear_error() -> None:
    """With a retry budget, an outage longer than it raises, naming the OpenSearch URL."""
    client = FlakyClient(failures=1000)
    sink = OpenSearchSink(
        OpenSearchSettings(url="http://search:9200"),
        client,
        max_retry_s=0.0,
        sleep=lambda s: None,  # type: ignore[arg-type]
    )
    with pytest.raises(TransientSinkError, match="search:9200"):
        sink.write([_doc()])
