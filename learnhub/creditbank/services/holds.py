"""Holds: credits frozen for a pending conversion application, then released or settled."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..amounts import parse_credits
from ..errors import CreditError
from ..models import CreditAccount, CreditHold, EntryKind, HoldStatus, LedgerEntry
from .accounts import check_account_takes, lock_account
from .ledger import balance_of, held_amount, post_entry


def hold_credits(account: CreditAccount, amount, business_key: str) -> CreditHold:
    """Freeze credits for a pending application; refused beyond the available balance."""
    amount = parse_credits(amount)
    if amount == 0:
        raise CreditError("amount", _l("The number of credits cannot be zero."))
    account = lock_account(account)
    existing = db.session.scalar(select(CreditHold).where(CreditHold.business_key == business_key))
    if existing is not None:
        return existing
    check_account_takes(account, EntryKind.CONVERSION)
    if balance_of(account) - held_amount(account) < amount:
        raise CreditError("amount", _l("Not enough credits available."))
    hold = CreditHold(account_id=account.id, amount=amount, business_key=business_key)
    db.session.add(hold)
    db.session.flush()
    return hold


def pending_holds(account: CreditAccount) -> list[CreditHold]:
    """The account's credits still frozen, oldest first."""
    return list(
        db.session.scalars(
            select(CreditHold)
            .where(CreditHold.account_id == account.id, CreditHold.status == HoldStatus.HELD)
            .order_by(CreditHold.id)
        )
    )


def release_hold(hold: CreditHold) -> None:
    """Give frozen credits back (application rejected or withdrawn)."""
    lock_account(db.session.get(CreditAccount, hold.account_id))
    if hold.status is HoldStatus.HELD:
        hold.status = HoldStatus.RELEASED
        hold.closed_at = utcnow()
        db.session.flush()


def settle_hold(hold: CreditHold, staff: User | None, memo: str = "") -> LedgerEntry:
    """Turn frozen credits into a conversion withdrawal (once)."""
    account = db.session.get(CreditAccount, hold.account_id)
    if hold.status is HoldStatus.SETTLED:
        return db.session.get(LedgerEntry, hold.entry_id)
    if hold.status is not HoldStatus.HELD:
        raise CreditError(None, _l("These credits are no longer frozen."))
    return post_entry(
        account, -hold.amount, EntryKind.CONVERSION, hold.business_key,
        posted_by=staff, memo=memo, settles=hold,
    )  # fmt: skip
