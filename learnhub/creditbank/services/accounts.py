"""Credit accounts: opening (开户), finding, locking, and their status (active, frozen, closed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import credit_account_refusal
from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import CreditError
from ..models import AccountStatus, CreditAccount, EntryKind
from .numbers import make_account_number

OPENING_RETRIES = 5


def account_of(user: User) -> CreditAccount | None:
    """The user's credit account, if they have one."""
    return db.session.scalar(select(CreditAccount).where(CreditAccount.user_id == user.id))


def open_account(user: User) -> CreditAccount:
    """Open the user's credit account (开户), or return the one they have."""
    existing = account_of(user)
    if existing is not None:
        return existing
    region = user.city_code
    for _attempt in range(OPENING_RETRIES):
        sequence = (
            db.session.scalar(
                select(func.max(CreditAccount.sequence)).where(CreditAccount.region_code == region)
            )
            or 0
        ) + 1
        account = CreditAccount(
            user_id=user.id, region_code=region, city_code=region, sequence=sequence,
            number=make_account_number(region, sequence),
        )  # fmt: skip
        try:
            with db.session.begin_nested():
                db.session.add(account)
        except IntegrityError:
            existing = account_of(user)
            if existing is not None:
                return existing  # opened by a parallel request
            continue  # another account took this sequence number: take the next
        return account
    raise RuntimeError("could not allocate a credit account number")


def refuse_staff_action(account: CreditAccount, staff: User) -> None:
    """Refuse (CreditError) a staff action on this account: not one's own, not one of a higher
    level, only for a city the staff member works for (see accounts.access)."""
    refusal = credit_account_refusal(staff, account.city_code, account.user)
    if refusal is not None:
        raise CreditError(None, refusal)


def record_status(account: CreditAccount, status: AccountStatus, reason: str, staff: User) -> None:
    """Freeze, unfreeze or close an account, checked against its current (locked) state;
    freezing and closing need a reason. Use account_status.set_account_status, which also
    settles the awards kept while the account was frozen."""
    refuse_staff_action(account, staff)
    reason = (reason or "").strip()
    if status is not AccountStatus.ACTIVE and not reason:
        raise CreditError("reason", _l("Give a reason."))
    account = lock_account(account)  # the state read below is the one this change follows
    if account.status is AccountStatus.CLOSED:
        raise CreditError(None, _l("This account is closed."))
    if account.status is status:
        raise CreditError(None, _SAME_STATUS[status])
    account.status = status
    account.status_reason = reason[:200]
    account.status_changed_at = utcnow()
    account.status_changed_by_id = staff.id
    db.session.flush()


_SAME_STATUS = {
    AccountStatus.ACTIVE: _l("This account is not frozen."),
    AccountStatus.FROZEN: _l("This account is already frozen."),
}


def check_account_takes(account: CreditAccount, kind: EntryKind) -> None:
    """Refuse (CreditError) a posting or hold of this kind on a closed or frozen account.

    A frozen account still takes corrections (reversals and adjustments).
    """
    if account.status is AccountStatus.CLOSED:
        raise CreditError(None, _l("This credit account is closed."))
    corrections = (EntryKind.REVERSAL, EntryKind.ADJUSTMENT)
    if account.status is AccountStatus.FROZEN and kind not in corrections:
        raise CreditError(None, _l("This credit account is frozen."))


def account_by_number(number: str) -> CreditAccount | None:
    """The account with this canonical number (see parse_account_number)."""
    return db.session.scalar(select(CreditAccount).where(CreditAccount.number == number))


_LOCK_ACCOUNT = (
    select(CreditAccount)
    .where(CreditAccount.id == bindparam("account_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_account(account: CreditAccount) -> CreditAccount:
    """Lock the account row for this transaction (PostgreSQL; SQLite writers queue anyway)
    and read it afresh. The id comes from the identity key: reading ``account.id`` after a
    commit would load the whole row once more before the locking read."""
    identity = inspect(account).identity
    account_id = identity[0] if identity is not None else account.id
    return db.session.scalars(_LOCK_ACCOUNT, {"account_id": account_id}).one()
