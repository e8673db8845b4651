"""Signing up for a session (报名), cancelling, and the waiting list.

Every change of a session's places happens while holding that session's row (SELECT … FOR
UPDATE on PostgreSQL; SQLite's write transactions begin IMMEDIATE and so hold the whole
database): sign-ups and cancellations of one session run one after another. Within that,
the capacity is still guarded by the conditional UPDATE ``taken = taken + 1 WHERE taken <
capacity`` and the CHECK ``taken <= capacity``, and two live sign-ups of one person by the
partial unique index ``uq_activity_signup_live``: the database refuses what a bug would let
through. Because waiting sign-ups are inserted under the lock, their ids are the order of
arrival, and the waiting list is served in that order.

Plain services: they flush, never commit; a refusal raises SignUpRefused before anything
changes.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import help_refusal, staff_scope
from learnhub.accounts.models import User
from learnhub.audit import AuditAction, record
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import path_for, send

from .models import Activity, ActivitySession, ActivityStatus, SignUp, SignUpStatus

LIVE = (SignUpStatus.CONFIRMED, SignUpStatus.WAITING)


class SignUpRefused(ValueError):
    """A sign-up or cancellation the rules refuse; nothing was changed."""

    def __init__(self, message, forbidden: bool = False):
        super().__init__(str(message))
        self.message = message
        self.forbidden = forbidden  # not this person's to do (region, own account)


def activity_path(activity_id: int) -> str:
    """The activity's public page, as a path (inbox links are paths on this site)."""
    return path_for("activities.detail", activity_id=activity_id)


def waiting_list_limit() -> int:
    return current_app.config["ACTIVITY_WAITING_LIST_LIMIT"]


# ---- what the rules say before anything is tried ------------------------------------------


def session_refusal(session: ActivitySession):
    """Why nobody may sign up for this session now (a lazy message), or None."""
    activity = session.activity
    now = utcnow()
    if activity.status is not ActivityStatus.PUBLISHED:
        if activity.status is ActivityStatus.CANCELLED:
            return _l("This activity has been cancelled.")
        if activity.status is ActivityStatus.FINISHED:
            return _l("This activity has finished.")
        return _l("This activity is not open for sign-up.")
    if not activity.signup_required:
        return _l("This activity needs no sign-up: just come along.")
    if session.cancelled_at is not None:
        return _l("This session has been cancelled.")
    if session.starts_at <= now:
        return _l("This session has already begun or is over.")
    if activity.signup_deadline is not None and activity.signup_deadline <= now:
        return _l("The sign-up deadline of this activity has passed.")
    return None


def live_signup(user_id: int, session_id: int) -> SignUp | None:
    """The person's confirmed or waiting sign-up for the session, if any."""
    return db.session.scalar(
        select(SignUp).where(
            SignUp.user_id == user_id, SignUp.session_id == session_id, SignUp.status.in_(LIVE)
        )
    )


def waiting_count(session_id: int) -> int:
    return db.session.scalar(
        select(func.count(SignUp.id)).where(
            SignUp.session_id == session_id, SignUp.status == SignUpStatus.WAITING
        )
    )


def waiting_position(signup: SignUp) -> int | None:
    """1 for the first person waiting; None for a sign-up that is not waiting."""
    if signup.status is not SignUpStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count(SignUp.id)).where(
            SignUp.session_id == signup.session_id,
            SignUp.status == SignUpStatus.WAITING,
            SignUp.id < signup.id,
        )
    )
    return ahead + 1


def _lock(session: ActivitySession) -> None:
    """Hold the session's row until the transaction ends, and read its places afresh."""
    db.session.execute(
        select(ActivitySession.id).where(ActivitySession.id == session.id).with_for_update()
    )
    db.session.refresh(session)


# ---- signing up ---------------------------------------------------------------------------


def sign_up(user, session: ActivitySession, signed_up_by=None) -> SignUp:
    """Sign the person up: a confirmed place while there is one, else the waiting list.
    ``signed_up_by`` is the staff member doing it on their behalf (代报名)."""
    _lock(session)
    db.session.refresh(session.activity)  # a cancellation may have just been committed
    refusal = session_refusal(session)
    if refusal is not None:
        raise SignUpRefused(refusal)
    if live_signup(user.id, session.id) is not None:
        raise SignUpRefused(_l("You are already signed up for this session."))
    try:
        # One savepoint: a refusal or a duplicate undoes the place taken with it.
        with db.session.begin_nested():
            signup = _take_place_or_wait(user, session, signed_up_by)
    except IntegrityError:
        # Only a bug could pass the check above under the lock; the index still holds.
        raise SignUpRefused(_l("You are already signed up for this session.")) from None
    return signup


