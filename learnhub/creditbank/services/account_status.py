"""Freezing, unfreezing and closing an account, with what follows for its kept awards."""

from __future__ import annotations

from learnhub.accounts.models import User

from ..models import AccountStatus, CreditAccount
from .accounts import record_status
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
