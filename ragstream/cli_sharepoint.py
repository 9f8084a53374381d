"""``ragstream connect sharepoint --config FILE [--once]``: the SharePoint source connector.

Register it on the main CLI with ``cli_sharepoint.register(connect_app)``; the module's own
``app`` (``python -m ragstream.cli_sharepoint connect sharepoint ...``) carries the same
command.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from infra.access import ROLE_INGEST, require_or_exit
from infra.logs import configure_logging
from infra.settings import Settings, get_settings
from ragstream.cli_sources import MetricsPort, retry_reporter, start_metrics

_connect_app = typer.Typer(
    help="Run a source connector that publishes change events to Kafka.", no_args_is_help=True
)
app = typer.Typer(
    help="ragstream SharePoint source (also registered on the main `ragstream` command).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


def connect_sharepoint(
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            help="YAML or JSON file: source_id, sites (url, libraries, folders), auth "
            "(client_secret or certificate), page_size, ... (see connectors/SHAREPOINT.md)",
            dir_okay=False,
        ),
    ],
    once: Annotated[
        bool,
        typer.Option("--once", help="publish what changed since the last run, then exit"),
    ] = False,
    metrics_port: MetricsPort = None,
) -> None:
    """Publish the files of SharePoint Online document libraries as change events, then
    follow their change logs.

    The first run crawls every configured library (text extracted from PDF, Office, HTML,
    e-mail and text files; readers from the items' permissions); later runs read the change
    log from the change token in the checkpoint (RAGSTREAM_CONNECTORS__STATE_DIR, file
    sharepoint-<source_id>.json, and on the topic <prefix>connect-offsets). Files that
    cannot become text go to the raw dead-letter topic. While watching, a lost SharePoint or
    Kafka is retried with backoff from the checkpoint. Exit status: 2 for a configuration or
    credential problem, 1 when SharePoint or Kafka could not be reached (the next run
    resumes from the checkpoint).
    """
    require_or_exit(ROLE_INGEST, "publish documents")
    from dataclasses import asdict

    from connectors.base import PublishError, SourceUnavailable
    from connectors.publisher import KafkaPublisher
    from connectors.sharepoint import SharePointSource
    from connectors.sharepoint_config import load_sharepoint_config
    from connectors.sharepoint_errors import (
        SharePointAuthError,
        SharePointConfigError,
        SharePointError,
    )
    from infra.kafka_admin import TopicSetupError, ensure_topics

    try:
        source_config = load_sharepoint_config(config)
    except SharePointConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    s = _settings()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    start_metrics(s, metrics_port)
    publisher = KafkaPublisher(s.kafka, client_id=f"ragstream-sharepoint-{source_config.source_id}")
    source = SharePointSource(source_config, s, publisher)
    libraries = sum(len(site.libraries) for site in source_config.sites)
    typer.echo(
        f"connect sharepoint: source {source_config.source_id} ({len(source_config.sites)} "
        f"site(s), {libraries} librar{'y' if libraries == 1 else 'ies'}, "
        f"{source_config.auth.kind} auth) -> {s.kafka.changes_topic} at "
        f"{s.kafka.bootstrap_servers}; checkpoint {source.checkpoint_file}"
        + ("; once" if once else "; Ctrl-C to stop"),
        err=True,
    )
    try:
        summary = source.run(
            stop,
            once=once,
            prepare=lambda: ensure_topics(s.kafka),
            on_retry=retry_reporter("sharepoint"),
        )
    except (SharePointConfigError, SharePointAuthError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except (SharePointError, PublishError, SourceUnavailable, TopicSetupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        publisher.close()
    typer.echo(json.dumps(asdict(summary)))


_connect_app.command("sharepoint")(connect_sharepoint)
app.add_typer(_connect_app, name="connect")


def register(connect: typer.Typer) -> None:
    """Add ``sharepoint`` to the main CLI's ``connect`` group."""
    connect.command("sharepoint")(connect_sharepoint)


if __name__ == "__main__":
    app()
