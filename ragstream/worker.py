"""Builds the heavy components of a worker and runs the Faust worker."""

from __future__ import annotations

from collections.abc import Callable

import faust
from opensearchpy import OpenSearch

from infra.identity import worker_name
from infra.kafka_lag import LagMonitor
from infra.logs import configure_logging, get_logger, logging_dict_config
from infra.metrics import WORKER_UP
from infra.opensearch import make_client
from infra.settings import InsecureKeyError, Settings
from ragstream.app import Components, build_app
from streams.chunking import SectionChunker
from streams.debezium import load_config as load_debezium_config
from streams.dsr import DataSubjectService, KafkaTombstones
from streams.embedding import DIMENSION, make_embedder
from streams.search_vectors import IndexedVectors
from streams.sinks.indices import ensure_indices
from streams.sinks.opensearch import OpenSearchSink
from streams.stages import ChunkEmbedStage, ComplianceStage, PassthroughCompliance

log = get_logger(__name__)


def make_compliance(settings: Settings, client: OpenSearch) -> ComplianceStage:
    """The compliance stage configured by settings (passthrough only when disabled)."""
    if not settings.compliance.enabled:
        log.warning("compliance_disabled", policy="passthrough")
        return PassthroughCompliance()
    from streams.compliance.stage import PolicyComplianceStage
    from streams.registry import SubjectRegistry

    try:
        settings.compliance.require_secret_key()
    except InsecureKeyError as exc:
        raise SystemExit(f"error: {exc}") from exc
    registry = SubjectRegistry(settings.opensearch, client)
    registry.ensure()
    return PolicyComplianceStage(settings.compliance, registry.snapshot, worker=worker_name())


def make_components(settings: Settings, client: OpenSearch) -> Components:
    """Factories of the heavy parts; ``client`` (thread-safe) serves every stage."""

    def chunk_embed() -> ChunkEmbedStage:
        # Chunks follow the content; unchanged chunks keep their vectors (memory cache, then
        # the document's chunks already in the index), so an edit re-embeds only what changed.
        return ChunkEmbedStage(
            SectionChunker(settings.chunking),
            make_embedder(settings.embedding),
            stored=IndexedVectors(settings.opensearch, client),
        )

    def sink() -> OpenSearchSink:
        # A bounded retry inside the sink, then the stage runner retries the batch and
        # /health/ reports the stage not ready while OpenSearch stays down.
        return OpenSearchSink(settings.opensearch, client, max_retry_s=20.0)

    def dsr() -> DataSubjectService:
        return DataSubjectService(settings, client, KafkaTombstones(settings.kafka))

    debezium = None
    if settings.debezium.topics:
        if settings.debezium.config_file is None:
            raise SystemExit(
                "RAGSTREAM_DEBEZIUM__TOPICS is set but RAGSTREAM_DEBEZIUM__CONFIG_FILE is not: "
                "name the YAML file with the table mappings"
            )
        debezium = load_debezium_config(settings.debezium.config_file)
    erased = None
    if settings.compliance.enabled:
        from streams.registry import SubjectRegistry

        registry = SubjectRegistry(settings.opensearch, client)
        registry.ensure()  # before any stage reads it (reads fail closed without it)

        def erased() -> frozenset[str]:
            return registry.snapshot().erased

    return Components(
        lambda: make_compliance(settings, client),
        chunk_embed,
        sink,
        dsr,
        debezium=debezium,
        erased=erased,
    )


def run_worker(
    settings: Settings,
    components: Callable[[Settings, OpenSearch], Components] = make_components,
) -> None:
    """Run one Faust worker until SIGINT/SIGTERM; more workers share the partitions.

    A stage that fails with neither an outage nor a bad record ends the process with exit
    code 70 before its batch is acknowledged (see ``ragstream.app.fatal_exit``).
    """
    from infra.kafka_admin import ensure_topics

    configure_logging(settings.log.level, settings.log.json_logs)
    ensure_topics(settings.kafka)
    settings.worker.data_dir.mkdir(parents=True, exist_ok=True)
    client = make_client(settings.opensearch)
    ensure_indices(client, settings.opensearch, dimension=DIMENSION)
    app = build_app(settings, components(settings, client))
    WORKER_UP.set(1)
    # ragstream_consumer_lag{stage,topic,partition}: committed offsets vs high watermarks.
    lag = LagMonitor(settings.kafka, settings.worker.app_id).start()
    worker = faust.Worker(
        app,
        loglevel=settings.log.level,
        redirect_stdouts=False,
        logging_config=logging_dict_config(settings.log.level, settings.log.json_logs),
    )
    try:
        worker.execute_from_commandline()
    finally:
        lag.stop()
        WORKER_UP.set(0)
