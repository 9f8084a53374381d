"""``ragstream index reembed``: rebuild the chunks index with another embedding model.

Builds generation ``--generation`` (default ``v2``) of the chunks index with the embedder
the settings name (``--backend`` and the ``RAGSTREAM_EMBEDDING__*`` variables), then moves the
chunks alias to it in one atomic request. Queries never fail meanwhile. Stop the workers
before, restart them with the same embedding settings after: see docs/REINDEX.md.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from infra.access import ROLE_ADMIN, require_or_exit
from infra.settings import get_settings


def register(index_app: typer.Typer) -> None:
    """Add ``reembed`` to the ``index`` group."""
    index_app.command("reembed")(index_reembed)


def index_reembed(
    backend: Annotated[
        str | None,
        typer.Option(help="embedding backend: onnx, hashing or http (default: the settings')"),
    ] = None,
    generation: Annotated[str, typer.Option(help="the new index generation")] = "v2",
    dimension: Annotated[
        int | None, typer.Option(help="vector dimension (required for http)")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="really build and switch")] = False,
) -> None:
    """Re-embed every live document into a new chunks index and switch the alias to it."""
    require_or_exit(ROLE_ADMIN, "rebuild the chunks index")
    from infra.opensearch import make_client
    from streams.chunking import TokenChunker
    from streams.embedding import make_embedder
    from streams.reindex import reembed

    s = get_settings()
    update: dict[str, object] = {}
    if backend is not None:
        if backend not in ("onnx", "hashing", "http"):
            typer.echo(f"error: unknown backend {backend!r}", err=True)
            raise typer.Exit(2)
        update["backend"] = backend
    if dimension is not None:
        update["dimension"] = dimension
    emb_settings = s.embedding.model_copy(update=update)
    embedder = make_embedder(emb_settings)
    target = f"{s.opensearch.chunks_alias}-{generation}"
    typer.echo(
        f"re-embed {s.opensearch.documents_alias} with {emb_settings.backend} "
        f"into {target}, then move alias {s.opensearch.chunks_alias}"
    )
    if not yes:
        typer.echo("refusing without --yes", err=True)
        raise typer.Exit(2)
    tty = sys.stdout.isatty()

    def progress(done: int, total: int) -> None:
        line = f"{done}/{total} documents"
        typer.echo(f"\r{line}" if tty else line, nl=not tty)

    try:
        report = reembed(
            make_client(s.opensearch),
            s.opensearch,
            embedder,
            TokenChunker(s.chunking),
            target_generation=generation,
            progress=progress,
        )
    except ValueError as exc:
        typer.echo(f"\nerror: {exc}", err=True)
        raise typer.Exit(1) from exc
    if tty:
        typer.echo("")
    typer.echo(
        f"done in {report.seconds:.1f}s: {report.documents} documents, {report.chunks} chunks "
        f"({report.caught_up} caught up, {report.removed} removed); alias "
        f"{s.opensearch.chunks_alias}: {', '.join(report.old_indices) or '-'} -> "
        f"{report.new_index}"
    )
    typer.echo(
        f"restart the workers with RAGSTREAM_EMBEDDING__BACKEND={emb_settings.backend} "
        f"(and the same model settings); the old index is kept"
    )
