"""Where a web process puts its views at the end of each request, so that a killed process
loses none: outside its memory, and drained into the database by the job worker.

- **Redis** (``JOBS_URL`` redis://…, several hosts): each request's views are pushed to a
  list beside the queue (``<queue name>.views``).
- **A file** (the SQLite queue, one machine): each web process appends each request's
  views to a file of its own in ``<instance>/views/`` (one ``write``; the kernel keeps it
  when the process dies), and holds an advisory lock on it while it lives.

:func:`drain_views` (the ``record_pending_views`` job, and the aggregator before each
round) takes what is there in batches — the Redis list renamed at once to a batch key; a
file sealed by its process (renamed to a batch), or a file whose process is dead (its lock
free) — and writes each batch in one transaction with a ``job_done`` mark of the batch's
id, then deletes the batch. A drain killed after its commit leaves the batch behind; the
next drain finds the mark and only deletes it: every view is written exactly once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import struct
import time
import uuid
from pathlib import Path

from flask import Flask, current_app
from huey.storage import RedisStorage
from sqlalchemy.exc import IntegrityError

from learnhub.extensions import db
from learnhub.jobs.queue import already_done, mark_done, queue

from .services import add_views

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("<I")
OPEN, SEALED = ".open", ".batch"
# Rename the list to a batch key if there is one, at once (nothing lands in between).
_TAKE_LIST = """
if redis.call('exists', KEYS[1]) == 1 then redis.call('rename', KEYS[1], KEYS[2]) end
return 0
"""


def _shared(app: Flask) -> bool:
    return app.config["JOBS_URL"].split(":", 1)[0] in ("redis", "rediss", "unix")


def journal_folder(app: Flask) -> Path:
    return Path(app.instance_path) / "views"


def redis_key() -> str:
    return f"{queue.name}.views"


# ---- the web side -----------------------------------------------------------------------


class FileJournal:
    """This process's file of views (one machine). Not shared between threads unlocked:
    the caller (ViewBuffer) serializes ``append`` and ``seal``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fd: int | None = None
        self.path: Path | None = None

    def _open(self) -> int:
        if self.fd is None:
            # A new name each time (never reused), locked before the drain can see it.
            self.folder.mkdir(parents=True, exist_ok=True)
            name = uuid.uuid4().hex
            fresh = self.folder / f"{name}.new"
            self.fd = os.open(
                fresh, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600
            )
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "this process lives"
            self.path = self.folder / f"{name}{OPEN}"
            os.rename(fresh, self.path)
        return self.fd

    def append(self, rows: list[dict]) -> None:
        data = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        os.write(self._open(), _LENGTH.pack(len(data)) + data)  # one write: all or nothing

    def seal(self) -> bool:
        """Close the file as a batch for the drain; the next views start a new file."""
        if self.fd is None:
            return False
        os.rename(self.path, self.path.with_suffix(SEALED))
        os.close(self.fd)  # closing releases the lock
        self.fd = self.path = None
        return True


class RedisJournal:
    """The list on Redis all hosts push to."""

    def __init__(self, storage: RedisStorage) -> None:
        self.conn, self.key = storage.conn, redis_key()

    def append(self, rows: list[dict]) -> None:
        self.conn.rpush(self.key, pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))

    def seal(self) -> bool:
        return True  # the drain takes the whole list at once


def journal_for(app: Flask) -> FileJournal | RedisJournal:
    if _shared(app):
        return RedisJournal(queue.storage)
    return FileJournal(journal_folder(app))


# ---- the drain (in the worker) ------------------------------------------------------------


def _read_file(path: Path) -> list[dict]:
    data, rows, at = path.read_bytes(), [], 0
    while at + _LENGTH.size <= len(data):
        (length,) = _LENGTH.unpack_from(data, at)
        chunk = data[at + _LENGTH.size : at + _LENGTH.size + length]
        if len(chunk) < length:
            log.warning("%s ends in a partial record (%d bytes): skipped", path, len(chunk))
            break
        rows.extend(pickle.loads(chunk))  # noqa: S301 - written by FileJournal.append
        at += _LENGTH.size + length
    return rows


def _write_batch(key: str, rows: list[dict]) -> int:
    """Write a batch's views with its done mark in one commit; 0 if it was written before."""
    if already_done(key):
        db.session.rollback()
        return 0
    add_views(rows)
    mark_done(key)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if already_done(key):
            return 0  # another drain wrote it first
        raise
    return len(rows)


def _drain_files(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.new"):  # a process killed while it made its file: empty
        with contextlib.suppress(FileNotFoundError):
            if time.time() - path.stat().st_mtime > 60:
                path.unlink()
    for path in folder.glob(f"*{OPEN}"):  # a dead process's file: seal it for it
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # sealed meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # its process lives
        try:
            os.rename(path, path.with_suffix(SEALED))  # names are never reused: this file
        except FileNotFoundError:
            pass  # sealed by its process meanwhile
        finally:
            os.close(fd)
    written = 0
    for path in sorted(folder.glob(f"*{SEALED}")):
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # one drain per batch at a time
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            if not path.exists():
                continue  # drained by another while we waited
            written += _write_batch(f"views:{path.stem}", _read_file(path))
            path.unlink()
        finally:
            os.close(fd)
    return written


def _drain_redis(storage: RedisStorage) -> int:
    conn, key = storage.conn, redis_key()
    conn.eval(_TAKE_LIST, 2, key, f"{key}:batch:{uuid.uuid4().hex}")
    written = 0
    for batch in conn.scan_iter(match=f"{key}:batch:*"):
        name = batch.decode() if isinstance(batch, bytes) else batch
        items = conn.lrange(name, 0, -1)
        rows = [row for item in items for row in pickle.loads(item)]  # noqa: S301 - RedisJournal's
        written += _write_batch(f"views:{name.rsplit(':', 1)[1]}", rows)
        conn.delete(name)
    return written


def drain_views() -> int:
    """Write every view that web processes have put in the journal; returns how many."""
    app = current_app._get_current_object()
    if _shared(app):
        return _drain_redis(queue.storage)
    return _drain_files(journal_folder(app))
