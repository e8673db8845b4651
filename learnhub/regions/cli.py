"""``flask regions ...`` commands."""

from pathlib import Path

import click

from learnhub.cli_helpers import progress_bar
from learnhub.extensions import db

from .blueprint import bp
from .services import DEFAULT_REGION_FILE, RegionFileError, load_regions

bp.cli.short_help = "Manage the region tree."


@bp.cli.command("load")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def load_command(file: Path | None):
    """Load or update regions from FILE (default: the shipped Liaoning table)."""
    path = file or DEFAULT_REGION_FILE
    try:
        with progress_bar(label=f"Loading {path.name}") as progress:
            added, updated = load_regions(path, progress=progress)
    except RegionFileError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException("nothing was loaded") from None
    db.session.commit()
    click.echo(f"Regions: {added} added, {updated} updated.")
