"""`flask rankings aggregate | rebuild | prune`."""

from __future__ import annotations

from datetime import date

import click

from learnhub.cli_helpers import progress_bar
from learnhub.clock import local_today
from learnhub.extensions import db

from .aggregation import aggregate_pending, settle_ms
from .blueprint import bp
from .rebuild import RebuildError, prune_raw_events, rebuild


@bp.cli.command("aggregate")
def aggregate_command():
    """Aggregate the views recorded since the last run (cron-safe)."""
    count = aggregate_pending(settle=settle_ms())
    db.session.commit()
    click.echo(f"{count} view events aggregated.")


@bp.cli.command("rebuild")
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
def rebuild_command(start, end):
    """Recompute the daily aggregates of a date range (China time) from the raw events."""
    first, last = start.date(), end.date()
    try:
        with progress_bar(label="Rebuilding days") as progress:
            rebuild(first, last, progress=progress)
    except RebuildError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Aggregates of {first} to {last} rebuilt.")


@bp.cli.command("prune")
def prune_command():
    """Delete aggregated raw view events older than RANKINGS_RETENTION_DAYS."""
    today: date = local_today()
    count = prune_raw_events(today)
    db.session.commit()
    click.echo(f"{count} raw view events pruned.")
