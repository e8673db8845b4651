"""Attendance (签到): a learner's check-in with the session's code, staff ticking the
roster, undoing either, and the credits attendance earns.

Every change locks the session's row first (PostgreSQL; SQLite writers queue anyway), so
the features counting attendance (rankings: a session is "held" from its first live
attendance) see one change at a time. A person has at most one live attendance per session
(a partial unique index), so parallel check-ins of one person record one and pay once.
Credits go through the credit bank under the key ``attendance:<attendance id>``: once per
attendance; undoing takes them back with the ledger's reversal, and checking in again
after an undo is a new attendance with a new key, so the net is always one payment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.amounts import ZERO
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import EntryKind
from learnhub.database import utcnow
from learnhub.extensions import db

from .checkin import Verdict, check_in_window, judge
from .models import (
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
    CreditRule,
    SignUp,
    SignUpStatus,
)
from .signals import attendance_recorded, attendance_undone

SECONDS_PER_HOUR = Decimal(3600)


class AttendanceError(Exception):
    """A refused check-in, tick or undo; ``message`` says why in the reader's language."""

    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


CODE_REFUSALS = {
    Verdict.WRONG: _l(
        "This is not the check-in code of this session. Check the code and try again."
    ),
    Verdict.EXPIRED: _l(
        "This check-in code has expired (a code works for one minute). "
        "Scan the code on the screen again."
    ),
    Verdict.FOREIGN: _l(
        "This code is for another session. Check in at the session you are attending."
    ),
}  # fmt: skip


# ---- what a session is now ---------------------------------------------------------------


def cancellation_refusal(session: ActivitySession):
    """Why nobody checks in to the session at all (a lazy message), or None."""
    if session.cancelled_at is not None or session.activity.status is ActivityStatus.CANCELLED:
        return _l("This session has been cancelled.")
    if session.activity.status is not ActivityStatus.PUBLISHED:
        return _l("This activity is not open for check-in.")
    return None


def window_refusal(session: ActivitySession, now: datetime):
    """Why check-in with a code is closed now (a lazy message), or None."""
    opens, closes = check_in_window(session)
    if now < opens:
        return _l("Check-in for this session has not opened yet.")
    if now > closes:
        return _l("This session has ended; check-in is closed.")
    return None


def live_sign_up(session: ActivitySession, user: User) -> SignUp | None:
    """The person's confirmed or waiting sign-up for the session, if any."""
    return db.session.scalar(
        select(SignUp).where(
            SignUp.session_id == session.id,
            SignUp.user_id == user.id,
            SignUp.status != SignUpStatus.CANCELLED,
        )
    )


def live_attendance(session: ActivitySession, user: User) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id,
            Attendance.user_id == user.id,
            Attendance.undone_at.is_(None),
        )
    )


def live_attendance_count(session_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == session_id, Attendance.undone_at.is_(None))
    )


# ---- recording ------------------------------------------------------------------------------


def check_in_with_code(
    session: ActivitySession, user: User, code: str | None, now: datetime | None = None
) -> Attendance:
    """The learner checks in with the code they scanned or typed; refused (nothing changed)
    for a cancelled session, outside the session, a wrong, expired or foreign code, without
    a sign-up where one is required, and when they have checked in already."""
    now = now or utcnow()
    refusal = cancellation_refusal(session) or window_refusal(session, now)
    if refusal is not None:
        raise AttendanceError(None, refusal)
    verdict = judge(session, code, now)
    if verdict is not Verdict.VALID:
        raise AttendanceError("code", CODE_REFUSALS[verdict])
    if session.activity.signup_required and live_sign_up(session, user) is None:
        raise AttendanceError(
            None, _l("This activity needs a sign-up, and you have not signed up for this session.")
        )
    return _record(session, user, AttendanceMethod.CODE, None)


