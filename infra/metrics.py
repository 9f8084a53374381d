"""Prometheus metrics shared by every stage. Labels never carry document data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_IN = Counter("ragstream_events_in_total", "Events taken by a stage", ["stage"])
EVENTS_OUT = Counter(
    "ragstream_events_out_total", "Events a stage finished, by outcome", ["stage", "outcome"]
)
ERRORS = Counter("ragstream_errors_total", "Errors by stage and error class", ["stage", "error"])
DEAD_LETTERS = Counter(
    "ragstream_dead_letters_total", "Events sent to a dead-letter topic", ["stage", "error"]
)
PII_FINDINGS = Counter(
    "ragstream_pii_findings_total", "PII findings by entity type and action", ["entity", "action"]
)
BATCH_SIZE = Histogram(
    "ragstream_batch_size",
    "Events per batch taken by a stage",
    ["stage"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
STAGE_SECONDS = Histogram("ragstream_stage_seconds", "Time a stage spent on one batch", ["stage"])
FRESHNESS_SECONDS = Histogram(
    "ragstream_freshness_seconds",
    "From the source change (occurred_at) to the index write",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
RETRIES = Counter("ragstream_retries_total", "Retried transient failures", ["stage"])
STALE_SKIPPED = Counter(
    "ragstream_stale_versions_total", "Document versions older than the indexed one, skipped"
)
CHUNKS_INDEXED = Counter("ragstream_chunks_indexed_total", "Chunks written to OpenSearch")
WORKER_UP = Gauge("ragstream_worker_up", "1 while a worker runs")
# Operations (issue #10): consumer lag per stage and partition, stage readiness.
CONSUMER_LAG = Gauge(
    "ragstream_consumer_lag",
    "Records not yet processed: high watermark minus the group's committed offset",
    ["stage", "topic", "partition"],
)
CONSUMER_LAG_UPDATED = Gauge(
    "ragstream_consumer_lag_updated_timestamp_seconds",
    "When ragstream_consumer_lag was last computed successfully (Unix time)",
)
STAGE_READY = Gauge(
    "ragstream_stage_ready", "1 while a stage is ready, 0 while starting or retrying", ["stage"]
)
CHUNK_VECTORS = Counter(
    "ragstream_chunk_vectors_total",
    "Chunk vectors by origin: computed by the model, or reused unchanged (cache: this "
    "worker's memory; index: the document's chunks already in OpenSearch)",
    ["origin"],
)
