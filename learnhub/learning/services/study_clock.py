"""The learner's one study clock: credited study never adds up to more wall-clock time than
really passed, across all lessons, tabs and devices.

A piece of work (a reading, a stretch of playing) needs W wall-seconds; it began at server
time ``started_at`` and is reported at server time ``now``. It fits only as far as
``max(spent_until, started_at) + W <= now (+ tolerance)``; then ``spent_until`` moves on by
what was granted. Work is anchored at its own start, so idle time cannot be saved up, and
two tabs share one clock. Only server times are used. The row is locked first (PostgreSQL:
SELECT … FOR UPDATE; SQLite: writes begin with BEGIN IMMEDIATE), so a learner's parallel
requests take turns.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.extensions import db

from ..models import StudyClock


def media_tolerance_seconds() -> float:
    """The slack for network jitter allowed to media reports (STUDY_CLOCK_TOLERANCE_SECONDS)."""
    return float(current_app.config["STUDY_CLOCK_TOLERANCE_SECONDS"])


def locked_clock(user: User) -> StudyClock:
    """The learner's clock, locked until the transaction ends (made on first use).

    Lock it before reading the progress it credits, so a parallel request's update is seen.
    """
    query = select(StudyClock).where(StudyClock.user_id == user.id).with_for_update()
    clock = db.session.scalar(query.execution_options(populate_existing=True))
    if clock is not None:
        return clock
    try:
        with db.session.begin_nested():
            clock = StudyClock(user_id=user.id, spent_until=None)
            db.session.add(clock)
    except IntegrityError:  # a parallel request of the same learner made it first
        clock = db.session.scalar(query.execution_options(populate_existing=True))
    return clock


def _work_start(clock: StudyClock, started_at: datetime) -> datetime:
    if clock.spent_until is None:
        return started_at
    return max(clock.spent_until, started_at)


def seconds_available(
    clock: StudyClock, started_at: datetime, now: datetime, tolerance: float = 0.0
) -> float:
    """Wall-seconds the clock can still give to work that began at ``started_at``."""
    return max(0.0, (now - _work_start(clock, started_at)).total_seconds() + tolerance)


def spend(clock: StudyClock, started_at: datetime, seconds: float) -> None:
    """Use ``seconds`` of the clock for work that began at ``started_at``."""
    if seconds > 0:
        clock.spent_until = _work_start(clock, started_at) + timedelta(seconds=seconds)
