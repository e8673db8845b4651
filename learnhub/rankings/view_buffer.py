"""Handing a process's views to the job queue in batches, without a thread of its own.

A page's views are collected while it runs (``g.pending_views``) and join this process's
buffer when it ends. The buffer is handed to the queue as one ``record_views`` job when
the request that ends finds it ``RANKINGS_VIEW_FLUSH_SECONDS`` old or 500 views long, and
whatever is left when the process stops (interpreter exit: gunicorn's SIGTERM, Ctrl+C). A
worker that has no request for a while keeps its few views until its next request or its
exit; the aggregator classifies a late view exactly when it arrives (see aggregation.py).
A ``kill -9`` loses what the buffer held.

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

from .jobs import record_views
from .services import write_views

log = logging.getLogger(__name__)

FLUSH_AT_ROWS = 500  # a buffer this full is handed over at once
MAX_ROWS = 100_000  # while the queue is unreachable, keep at most this many (oldest go first)


class ViewBuffer:
    """This process's views waiting to be handed to the queue."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.pid = os.getpid()
        self._rows: list[dict] = []
        self._since = time.monotonic()
        self._lock = threading.Lock()  # threaded servers: requests end on several threads

    def add(self, rows: list[dict]) -> None:
        """Queue views; hand the batch over if it is due."""
        with self._lock:
            if not self._rows:
                self._since = time.monotonic()
            self._rows.extend(rows)
            due = (
                len(self._rows) >= FLUSH_AT_ROWS or time.monotonic() - self._since >= self.interval
            )
        if due:
            self.hand_over()

    def hand_over(self) -> int:
        """Enqueue every buffered view as one job; returns how many (0 if the queue failed)."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows or os.getpid() != self.pid:  # a forked child never sends its parent's
            return 0
        try:
            record_views(rows)
        except Exception:  # the queue is down: keep them for the next hand-over
            log.exception("could not enqueue %d view(s); keeping them", len(rows))
            with self._lock:
                self._rows = (rows + self._rows)[-MAX_ROWS:]
            return 0
        return len(rows)


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
            buffer = _buffers[id(app)] = ViewBuffer(interval)
    return buffer


def hand_over_views(app: Flask) -> int:
    """Enqueue the views this process has buffered for the app now; returns how many."""
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
