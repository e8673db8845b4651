"""``flask activities kinds``: create the standard activity kinds on a new site."""

import click

from learnhub.extensions import db

from .blueprint import bp
from .kinds import ensure_activity_kinds


@bp.cli.command("kinds")
def kinds_command():
    """Create the standard activity kinds (学党史, 好书推荐 …) that are missing."""
    added = ensure_activity_kinds()
    db.session.commit()
    click.echo(f"Activity kinds: {added} added.")
