"""Removing the files of lessons and covers once nothing names them any more.

A file replaced by another, or whose lesson or course was deleted, is removed from the
media store after the commit that made it unused (never before: a rolled-back change keeps
its files). A file another row still names is kept.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from learnhub.extensions import db
from learnhub.media import discard

from .models import Course, Lesson

log = logging.getLogger(__name__)

_UNUSED = "learnhub_unused_media"  # session.info: paths a flush stopped naming
_PATH_ATTRIBUTES = {Lesson: "media_path", Course: "cover_path"}


def _note_unused(session: Session, _context) -> None:
    unused: set[str] = session.info.setdefault(_UNUSED, set())
    for obj in session.deleted:
        attribute = _PATH_ATTRIBUTES.get(type(obj))
        if attribute and getattr(obj, attribute):
            unused.add(getattr(obj, attribute))
    for obj in session.dirty:
        attribute = _PATH_ATTRIBUTES.get(type(obj))
        if attribute:
            unused.update(p for p in inspect(obj).attrs[attribute].history.deleted if p)


def _remove_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction around it is not committed yet
    unused = session.info.pop(_UNUSED, None)
    if not unused:
        return
    with Session(db.engine) as reader:  # the committing session may not run SQL any more
        named = set(reader.scalars(select(Lesson.media_path).where(Lesson.media_path.in_(unused))))
        named |= set(reader.scalars(select(Course.cover_path).where(Course.cover_path.in_(unused))))
    for path in unused - named:
        try:
            discard(path)
        except OSError:  # the file stays, unserved (nothing names it): log, never fail the commit
            log.warning("could not remove unused media file %s", path, exc_info=True)


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_UNUSED, None)


def remove_unused_media_after_commits() -> None:
    """Listen to every session (once per process)."""
    for name, listener in (
        ("after_flush", _note_unused),
        ("after_commit", _remove_after_commit),
        ("after_rollback", _forget_after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
