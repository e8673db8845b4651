"""Recording views of learning resources for the city rankings.

Every course page, lesson page and media start calls :func:`record_view` (through
``rankings.tracking``), and only it. The page itself writes nothing: its views go into this
process's :class:`ViewBuffer`, which a thread writes in one batch every
``RANKINGS_VIEW_FLUSH_SECONDS`` (with ``0``, or under tests, one INSERT when the request
ends). Whether a view counts is decided later by the aggregator.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import insert

from learnhub.database import utcnow
from learnhub.extensions import db

from . import counting
from .models import UNKNOWN, ViewEvent

log = logging.getLogger(__name__)


def view_row(
    resource_kind: str,
    resource_id: int,
    course_id: int | None,
    user_id: int | None,
    visitor_key: str,
    city_code: str | None,
    district_code: str | None = None,
    status: str = counting.OK,
    occurred_ms: int | None = None,
) -> dict:
    """The raw event row of one view (plain values; the bench builds rows with it too)."""
    occurred_ms = counting.epoch_ms(utcnow()) if occurred_ms is None else occurred_ms
    return {
        "occurred_ms": occurred_ms,
        "day": counting.local_day(occurred_ms),
        "resource_kind": resource_kind,
        "resource_id": resource_id,
        "course_id": course_id,
        "user_id": user_id,
        "visitor_key": visitor_key,
        "city_code": city_code or UNKNOWN,
        "district_code": district_code or UNKNOWN,
        "status": status,
    }


def record_view(**fields) -> None:
    """Record one view (see :func:`view_row`). In a request it is written after it ends."""
    row = view_row(**fields)
    if has_app_context() and g.get("pending_views") is not None:
        g.pending_views.append(row)
    else:
        write_views([row])


def write_views(rows: list[dict]) -> None:
    """Insert raw view events in one short transaction of their own."""
    # Never part of the page's own work, so a page that rolls back still counts its view,
    # and a read-only page never becomes a read-then-write transaction (which SQLite
    # cannot upgrade under contention).
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Don't make the page wait for the disk flush (most of a view's cost): a crash
            # of the database server itself may lose the views of its last fraction of a
            # second, never more, and never half a row. The aggregator's own (synchronous)
            # commit makes every view it has read durable.
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        # On the table: a plain executemany, without the ORM's bulk insert machinery.
        connection.execute(insert(ViewEvent.__table__), rows)


def _start_collecting() -> None:
    g.pending_views = []


def _write_collected(_error: BaseException | None) -> None:
    rows = g.pop("pending_views", None)
    if not rows:
        return
    app = current_app._get_current_object()
    buffer = view_buffer(app)
    if buffer is not None:
        buffer.add(rows)
    else:
        # The page's session may still hold SQLite's write lock (a POST): release it first.
        db.session.remove()
        try:
            write_views(rows)
        except Exception:  # a lost view must never break the page that was already served
            log.exception("could not record %d view(s)", len(rows))
    _start_background_aggregation(app)


# ---- buffered writing ----------------------------------------------------------------------

FLUSH_AT_ROWS = 500  # a buffer this full is written at once, so memory stays bounded


class ViewBuffer:
    """Views recorded by this process's requests, written in batches by a thread of its own.

    One INSERT (executemany) per batch instead of one transaction per page. A clean exit
    (interpreter exit, gunicorn stopping a worker with SIGTERM) writes what is left; a
    crash loses at most the views of the last flush interval.
    """

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.pid = os.getpid()
        self._rows: list[dict] = []
        self._rows_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one batch at a time: ids keep arrival order
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rankings-view-writer", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def add(self, rows: list[dict]) -> None:
        """Queue views for the next batch (never touches the database)."""
        with self._rows_lock:
            self._rows.extend(rows)
            full = len(self._rows) >= FLUSH_AT_ROWS
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write every queued view now; returns how many were written (0 if the write failed)."""
        with self._write_lock:
            with self._rows_lock:
                rows, self._rows = self._rows, []
            if not rows or os.getpid() != self.pid:  # a forked child never writes its parent's
                return 0
            with self.app.app_context():
                for attempt in (1, 2):
                    try:
                        write_views(rows)
                        return len(rows)
                    except Exception:  # retried once, then logged: never raised into a page
                        if attempt == 2:
                            log.exception("could not record %d buffered view(s)", len(rows))
            return 0

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()


_buffers: dict[int, ViewBuffer] = {}
_buffers_lock = threading.Lock()


def view_buffer(app: Flask) -> ViewBuffer | None:
    """This process's buffer for the app, made on first use; None when views are written
    per request (``RANKINGS_VIEW_FLUSH_SECONDS = 0``, or testing)."""
    interval = app.config["RANKINGS_VIEW_FLUSH_SECONDS"]
    if not interval or app.testing:
        return None
    buffer = _buffers.get(id(app))
    if buffer is None or buffer.pid != os.getpid():
        with _buffers_lock:
            buffer = _buffers.get(id(app))
            if buffer is None or buffer.pid != os.getpid():
                buffer = _buffers[id(app)] = ViewBuffer(app, interval)
    return buffer


def flush_views(app: Flask) -> int:
    """Write the views this process has buffered for the app; returns how many."""
    buffer = _buffers.get(id(app))
    return buffer.flush() if buffer is not None and buffer.pid == os.getpid() else 0


_aggregators: dict[int, threading.Thread] = {}
_aggregators_lock = threading.Lock()


def _start_background_aggregation(app: Flask) -> None:
    """Start this process's aggregator thread once, unless switched off (or testing)."""
    interval = app.config["RANKINGS_AGGREGATE_SECONDS"]
    if not interval or app.testing or id(app) in _aggregators:
        return
    with _aggregators_lock:
        if id(app) in _aggregators:
            return
        thread = threading.Thread(
            target=_aggregate_forever, args=(app, interval), name="rankings-aggregator",
            daemon=True,
        )  # fmt: skip
        _aggregators[id(app)] = thread
        thread.start()


def _aggregate_forever(app: Flask, interval: float) -> None:
    from .aggregation import aggregate_pending, settle_ms

    while True:
        time.sleep(interval)
        try:
            flush_views(app)  # this process's own settled views are counted in this round
            with app.app_context():
                aggregate_pending(settle=settle_ms())
                db.session.commit()
        except Exception:  # keep going: the next round picks up where this one stopped
            log.exception("rankings aggregation failed")


def init_view_recording(app: Flask) -> None:
    app.before_request(_start_collecting)
    app.teardown_request(_write_collected)
