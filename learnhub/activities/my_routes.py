"""A learner's own activities (/me/activities): sign-ups to come, waiting positions, past
sessions with attendance, and their private calendar feed."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.ui import site_url_for

from . import signups
from .blueprint import bp
from .feeds import feed_of, new_feed, revoke_feed
from .models import ActivitySession, Attendance, SignUp, SignUpStatus


@dataclass(frozen=True)
class MySignUp:
    signup: SignUp
    session: ActivitySession
    position: int | None  # on the waiting list
    attended: bool


def my_signups(user_id: int) -> tuple[list[MySignUp], list[MySignUp]]:
    """(to come, past): the person's live sign-ups of sessions to come, soonest first, and
    their confirmed sign-ups of sessions that have begun, latest first, with attendance."""
    now = utcnow()
    rows = db.session.scalars(
        select(SignUp)
        .join(ActivitySession, ActivitySession.id == SignUp.session_id)
        .where(SignUp.user_id == user_id, SignUp.status.in_(signups.LIVE))
        .options(selectinload(SignUp.session).selectinload(ActivitySession.activity))
        .order_by(ActivitySession.starts_at, SignUp.id)
    ).all()
    attended = set(
        db.session.scalars(
            select(Attendance.session_id).where(
                Attendance.user_id == user_id, Attendance.undone_at.is_(None)
            )
        )
    )
    upcoming, past = [], []
    for signup in rows:
        item = MySignUp(
            signup, signup.session, signups.waiting_position(signup),
            signup.session_id in attended,
        )  # fmt: skip
        if signup.session.starts_at > now:
            upcoming.append(item)
        elif signup.status is SignUpStatus.CONFIRMED:
            past.append(item)
    past.reverse()
    return upcoming, past


def _page(new_feed_url: str | None = None):
    upcoming, past = my_signups(current_user.id)
    return render_template(
        "activities/mine.html", upcoming=upcoming, past=past, form=EmptyForm(),
        feed=feed_of(current_user.id), new_feed_url=new_feed_url, SignUpStatus=SignUpStatus,
    )  # fmt: skip


@bp.get("/me/activities")
@login_required
def mine():
    return _page()


@bp.post("/me/activities/feed")
@login_required
def make_feed():
    """A new private feed address, shown once (only its hash is kept); an old one stops."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("activities.mine"))
    token = new_feed(current_user.id)
    db.session.commit()
    return _page(new_feed_url=site_url_for("activities.feed", token=token))


@bp.post("/me/activities/feed/revoke")
@login_required
def revoke_my_feed():
    if EmptyForm().validate_on_submit():
        if revoke_feed(current_user.id):
            db.session.commit()
            flash(_("Your calendar feed address no longer works."))
        else:
            flash(_("You have no calendar feed address."))
    return redirect(url_for("activities.mine"))
