"""Recording views of learning resources for the city rankings.

Every course page, lesson page and media start calls :func:`record_view` (through
``learnhub.tracking``), and only it. A view costs the page one INSERT of a raw event, made
when the request ends; whether the view counts is decided later by the aggregator.
"""

from __future__ import annotations

import logging
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
        "day": counting.china_day(occurred_ms),
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
    """Record one view (see :func:`view_row`). In a request it is written when it ends."""
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
        connection.execute(insert(ViewEvent), rows)


def _start_collecting() -> None:
    g.pending_views = []


def _write_collected(_error: BaseException | None) -> None:
    rows = g.pop("pending_views", None)
    if not rows:
        return
    # The page's session may still hold SQLite's write lock (a POST): release it first.
    db.session.remove()
    try:
        write_views(rows)
    except Exception:  # a lost view must never break the page that was already served
        log.exception("could not record %d view(s)", len(rows))
    _start_background_aggregation(current_app._get_current_object())


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
    from .aggregation import aggregate_pending

    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                aggregate_pending()
                db.session.commit()
        except Exception:  # keep going: the next round picks up where this one stopped
            log.exception("rankings aggregation failed")


def init_view_recording(app: Flask) -> None:
    app.before_request(_start_collecting)
    app.teardown_request(_write_collected)
