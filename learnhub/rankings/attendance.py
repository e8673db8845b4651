"""Activities held (场次) and attendances (人次), counted from the activities' signals.

An attendance counts for the region where its activity is held (the activity's city and
district; a city's activity at a place of one of its districts, that district; a province's
activity, its place's city and district) on the China-time day its session starts. A
session counts as held from its first live attendance; undoing the last one takes it off
again. Nothing is kept apart: the attendance table itself is the log the rebuild reads, and
the activities service locks the session's row around each change, so the live count a
receiver reads is the one its change left.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from learnhub.activities.models import Activity, ActivitySession, Attendance
from learnhub.activities.signals import attendance_recorded, attendance_undone
from learnhub.clock import local_date, local_midnight
from learnhub.extensions import db

from .aggregates import ACTIVITIES_HELD, ATTENDANCES, add_region_amounts, forget_cached_boards
from .models import UNKNOWN


def held_where(activity: Activity) -> tuple[str, str]:
    """(city, district) an activity's attendance counts for (UNKNOWN where not known)."""
    place = activity.place
    if activity.city_code is None:
        if place is None:
            return UNKNOWN, UNKNOWN
        return place.city_code, place.district_code or UNKNOWN
    district = activity.district_code
    if district is None and place is not None and place.city_code == activity.city_code:
        district = place.district_code
    return activity.city_code, district or UNKNOWN


def session_key(session: ActivitySession) -> tuple[date, str, str]:
    """(day, city, district) of the daily tables a session's attendance counts in."""
    return (local_date(session.starts_at), *held_where(session.activity))


def _live_count(session_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == session_id, Attendance.undone_at.is_(None))
    )


def _count(attendance: Attendance, sign: int) -> None:
    key = session_key(attendance.session)
    add_region_amounts(ATTENDANCES, Counter({key: sign}))
    live = _live_count(attendance.session_id)
    if (sign > 0 and live == 1) or (sign < 0 and live == 0):
        add_region_amounts(ACTIVITIES_HELD, Counter({key: sign}))
    forget_cached_boards()


def on_attendance_recorded(attendance: Attendance, **_extra) -> None:
    _count(attendance, 1)


def on_attendance_undone(attendance: Attendance, **_extra) -> None:
    _count(attendance, -1)


def connect_attendance_counting() -> None:
    """Count attendance inside the transactions that record and undo it."""
    attendance_recorded.connect(on_attendance_recorded)
    attendance_undone.connect(on_attendance_undone)


def add_activity_days(start: date, end: date) -> None:
    """The rebuild: add the attendance of the sessions starting on days start..end again."""
    counts = db.session.execute(
        select(Attendance.session_id, func.count())
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .where(
            Attendance.undone_at.is_(None),
            ActivitySession.starts_at >= local_midnight(start),
            ActivitySession.starts_at < local_midnight(end + timedelta(days=1)),
        )
        .group_by(Attendance.session_id)
    ).all()
    sessions = {s.id: s for s in db.session.scalars(
        select(ActivitySession).where(ActivitySession.id.in_([row[0] for row in counts]))
    )}  # fmt: skip
    attendances, held = Counter(), Counter()
    for session_id, number in counts:
        key = session_key(sessions[session_id])
        attendances[key] += number
        held[key] += 1
    add_region_amounts(ATTENDANCES, attendances)
    add_region_amounts(ACTIVITIES_HELD, held)
