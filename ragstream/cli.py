"""The ``ragstream`` command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from infra.access import ROLE_ADMIN, ROLE_INGEST, require_or_exit
from infra.logs import configure_logging
from infra.settings import Settings, get_settings
from ragstream import (
    cli_compliance,
    cli_ops,
    cli_quarantine,
    cli_reindex,
    cli_search,
    cli_sharepoint,
    cli_sources,
)

app = typer.Typer(
    help=(
        "ragstream keeps OpenSearch retrieval indices in sync with your systems through Kafka.\n\n"
        "Connectors publish change events to Kafka; workers apply compliance, chunk, embed and "
        "write to OpenSearch; `query` searches the result. Settings come from RAGSTREAM_* "
        "environment variables (nested with __, e.g. RAGSTREAM_KAFKA__BOOTSTRAP_SERVERS) and an "
        "optional YAML file named by RAGSTREAM_SETTINGS_FILE (default ./ragstream.yaml)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stack_app = typer.Typer(
    help=(
        "Run the local stack without Docker: Kafka and OpenSearch; optionally PostgreSQL "
        "and Kafka Connect with Debezium."
    ),
    no_args_is_help=True,
)
connect_app = typer.Typer(
    help="Run a source connector that publishes change events to Kafka.", no_args_is_help=True
)
index_app = typer.Typer(help="Inspect and manage the OpenSearch indices.", no_args_is_help=True)
app.add_typer(stack_app, name="stack")
app.add_typer(connect_app, name="connect")
app.add_typer(index_app, name="index")

REPO_ROOT = Path(__file__).resolve().parents[1]


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


def _stack(action: str, services: list[str]) -> None:
    script = REPO_ROOT / "compose" / "stack.sh"
    if not script.is_file():
        typer.echo(f"error: {script} not found (run from a source checkout)", err=True)
        raise typer.Exit(2)
    raise typer.Exit(subprocess.call(["bash", str(script), action, *services]))


@stack_app.command("up")
def stack_up(
    services: Annotated[
        list[str] | None,
        typer.Argument(help="kafka, opensearch, postgres, connect (default: kafka opensearch)"),
    ] = None,
) -> None:
    """Install what is missing and start the services; a second `up` is a no-op."""
    _stack("up", services or [])


@stack_app.command("down")
def stack_down(
    services: Annotated[
        list[str] | None, typer.Argument(help="services to stop (default: all started)")
    ] = None,
) -> None:
    """Stop the services this stack started (and only those)."""
    _stack("down", services or [])


@stack_app.command("status")
def stack_status() -> None:
    """Say which service runs where, and whether it answers."""
    _stack("status", [])


@app.command()
def topics() -> None:
    """Create the ragstream topics on the broker if they are missing."""
    from infra.kafka_admin import ensure_topics

    s = _settings()
    result = ensure_topics(s.kafka)
    typer.echo(f"created: {', '.join(result.created) or '-'}")
    typer.echo(f"existing: {', '.join(result.existing) or '-'}")


@app.command()
def worker() -> None:
    """Run a Faust worker with the compliance, chunk_embed and sink agents until stopped.

    Start several to share the partitions (give each its own RAGSTREAM_WORKER__WEB_PORT).
    Health at http://127.0.0.1:<web_port>/health/, Prometheus metrics at /metrics/.
    """
    from ragstream.worker import run_worker

    require_or_exit(ROLE_INGEST, "run a worker (index documents)")
    sys.argv = [sys.argv[0]]  # faust reads argv; our options were already parsed
    run_worker(_settings())


@connect_app.command("filesystem")
def connect_filesystem(
    path: Annotated[
        Path | None,
        typer.Argument(help="folder to watch (or `root` in --config)", resolve_path=True),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="YAML or JSON file: root, source_id, tags, path_tags, rescan_interval_s "
            "(see connectors/README.md); options given as well add to or override it",
            dir_okay=False,
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="publish the initial scan, then exit")
    ] = False,
    source_id: Annotated[
        str | None,
        typer.Option(
            "--source-id",
            help="fixed source id (default: derived from PATH); keep it when the folder moves "
            "so its documents and checkpoint carry over",
        ),
    ] = None,
    rescan_interval: Annotated[
        float | None,
        typer.Option(
            "--rescan-interval",
            min=0,
            help="seconds between full comparisons of PATH with the checkpoint while watching "
            "(default connectors.rescan_interval_s, 300; 0 = off)",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="compliance tag for every file (phi, financial, california)"),
    ] = None,
    path_tag: Annotated[
        list[str] | None,
        typer.Option(
            "--path-tag", help="PREFIX=TAG: tag files under a relative path (clinic/=phi)"
        ),
    ] = None,
    metrics_port: cli_sources.MetricsPort = None,
) -> None:
    """Publish the documents under PATH as change events, then follow changes.

    Reads text, Markdown, CSV, PDF, DOCX, PPTX, XLSX, HTML and e-mail (.eml, attachments as
    documents of their own). An initial scan publishes what changed since the last run
    (checkpoint under RAGSTREAM_CONNECTORS__STATE_DIR and on the topic <prefix>connect-offsets,
    so the connector can move to another host); then creates, edits, renames and deletes are
    published as they happen, with a full rescan every --rescan-interval seconds and whenever
    notifications were lost. Unreadable, encrypted, corrupt or oversized files and unreadable
    folders go to the raw dead-letter topic; documents under an unreadable folder are kept,
    never deleted. Tags select compliance frameworks (phi: HIPAA, financial: SOX,
    california: CCPA); when the tags or the compliance policy change, unchanged files are
    published again. While watching, a lost Kafka is retried with backoff.
    """
    require_or_exit(ROLE_INGEST, "publish documents")
    from dataclasses import asdict

    from connectors.base import PublishError, SourceUnavailable
    from connectors.filesystem import FileSystemSource, RootNotFound
    from connectors.fs_config import (
        FileSystemConfigError,
        FileSystemSourceConfig,
        load_filesystem_config,
    )
    from connectors.publisher import KafkaPublisher
    from infra.kafka_admin import TopicSetupError, ensure_topics

    file_config: FileSystemSourceConfig | None = None
    if config is not None:
        try:
            file_config = load_filesystem_config(config)
        except FileSystemConfigError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
    root = path or (file_config.root if file_config is not None else None)
    if root is None:
        typer.echo("error: give the folder (PATH) or --config FILE with root", err=True)
        raise typer.Exit(2)
    s = _settings()
    path_tags = dict(s.connectors.path_tags)
    if file_config is not None:
        for prefix, values in file_config.path_tags.items():
            path_tags[prefix] = (*path_tags.get(prefix, ()), *values)
    for item in path_tag or []:
        prefix, sep, value = item.partition("=")
        if not sep or not value:
            typer.echo(f"error: --path-tag wants PREFIX=TAG, got {item!r}", err=True)
            raise typer.Exit(2)
        path_tags[prefix] = (*path_tags.get(prefix, ()), value)
    if not root.is_dir():
        typer.echo(f"error: folder {root} does not exist or is not a directory", err=True)
        raise typer.Exit(1)
    update: dict[str, object] = {
        "tags": (
            *s.connectors.tags,
            *(file_config.tags if file_config is not None else ()),
            *(tag or []),
        ),
        "path_tags": path_tags,
    }
    if source_id is None and file_config is not None:
        source_id = file_config.source_id
    if source_id is not None:
        update["source_id"] = source_id
    if rescan_interval is None and file_config is not None:
        rescan_interval = file_config.rescan_interval_s
    if rescan_interval is not None:
        update["rescan_interval_s"] = rescan_interval
    connectors = s.connectors.model_copy(update=update)
    s = s.model_copy(update={"connectors": connectors})
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    cli_sources.start_metrics(s, metrics_port)
    publisher = KafkaPublisher(s.kafka)
    source = FileSystemSource(root, s, publisher)
    typer.echo(
        f"connect filesystem: source {source.source_id} ({root}) -> {s.kafka.changes_topic} "
        f"at {s.kafka.bootstrap_servers}; checkpoint {source.checkpoint_file}"
        + ("; once" if once else "; Ctrl-C to stop"),
        err=True,
    )
    try:
        summary = source.run(
            stop,
            once=once,
            prepare=lambda: ensure_topics(s.kafka),
            on_retry=cli_sources.retry_reporter("filesystem"),
        )
    except (PublishError, TopicSetupError, RootNotFound, SourceUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        publisher.close()
    typer.echo(json.dumps(asdict(summary)))


@index_app.command("stats")
def index_stats(
    wait_docs: Annotated[
        int, typer.Option(help="wait until this many live documents are indexed")
    ] = 0,
    timeout: Annotated[float, typer.Option(help="seconds to wait with --wait-docs")] = 300.0,
) -> None:
    """Count live documents and chunks; with --wait-docs, show progress until reached."""
    from infra.opensearch import make_client
    from streams.sinks.stats import index_counts

    s = _settings()
    client = make_client(s.opensearch)
    deadline = time.monotonic() + timeout
    tty = sys.stdout.isatty()
    last = None
    while True:
        counts = index_counts(client, s.opensearch)
        line = f"documents: {counts.documents}  chunks: {counts.chunks}"
        if wait_docs <= 0:
            typer.echo(line)
            return
        bar = f"[{'#' * min(30, 30 * counts.documents // wait_docs):<30}] {line}"
        if tty:
            typer.echo(f"\r{bar}", nl=False)
        elif counts != last:  # a log-friendly line per change when not on a terminal
            typer.echo(bar)
        last = counts
        if counts.documents >= wait_docs:
            if tty:
                typer.echo("")
            return
        if time.monotonic() > deadline:
            typer.echo("")
            typer.echo(
                f"error: only {counts.documents}/{wait_docs} documents after "
                f"{timeout:.0f}s; see the worker log",
                err=True,
            )
            raise typer.Exit(1)
        time.sleep(1.0)


@index_app.command("reset")
def index_reset(
    yes: Annotated[bool, typer.Option("--yes", help="really delete")] = False,
) -> None:
    """Delete both indices (they are re-created by the next worker start)."""
    require_or_exit(ROLE_ADMIN, "delete the indices")
    from infra.opensearch import make_client
    from streams.sinks.indices import drop_indices

    s = _settings()
    if not yes:
        typer.echo("refusing without --yes", err=True)
        raise typer.Exit(2)
    drop_indices(make_client(s.opensearch), s.opensearch)
    typer.echo("indices deleted")


cli_compliance.register(app)
cli_search.register(app)
cli_ops.register(app)
cli_quarantine.register(app)
cli_reindex.register(index_app)
cli_sources.register(app, connect_app)
cli_sharepoint.register(connect_app)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()


if __name__ == "__main__":
    main()
