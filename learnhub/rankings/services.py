"""Recording views of learning resources for the city rankings.

Every course page, lesson page and media start calls :func:`record_view` (through
``rankings.tracking``), and only it. The page itself writes nothing: when it ends, its views
join this process's :class:`ViewBuffer`, which hands them to the job queue in one batch
(``jobs.record_views``) at most every ``RANKINGS_VIEW_FLUSH_SECONDS``, at 500 views, and
when the process stops; the worker writes them. With ``0``, each request writes its own
views when it ends. Whether a view counts is decided later by the aggregator.
"""

from __future__ import annotations

import logging

from flask import g, has_app_context
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
    address_key: str | None = None,
    network_key: str | None = None,
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
        "address_key": address_key,
        "network_key": network_key,
    }


def record_view(**fields) -> None:
    """Record one view (see :func:`view_row`). In a request it is written after it ends."""
    row = view_row(**fields)
    if has_app_context() and g.get("pending_views") is not None:
        g.pending_views.append(row)
    else:
        write_views([row])


def add_views(rows: list[dict]) -> None:
    """Insert raw view events in the session's transaction (the caller commits): a job's,
    so that the mark of the job done is committed with them."""
    if rows:
        db.session.execute(insert(ViewEvent.__table__), rows)


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
