"""What staff changes tell the people signed up, in their inbox (站内信).

Each message has a dedupe key naming the change, so pressing a button twice, or two staff
pressing it at once, sends each person one message. Messages are written in the
recipient's own language (their account's, else the site's).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.clock import site_timezone
from learnhub.extensions import db
from learnhub.inbox import path_for, send

from .models import Activity, ActivitySession, SignUp, SignUpStatus

LIVE_SIGNUPS = (SignUpStatus.CONFIRMED, SignUpStatus.WAITING)


def activity_link(activity: Activity) -> str:
    return path_for("activities.detail", activity_id=activity.id)


def topic_of(activity: Activity) -> str:
    return f"activity:{activity.id}"


def people_signed_up(session_ids: Iterable[int]) -> list[int]:
    """The people with a live (confirmed or waiting) sign-up for any of these sessions."""
    ids = list(session_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(SignUp.user_id)
            .where(SignUp.session_id.in_(ids), SignUp.status.in_(LIVE_SIGNUPS))
            .distinct()
            .order_by(SignUp.user_id)
        )
    )


def _locale_of(user_id: int) -> str:
    locale = db.session.scalar(select(User.locale).where(User.id == user_id))
    return locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _when(session: ActivitySession) -> str:
    starts = session.starts_at.astimezone(site_timezone())
    ends = session.ends_at.astimezone(site_timezone())
    return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"


def tell_cancelled(activity: Activity, user_ids: Iterable[int]) -> int:
    """Tell each person that the activity is cancelled, and why; returns how many were told."""
    told = 0
    for user_id in user_ids:
        with force_locale(_locale_of(user_id)):
            message = send(
                user_id,
                _("Cancelled: %(title)s", title=activity.title),
                _("The activity “%(title)s” is cancelled. Reason: %(reason)s\n"
                  "Your sign-up is cancelled with it.",
                  title=activity.title, reason=activity.cancel_reason),
                link=activity_link(activity),
                topic=topic_of(activity),
                dedupe_key=f"activity-cancelled:{activity.id}:{user_id}",
            )  # fmt: skip
        told += message is not None
    return told


def tell_session_cancelled(session: ActivitySession, user_ids: Iterable[int]) -> int:
    """Tell each person that one session (场次) of the activity is cancelled."""
    activity = session.activity
    told = 0
    for user_id in user_ids:
        with force_locale(_locale_of(user_id)):
            message = send(
                user_id,
                _("Session cancelled: %(title)s", title=activity.title),
                _("The session of “%(title)s” on %(when)s is cancelled; your sign-up for it "
                  "is cancelled with it.", title=activity.title, when=_when(session)),
                link=activity_link(activity),
                topic=topic_of(activity),
                dedupe_key=f"session-cancelled:{session.id}:{user_id}",
            )  # fmt: skip
        told += message is not None
    return told


def tell_session_changed(session: ActivitySession, user_ids: Iterable[int]) -> int:
    """Tell each person signed up for a session its new time and place. The key names the
    new time and place, so the same change sent twice tells once, and a later change again."""
    activity = session.activity
    where = _where(activity)
    change = f"{session.starts_at:%Y%m%d%H%M}-{session.ends_at:%Y%m%d%H%M}-{activity.place_id}"
    told = 0
    for user_id in user_ids:
        with force_locale(_locale_of(user_id)):
            message = send(
                user_id,
                _("Changed: %(title)s", title=activity.title),
                _("The session of “%(title)s” you signed up for is changed. It is now on "
                  "%(when)s, %(where)s.", title=activity.title, when=_when(session),
                  where=where()),
                link=activity_link(activity),
                topic=topic_of(activity),
                dedupe_key=f"session-changed:{session.id}:{change}:{user_id}",
            )  # fmt: skip
        told += message is not None
    return told


def _where(activity: Activity):
    """The activity's place as the message says it (evaluated in the recipient's locale)."""

    def where() -> str:
        if activity.is_online or activity.place is None:
            return _("online")
        place = activity.place
        return f"{place.name} ({place.address})" if place.address else place.name

    return where
