"""Counting views of learning resources for the city rankings.

Every course page, lesson page and media start calls :func:`record_view`, and only it:
the rankings work refines here how a view is counted (dedupe, bots, buffering).
"""

from __future__ import annotations

from sqlalchemy import insert

from learnhub.database import utcnow
from learnhub.extensions import db

from .models import ViewEvent


def record_view(
    resource_kind: str,
    resource_id: int,
    course_id: int | None,
    user_id: int | None,
    visitor_id: str | None,
    city_code: str | None,
) -> None:
    """Record one view with a single INSERT in its own short transaction.

    Its own connection, so a page that only reads never turns into a read-then-write
    transaction (which SQLite cannot upgrade under contention), and the view is kept
    even when the page's own work rolls back.
    """
    with db.engine.begin() as connection:
        connection.execute(
            insert(ViewEvent).values(
                occurred_at=utcnow(),
                resource_kind=resource_kind,
                resource_id=resource_id,
                course_id=course_id,
                user_id=user_id,
                visitor_id=visitor_id,
                city_code=city_code,
            )
        )
