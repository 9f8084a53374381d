"""The OpenSearch client every component shares (thread-safe, one per process)."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from infra.settings import OpenSearchSettings


def client_tls_args(settings: OpenSearchSettings) -> dict[str, Any]:
    """TLS arguments of the client: CA bundle and, for mutual TLS, certificate and key.

    TLS itself follows the URL (``https://``); ``verify_certs`` stays on unless turned off.
    """
    if (settings.client_cert_file is None) != (settings.client_key_file is None):
        raise ValueError("opensearch.client_cert_file and client_key_file go together")
    args: dict[str, Any] = {}
    if settings.ca_file is not None:
        args["ca_certs"] = str(settings.ca_file)
    if settings.client_cert_file is not None and settings.client_key_file is not None:
        args["client_cert"] = str(settings.client_cert_file)
        args["client_key"] = str(settings.client_key_file)
    return args


def make_client(settings: OpenSearchSettings) -> OpenSearch:
    auth = None
    if settings.username and settings.password:
        auth = (settings.username, settings.password.get_secret_value())
    return OpenSearch(
        hosts=[settings.url],
        http_auth=auth,
        verify_certs=settings.verify_certs,
        timeout=settings.request_timeout_s,
        **client_tls_args(settings),
    )


# Statuses that go away by waiting: the store is busy or unavailable, the request is fine.
# 501 (not implemented) and 505 (HTTP version) are answers about the request: never retried.
_PERMANENT_5XX = frozenset({501, 505})


def is_transient_status(status: object) -> bool:
    """408, 429 and every 5xx but 501 and 505. The one definition the stage runner (whole
    batch retried) and the sinks (per-item retry within a bulk) share."""
    return isinstance(status, int) and (
        status in (408, 429) or (500 <= status <= 599 and status not in _PERMANENT_5XX)
    )
