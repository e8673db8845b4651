"""What an account's pages list: the statement (流水) and its totals by kind and by module.

The ledger is append-only and each account's entries are numbered 1, 2, … up to its
``head_sequence``, so what an account held at one head never changes: its totals are kept
in the cache under the account and its head (number and hash), and an unfiltered statement
counts ``head_sequence`` entries. A statement page then costs the same at ten entries as at
a million.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from learnhub.catalogue.models import Module
from learnhub.extensions import db, personal_cache

from ..models import CreditAccount, EntryKind, LedgerEntry

_STREAM_BATCH = 2_000  # entries read at a time by a whole-account document


def statement_query(account: CreditAccount, start: datetime | None, end: datetime | None):
    """The account's entries, newest first, optionally in [start, end)."""
    query = select(LedgerEntry).where(LedgerEntry.account_id == account.id)
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return query.order_by(LedgerEntry.sequence.desc())


def statement_page(
    account: CreditAccount, start: datetime | None, end: datetime | None, page: int, size: int
) -> Pagination:
    """One page of the statement; without dates the entries are counted by the head."""
    dated = start is not None or end is not None
    found = db.paginate(
        statement_query(account, start, end), page=page, per_page=size, max_per_page=size,
        error_out=False, count=dated,
    )  # fmt: skip
    if not dated:
        found.total = account.head_sequence
    return found


def statement_entries(
    account: CreditAccount, start: datetime | None, end: datetime | None
) -> Iterator[LedgerEntry]:
    """Every entry of the statement, newest first, read a batch at a time (an account's
    whole history can be long: a document of it streams)."""
    return db.session.scalars(
        statement_query(account, start, end),
        execution_options={"yield_per": _STREAM_BATCH},
    )


@dataclass(frozen=True)
class AccountTotals:
    by_kind: dict[EntryKind, Decimal]  # credits per entry kind (completion, reversal, ...)
    by_module: list[tuple[Module, Decimal]]  # per course module, reversals counted against it


def account_totals(account: CreditAccount) -> AccountTotals:
    """The account's totals at its current head."""
    head = account.head_sequence
    # The head's hash too: after a restore, another history may reach the same number. One
    # account's: kept apart from what everyone shares.
    key = f"creditbank:totals:{account.id}:{head}:{account.head_hash}"
    sums = personal_cache.get(key)
    if sums is None:
        # Up to the head read with the account: an entry posted meanwhile is not counted
        # under this head (it has a key of its own).
        sums = db.session.execute(
            select(LedgerEntry.kind, LedgerEntry.module_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.account_id == account.id, LedgerEntry.sequence <= head)
            .group_by(LedgerEntry.kind, LedgerEntry.module_id)
        ).all()
        sums = [tuple(row) for row in sums]
        personal_cache.set(key, sums)
    by_kind: dict[EntryKind, Decimal] = {}
    per_module: dict[int, Decimal] = {}
    for kind, module_id, amount in sums:
        by_kind[kind] = by_kind.get(kind, Decimal(0)) + amount
        if module_id is not None:
            per_module[module_id] = per_module.get(module_id, Decimal(0)) + amount
    modules = (
        db.session.scalars(
            select(Module).where(Module.id.in_(per_module)).order_by(Module.position, Module.id)
        ).all()
        if per_module
        else []
    )
    return AccountTotals(by_kind, [(module, per_module[module.id]) for module in modules])
