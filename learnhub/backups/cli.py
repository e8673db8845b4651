"""``flask backup`` and ``flask restore``: a verified copy of the databases, and putting one
back. The ledger's keys and anchors are never in a backup: they are kept apart on purpose
(docs/deployment.md), so that whoever holds a backup cannot forge the ledger in it."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from learnhub.creditbank.services.chain_verification import verify_ledger
from learnhub.extensions import db

from .services import (
    JOBS_FILE,
    MAIN_FILE,
    POSTGRES_FILE,
    BackupError,
    Target,
    check_sqlite,
    copy_sqlite,
    drop_postgres,
    dump_postgres,
    new_backup_folder,
    restore_postgres,
    scratch_postgres_url,
    verify_ledger_of,
)


def _targets() -> tuple[Target, Target | None]:
    """The site's database and, if it is a SQLite file, the job queue's."""
    main = Target.of(current_app.config["SQLALCHEMY_DATABASE_URI"])
    jobs_url = current_app.config.get("JOBS_URL") or ""
    jobs = Target.of(jobs_url) if jobs_url.startswith("sqlite:///") else None
    return main, jobs


def _check_copy(main: Target, copy: Path) -> str:
    """Run the ledger's verification on a copy; BackupError if it does not check out."""
    if main.file is not None:
        ok, report = verify_ledger_of(f"sqlite:///{copy}")
    else:
        scratch = scratch_postgres_url(main.url)
        try:
            restore_postgres(copy, scratch)
            ok, report = verify_ledger_of(scratch)
        finally:
            drop_postgres(scratch)
    if not ok:
        raise BackupError(f"the copy's ledger does not verify:\n{report}")
    return report


@click.command("backup")
@click.argument("parent", required=False, type=click.Path(file_okay=False, path_type=Path))
def backup_command(parent: Path | None):
    """Copy the databases, consistently, while the site runs, into a new folder under
    PARENT (default: the instance folder's backups/), then verify the copy's ledger."""
    parent = parent or Path(current_app.instance_path) / "backups"
    try:
        main, jobs = _targets()
        folder = new_backup_folder(parent)
        if main.file is not None:
            copy = folder / MAIN_FILE
            copy_sqlite(main.file, copy)
        else:
            copy = folder / POSTGRES_FILE
            dump_postgres(main.url, copy)
        if jobs is not None and jobs.file.is_file():
            copy_sqlite(jobs.file, folder / JOBS_FILE)
        report = _check_copy(main, copy)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {folder}")
    click.echo(f"Checked: {report}")
    click.echo(
        "Not in the backup, on purpose: the ledger keys and anchors (back them up apart) and "
        "the search index (rebuilt by `flask search reindex`)."
    )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the databases.")
def restore_command(folder: Path, yes: bool):
    """Replace the databases with the backup in FOLDER (stop the site and the worker
    first). The backup is checked before anything is changed, and the ledger after."""
    try:
        main, jobs = _targets()
        copy = folder / (MAIN_FILE if main.file is not None else POSTGRES_FILE)
        if not copy.is_file():
            kind = "SQLite" if main.file is not None else "PostgreSQL"
            raise BackupError(f"{folder} holds no {kind} backup ({copy.name}) of this site.")
        if main.file is not None:
            check_sqlite(copy)
        _check_copy(main, copy)
    except BackupError as error:
        raise click.ClickException(f"{error}\nNothing was changed.") from None
    if not yes:
        click.confirm(
            f"Replace every row of the site's database with the backup in {folder}?", abort=True
        )
    db.session.remove()
    db.engine.dispose()
    try:
        if main.file is not None:
            copy_sqlite(copy, main.file)
        else:
            restore_postgres(copy, main.url)
        if jobs is not None and (folder / JOBS_FILE).is_file():
            copy_sqlite(folder / JOBS_FILE, jobs.file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    breaks = list(verify_ledger())
    db.session.remove()
    for found in breaks:
        click.echo(f"BREAK account {found.account_number} entry {found.sequence}: {found.problem}",
                   err=True)  # fmt: skip
    if breaks:
        raise SystemExit(1)
    click.echo(f"Restored from {folder}; the ledger checks out.")
    click.echo(
        "Next: `flask db upgrade` if this code is newer than the backup, then "
        "`flask search reindex`, then start the site and the worker."
    )
