"""Moving a credit account to another city's staff (jurisdiction follows the account).

A learner who changes their city in "my account" does not move their credit account: a
transfer is asked for, and the sending city keeps the account until the receiving city's
staff accept it (or decline it, with a reason). Who decided and when is kept.
"""

from __future__ import annotations

from blinker import signal
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from learnhub.accounts.access import credit_account_refusal, staff_scope
from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import CreditError
from ..pending_models import AccountTransfer, TransferStatus
from .accounts import account_of, lock_account

# Sent inside the accepting transaction: what features above keep per city for the account
# (open recognition and conversion applications) moves to the receiving city's staff too.
account_transferred = signal("learnhub.credit-account-transferred")


def open_transfer_of(account_id: int) -> AccountTransfer | None:
    """The account's transfer waiting for the receiving city, if any."""
    return db.session.scalar(select(AccountTransfer).where(AccountTransfer.open_key == account_id))


def follow_city_change(user: User, new_city_code: str) -> AccountTransfer | None:
    """The learner now lives in ``new_city_code``: ask for a transfer of their account there
    (a transfer still waiting is cancelled first; moving back to the account's city needs none)."""
    account = account_of(user)
    if account is None:
        return None
    account = lock_account(account)
    waiting = open_transfer_of(account.id)
    if waiting is not None:
        _close(waiting, TransferStatus.CANCELLED, None, "")
    if new_city_code == account.city_code:
        return None
    transfer = AccountTransfer(
        account_id=account.id, from_city_code=account.city_code, to_city_code=new_city_code,
        open_key=account.id,
    )  # fmt: skip
    db.session.add(transfer)
    db.session.flush()
    return transfer


def accept_transfer(transfer: AccountTransfer, staff: User) -> None:
    """The receiving city's staff take the account over (once)."""
    _check_receiver(transfer, staff)
    account = lock_account(transfer.account)
    if not _close(transfer, TransferStatus.ACCEPTED, staff, ""):
        raise CreditError(None, _l("This transfer has already been decided."))
    account.city_code = transfer.to_city_code
    db.session.flush()
    account_transferred.send(
        current_app._get_current_object(), account=account, to_city=transfer.to_city_code
    )


def decline_transfer(transfer: AccountTransfer, staff: User, reason: str) -> None:
    """The receiving city's staff decline, with a reason: the sending city keeps the account."""
    _check_receiver(transfer, staff)
    reason = (reason or "").strip()
    if not reason:
        raise CreditError("reason", _l("Give a reason."))
    if not _close(transfer, TransferStatus.DECLINED, staff, reason):
        raise CreditError(None, _l("This transfer has already been decided."))


def _check_receiver(transfer: AccountTransfer, staff: User) -> None:
    refusal = credit_account_refusal(staff, transfer.to_city_code, transfer.account.user)
    if refusal is not None:
        raise CreditError(None, refusal)


def _close(transfer, status: TransferStatus, staff: User | None, reason: str) -> bool:
    """Decide a waiting transfer once (a conditional UPDATE: of parallel decisions one wins)."""
    closed = db.session.execute(
        update(AccountTransfer)
        .where(AccountTransfer.id == transfer.id, AccountTransfer.status == TransferStatus.PENDING)
        .values(status=status, open_key=None, decided_by_id=staff.id if staff else None,
                decided_at=utcnow(), decision_reason=reason[:200])
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    db.session.refresh(transfer)
    return closed == 1


def transfers_for(staff: User) -> list[AccountTransfer]:
    """Waiting transfers into or out of the staff member's cities, oldest first."""
    query = (
        select(AccountTransfer)
        .where(AccountTransfer.status == TransferStatus.PENDING)
        .order_by(AccountTransfer.id)
    )
    scope = staff_scope(staff)  # transfers are between cities: a city's or the province's work
    if not scope.everything:
        city = scope.city_code if scope.whole_city else None
        query = query.where(
            or_(AccountTransfer.to_city_code == city, AccountTransfer.from_city_code == city)
        )
    return list(db.session.scalars(query))


def transfers_of(account_id: int) -> list[AccountTransfer]:
    """Every transfer of the account, newest first (for the account's page)."""
    return list(
        db.session.scalars(
            select(AccountTransfer)
            .where(AccountTransfer.account_id == account_id)
            .order_by(AccountTransfer.id.desc())
        )
    )
