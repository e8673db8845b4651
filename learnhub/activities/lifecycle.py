"""An activity's life: draft → published → cancelled or finished.

Each move is one conditional UPDATE (``WHERE status = <the status it moves from>``): when two
staff members press at once, one UPDATE changes the row and the other changes nothing, and
that one is told the activity has already moved. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select, update

from learnhub.catalogue.authoring import AuthoringError, refuse
from learnhub.database import utcnow
from learnhub.extensions import db

from . import notices
from .models import (
    ACTIVITY_STATUS_LABELS,
    Activity,
    ActivitySession,
    ActivityStatus,
    SignUp,
    SignUpStatus,
)
from .signals import activity_cancelled, activity_published

REASON_MAX_LENGTH = 300

__all__ = ["AuthoringError", "cancel_activity", "finish_activity", "publish_activity"]


def _live_sessions(activity_id):
    return and_(ActivitySession.activity_id == activity_id, ActivitySession.cancelled_at.is_(None))


def _moved(activity: Activity, from_status: ActivityStatus, *conditions, **values) -> bool:
    """Move the activity's status with one conditional UPDATE; whether this call moved it."""
    result = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.status == from_status, *conditions)
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(activity)
    return result.rowcount == 1


def _already_moved(activity: Activity) -> None:
    refuse("", _l("Someone has just changed this activity: it is now “%(status)s”. "
                    "Nothing was done.", status=_status_label(activity)))  # fmt: skip


def _status_label(activity: Activity) -> str:
    return str(ACTIVITY_STATUS_LABELS[activity.status])


def _has_session(activity: Activity, condition) -> bool:
    """Whether the activity has a live session meeting the condition."""
    found = db.session.scalar(
        select(ActivitySession.id).where(_live_sessions(activity.id), condition).limit(1)
    )
    return found is not None


def publish_activity(activity: Activity, now: datetime | None = None) -> None:
    """Publish a draft that has at least one live session still to come."""
    now = now or utcnow()
    if activity.status is not ActivityStatus.DRAFT:
        _already_moved(activity)
    future_session = exists().where(_live_sessions(Activity.id), ActivitySession.starts_at > now)
    if not _has_session(activity, ActivitySession.starts_at > now):
        refuse("", _l("Add a session that starts in the future before publishing."))
    if not _moved(activity, ActivityStatus.DRAFT, future_session,
                  status=ActivityStatus.PUBLISHED, published_at=now):  # fmt: skip
        _already_moved(activity)
    activity_published.send(activity)


def cancel_activity(activity: Activity, reason: str) -> int:
    """Cancel a draft or published activity: every live sign-up is cancelled and each person
    who was signed up or waiting is told, once. Returns how many people were told."""
    reason = (reason or "").strip()
    if not reason:
        refuse("reason", _l("Say why the activity is cancelled; the people signed up are told."))
    if len(reason) > REASON_MAX_LENGTH:
        refuse("reason", _l("At most %(max)d characters.", max=REASON_MAX_LENGTH))
    from_status = activity.status
    if from_status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        _already_moved(activity)
    if not _moved(activity, from_status, status=ActivityStatus.CANCELLED, cancel_reason=reason):
        _already_moved(activity)
    session_ids = list(
        db.session.scalars(
            select(ActivitySession.id).where(ActivitySession.activity_id == activity.id)
        )
    )
    people = notices.people_signed_up(session_ids)
    cancel_signups(session_ids)
    told = notices.tell_cancelled(activity, people)
    activity_cancelled.send(activity)
    return told


def cancel_signups(session_ids: list[int]) -> None:
    """Cancel every live sign-up of these sessions; their places are free again."""
    if not session_ids:
        return
    db.session.execute(
        update(SignUp)
        .where(SignUp.session_id.in_(session_ids), SignUp.status != SignUpStatus.CANCELLED)
        .values(status=SignUpStatus.CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ActivitySession)
        .where(ActivitySession.id.in_(session_ids))
        .values(taken=0)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def finish_activity(activity: Activity, now: datetime | None = None) -> None:
    """Mark a published activity finished, once its first session has begun (one that
    never took place is cancelled instead, so the people signed up are told)."""
    now = now or utcnow()
    if activity.status is not ActivityStatus.PUBLISHED:
        _already_moved(activity)
    if not _has_session(activity, ActivitySession.starts_at <= now):
        refuse("", _l("No session has begun yet: cancel the activity instead."))
    if not _moved(activity, ActivityStatus.PUBLISHED, status=ActivityStatus.FINISHED):
        _already_moved(activity)


def finish_ended_activities(now: datetime | None = None) -> int:
    """Mark finished every published activity whose live sessions have all ended (the
    periodic job); returns how many. One UPDATE: a parallel run finishes nothing twice."""
    now = now or utcnow()
    has_sessions = exists().where(_live_sessions(Activity.id))
    still_running = exists().where(_live_sessions(Activity.id), ActivitySession.ends_at > now)
    result = db.session.execute(
        update(Activity)
        .where(Activity.status == ActivityStatus.PUBLISHED, has_sessions, ~still_running)
        .values(status=ActivityStatus.FINISHED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
