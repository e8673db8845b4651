"""Handing each request's views over when it ends, so that no process holds them alone.

A page's views are collected while it runs (``g.pending_views``) and, when it ends, put
in the journal (view_journal.py): pushed to Redis when the queue is on Redis (several
hosts), appended to this process's own file in the instance folder on one machine. A
process killed with ``kill -9`` loses none of them: the journal is outside its memory.

Every ``RANKINGS_VIEW_FLUSH_SECONDS`` (or 500 views) a request that ends asks the worker
to write what is there (one ``record_pending_views`` job), and so does a process that
stops; the aggregator also writes what is there before each round, so the views of a
process that died are written within a minute. If the journal itself cannot be reached
(Redis down), the views wait in memory and go with the next request's.

With ``RANKINGS_VIEW_FLUSH_SECONDS = 0`` each request writes its own views when it ends.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from flask import Flask, current_app, g

from learnhub.extensions import db

from .jobs import record_pending_views
from .services import write_views
from .view_journal import FileJournal, RedisJournal, journal_for

log = logging.getLogger(__name__)

FLUSH_AT_ROWS = 500  # this many views since the last hand-over: the worker is asked at once
MAX_ROWS = 100_000  # while the journal is unreachable, keep at most this many (oldest go first)


class ViewBuffer:
    """This process's way to the journal, and when it last asked the worker to drain it."""

    def __init__(self, interval: float, journal: FileJournal | RedisJournal) -> None:
        self.interval = interval
        self.journal = journal
        self.pid = os.getpid()
        self._waiting: list[dict] = []  # only while the journal is unreachable
        self._since_hand_over = 0
        self._since = time.monotonic()
        self._lock = threading.Lock()  # threaded servers: requests end on several threads

    def add(self, rows: list[dict]) -> None:
        """Put views in the journal; ask for a drain if one is due."""
        with self._lock:
            if not self._since_hand_over:
                self._since = time.monotonic()
            rows, self._waiting = self._waiting + rows, []
            try:
                self.journal.append(rows)
            except Exception:  # Redis is down: keep them for the next request
                log.exception("could not put %d view(s) in the journal; keeping them", len(rows))
                self._waiting = rows[-MAX_ROWS:]
                return
            self._since_hand_over += len(rows)
            due = (
                self._since_hand_over >= FLUSH_AT_ROWS
                or time.monotonic() - self._since >= self.interval
            )
        if due:
            self.hand_over()

    def hand_over(self) -> int:
        """Ask the worker to write the journal now; returns the views this process put in it
        since it last asked (0 if the queue could not be reached: they wait in the journal,
        for the next drain)."""
        if os.getpid() != self.pid:  # a forked child never seals its parent's file
            return 0
        with self._lock:
            count, self._since_hand_over = self._since_hand_over, 0
            if not count:
                return 0
            self.journal.seal()
        try:
            record_pending_views()
        except Exception:
            log.exception("could not ask the worker to write %d view(s); they wait", count)
            return 0
        return count


_buffers: dict[int, ViewBuffer] = {}
_buffers_lock = threading.Lock()


def view_buffer(app: Flask) -> ViewBuffer | None:
    """This process's buffer for the app (made on first use); None when each request writes
    its own views (``RANKINGS_VIEW_FLUSH_SECONDS = 0``)."""
    interval = app.config["RANKINGS_VIEW_FLUSH_SECONDS"]
    if not interval:
        return None
    with _buffers_lock:
        buffer = _buffers.get(id(app))
        if buffer is None or buffer.pid != os.getpid():
            buffer = _buffers[id(app)] = ViewBuffer(interval, journal_for(app))
    return buffer


def hand_over_views(app: Flask) -> int:
    """Ask the worker to write the views this process put in the journal; returns how many."""
    buffer = _buffers.get(id(app))
    return buffer.hand_over() if buffer is not None and buffer.pid == os.getpid() else 0


def _hand_over_everything_at_exit() -> None:
    for buffer in list(_buffers.values()):
        buffer.hand_over()


atexit.register(_hand_over_everything_at_exit)


def _start_collecting() -> None:
    g.pending_views = []


def _collected_views_at_end(_error: BaseException | None) -> None:
    rows = g.pop("pending_views", None)
    if not rows:
        return
    buffer = view_buffer(current_app._get_current_object())
    if buffer is not None:
        buffer.add(rows)
        return
    # The page's session may still hold SQLite's write lock (a POST): release it first.
    db.session.remove()
    try:
        write_views(rows)
    except Exception:  # a lost view must never break the page that was already served
        log.exception("could not record %d view(s)", len(rows))


def init_view_recording(app: Flask) -> None:
    """Collect each request's views and hand them over when it ends."""
    app.before_request(_start_collecting)
    app.teardown_request(_collected_views_at_end)
