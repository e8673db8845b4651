"""Reminders the day before a session: a scheduled job in the job queue (never a thread in
a web worker). It runs every hour and reminds everyone with a confirmed place in a session
that starts tomorrow (China time); each reminder has a dedupe key, so runs after the first
(and a run repeated after a failure) send nothing twice."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.clock import local_midnight, local_today
from learnhub.extensions import db
from learnhub.inbox import send
from learnhub.jobs.queue import crontab, periodic_job

from .feeds import where_text
from .models import Activity, ActivitySession, ActivityStatus, SignUp, SignUpStatus
from .signups import activity_path


def reminder_key(session_id: int, user_id: int) -> str:
    return f"activity-reminder:{session_id}:{user_id}"


def send_reminders(day: date | None = None) -> int:
    """Remind everyone confirmed for a session starting on ``day`` (default: tomorrow in
    China time); returns how many messages were sent now."""
    day = day or local_today() + timedelta(days=1)
    rows = db.session.execute(
        select(SignUp, ActivitySession, Activity, User)
        .join(ActivitySession, ActivitySession.id == SignUp.session_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .join(User, User.id == SignUp.user_id)
        .where(
            SignUp.status == SignUpStatus.CONFIRMED,
            ActivitySession.cancelled_at.is_(None),
            ActivitySession.starts_at >= local_midnight(day),
            ActivitySession.starts_at < local_midnight(day + timedelta(days=1)),
            Activity.status == ActivityStatus.PUBLISHED,
        )
        .order_by(SignUp.id)
    ).all()
    sent = 0
    for signup, session, activity, person in rows:
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject = _("Tomorrow: %(title)s", title=activity.title)
            body = _(
                "You have a place at %(title)s on %(when)s.\n%(where)s\n"
                "If you cannot come, please cancel on “My activities” so someone waiting "
                "can go instead.",
                title=activity.title,
                when=format_datetime(session.starts_at, "yyyy-MM-dd HH:mm"),
                where=where_text(activity),
            )
        message = send(
            signup.user_id, subject, body, link=activity_path(activity.id),
            topic=f"activity:{activity.id}", dedupe_key=reminder_key(session.id, person.id),
        )  # fmt: skip
        sent += message is not None
    return sent


@periodic_job(
    crontab(minute="5"),
    _l("every hour"),
    _l("Remind people of their activity sessions the day before"),
)
def remind_of_tomorrows_sessions() -> None:
    send_reminders()
