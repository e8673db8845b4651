"""``flask catalogue ...`` commands."""

from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _

from learnhub.cli_helpers import fail_with_problems, messages_locale_option, progress_bar
from learnhub.extensions import db
from learnhub.file_imports import ImportFileError

from .blueprint import bp
from .import_files import read_catalogue_file
from .import_report import ImportReport
from .importer import import_catalogue
from .services import ensure_modules

bp.cli.short_help = "Manage the course catalogue."


@bp.cli.command("modules")
def modules_command():
    """Create the standard modules (专题栏目) that are missing."""
    added = ensure_modules()
    db.session.commit()
    click.echo(f"Modules: {added} added.")


@bp.cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@click.option(
    "--skip-existing", is_flag=True, help="Leave out courses whose title is already in use."
)
@messages_locale_option
def import_command(file: Path, dry_run: bool, skip_existing: bool, locale: str):
    """Import courses from a JSON or CSV FILE: all of them, or none if any is wrong.

    The formats are described in docs/catalogue-import.md.
    """
    with force_locale(locale):
        try:
            data = read_catalogue_file(file)
        except ImportFileError as error:
            fail_with_problems(error.problems)
        with progress_bar(label=_("Importing %(file)s", file=file.name)) as progress:
            report = import_catalogue(
                data,
                base_dir=file.parent.resolve(),
                dry_run=dry_run,
                skip_existing_titles=skip_existing,
                progress=progress,
            )
        if not report.ok or dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if not report.ok:
            fail_with_problems(report.problems)
        click.echo(_summary(report))


def _summary(report: ImportReport) -> str:
    lines = []
    if report.skipped:
        lines.append(_("Courses left out because their title is already in use: %(count)d.",
                       count=len(report.skipped)))  # fmt: skip
    if report.dry_run:
        lines.append(_("No problems found. Courses that would be imported: %(courses)d "
                       "(lessons: %(lessons)d). Nothing was imported (dry run).",
                       courses=len(report.courses), lessons=report.lessons))  # fmt: skip
    else:
        lines.append(_("Courses imported: %(courses)d (lessons: %(lessons)d).",
                       courses=len(report.courses), lessons=report.lessons))  # fmt: skip
    return "\n".join(lines)
