"""Freezing, unfreezing and closing an account, with what follows for its kept awards."""

from __future__ import annotations

from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import AccountStatus, CreditAccount
from .accounts import lock_account, record_status
from .awards import decline_pending_awards, pay_pending_awards


def set_account_status(
    account: CreditAccount, status: AccountStatus, reason: str, staff: User
) -> int:
    """Change the account's status (see accounts.record_status for the refusals).

    Unfreezing pays the awards kept while the account was frozen; closing declines them
    with the closing reason. Returns how many awards were paid or declined.
    """
    record_status(account, status, reason, staff)
    if status is AccountStatus.ACTIVE:
        return pay_pending_awards(account)
    if status is AccountStatus.CLOSED:
        return decline_pending_awards(account, staff, reason)
    return 0


def close_at_holders_request(account: CreditAccount, reason: str) -> int:
    """Close the account because its holder closed their learnhub account (no staff acts).

    Its entries stay as they are (the chain still verifies); kept awards are declined with
    the reason. An account already closed stays closed. Returns how many awards were declined.
    """
    account = lock_account(account)
    if account.status is not AccountStatus.CLOSED:
        account.status = AccountStatus.CLOSED
        account.status_reason = reason[:200]
        account.status_changed_at = utcnow()
        account.status_changed_by_id = None
        db.session.flush()
    return decline_pending_awards(account, None, reason)
