"""Verifying the ledger (`flask ledger verify`, the nightly check): every account's keyed
hash chain and balances, and the database against the latest signed anchor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from learnhub.extensions import db

from ..amounts import ZERO
from ..models import GENESIS_HASH, CreditAccount, HashScheme, LedgerEntry
from .anchors import AnchoredHead, AnchorError, latest_anchor
from .ledger import keyed_entry_hash, legacy_entry_hash
from .ledger_keys import key_by_id

ANCHOR = "anchor"  # the "account number" of a break in the anchor itself


@dataclass(frozen=True)
class ChainBreak:
    """Where an account's chain or balances first go wrong, and how."""

    account_number: str
    sequence: int
    problem: str


def verify_ledger(batch: int = 1000) -> Iterator[ChainBreak]:
    """Re-walk every account's chain and balances and compare them with the latest anchor;
    yield the first break of each account (and of the anchor)."""
    try:
        anchor = latest_anchor()
    except AnchorError as error:
        yield ChainBreak(ANCHOR, 0, str(error))
        anchor = None
    anchored = anchor.heads if anchor is not None else {}
    seen = set()
    account_ids = db.session.scalars(select(CreditAccount.id).order_by(CreditAccount.id)).all()
    for account_id in account_ids:
        account = db.session.get(CreditAccount, account_id)
        seen.add(account.number)
        legacy_allowed = None if anchor is None else _legacy_through(anchored, account.number)
        problem = _verify_account(account, batch, anchored.get(account.number), legacy_allowed)
        if problem is not None:
            yield problem
        db.session.expunge_all()
    for number in sorted(set(anchored) - seen):
        yield ChainBreak(
            number, anchored[number].sequence, "account is missing (it is in the anchor)"
        )


def _legacy_through(anchored: dict[str, AnchoredHead], number: str) -> int:
    head = anchored.get(number)
    return head.legacy_through if head is not None else 0


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


def seal_problem(entry: LedgerEntry, keyed_before: bool, legacy_through: int | None) -> str | None:
    """What is wrong with the entry's seal, if anything.

    Unkeyed (legacy) entries are accepted only where the ledger had them: before the
    account's first keyed entry and, once an anchor exists, up to its ``legacy_through``.
    """
    if entry.hash_scheme is HashScheme.SHA256:
        if keyed_before or (legacy_through is not None and entry.sequence > legacy_through):
            return "unkeyed entry where the ledger was already keyed"
        expected = legacy_entry_hash(entry)
    else:
        key = key_by_id(entry.key_id)
        if key is None:
            return f"entry is sealed with ledger key {entry.key_id!r}, which is not configured"
        expected = keyed_entry_hash(entry, key)
    if expected != entry.hash:
        return "entry was altered (hash does not match its content)"
    return None


def _verify_account(
    account: CreditAccount, batch: int, anchored: AnchoredHead | None, legacy_through: int | None
) -> ChainBreak | None:
    expected_sequence, prev_hash, balance, keyed = 1, GENESIS_HASH, ZERO, False
    for entry in _entries_in_batches(account, batch):

        def broken(problem: str, entry=entry) -> ChainBreak:
            return ChainBreak(account.number, entry.sequence, problem)

        if entry.sequence != expected_sequence:
            return broken(f"entry {expected_sequence} is missing")
        if entry.prev_hash != prev_hash:
            return broken("previous hash does not match the entry before")
        if (problem := seal_problem(entry, keyed, legacy_through)) is not None:
            return broken(problem)
        at_anchor = anchored is not None and entry.sequence == anchored.sequence
        if at_anchor and entry.hash != anchored.hash:
            return broken("entry differs from the one in the anchor")
        balance += entry.amount
        if entry.balance_after != balance or balance < 0:
            return broken(
                f"balance after is {entry.balance_after}, the entries add up to {balance}"
            )
        keyed = keyed or entry.hash_scheme is HashScheme.HMAC_SHA256
        expected_sequence, prev_hash = expected_sequence + 1, entry.hash
    if account.head_sequence != expected_sequence - 1 or account.head_hash != prev_hash:
        return ChainBreak(
            account.number, expected_sequence, "entries after this one are missing (head differs)"
        )
    if anchored is not None and account.head_sequence < anchored.sequence:
        return ChainBreak(
            account.number, anchored.sequence,
            f"head went back to entry {account.head_sequence} (the anchor has "
            f"{anchored.sequence}): entries were removed",
        )  # fmt: skip
    return None


def check_heads(anchor) -> Iterator[ChainBreak]:
    """The quick check before a new anchor: every anchored account is still there, its head
    has not gone back and its entry at the anchored sequence is the anchored one."""
    if anchor is None:
        return
    accounts = {
        account.number: account
        for account in db.session.scalars(
            select(CreditAccount).where(CreditAccount.number.in_(list(anchor.heads)))
        )
    }
    for number, head in sorted(anchor.heads.items()):
        account = accounts.get(number)
        if account is None:
            yield ChainBreak(number, head.sequence, "account is missing (it is in the anchor)")
            continue
        if account.head_sequence < head.sequence:
            yield ChainBreak(number, head.sequence, "head went back behind the anchor")
            continue
        anchored_hash = db.session.scalar(
            select(LedgerEntry.hash).where(
                LedgerEntry.account_id == account.id, LedgerEntry.sequence == head.sequence
            )
        )
        if head.sequence and anchored_hash != head.hash:
            yield ChainBreak(number, head.sequence, "entry differs from the one in the anchor")
