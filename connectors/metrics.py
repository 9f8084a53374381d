"""Prometheus metrics of the connectors; labels are ``source`` and ``outcome`` only.

Never label with paths, document ids or content: label values must stay a small, fixed set.
Every source serves the same metrics (``ragstream connect <source> --metrics-port PORT``,
:func:`serve_metrics`): events published, dead letters, errors, and how far it trails its
source (lag, pending changes, newest change, last checkpoint).
"""

from __future__ import annotations

import structlog
from prometheus_client import Counter, Gauge, start_http_server

log = structlog.get_logger(__name__)

EVENTS_PUBLISHED = Counter(
    "ragstream_connector_events_published",
    "Change events acknowledged by Kafka (outcome: upsert, delete) or failed (outcome: failed).",
    ("source", "outcome"),
)

DEAD_LETTERS = Counter(
    "ragstream_connector_dead_letters",
    "Records a connector sent to the raw dead-letter topic, by reason (error class).",
    ("source", "outcome"),
)

RESCANS = Counter(
    "ragstream_connector_rescans",
    "Full comparisons of a source with its checkpoint after the initial scan, by trigger "
    "(outcome: periodic, overflow).",
    ("source", "outcome"),
)

UNREADABLE_DIRECTORIES = Counter(
    "ragstream_connector_unreadable_directories",
    "Directories a scan could not list; their documents were kept, not deleted "
    "(outcome: the OS error class, e.g. PermissionError, FileNotFoundError for the root).",
    ("source", "outcome"),
)


ERRORS = Counter(
    "ragstream_connector_errors",
    "Failures of a connector by error class (outcome), e.g. PublishError (Kafka), "
    "SourceUnavailable (database), SharePointUnavailable, StateUnavailable; retried with "
    "backoff while watching.",
    ("source", "outcome"),
)

RECONNECTS = Counter(
    "ragstream_connector_reconnects",
    "Times a connector reopened its source from its checkpoint after a lost connection.",
    ("source",),
)

LAG_SECONDS = Gauge(
    "ragstream_connector_lag_seconds",
    "Seconds the connector has been behind its source: since it last found nothing new to "
    "publish (a poll came back empty) while changes were waiting; 0 when caught up.",
    ("source",),
)

PENDING_CHANGES = Gauge(
    "ragstream_connector_pending_changes",
    "Changes read from the source and not yet acknowledged by Kafka and checkpointed.",
    ("source",),
)

NEWEST_CHANGE = Gauge(
    "ragstream_connector_newest_change_timestamp_seconds",
    "Unix time of the newest change published (the event's occurred_at).",
    ("source",),
)

LAST_COMMIT = Gauge(
    "ragstream_connector_last_commit_timestamp_seconds",
    "Unix time of the connector's last checkpoint (after Kafka acknowledged the batch).",
    ("source",),
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> int:
    """Serve the process's Prometheus metrics at ``http://host:port/metrics`` from a daemon
    thread; returns the port (``port`` 0 is refused: the caller leaves metrics off)."""
    if port <= 0:
        raise ValueError("metrics port must be positive (0 means off)")
    server, _thread = start_http_server(port, addr=host)
    bound = int(server.server_address[1])
    log.info("connector.metrics_serving", host=host, port=bound)
    return bound


def source_of(key: str | None) -> str:
    """The source id of a document key ``<source_id>/<document_id>`` (for the label)."""
    if not key:
        return "unknown"
    return key.split("/", 1)[0]
