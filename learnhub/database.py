"""Database engine behaviour shared by every feature.

SQLite is the embedded default and must behave under several threads and worker
processes: WAL lets readers run beside one writer, ``busy_timeout`` makes a
second writer wait instead of failing, and write transactions begin with
``BEGIN IMMEDIATE`` so they take the write lock up front. A transaction that
starts deferred, reads and then writes cannot wait for the lock: SQLite fails it
at once with "database is locked", whatever the timeout.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from sqlalchemy import DateTime, Enum, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only time the database stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A point in time, stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, so the value is stored as naive UTC there.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use learnhub.database.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def string_enum(enum_class: type[enum.Enum], name: str, length: int) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint (no PostgreSQL ENUM type,
    so adding a value later is a plain migration on both databases)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: what was read a moment ago in this
    request stays as read, and what was written is what it holds (expired, each object
    touched next would be read again, one statement each: the signed-in user's first)."""
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


@contextmanager
def writing_transaction() -> Iterator[None]:
    """For a GET that writes midway (a lesson's first opening starts its reading): ends the
    reads so far, runs the block in a transaction that begins as a writer (on SQLite
    IMMEDIATE: the write lock first, so it cannot fail to upgrade) and commits it; what the
    page reads afterwards begins as a reader again, not holding the write lock."""
    _commit_keeping_loaded()
    g.learnhub_expects_write = True
    try:
        yield
        _commit_keeping_loaded()
    finally:
        g.learnhub_expects_write = False


def _begins_as_writer() -> bool:
    if not has_request_context():
        return True  # CLI commands, services called from tests and jobs
    if g.get("learnhub_expects_write"):
        return True
    return request.method not in _READ_ONLY_METHODS


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begins_as_writer() else "BEGIN")


def init_database(app: Flask) -> None:
    """Install per-dialect engine behaviour on every engine of the app."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine)


# ---- work that waits for the commit -------------------------------------------------------

_ON_COMMIT = "learnhub_on_commit"


def on_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the current transaction commits; forget it if it rolls back
    (for effects outside the database: counters, notices to other processes)."""
    db.session.info.setdefault(_ON_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for action in session.info.pop(_ON_COMMIT, []):
        action()


@event.listens_for(Session, "after_rollback")
def _forget_on_commit(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)


# ---- forms that add something, once ------------------------------------------------------


class AlreadySent(Exception):
    """This form went through before: nothing was added this time. ``earlier`` is what the
    first post recorded (e.g. the id of what it made; None if that is gone)."""

    def __init__(self, earlier):
        super().__init__(f"form already sent ({earlier})")
        self.earlier = earlier


def add_once(row, earlier, **key) -> None:
    """Add ``row``, whose unique constraint covers the columns named in ``key`` (a person
    and their form's one-time token), in a savepoint. If that constraint refuses it, the
    same form went through before: raise AlreadySent with the earlier row's ``earlier``
    column. Two copies of one post at the same moment meet at the constraint, whatever the
    concurrency (PostgreSQL makes the second wait for the first)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = db.session.execute(select(earlier).filter_by(**key)).first()
        if found is None:  # another constraint refused the row: not ours to explain
            raise
        raise AlreadySent(found[0]) from None
