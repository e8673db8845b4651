"""What a learner's own credit page shows that can change, read in one query with the account:
the page is kept under it (``creditbank.routes.account``), so a kept page is always one built
from exactly this state.

Each part is read from the database on every request, never from a version number a service
bumps: with a cache in each worker, a bump made in one worker is not seen by the other, and a
service that forgot to bump would leave an old page. The parts:

- the account's row: status and its reason, the keeping city, and the ledger's head (number
  and hash). The ledger only grows, so the head names its whole history: the balance, the
  totals and every statement page;
- the credits frozen for pending applications (the sum the page shows), and the balance: the
  head entry's, read here rather than by a statement of its own when the page is built;
- the open transfer (its id: its cities never change);
- kept awards and certificates by how many there are, the newest id and how many have moved
  on: a kept award is paid or declined once, a certificate revoked once, so each change moves
  a count forward and no two states of an account ever share a key.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from learnhub.extensions import db

from ..amounts import ZERO
from ..models import Certificate, CreditAccount, CreditHold, HoldStatus, LedgerEntry
from ..pending_models import AccountTransfer, AwardStatus, PendingAward


def _of_account(column, model, *conditions):
    """``column`` over the account's rows of ``model``, as a column of the account's query."""
    return (
        select(column)
        .select_from(model)
        .where(model.account_id == CreditAccount.id, *conditions)
        .scalar_subquery()
    )


# Built once: building the statement costs more than running it.
_ACCOUNT_AND_STATE = select(
    CreditAccount,
    _of_account(
        func.coalesce(func.sum(CreditHold.amount), 0),
        CreditHold,
        CreditHold.status == HoldStatus.HELD,
    ),
    _of_account(
        LedgerEntry.balance_after, LedgerEntry, LedgerEntry.sequence == CreditAccount.head_sequence
    ),
    select(AccountTransfer.id)
    .where(AccountTransfer.open_key == CreditAccount.id)
    .scalar_subquery(),
    _of_account(func.count(), PendingAward),
    _of_account(func.max(PendingAward.id), PendingAward),
    _of_account(func.count(), PendingAward, PendingAward.status != AwardStatus.PENDING),
    _of_account(func.count(), PendingAward, PendingAward.status == AwardStatus.DECLINED),
    _of_account(func.count(), Certificate),
    _of_account(func.max(Certificate.id), Certificate),
    _of_account(func.count(Certificate.revoked_at), Certificate),
).where(CreditAccount.user_id == bindparam("user_id"))


@dataclass(frozen=True)
class CreditPageState:
    """What the page shows that lives outside the account's row, as counted by the query."""

    held: Decimal  # credits frozen for pending applications
    balance: Decimal  # after the head entry (named by the head: adds nothing to the key)
    open_transfer_id: int | None
    awards: int
    newest_award: int | None
    awards_moved_on: int  # paid or declined
    awards_declined: int
    certificates: int
    newest_certificate: int | None
    certificates_revoked: int

    def key(self, account: CreditAccount) -> tuple:
        """The page's key: the account's row and all of this."""
        return (account.id, account.status, account.status_reason, account.city_code,
                account.head_sequence, account.head_hash, *astuple(self))  # fmt: skip


def account_and_page_state(user_id: int) -> tuple[CreditAccount, CreditPageState] | None:
    """The user's credit account and the state its page shows (None: no account yet)."""
    row = db.session.execute(_ACCOUNT_AND_STATE, {"user_id": user_id}).first()
    if row is None:
        return None
    account, held, balance, *others = row
    return account, CreditPageState(Decimal(held), ZERO if balance is None else balance, *others)
