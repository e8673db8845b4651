"""Closing an account at the person's request: asked for, a cooling-off period in which it
can be taken back, then personal fields erased and the credit account closed.

What stays, and why (docs/privacy.md): the ledger's entries, unchanged, keyed by the
account number (the chain proves the credits without naming anyone); issued certificates,
verifiable without a name; the rankings' counts; pseudonymous learning records (by account
id only). What goes: name, mobile, e-mail, birth year, evidence files, messages, sign-in
records, pending recovery codes and links, live activity sign-ups, "my data" files.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import DeviceSession, User
from learnhub.accounts.recovery_models import EmailToken, ResetCode
from learnhub.accounts.services import erase_personal_fields
from learnhub.activities.models import ActivitySession, SignUp, SignUpStatus
from learnhub.audit import AuditAction, record
from learnhub.creditbank.models import RecognitionApplication
from learnhub.creditbank.services import close_at_holders_request
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.models import Message
from learnhub.recognition.services import evidence_path

from ..models import ClosureRequest, ClosureStatus
from .exports import discard_exports
from .files import delete_after_commit
from .settle_first import credit_account_of, what_to_settle

CLOSING_REASON = "closed at the holder's request"


class ClosingError(ValueError):
    """The account cannot be closed (now); ``to_settle`` lists what must be settled first."""

    def __init__(self, message, to_settle=()):
        super().__init__(str(message))
        self.message = message
        self.to_settle = list(to_settle)


def waiting_request(user: User) -> ClosureRequest | None:
    return db.session.scalar(
        select(ClosureRequest).where(
            ClosureRequest.user_id == user.id, ClosureRequest.status == ClosureStatus.WAITING
        )
    )


def request_closure(user: User, now: datetime | None = None) -> ClosureRequest:
    """Ask to close the account; done once the cooling-off period has passed.

    Refused (ClosingError) while anything must be settled first, or for staff accounts
    (their accounts are closed by the centre that gave them, see docs/staff.md).
    """
    if user.is_staff:
        raise ClosingError(_l("Staff accounts are closed by the centre that gave them."))
    to_settle = what_to_settle(user)
    if to_settle:
        raise ClosingError(_l("Please settle this first."), to_settle)
    existing = waiting_request(user)
    if existing is not None:
        return existing
    now = now or utcnow()
    days = int(current_app.config["PRIVACY_CLOSURE_COOLING_OFF_DAYS"])
    closure = ClosureRequest(user_id=user.id, requested_at=now, due_at=now + timedelta(days=days))
    try:
        with db.session.begin_nested():  # a parallel twin is caught by the partial index
            db.session.add(closure)
    except IntegrityError:
        return waiting_request(user)
    return closure


def cancel_closure(user: User) -> bool:
    """Take a waiting request back; False when there was none."""
    cancelled = db.session.execute(
        update(ClosureRequest)
        .where(ClosureRequest.user_id == user.id, ClosureRequest.status == ClosureStatus.WAITING)
        .values(status=ClosureStatus.CANCELLED, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return cancelled > 0


def close_due_accounts(now: datetime | None = None) -> tuple[int, int]:
    """Close every account whose cooling-off period is over; returns (closed, still waiting).

    One that has something to settle meanwhile (a hold placed during the period) waits,
    with the reason on its request, and is tried again at the next run.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(ClosureRequest)
        .where(ClosureRequest.status == ClosureStatus.WAITING, ClosureRequest.due_at <= now)
        .order_by(ClosureRequest.id)
    )
    closed = waiting = 0
    for closure in list(due):
        to_settle = what_to_settle(closure.user)
        if to_settle:
            closure.blocked_reason = str(to_settle[0].message)[:200]
            waiting += 1
            continue
        _close(closure, now)
        closed += 1
    return closed, waiting


def _close(closure: ClosureRequest, now: datetime) -> None:
    user = closure.user
    paths = _erase_evidence(user)
    _cancel_live_sign_ups(user, now)
    db.session.execute(delete(Message).where(Message.recipient_id == user.id))
    db.session.execute(delete(ResetCode).where(ResetCode.user_id == user.id))
    db.session.execute(delete(EmailToken).where(EmailToken.user_id == user.id))
    paths += discard_exports(user)
    erase_personal_fields(user)  # also ends every session
    db.session.execute(delete(DeviceSession).where(DeviceSession.user_id == user.id))
    account = credit_account_of(user)
    if account is not None:
        close_at_holders_request(account, CLOSING_REASON)
    closure.status = ClosureStatus.DONE
    closure.finished_at = now
    closure.blocked_reason = ""
    record(AuditAction.ACCOUNT_CLOSED, subject=user, details={"request": closure.id})
    db.session.flush()
    delete_after_commit(paths)


def _erase_evidence(user: User) -> list:
    """Evidence files and what the person wrote on their applications; the application
    rows stay (the ledger entry of an approved one names it by its key)."""
    account = credit_account_of(user)
    if account is None:
        return []
    applications = list(db.session.scalars(
        select(RecognitionApplication).where(RecognitionApplication.account_id == account.id)
    ))  # fmt: skip
    paths = []
    for application in applications:
        for evidence in list(application.evidence):
            paths.append(evidence_path(evidence))
            application.evidence.remove(evidence)
            db.session.delete(evidence)
        application.description = ""
    db.session.flush()
    return paths


def _cancel_live_sign_ups(user: User, now: datetime) -> None:
    """Free the places of sessions still to come (attendance already recorded stays: it may
    have paid credits)."""
    live = db.session.scalars(
        select(SignUp)
        .join(ActivitySession, ActivitySession.id == SignUp.session_id)
        .where(
            SignUp.user_id == user.id,
            SignUp.status != SignUpStatus.CANCELLED,
            ActivitySession.starts_at > now,
        )
    )
    for sign_up in list(live):
        if sign_up.status == SignUpStatus.CONFIRMED:
            db.session.execute(
                update(ActivitySession)
                .where(ActivitySession.id == sign_up.session_id, ActivitySession.taken > 0)
                .values(taken=ActivitySession.taken - 1)
            )
        sign_up.status = SignUpStatus.CANCELLED
        sign_up.cancelled_at = now