def _take_place_or_wait(user, session: ActivitySession, signed_up_by) -> SignUp:
    took_place = db.session.execute(
        update(ActivitySession)
        .where(ActivitySession.id == session.id, ActivitySession.taken < ActivitySession.capacity)
        .values(taken=ActivitySession.taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not took_place and waiting_count(session.id) >= waiting_list_limit():
        raise SignUpRefused(_l("This session is full and so is its waiting list."))
    now = utcnow()
    signup = SignUp(
        session_id=session.id,
        user_id=user.id,
        status=SignUpStatus.CONFIRMED if took_place else SignUpStatus.WAITING,
        signed_up_by_id=signed_up_by.id if signed_up_by is not None else None,
        created_at=now,
        confirmed_at=now if took_place else None,
    )
    db.session.add(signup)
    db.session.flush()
    return signup


# ---- cancelling and moving up ---------------------------------------------------------------


def cancel(signup: SignUp) -> SignUp | None:
    """Cancel a live sign-up. A confirmed place goes to the first person waiting, who is
    told in their inbox; returns their sign-up (None when nobody moved up)."""
    session = signup.session
    if session.starts_at <= utcnow():
        raise SignUpRefused(_l("This session has already begun or is over."))
    _lock(session)
    was = db.session.scalar(select(SignUp.status).where(SignUp.id == signup.id))
    cancelled = db.session.execute(
        update(SignUp)
        .where(SignUp.id == signup.id, SignUp.status.in_(LIVE))
        .values(status=SignUpStatus.CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(signup)
    if not cancelled:
        raise SignUpRefused(_l("This sign-up is already cancelled."))
    if was is not SignUpStatus.CONFIRMED:
        return None
    db.session.execute(
        update(ActivitySession)
        .where(ActivitySession.id == session.id)
        .values(taken=ActivitySession.taken - 1)
        .execution_options(synchronize_session=False)
    )
    moved = fill_from_waiting_list(session)
    return moved[0] if moved else None


def fill_from_waiting_list(session: ActivitySession) -> list[SignUp]:
    """Give free places to the people waiting, first come first served, and tell them.
    Call it with the session locked (``cancel``), or after raising a session's capacity."""
    _lock(session)
    moved = []
    if session.cancelled_at is not None or session.activity.status is not ActivityStatus.PUBLISHED:
        return moved
    while session.taken < session.capacity:
        first = db.session.scalar(
            select(SignUp)
            .where(SignUp.session_id == session.id, SignUp.status == SignUpStatus.WAITING)
            .order_by(SignUp.id)
            .limit(1)
        )
        if first is None:
            break
        took_place = db.session.execute(
            update(ActivitySession)
            .where(
                ActivitySession.id == session.id,
                ActivitySession.taken < ActivitySession.capacity,
            )
            .values(taken=ActivitySession.taken + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not took_place:
            break
        first.status, first.confirmed_at = SignUpStatus.CONFIRMED, utcnow()
        db.session.flush()
        db.session.refresh(session)
        _tell_moved_up(first, session)
        moved.append(first)
    return moved


def _tell_moved_up(signup: SignUp, session: ActivitySession) -> None:
    person = db.session.get(User, signup.user_id)
    activity = session.activity
    with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("A place has come free for you: %(title)s", title=activity.title)
        body = _(
            "You were on the waiting list and now have a confirmed place. If you cannot "
            "come, please cancel on “My activities” so the next person can."
        )
    send(
        signup.user_id, subject, body, link=activity_path(activity.id),
        topic=f"activity:{activity.id}", dedupe_key=f"activity-moved-up:{signup.id}",
    )  # fmt: skip


# ---- on someone's behalf (代报名) -------------------------------------------------------------


def proxy_refusal(staff, person, activity: Activity):
    """Why this staff member may not sign this person up for this activity, or None: the
    person must be of the staff member's region (never their own account, never staff above
    them), and the activity of their region, or of a wider one that includes it."""
    refusal = help_refusal(staff, person)
    if refusal is not None:
        return refusal
    scope = staff_scope(staff)
    activity_reaches_staff = activity.city_code is None or (
        activity.city_code == scope.city_code and activity.district_code is None
    )
    if not (scope.covers(activity.city_code, activity.district_code) or activity_reaches_staff):
        return _l("This activity is run by another centre; its staff sign people up for it.")
    return None


def sign_up_on_behalf(staff, person, session: ActivitySession) -> SignUp:
    """Sign a resident up at their request (an elder who phones or comes in), recorded in
    the audit log; a refused attempt is recorded too (the route commits it on its own)."""
    activity = session.activity
    details = {"activity": activity.id, "session": session.id}
    forbidden = proxy_refusal(staff, person, activity)
    refusal = forbidden or session_refusal(session)
    if refusal is None and live_signup(person.id, session.id) is not None:
        refusal = _l("This person is already signed up for this session.")
    if refusal is not None:
        record(AuditAction.ACTIVITY_SIGNED_UP_FOR, actor=staff, subject=person,
               reason=str(refusal), details=details, refused=True)  # fmt: skip
        raise SignUpRefused(refusal, forbidden=forbidden is not None)
    signup = sign_up(person, session, signed_up_by=staff)
    record(AuditAction.ACTIVITY_SIGNED_UP_FOR, actor=staff, subject=person,
           details={**details, "status": str(signup.status)})  # fmt: skip
    return signup
