"""Calendar files of activities: the events of an activity's sessions, and a person's
private feed (its token is shown once, only its hash is stored)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from learnhub.accounts.one_time import new_token, secret_hash
from learnhub.database import utcnow
from learnhub.extensions import db

from .calendar_files import CalendarEvent
from .feed_models import CalendarFeed
from .models import Activity, ActivitySession, ActivityStatus, SignUp, SignUpStatus
from .signups import activity_path

# A feed shows sign-ups of sessions that ended at most this many days ago.
FEED_PAST_DAYS = 90


def _uid_host() -> str:
    site = current_app.config.get("SITE_URL")
    return (urlsplit(site).hostname if site else None) or "learnhub"


def where_text(activity: Activity) -> str:
    if activity.is_online:
        return _("Online") + (f": {activity.online_url}" if activity.online_url else "")
    place = activity.place
    return f"{place.name}, {place.address}" if place is not None else ""


def session_event(session: ActivitySession, site: str = "") -> CalendarEvent:
    """One session as a calendar event; the UID stays the same across downloads, so a
    calendar updates the event instead of adding it twice."""
    activity = session.activity
    cancelled = session.cancelled_at is not None or activity.status is ActivityStatus.CANCELLED
    return CalendarEvent(
        uid=f"activity-session-{session.id}@{_uid_host()}",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=activity.title,
        description=activity.organiser,
        location=where_text(activity),
        url=site.rstrip("/") + activity_path(activity.id) if site else None,
        cancelled=cancelled,
    )


def feed_sessions(user_id: int) -> list[ActivitySession]:
    """The sessions the person holds a confirmed place in, recent and to come."""
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    return list(
        db.session.scalars(
            select(ActivitySession)
            .join(SignUp, SignUp.session_id == ActivitySession.id)
            .where(
                SignUp.user_id == user_id,
                SignUp.status == SignUpStatus.CONFIRMED,
                ActivitySession.ends_at > since,
            )
            .order_by(ActivitySession.starts_at)
        )
    )


def feed_of(user_id: int) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id))


def new_feed(user_id: int) -> str:
    """Make the person's feed address (replacing an old one); returns the token, which is
    shown to them and never stored."""
    token = new_token()
    feed = feed_of(user_id)
    if feed is None:
        db.session.add(CalendarFeed(user_id=user_id, token_hash=secret_hash(token)))
    else:
        feed.token_hash, feed.created_at, feed.last_read_at = secret_hash(token), utcnow(), None
    db.session.flush()
    return token


def revoke_feed(user_id: int) -> bool:
    return bool(
        db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id)).rowcount
    )


def feed_by_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == secret_hash(token))
    )