def tick(session: ActivitySession, person: User, staff: User, now: datetime | None = None):
    """Staff record the attendance of someone on the roster (no phone): from when check-in
    opens, also after the session (a paper list typed in later); never their own."""
    now = now or utcnow()
    if person.id == staff.id:
        raise AttendanceError(
            None, _l("You cannot record your own attendance; another staff member must.")
        )
    refusal = cancellation_refusal(session)
    if refusal is None and now < check_in_window(session)[0]:
        refusal = _l("Check-in for this session has not opened yet.")
    if refusal is not None:
        raise AttendanceError(None, refusal)
    if live_sign_up(session, person) is None:
        raise AttendanceError(None, _l("This person is not signed up for this session."))
    return _record(session, person, AttendanceMethod.ROSTER, staff)


def _lock_session(session: ActivitySession) -> None:
    db.session.execute(
        select(ActivitySession.id).where(ActivitySession.id == session.id).with_for_update()
    )


def _record(
    session: ActivitySession, user: User, method: AttendanceMethod, staff: User | None
) -> Attendance:
    _lock_session(session)
    attendance = Attendance(
        session_id=session.id, user_id=user.id, method=method,
        recorded_by_id=staff.id if staff is not None else None, checked_in_at=utcnow(),
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
            db.session.flush()
    except IntegrityError:
        raise AttendanceError(
            None, _l("Already checked in: your attendance is recorded.")
        ) from None
    _pay(attendance, session, user)
    attendance_recorded.send(attendance)
    return attendance


# ---- undoing --------------------------------------------------------------------------------


def undo(attendance: Attendance, staff: User) -> None:
    """Staff undo an attendance (ticked by mistake, or a code used by someone not there):
    the row stays, marked undone; its credits are taken back. Once, whatever races."""
    if attendance.user_id == staff.id:
        raise AttendanceError(
            None, _l("You cannot change your own attendance; another staff member must.")
        )
    _lock_session(attendance.session)
    undone = db.session.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.undone_at.is_(None))
        .values(undone_at=utcnow(), undone_by_id=staff.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attendance)
    if undone != 1:
        raise AttendanceError(None, _l("This attendance has already been undone."))
    try:
        credit_services.take_back_award(
            db.session.get(User, attendance.user_id), EntryKind.ATTENDANCE,
            business_key(attendance), str(_l("Attendance undone")), staff,
        )  # fmt: skip
    except CreditError as error:
        raise AttendanceError(None, error.message) from None
    attendance_undone.send(attendance)


# ---- credits --------------------------------------------------------------------------------


def business_key(attendance: Attendance) -> str:
    return f"attendance:{attendance.id}"


def credits_for(session: ActivitySession) -> Decimal:
    """What attending the session earns: its hours at the credit bank's rate, the
    activity's set value, or nothing."""
    activity = session.activity
    if activity.credit_rule is CreditRule.HOURS:
        seconds = Decimal(int((session.ends_at - session.starts_at).total_seconds()))
        return credit_services.hours_to_credits(seconds / SECONDS_PER_HOUR)
    if activity.credit_rule is CreditRule.FIXED:
        return Decimal(activity.credit_cents).scaleb(-2)
    return ZERO


def _pay(attendance: Attendance, session: ActivitySession, user: User) -> None:
    amount = credits_for(session)
    if amount <= 0:
        return
    try:
        credit_services.award_deposit(
            user, EntryKind.ATTENDANCE, business_key(attendance), amount,
            session.activity.title, attendance.checked_in_at,
        )  # fmt: skip
    except CreditError as error:
        raise AttendanceError(None, error.message) from None


def attendances_of(session: ActivitySession) -> dict[int, Attendance]:
    """{user id: live attendance} of the session."""
    rows = db.session.scalars(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.undone_at.is_(None)
        )
    )
    return {row.user_id: row for row in rows}


def is_checked_in(session: ActivitySession, user: User) -> bool:
    return live_attendance(session, user) is not None
