"""Recomputing days from the raw events, and pruning raw views once they are old."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, delete, select

from learnhub.clock import local_today
from learnhub.extensions import db

from . import counting
from .aggregates import VIEW_CURSOR, forget_cached_boards, locked_cursor
from .aggregation import aggregate_views
from .attendance import add_activity_days
from .credits import add_credits
from .events import add_completions, add_registrations
from .learner_periods import recount_learner_periods
from .models import (
    CityDay,
    CompletionEvent,
    CourseDay,
    CreditEvent,
    DistrictDay,
    LearnerDay,
    RegistrationEvent,
    ViewEvent,
)


class RebuildError(ValueError):
    """A rebuild that would lose numbers (its range reaches past the pruned raw events)."""


def retention_horizon(today: date) -> date:
    """The first day whose raw view events are kept."""
    return today - timedelta(days=current_app.config["RANKINGS_RETENTION_DAYS"])


def rebuild(start: date, end: date, today: date | None = None, progress=None) -> None:
    """Recompute every aggregate of the days start..end from the raw events; caller commits."""
    today = today or local_today()
    if start > end:
        raise RebuildError("the start day is after the end day")
    if start < retention_horizon(today):
        raise RebuildError(
            f"raw views before {retention_horizon(today)} are pruned; rebuilding earlier days "
            "would lose their numbers"
        )
    cursor = locked_cursor(VIEW_CURSOR)  # holds off the live aggregator meanwhile
    for model in (CityDay, DistrictDay, CourseDay, LearnerDay):
        db.session.execute(delete(model).where(model.day.between(start, end)))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    for day in progress(days) if progress else days:
        aggregate_views(
            lambda c, day=day: and_(c.day == day, c.id <= cursor.last_id),
            counting.day_start_ms(day),
            counting.day_end_ms(day) - 1,
            learner_periods=False,
        )
    recount_learner_periods(start, end)
    _rebuild_registrations(start, end)
    _rebuild_completions(start, end)
    _rebuild_credits(start, end)
    add_activity_days(start, end)
    db.session.flush()
    forget_cached_boards()


def _rebuild_registrations(start: date, end: date) -> None:
    r = RegistrationEvent
    rows = db.session.execute(
        select(r.day, r.city_code, r.district_code, r.source, r.excluded_by_id).where(
            r.day.between(start, end)
        )
    )
    add_registrations(rows)


def _rebuild_completions(start: date, end: date) -> None:
    c = CompletionEvent
    rows = db.session.execute(
        select(c.day, c.city_code, c.district_code, c.course_id).where(c.day.between(start, end))
    )
    add_completions(rows)


def _rebuild_credits(start: date, end: date) -> None:
    c = CreditEvent
    rows = db.session.execute(
        select(c.day, c.city_code, c.district_code, c.credit_cents).where(c.day.between(start, end))
    )
    add_credits(rows)


def prune_raw_events(today: date) -> int:
    """Delete aggregated raw view events older than the retention; returns how many."""
    cursor = locked_cursor(VIEW_CURSOR)
    result = db.session.execute(
        delete(ViewEvent).where(
            ViewEvent.day < retention_horizon(today), ViewEvent.id <= cursor.last_id
        )
    )
    return result.rowcount
