"""Taking and restoring backups of the site's databases.

SQLite: SQLite's online backup API copies the database page by page under a read lock, so
the copy is one consistent moment even while the site and the worker write (copying the
file alone would miss what waits in the ``-wal`` file, or catch half a transaction).
PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot) and ``pg_restore``. A copy is trusted
only after it checks out: SQLite's integrity check, then the credit ledger's own
verification (every chain, balance and the latest anchor) run on the copy.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

MAIN_FILE = "learnhub.sqlite3"
JOBS_FILE = "jobs.sqlite3"
POSTGRES_FILE = "learnhub.dump"


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed."""


@dataclass(frozen=True)
class Target:
    """One database of the installation: its URL and, for SQLite, its file."""

    url: str
    file: Path | None  # None: PostgreSQL

    @classmethod
    def of(cls, url: str) -> Target:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise BackupError(f"{url}: an in-memory database cannot be backed up.")
            return cls(url, Path(parsed.database))
        if parsed.get_backend_name() == "postgresql":
            return cls(url, None)
        raise BackupError(f"{url}: only SQLite and PostgreSQL databases are backed up.")


def new_backup_folder(parent: Path) -> Path:
    """A new folder named by the time (UTC) under ``parent``; never one that exists."""
    folder = parent / datetime.now(UTC).strftime("learnhub-%Y%m%dT%H%M%SZ")
    if folder.exists():
        raise BackupError(f"{folder} exists already: wait a second, or choose another folder.")
    folder.mkdir(parents=True, mode=0o700)
    return folder


def copy_sqlite(source: Path, destination: Path) -> None:
    """Copy a live SQLite database in one step of the backup API (one consistent moment),
    then check the copy's integrity."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database file.")
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.execute("PRAGMA busy_timeout = 15000")
        src.backup(dst, pages=-1)
    check_sqlite(destination)
    destination.chmod(0o600)


def check_sqlite(path: Path) -> None:
    """SQLite's own check of every page and index of the file."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path}: not a readable SQLite database ({error}).") from None
    if result != "ok":
        raise BackupError(f"{path}: the integrity check failed: {result}")


def dump_postgres(url: str, destination: Path) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", _libpq(url)])
    destination.chmod(0o600)


def restore_postgres(dump: Path, url: str) -> None:
    """Replace the database's tables with the dump's (``--clean``), in one transaction."""
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={_libpq(url)}", str(dump)])  # fmt: skip


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no ``+psycopg`` driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, no shell
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).") from None
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def verify_ledger_of(database_url: str) -> tuple[bool, str]:
    """Run ``flask ledger verify`` on another database (a backup's copy) with this
    installation's settings (keys, anchors): (checks out, what it printed)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "flask", "--app", "learnhub", "ledger", "verify"]
    done = subprocess.run(  # noqa: S603 - our own interpreter and command, no shell
        command,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def scratch_postgres_url(url: str) -> str:
    """A new, empty database beside the site's (to check a dump in); drop it after."""
    name = f"learnhub_check_{secrets.token_hex(4)}"
    _admin(url, f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    name = make_url(url).database
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
