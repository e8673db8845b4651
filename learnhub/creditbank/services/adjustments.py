"""Staff adjustments of a balance: capped, and above the four-eyes amount only a request
until a second staff member approves it (who asked, who decided, when and why are kept).

Settings: ``CREDIT_ADJUSTMENT_MAX`` (the most one adjustment may move, either way) and
``CREDIT_ADJUSTMENT_FOUR_EYES`` (larger adjustments need a second person).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import may_see_credit_account, staff_scope
from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..amounts import credit_setting, format_credits, parse_credits
from ..errors import CreditError
from ..models import CreditAccount, LedgerEntry
from ..pending_models import AdjustmentRequest, RequestStatus
from .accounts import refuse_staff_action
from .ledger import balance_of, post_adjustment


@dataclass(frozen=True)
class AdjustmentOutcome:
    """What an adjustment did: posted an entry, or asked for a second person's approval."""

    entry: LedgerEntry | None = None
    request: AdjustmentRequest | None = None


def adjust(account: CreditAccount, amount, staff: User, memo: str, key: str) -> AdjustmentOutcome:
    """Adjust the balance; ``key`` (the form's one-time key) makes a double submit act once.

    Refused: one's own or a higher-level account, no memo, zero, more than the maximum, a
    balance that would go below zero. Above the four-eyes amount a request is recorded.
    """
    refuse_staff_action(account, staff)
    memo = (memo or "").strip()
    if not memo:
        raise CreditError("memo", _l("Say why the balance is adjusted."))
    amount = parse_credits(amount, allow_negative=True)
    if amount == 0:
        raise CreditError("amount", _l("The number of credits cannot be zero."))
    largest = credit_setting("CREDIT_ADJUSTMENT_MAX")
    if abs(amount) > largest:
        raise CreditError(
            "amount",
            _l("One adjustment may move at most %(max)s credits.", max=format_credits(largest)),
        )
    if abs(amount) <= credit_setting("CREDIT_ADJUSTMENT_FOUR_EYES"):
        entry = post_adjustment(account, amount, staff, memo[:200], f"adjustment:{key}")
        return AdjustmentOutcome(entry=entry)
    if balance_of(account) + amount < 0:
        raise CreditError("amount", _l("The balance cannot go below zero."))
    return AdjustmentOutcome(request=_request(account, amount, staff, memo, key))


def _request(account, amount: Decimal, staff: User, memo: str, key: str) -> AdjustmentRequest:
    request = AdjustmentRequest(
        account_id=account.id, amount=amount, memo=memo[:200], form_key=key[:60],
        requested_by_id=staff.id,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        raise CreditError(None, _l("This adjustment has already been requested.")) from None
    return request


def approve_request(request: AdjustmentRequest, staff: User) -> LedgerEntry:
    """Approve a request: a second staff member posts the adjustment (exactly once)."""
    _check_decider(request, staff)
    _decide(request, staff, RequestStatus.APPROVED, "")
    entry = post_adjustment(
        request.account, request.amount, staff, request.memo, f"adjustment_request:{request.id}"
    )
    request.entry_id = entry.id
    db.session.flush()
    return entry


def reject_request(request: AdjustmentRequest, staff: User, reason: str) -> None:
    """Reject a request with a reason (a second staff member; the requester withdraws)."""
    _check_decider(request, staff)
    reason = (reason or "").strip()
    if not reason:
        raise CreditError("reason", _l("Give a reason."))
    _decide(request, staff, RequestStatus.REJECTED, reason)


def withdraw_request(request: AdjustmentRequest, staff: User) -> None:
    """The staff member who asked takes the request back."""
    if request.requested_by_id != staff.id:
        raise CreditError(None, _l("Only the staff member who asked can withdraw a request."))
    _decide(request, staff, RequestStatus.WITHDRAWN, "")


def _check_decider(request: AdjustmentRequest, staff: User) -> None:
    refuse_staff_action(request.account, staff)
    if request.requested_by_id == staff.id:
        raise CreditError(
            None, _l("A second staff member must decide; you asked for this adjustment.")
        )


def _decide(request: AdjustmentRequest, staff: User, status: RequestStatus, reason: str) -> None:
    """Move a pending request on, once: of parallel decisions exactly one wins."""
    decided = db.session.execute(
        update(AdjustmentRequest)
        .where(AdjustmentRequest.id == request.id,
               AdjustmentRequest.status == RequestStatus.PENDING)
        .values(status=status, decided_by_id=staff.id, decided_at=utcnow(),
                decision_reason=reason[:200])
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    db.session.refresh(request)
    if decided != 1:
        raise CreditError(None, _l("This request has already been decided."))


def requests_for(staff: User, status: RequestStatus = RequestStatus.PENDING):
    """Requests of this status on accounts the staff member may see, oldest first."""
    query = (
        select(AdjustmentRequest)
        .join(CreditAccount, CreditAccount.id == AdjustmentRequest.account_id)
        .join(User, User.id == CreditAccount.user_id)
        .where(AdjustmentRequest.status == status)
        .where(staff_scope(staff).where(CreditAccount.city_code, User.district_code))
        .order_by(AdjustmentRequest.id)
    )
    return [
        request
        for request in db.session.scalars(query)
        if may_see_credit_account(staff, request.account.city_code, request.account.user)
    ]


def requests_of(account: CreditAccount) -> list[AdjustmentRequest]:
    """Every adjustment request on the account, newest first (for the account's page)."""
    return list(
        db.session.scalars(
            select(AdjustmentRequest)
            .where(AdjustmentRequest.account_id == account.id)
            .order_by(AdjustmentRequest.id.desc())
        )
    )
