"""Staff review: take an application for review, put it back, approve, reject or return it;
the review queue.

Approval pays through :func:`learnhub.creditbank.services.post_entry` under the key
``recognition:<id>``, so the credits are deposited once whatever happens.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnhub.accounts.access import credit_account_refusal, may_act_for_holder, staff_scope
from learnhub.accounts.models import User
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import (
    AccountStatus,
    CreditAccount,
    EntryKind,
    RecognitionApplication,
    RecognitionStatus,
)
from learnhub.creditbank.services import CreditError
from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import RecognitionError
from .notices import tell_learner
from .states import Status, move

REASON_MAX = 1000


def business_key(application: RecognitionApplication) -> str:
    """The ledger key of an application's deposit: paid once per application."""
    return f"recognition:{application.id}"


def _ensure_may_review(application: RecognitionApplication, reviewer: User) -> None:
    """Staff of the city keeping the account review it; never their own application, nor
    one of staff of a higher level (accounts.access)."""
    if not may_act_for_holder(reviewer, application.city_code, application.account.user):
        raise RecognitionError(
            None, _l("You may only review applications from learners of your own region.")
        )
    if application.account.user_id == reviewer.id:
        raise RecognitionError(None, _l("You cannot review your own application."))
    refusal = credit_account_refusal(reviewer, application.city_code, application.account.user)
    if refusal is not None:
        raise RecognitionError(None, refusal)


def claim(application: RecognitionApplication, reviewer: User) -> None:
    """Take a submitted application for review; of two reviewers only one gets it."""
    _ensure_may_review(application, reviewer)
    move(
        application, (Status.SUBMITTED,), _cannot_claim,
        status=Status.IN_REVIEW, reviewer_id=reviewer.id,
    )  # fmt: skip


def release(application: RecognitionApplication, reviewer: User) -> None:
    """Put an application being reviewed back in the queue (e.g. its reviewer is away)."""
    _ensure_may_review(application, reviewer)
    move(
        application, (Status.IN_REVIEW,), _cannot_release, status=Status.SUBMITTED, reviewer_id=None
    )


def _decide(application, reviewer, **values) -> None:
    _ensure_may_review(application, reviewer)
    if application.status is Status.IN_REVIEW and application.reviewer_id != reviewer.id:
        raise RecognitionError(
            None,
            _l(
                "%(name)s is reviewing this application.",
                name=application.reviewer.display_name if application.reviewer else "?",
            ),
        )
    move(
        application, (Status.IN_REVIEW,), _cannot_decide,
        RecognitionApplication.reviewer_id == reviewer.id, **values,
    )  # fmt: skip


# What a refused move says; ``status`` is the application's state now.
def _cannot_claim(status):
    return _l("This application cannot be taken for review: it is “%(status)s”.", status=status)


def _cannot_release(status):
    return _l("This application is not being reviewed: it is “%(status)s”.", status=status)


def _cannot_decide(status):
    return _l("Take the application for review first; it is “%(status)s”.", status=status)


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise RecognitionError("reason", _l("Give the reason, so the learner knows what to do."))
    if len(reason) > REASON_MAX:
        raise RecognitionError(
            "reason", _l("The reason is too long: at most %(count)d characters.", count=REASON_MAX)
        )
    return reason


def approve(application: RecognitionApplication, reviewer: User, note: str = "") -> None:
    """Approve and deposit the claimed credits, once; a frozen or closed account refuses."""
    _ensure_may_review(application, reviewer)
    account = application.account
    if account.status is AccountStatus.FROZEN:
        raise RecognitionError(
            None,
            _l(
                "The learner's credit account is frozen, so no credits can be paid in. "
                "Approve the application once the account is active again."
            ),
        )
    if account.status is AccountStatus.CLOSED:
        raise RecognitionError(
            None, _l("The learner's credit account is closed, so no credits can be paid in.")
        )
    try:
        with db.session.begin_nested():
            _decide(
                application, reviewer, status=Status.APPROVED, decided_at=utcnow(),
                decision_reason=(note or "").strip()[:REASON_MAX],
            )  # fmt: skip
            entry = credit_services.post_entry(
                account, application.credits_claimed, EntryKind.RECOGNITION,
                business_key(application), posted_by=reviewer, memo=application.title,
            )  # fmt: skip
            application.entry_id = entry.id
            db.session.flush()
    except CreditError:
        db.session.refresh(application)  # the savepoint undid the state change too
        raise
    tell_learner(application)


def reject(application: RecognitionApplication, reviewer: User, reason: str) -> None:
    """Refuse the application; the reason is shown to the learner."""
    reason = _reason(reason)
    _decide(
        application, reviewer, status=Status.REJECTED, decided_at=utcnow(),
        decision_reason=reason,
    )  # fmt: skip
    tell_learner(application)


def return_for_evidence(application: RecognitionApplication, reviewer: User, reason: str) -> None:
    """Send the application back to the learner for more evidence or corrections."""
    reason = _reason(reason)
    _decide(application, reviewer, status=Status.RETURNED, decision_reason=reason)
    tell_learner(application)


# ---- the queue ------------------------------------------------------------------------


def visible_to_staff(application: RecognitionApplication) -> bool:
    """Staff see applications once sent; a draft never sent stays the learner's own."""
    return application.submitted_at is not None


def _staff_scope(staff: User):
    query = select(RecognitionApplication).where(RecognitionApplication.submitted_at.is_not(None))
    scope = staff_scope(staff)
    if scope.everything:
        return query
    return (
        query.join(CreditAccount, CreditAccount.id == RecognitionApplication.account_id)
        .join(User, User.id == CreditAccount.user_id)
        .where(scope.where(RecognitionApplication.city_code, User.district_code))
    )


def review_queue(staff: User, status: RecognitionStatus | None, page: int, per_page: int = 30):
    """A page of the applications the staff member may review, oldest sent first."""
    query = _staff_scope(staff)
    if status is not None:
        query = query.where(RecognitionApplication.status == status)
    query = query.order_by(RecognitionApplication.submitted_at, RecognitionApplication.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def queue_counts(staff: User) -> dict[RecognitionStatus, int]:
    """How many applications in the staff member's scope are in each state."""
    scope = _staff_scope(staff).subquery()
    rows = db.session.execute(select(scope.c.status, func.count()).group_by(scope.c.status))
    return {RecognitionStatus(status): count for status, count in rows}
