"""Source commands: ``schemas export`` and ``connect sql``, and what every ``connect``
command shares (``--metrics-port``, progress output while reconnecting).

Register them on the main CLI with ``cli_sources.register(app, connect_app)``; the module's
own ``app`` (``python -m ragstream.cli_sources``) carries the same commands.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from infra.access import ROLE_INGEST, require_or_exit
from infra.logs import configure_logging
from infra.settings import Settings, get_settings

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

schemas_app = typer.Typer(
    help="JSON Schemas of the events on the ragstream topics (for producers and consumers).",
    no_args_is_help=True,
)
_connect_app = typer.Typer(
    help="Run a source connector that publishes change events to Kafka.", no_args_is_help=True
)
app = typer.Typer(
    help="ragstream source commands (also registered on the main `ragstream` command).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


MetricsPort = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=0,
        max=65535,
        help="serve Prometheus metrics (events published, dead letters, errors, lag) on this "
        "port at /metrics (default connectors.metrics_port; 0 = off); bound to "
        "connectors.metrics_host, 127.0.0.1 by default",
    ),
]


def start_metrics(settings: Settings, port: int | None) -> None:
    """Serve the connector's metrics when a port is set (option, else settings)."""
    from connectors.metrics import serve_metrics

    chosen = settings.connectors.metrics_port if port is None else port
    if chosen <= 0:
        return
    host = settings.connectors.metrics_host
    try:
        bound = serve_metrics(chosen, host)
    except OSError as exc:
        typer.echo(
            f"error: cannot serve metrics on {host}:{chosen}: {exc.strerror or exc}", err=True
        )
        raise typer.Exit(1) from exc
    typer.echo(f"metrics: http://{host}:{bound}/metrics", err=True)


def retry_reporter(kind: str) -> Callable[[BaseException, int, float], None]:
    """Progress output for a watching connector that lost Kafka, its database or SharePoint."""

    def report(error: BaseException, attempt: int, delay: float) -> None:
        typer.echo(
            f"connect {kind}: {error}; retrying in {delay:.0f}s (attempt {attempt}), "
            "resuming from the checkpoint",
            err=True,
        )

    return report


@schemas_app.command("export")
def schemas_export(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="write <Model>.schema.json for every wire model into this directory "
            "(default: print the ChangeEvent schema to stdout)",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of ChangeEvent (what a connector publishes on
    ragstream.changes), or write every wire model's schema into --out DIR."""
    from schemas.export import json_schemas

    schemas = {
        name: {"$schema": JSON_SCHEMA_DIALECT, **schema} for name, schema in json_schemas().items()
    }
    if out is None:
        typer.echo(json.dumps(schemas["ChangeEvent"], indent=2, sort_keys=True))
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, schema in sorted(schemas.items()):
            path = out / f"{name}.schema.json"
            path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            typer.echo(str(path))
    except OSError as exc:
        typer.echo(f"error: cannot write to {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc


def connect_sql(
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            help="YAML or JSON file: source_id, url, table or query, mapping, watermark_column, "
            "... (see connectors/SOURCES.md)",
            dir_okay=False,
        ),
    ],
    once: Annotated[
        bool, typer.Option("--once", help="publish what changed since the last run, then exit")
    ] = False,
    metrics_port: MetricsPort = None,
) -> None:
    """Publish the rows of a database table or query as change events, then follow changes.

    Rows are read by a high watermark column (updated_at or a version) with an overlap
    window for late commits; only rows whose document changed are published. Deletes come
    from a soft-delete column or a periodic comparison of the keys. The checkpoint lives
    under RAGSTREAM_CONNECTORS__STATE_DIR as sql-<source_id>.json and on the topic
    <prefix>connect-offsets. While watching, a lost database or Kafka is retried with
    backoff from the checkpoint.
    """
    require_or_exit(ROLE_INGEST, "publish documents")
    from dataclasses import asdict

    from connectors.base import PublishError, SourceUnavailable
    from connectors.publisher import KafkaPublisher
    from connectors.sql import SqlSource
    from connectors.sql_config import ConfigFileError, SqlConfigError, load_sql_config
    from infra.kafka_admin import TopicSetupError, ensure_topics

    try:
        source_config = load_sql_config(config)
    except ConfigFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    s = _settings()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    start_metrics(s, metrics_port)
    publisher = KafkaPublisher(s.kafka, client_id=f"ragstream-sql-{source_config.source_id}")
    source = SqlSource(source_config, s, publisher)
    what = source_config.table or "query"
    typer.echo(
        f"connect sql: source {source_config.source_id} ({what}) -> "
        f"{s.kafka.changes_topic} at {s.kafka.bootstrap_servers}; "
        f"checkpoint {source.checkpoint_file}" + ("; once" if once else "; Ctrl-C to stop"),
        err=True,
    )
    try:
        summary = source.run(
            stop, once=once, prepare=lambda: ensure_topics(s.kafka), on_retry=retry_reporter("sql")
        )
    except SqlConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except (PublishError, TopicSetupError, SourceUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        publisher.close()
    typer.echo(json.dumps(asdict(summary)))


_connect_app.command("sql")(connect_sql)
app.add_typer(schemas_app, name="schemas")
app.add_typer(_connect_app, name="connect")


def register(root: typer.Typer, connect: typer.Typer) -> None:
    """Add ``schemas export`` to ``root`` and ``sql`` to its ``connect`` group."""
    root.add_typer(schemas_app, name="schemas")
    connect.command("sql")(connect_sql)


if __name__ == "__main__":
    app()
