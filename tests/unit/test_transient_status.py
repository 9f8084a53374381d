"""One definition of "retry by waiting" for OpenSearch statuses, shared by the stage runner
(whole batch held and retried) and the sink (items of a bulk retried)."""

from __future__ import annotations

import pytest
from opensearchpy.exceptions import TransportError

from infra.opensearch import is_transient_status
from streams.runner import is_transient

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 507, 509])
def test_busy_or_unavailable_is_retried_by_runner_and_sink(status: int) -> None:
    assert is_transient_status(status)
    assert is_transient(TransportError(status, "busy", {}))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 501, 505, "N/A", None])
def test_answers_about_the_request_are_not_retried(status: object) -> None:
    assert not is_transient_status(status)
    if isinstance(status, int):
        assert not is_transient(TransportError(status, "bad", {}))
