"""The OpenSearch client every component shares (thread-safe, one per process)."""

from __future__ import annotations

from opensearchpy import OpenSearch

from infra.settings import OpenSearchSettings


def make_client(settings: OpenSearchSettings) -> OpenSearch:
    auth = None
    if settings.username and settings.password:
        auth = (settings.username, settings.password.get_secret_value())
    return OpenSearch(
        hosts=[settings.url],
        http_auth=auth,
        verify_certs=settings.verify_certs,
        timeout=settings.request_timeout_s,
    )
