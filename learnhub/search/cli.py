"""`flask search reindex | sync | status`."""

from __future__ import annotations

import click

from learnhub.cli_helpers import progress_bar

from . import sync
from .blueprint import bp


@bp.cli.command("reindex")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Processes analysing text (the machine's cores, at most).")  # fmt: skip
@click.option("--wait", default=60.0, show_default=True, type=float,
              help="Seconds to wait for another process writing the index.")  # fmt: skip
def reindex_command(procs: int, wait: float):
    """Rebuild the search index from the database into a new folder, then swap it in.

    Searches keep using the old index until the new one is complete.
    """
    try:
        with progress_bar(label="Courses") as progress:
            count = sync.rebuild_index(progress=progress, procs=procs, wait=wait)
    except sync.IndexBusy as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Indexed {count} documents into {sync.search_index().location()}.")


@bp.cli.command("sync")
def sync_command():
    """Apply changes still waiting for the index (normally applied right after each commit)."""
    applied = sync.apply_pending_changes()
    click.echo(f"Applied {applied} pending changes.")


@bp.cli.command("status")
def status_command():
    """Say whether the index is usable, where it is, and how much it holds."""
    index = sync.search_index()
    status = index.status()
    click.echo(f"status: {status}")
    click.echo(f"backend: {index.name}")
    click.echo(f"where: {index.location()}")
    if status == "ok":
        click.echo(f"documents: {index.document_count()}")
    click.echo(f"searchable in the database: {sync.searchable_count()}")
    if status != "ok":
        raise SystemExit(1)
