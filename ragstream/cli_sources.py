"""Source commands: ``schemas export`` and ``connect sql``.

Register them on the main CLI with ``cli_sources.register(app, connect_app)``; the module's
own ``app`` (``python -m ragstream.cli_sources``) carries the same commands.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

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
) -> None:
    """Publish the rows of a database table or query as change events, then follow changes.

    Rows are read by a high watermark column (updated_at or a version) with an overlap
    window for late commits; only rows whose document changed are published. Deletes come
    from a soft-delete column or a periodic comparison of the keys. The checkpoint lives
    under RAGSTREAM_CONNECTORS__STATE_DIR as sql-<source_id>.json.
    """
    from dataclasses import asdict

    from connectors.base import PublishError
    from connectors.publisher import KafkaPublisher
    from connectors.sql import SourceUnavailable, SqlSource
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
        ensure_topics(s.kafka)
        summary = source.run(stop, once=once)
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
