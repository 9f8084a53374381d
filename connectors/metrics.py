"""Prometheus counters of the connectors; labels are ``source`` and ``outcome`` only.

Never label with paths, document ids or content: label values must stay a small, fixed set.
"""

from __future__ import annotations

from prometheus_client import Counter

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


def source_of(key: str | None) -> str:
    """The source id of a document key ``<source_id>/<document_id>`` (for the label)."""
    if not key:
        return "unknown"
    return key.split("/", 1)[0]
