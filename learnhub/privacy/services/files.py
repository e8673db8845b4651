"""Files deleted together with their rows: only once the transaction is committed, so a
rollback keeps both the row and its file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from learnhub.extensions import db

_KEY = "privacy_files_to_delete"


def delete_after_commit(paths: list[Path]) -> None:
    """Delete these files when the current transaction commits."""
    if paths:
        db.session().info.setdefault(_KEY, []).extend(paths)


def _delete_files(session: Session) -> None:
    for path in session.info.pop(_KEY, []):
        path.unlink(missing_ok=True)


def _forget_files(session: Session) -> None:
    session.info.pop(_KEY, None)


def listen() -> None:
    """Connect the hooks once per process."""
    if not event.contains(Session, "after_commit", _delete_files):
        event.listen(Session, "after_commit", _delete_files)
        event.listen(Session, "after_rollback", _forget_files)
