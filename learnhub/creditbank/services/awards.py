"""Awards for finished learning: a course completion pays its credits and gets a certificate;
an activity attendance pays its credits (activities.attendance), and undoing it takes them back.

A completion on a frozen account is kept as a pending award and paid when the account is
unfrozen (or declined by staff with a reason the learner sees on /me/credits); one on a
closed account is recorded as declined, so the learner sees why nothing was paid.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import CreditError
from ..models import (
    CREDIT_QUANTUM,
    AccountStatus,
    CertificateKind,
    CreditAccount,
    EntryKind,
    LedgerEntry,
)
from ..pending_models import AwardStatus, PendingAward
from .accounts import open_account, refuse_staff_action
from .certificates import issue_certificate
from .ledger import find_entry, post_entry, post_reversal, reversal_of


def award_course_completion(completion) -> LedgerEntry | None:
    """Pay a course's credits for a completion, once, and issue its certificate; on an
    account that cannot take them now, keep (frozen) or record (closed) the award."""
    course = completion.course
    if course.credits is None or Decimal(course.credits) <= 0:
        return None
    return award_deposit(
        completion.user, EntryKind.COMPLETION, f"course_completion:{completion.id}",
        Decimal(course.credits), course.title, completion.completed_at, course.module_id,
    )  # fmt: skip


def award_deposit(
    user: User, kind: EntryKind, business_key: str, amount: Decimal, title: str, earned_at,
    module_id: int | None = None,
) -> LedgerEntry | None:  # fmt: skip
    """Pay earned credits (a completion, an attendance) once per business key, opening the
    learner's account if they have none; on a frozen account keep the award until it is
    unfrozen, on a closed one record it as declined. Returns the entry when paid now."""
    account = open_account(user)
    award = PendingAward(
        account_id=account.id, kind=kind, business_key=business_key,
        amount=Decimal(amount).quantize(CREDIT_QUANTUM), module_id=module_id,
        title=title[:200], earned_at=earned_at or utcnow(),
    )  # fmt: skip
    if account.status is AccountStatus.ACTIVE or find_entry(account, kind, business_key):
        return _pay(account, award)
    if account.status is AccountStatus.CLOSED:
        # Declined without a staff reason: the pages say the account is closed.
        award.status, award.decided_at = AwardStatus.DECLINED, utcnow()
    _keep(award)
    return None


def take_back_award(
    user: User, kind: EntryKind, business_key: str, memo: str, staff: User | None
) -> LedgerEntry | None:
    """Undo an award whose reason is gone (an attendance undone): a kept award is declined
    with the memo, a paid one reversed through the ledger's reversal; once, whatever races.
    The caller has checked that ``staff`` may undo the business. Returns the reversal."""
    account = open_account(user)
    kept = db.session.scalar(
        select(PendingAward).where(
            PendingAward.account_id == account.id, PendingAward.business_key == business_key
        )
    )
    if kept is not None and _settle(kept, AwardStatus.DECLINED, staff, memo):
        return None
    entry = find_entry(account, kind, business_key)
    if entry is None or reversal_of(entry) is not None:
        return None  # nothing was paid (a closed account), or it is reversed already
    return post_reversal(entry, memo, staff)


def _keep(award: PendingAward) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(award)
    except IntegrityError:
        pass  # kept already (the same completion told twice)


def _pay(account: CreditAccount, award: PendingAward) -> LedgerEntry:
    entry = post_entry(
        account, award.amount, award.kind, award.business_key, memo=award.title,
        module_id=award.module_id,
    )  # fmt: skip
    if award.kind is not EntryKind.COMPLETION:
        return entry  # only a course earns a certificate
    issue_certificate(
        account, CertificateKind.COURSE, award.business_key, award.title, entry.amount,
        award.earned_at,
    )  # fmt: skip
    return entry


def pending_awards(account: CreditAccount) -> list[PendingAward]:
    """Awards kept while the account could not take them, and declined ones, oldest first."""
    return list(
        db.session.scalars(
            select(PendingAward)
            .where(PendingAward.account_id == account.id, PendingAward.status != AwardStatus.PAID)
            .order_by(PendingAward.id)
        )
    )


def pay_pending_awards(account: CreditAccount) -> int:
    """Pay the awards kept while the account was frozen (it is active now); returns how many."""
    paid = 0
    for award in pending_awards(account):
        if _settle(award, AwardStatus.PAID, None, ""):
            award.entry_id = _pay(account, award).id
            paid += 1
    db.session.flush()
    return paid


def decline_pending_awards(account: CreditAccount, staff: User | None, reason: str) -> int:
    """Decline every kept award (the account is closed); returns how many."""
    return sum(
        _settle(award, AwardStatus.DECLINED, staff, reason) for award in pending_awards(account)
    )


def decline_award(award: PendingAward, staff: User, reason: str) -> None:
    """Staff decline one kept award with a reason the learner sees."""
    refuse_staff_action(award.account, staff)
    reason = (reason or "").strip()
    if not reason:
        raise CreditError("reason", _l("Give a reason."))
    if not _settle(award, AwardStatus.DECLINED, staff, reason):
        raise CreditError(None, _l("This award has already been paid or declined."))


def _settle(award: PendingAward, status: AwardStatus, staff: User | None, reason: str) -> bool:
    """Move a pending award on, once (a conditional UPDATE: parallel requests settle once)."""
    settled = db.session.execute(
        update(PendingAward)
        .where(PendingAward.id == award.id, PendingAward.status == AwardStatus.PENDING)
        .values(status=status, decided_by_id=staff.id if staff else None, decided_at=utcnow(),
                decision_reason=reason[:200])
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    db.session.refresh(award)
    return settled == 1
