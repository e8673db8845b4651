"""Verifying the ledger: re-walk each account's hash chain and balances (`flask ledger verify`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from learnhub.extensions import db

from ..amounts import ZERO
from ..models import GENESIS_HASH, CreditAccount, LedgerEntry
from .ledger import entry_hash


@dataclass(frozen=True)
class ChainBreak:
    """Where an account's chain or balances first go wrong, and how."""

    account_number: str
    sequence: int
    problem: str


def verify_ledger(batch: int = 1000) -> Iterator[ChainBreak]:
    """Re-walk every account's chain and balances; yield the first break of each account."""
    account_ids = db.session.scalars(select(CreditAccount.id).order_by(CreditAccount.id)).all()
    for account_id in account_ids:
        account = db.session.get(CreditAccount, account_id)
        problem = _verify_account(account, batch)
        if problem is not None:
            yield problem
        db.session.expunge_all()


def _entries_in_batches(account: CreditAccount, batch: int) -> Iterator[LedgerEntry]:
    """The account's entries in sequence order, a batch per query (no server-side cursor)."""
    after = 0
    while True:
        entries = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id, LedgerEntry.sequence > after)
            .order_by(LedgerEntry.sequence)
            .limit(batch)
        ).all()
        yield from entries
        if len(entries) < batch:
            return
        after = entries[-1].sequence


def _verify_account(account: CreditAccount, batch: int) -> ChainBreak | None:
    expected_sequence, prev_hash, balance = 1, GENESIS_HASH, ZERO
    for entry in _entries_in_batches(account, batch):

        def broken(problem: str, entry=entry) -> ChainBreak:
            return ChainBreak(account.number, entry.sequence, problem)

        if entry.sequence != expected_sequence:
            return broken(f"entry {expected_sequence} is missing")
        if entry.prev_hash != prev_hash:
            return broken("previous hash does not match the entry before")
        if entry_hash(entry) != entry.hash:
            return broken("entry was altered (hash does not match its content)")
        balance += entry.amount
        if entry.balance_after != balance or balance < 0:
            return broken(
                f"balance after is {entry.balance_after}, the entries add up to {balance}"
            )
        expected_sequence, prev_hash = expected_sequence + 1, entry.hash
    if account.head_sequence != expected_sequence - 1 or account.head_hash != prev_hash:
        return ChainBreak(
            account.number, expected_sequence, "entries after this one are missing (head differs)"
        )
    return None
