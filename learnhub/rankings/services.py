"""Counting views of learning resources for the city rankings.

Every course page, lesson page and media start calls :func:`record_view`, and only it:
the rankings work refines here how a view is counted (dedupe, bots, buffering).
"""

from __future__ import annotations

import logging

from flask import Flask, g, has_app_context
from sqlalchemy import insert

from learnhub.database import utcnow
from learnhub.extensions import db

from .models import ViewEvent

log = logging.getLogger(__name__)


def record_view(
    resource_kind: str,
    resource_id: int,
    course_id: int | None,
    user_id: int | None,
    visitor_id: str | None,
    city_code: str | None,
) -> None:
    """Record one view. In a request it is written when the request ends."""
    row = {
        "occurred_at": utcnow(),
        "resource_kind": resource_kind,
        "resource_id": resource_id,
        "course_id": course_id,
        "user_id": user_id,
        "visitor_id": visitor_id,
        "city_code": city_code,
    }
    if has_app_context() and g.get("pending_views") is not None:
        g.pending_views.append(row)
    else:
        _write([row])


def _write(rows: list[dict]) -> None:
    # One INSERT in its own short transaction: never part of the page's own work, so a
    # page that rolls back still counts its view, and a read-only page never becomes a
    # read-then-write transaction (which SQLite cannot upgrade under contention).
    with db.engine.begin() as connection:
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
        _write(rows)
    except Exception:  # a lost view must never break the page that was already served
        log.exception("could not record %d view(s)", len(rows))


def init_view_recording(app: Flask) -> None:
    app.before_request(_start_collecting)
    app.teardown_request(_write_collected)
