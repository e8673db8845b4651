"""An activity's sessions (场次): adding, changing and cancelling them, and their rules.

Times come in as China time typed by staff (naive), and are stored in UTC. A change of
capacity is one conditional UPDATE (``taken <= new capacity``), so a sign-up arriving in the
same moment can never leave a session over its capacity. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub.catalogue.authoring import raise_if, refuse
from learnhub.clock import site_timezone
from learnhub.database import utcnow
from learnhub.extensions import db

from . import notices
from .authoring import refuse_if_closed
from .lifecycle import cancel_signups
from .models import Activity, ActivitySession, ActivityStatus

MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class SessionDetails:
    """A session's start and end as typed (China time, naive) and its capacity."""

    starts_local: datetime | None
    ends_local: datetime | None
    capacity: int | None

    def moments(self) -> tuple[datetime, datetime]:
        zone = site_timezone()
        return (
            self.starts_local.replace(tzinfo=zone).astimezone(UTC),
            self.ends_local.replace(tzinfo=zone).astimezone(UTC),
        )


def _problems(details: SessionDetails, activity: Activity, session, now) -> dict:
    problems: dict[str, object] = {}
    if details.starts_local is None:
        problems["starts_at"] = _l("Enter when the session starts.")
    if details.ends_local is None:
        problems["ends_at"] = _l("Enter when the session ends.")
    if details.capacity is None or details.capacity < 1:
        problems["capacity"] = _l("Enter how many people can come: at least 1.")
    elif details.capacity > MAX_CAPACITY:
        problems["capacity"] = _l("At most %(max)d people.", max=MAX_CAPACITY)
    elif session is not None and details.capacity < session.taken:
        problems["capacity"] = _capacity_message(session.taken)
    if problems.get("starts_at") or problems.get("ends_at"):
        return problems
    starts, ends = details.moments()
    if ends <= starts:
        problems["ends_at"] = _l("A session must end after it starts.")
    elif starts <= now and (session is None or starts != session.starts_at):
        problems["starts_at"] = _l("A new or moved session must start in the future.")
    elif activity.signup_deadline is not None:
        others = [s.starts_at for s in activity.sessions
                  if s.cancelled_at is None and s is not session]  # fmt: skip
        if max([*others, starts]) < activity.signup_deadline:
            problems["starts_at"] = _l(
                "The last session would start before the sign-up deadline; "
                "change the deadline first."
            )
    return problems


def _capacity_message(taken: int):
    return _l("%(count)d people have already signed up: the capacity cannot be lower.",
              count=taken)  # fmt: skip


def add_session(activity: Activity, details: SessionDetails, now=None) -> ActivitySession:
    refuse_if_closed(activity)
    raise_if(_problems(details, activity, None, now or utcnow()))
    starts, ends = details.moments()
    session = ActivitySession(starts_at=starts, ends_at=ends, capacity=details.capacity, taken=0)
    activity.sessions.append(session)
    db.session.flush()
    return session


def change_session(session: ActivitySession, details: SessionDetails, now=None) -> dict:
    """Change a live session's time and capacity; everyone signed up or waiting is told of
    a new time. Returns what changed ({field: (from, to)}) for the audit log."""
    activity = session.activity
    refuse_if_closed(activity)
    if session.cancelled_at is not None:
        refuse("", _l("This session is cancelled; it can no longer be changed."))
    raise_if(_problems(details, activity, session, now or utcnow()))
    starts, ends = details.moments()
    before = (session.starts_at, session.ends_at, session.capacity)
    result = db.session.execute(
        update(ActivitySession)
        .where(
            ActivitySession.id == session.id,
            ActivitySession.cancelled_at.is_(None),
            ActivitySession.taken <= details.capacity,
        )
        .values(starts_at=starts, ends_at=ends, capacity=details.capacity)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(session)
    if result.rowcount != 1:  # a sign-up came in meanwhile, or the session was cancelled
        refuse("capacity", _capacity_message(session.taken))
    after = (session.starts_at, session.ends_at, session.capacity)
    if before[:2] != after[:2] and activity.status is ActivityStatus.PUBLISHED:
        notices.tell_session_changed(session, notices.people_signed_up([session.id]))
    names = ("starts_at", "ends_at", "capacity")
    return {name: (b, a) for name, b, a in zip(names, before, after, strict=True) if b != a}


def cancel_session(session: ActivitySession) -> int:
    """Cancel one session: its sign-ups are cancelled and each person told once. The last
    live session of a published activity is not cancelled alone: the activity is."""
    activity = session.activity
    refuse_if_closed(activity)
    live = [s for s in activity.sessions if s.cancelled_at is None]
    if activity.status is ActivityStatus.PUBLISHED and live == [session]:
        refuse("", _l("This is the activity's only session: cancel the activity instead."))
    people = notices.people_signed_up([session.id])
    result = db.session.execute(
        update(ActivitySession)
        .where(ActivitySession.id == session.id, ActivitySession.cancelled_at.is_(None))
        .values(cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(session)
        refuse("", _l("This session is already cancelled."))
    cancel_signups([session.id])
    return notices.tell_session_cancelled(db.session.get(ActivitySession, session.id), people)


def tell_place_changed(activity: Activity, now=None) -> int:
    """After an activity's place changed: tell everyone signed up for a session to come."""
    now = now or utcnow()
    told = 0
    upcoming = db.session.scalars(
        select(ActivitySession).where(
            ActivitySession.activity_id == activity.id,
            ActivitySession.cancelled_at.is_(None),
            ActivitySession.ends_at > now,
        )
    )
    for session in upcoming:
        told += notices.tell_session_changed(session, notices.people_signed_up([session.id]))
    return told
