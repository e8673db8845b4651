"""``flask catalogue ...`` commands."""

import click

from learnhub.extensions import db

from . import bp
from .services import ensure_modules

bp.cli.short_help = "Manage the course catalogue."


@bp.cli.command("modules")
def modules_command():
    """Create the standard modules (专题栏目) that are missing."""
    added = ensure_modules()
    db.session.commit()
    click.echo(f"Modules: {added} added.")
