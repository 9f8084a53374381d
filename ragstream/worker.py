"""Builds the heavy components of a worker and runs the Faust worker."""

from __future__ import annotations

import faust
from opensearchpy import OpenSearch

from infra.identity import worker_name
from infra.logs import get_logger, logging_dict_config
from infra.metrics import WORKER_UP
from infra.opensearch import make_client
from infra.settings import Settings
from ragstream.app import Components, build_app
from streams.chunking import TokenChunker
from streams.dsr import DataSubjectService, KafkaTombstones
from streams.embedding import DIMENSION, make_embedder
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

    registry = SubjectRegistry(settings.opensearch, client)
    return PolicyComplianceStage(settings.compliance, registry.snapshot, worker=worker_name())


def make_components(settings: Settings, client: OpenSearch) -> Components:
    """Factories of the heavy parts; ``client`` (thread-safe) serves every stage."""

    def chunk_embed() -> ChunkEmbedStage:
        return ChunkEmbedStage(
            TokenChunker(settings.chunking), make_embedder(settings.embedding)
        )

    def sink() -> OpenSearchSink:
        return OpenSearchSink(settings.opensearch, client)

    def dsr() -> DataSubjectService:
        return DataSubjectService(
            settings, client, KafkaTombstones(settings.kafka.bootstrap_servers)
        )

    return Components(lambda: make_compliance(settings, client), chunk_embed, sink, dsr)


def run_worker(settings: Settings) -> None:
    """Run one Faust worker until SIGINT/SIGTERM; more workers share the partitions."""
    from infra.kafka_admin import ensure_topics

    ensure_topics(settings.kafka)
    settings.worker.data_dir.mkdir(parents=True, exist_ok=True)
    client = make_client(settings.opensearch)
    ensure_indices(client, settings.opensearch, dimension=DIMENSION)
    app = build_app(settings, make_components(settings, client))
    WORKER_UP.set(1)
    worker = faust.Worker(
        app,
        loglevel=settings.log.level,
        redirect_stdouts=False,
        logging_config=logging_dict_config(settings.log.level, settings.log.json_logs),
    )
    try:
        worker.execute_from_commandline()
    finally:
        WORKER_UP.set(0)
