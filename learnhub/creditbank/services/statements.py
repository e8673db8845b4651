"""What an account's pages list: the statement (流水) and its totals by kind and by module."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from learnhub.catalogue.models import Module
from learnhub.extensions import db

from ..models import CreditAccount, EntryKind, LedgerEntry


def statement_query(account: CreditAccount, start: datetime | None, end: datetime | None):
    """The account's entries, newest first, optionally in [start, end)."""
    query = select(LedgerEntry).where(LedgerEntry.account_id == account.id)
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return query.order_by(LedgerEntry.sequence.desc())


def totals_by_kind(account: CreditAccount) -> dict[EntryKind, Decimal]:
    """Credits per entry kind (completion, attendance, reversal, ...)."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.account_id == account.id)
        .group_by(LedgerEntry.kind)
    )
    return dict(rows.all())


def totals_by_module(account: CreditAccount) -> list[tuple[Module, Decimal]]:
    """Credits per course module (reversals count against their module)."""
    rows = db.session.execute(
        select(Module, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.module_id == Module.id)
        .where(LedgerEntry.account_id == account.id)
        .group_by(Module.id)
        .order_by(Module.position)
    )
    return [(module, total) for module, total in rows]
