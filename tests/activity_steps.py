"""Making activities for tests directly with the models (the staff pages that make them are
another feature's), and reading back what sign-ups did."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    SignUp,
    SignUpStatus,
)
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places.models import Place, PlaceKind


def make_activity(
    app,
    *,
    title: str = "智能手机课堂",
    sessions=((48, 10),),  # (hours from now, capacity) per session
    city: str | None = "210100",
    district: str | None = "210102",
    status: ActivityStatus = ActivityStatus.PUBLISHED,
    online: bool = False,
    elder_friendly: bool = True,
    kind_code: str = "lecture",
    deadline_in_hours: float | None = None,
    signup_required: bool = True,
    place_city: str = "210100",
    place_district: str = "210102",
) -> tuple[int, list[int]]:
    """A published activity at a new place (or online) with its sessions (each two hours
    long); returns (activity id, session ids in order)."""
    with app.app_context():
        kind = db.session.scalar(select(ActivityKind).where(ActivityKind.code == kind_code))
        if kind is None:
            kind = ActivityKind(code=kind_code, name=f"{kind_code}讲座", name_en=kind_code.title())
            db.session.add(kind)
        place = None
        if not online:
            place = Place(
                name="和平区社区学院", kind=PlaceKind.COMMUNITY_COLLEGE, city_code=place_city,
                district_code=place_district, address="和平区三好街1号",
            )  # fmt: skip
        now = utcnow()
        activity = Activity(
            title=title, kind=kind, organiser="和平区社区教育学院", city_code=city,
            district_code=district, is_online=online,
            online_url="https://meeting.example/123" if online else None, place=place,
            elder_friendly=elder_friendly, status=status, signup_required=signup_required,
            signup_deadline=(now + timedelta(hours=deadline_in_hours)
                             if deadline_in_hours is not None else None),
            published_at=now,
        )  # fmt: skip
        for hours, capacity in sessions:
            starts = now + timedelta(hours=hours)
            activity.sessions.append(
                ActivitySession(
                    starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=capacity
                )
            )
        db.session.add(activity)
        db.session.commit()
        return activity.id, [s.id for s in activity.sessions]


def signups_of(app, session_id: int) -> list[tuple[int, SignUpStatus]]:
    """(user id, status) of the session's sign-ups, in order of id."""
    with app.app_context():
        return [
            (s.user_id, s.status)
            for s in db.session.scalars(
                select(SignUp).where(SignUp.session_id == session_id).order_by(SignUp.id)
            )
        ]


def taken(app, session_id: int) -> int:
    with app.app_context():
        return db.session.get(ActivitySession, session_id).taken


def confirmed_count(app, session_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(SignUp.id)).where(
                SignUp.session_id == session_id, SignUp.status == SignUpStatus.CONFIRMED
            )
        )
