"""The hash-chained ledger: the one posting function, balances, reversals and adjustments.

Every change to a balance goes through :func:`post_entry`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from decimal import Decimal

from blinker import signal
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db

from ..amounts import ZERO, parse_credits
from ..errors import CreditError
from ..models import CREDIT_SCALE, CreditAccount, CreditHold, EntryKind, HoldStatus, LedgerEntry
from .accounts import check_account_takes, lock_account

DEPOSIT_KINDS = frozenset({EntryKind.COMPLETION, EntryKind.ATTENDANCE, EntryKind.RECOGNITION})
POSTING_RETRIES = 5

# Sent once per new entry, inside the posting transaction (never for a repeated key): the
# rankings count credits earned from the ledger itself.
entry_posted = signal("learnhub.ledger-entry-posted")


def entry_hash(entry: LedgerEntry) -> str:
    """sha256 over a canonical serialisation of everything the entry says."""
    created = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    canonical = json.dumps(
        {
            "account": entry.account_id,
            "sequence": entry.sequence,
            "amount": f"{Decimal(entry.amount):.{CREDIT_SCALE}f}",
            "kind": str(entry.kind),
            "business_key": entry.business_key,
            "module": entry.module_id,
            "reverses": entry.reverses_id,
            "posted_by": entry.posted_by_id,
            "memo": entry.memo,
            "balance_after": f"{Decimal(entry.balance_after):.{CREDIT_SCALE}f}",
            "created_at": created,
            "prev_hash": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def find_entry(account: CreditAccount, kind: EntryKind, business_key: str) -> LedgerEntry | None:
    """The account's entry of this kind for this business key, if it was posted."""
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.account_id == account.id,
            LedgerEntry.kind == kind,
            LedgerEntry.business_key == business_key,
        )
    )


def balance_of(account: CreditAccount) -> Decimal:
    """The balance after the newest entry (0 for an empty account)."""
    value = db.session.scalar(
        select(LedgerEntry.balance_after).where(
            LedgerEntry.account_id == account.id,
            LedgerEntry.sequence == account.head_sequence,
        )
    )
    return value if value is not None else ZERO


def held_amount(account: CreditAccount) -> Decimal:
    """Credits frozen for pending applications."""
    value = db.session.scalar(
        select(func.sum(CreditHold.amount)).where(
            CreditHold.account_id == account.id, CreditHold.status == HoldStatus.HELD
        )
    )
    return value if value is not None else ZERO


def post_entry(
    account: CreditAccount,
    amount: Decimal,
    kind: EntryKind,
    business_key: str,
    *,
    posted_by: User | None = None,
    memo: str = "",
    module_id: int | None = None,
    reverses: LedgerEntry | None = None,
    settles: CreditHold | None = None,
) -> LedgerEntry:
    """Post one entry, exactly once per (kind, business key, account); returns the entry.

    Posting the same key again returns the first entry unchanged, whoever wins a race.
    Refuses (CreditError) amounts that are zero, have too many decimals, would take the
    balance below zero or below the frozen credits, and deposits to frozen or closed accounts.
    """
    amount = parse_credits(amount, allow_negative=True)
    if amount == 0:
        raise CreditError("amount", _l("The number of credits cannot be zero."))
    if kind in DEPOSIT_KINDS and amount < 0:
        raise CreditError("amount", _l("The number of credits cannot be negative."))
    for _attempt in range(POSTING_RETRIES):
        account = lock_account(account)
        existing = find_entry(account, kind, business_key)
        if existing is not None:
            return existing
        entry = _new_entry(
            account, amount, kind, business_key, posted_by, memo, module_id, reverses, settles
        )
        try:
            with db.session.begin_nested():
                db.session.add(entry)
                db.session.flush()
                account.head_sequence = entry.sequence
                account.head_hash = entry.hash
                if settles is not None:
                    settles.status = HoldStatus.SETTLED
                    settles.closed_at = entry.created_at
                    settles.entry_id = entry.id
                db.session.flush()
        except IntegrityError:
            db.session.expire(account)
            continue  # a parallel posting took the key or the sequence number: look again
        entry_posted.send(current_app._get_current_object(), entry=entry)
        return entry
    raise RuntimeError(f"could not post {kind}:{business_key} to account {account.id}")


def _new_entry(
    account, amount, kind, business_key, posted_by, memo, module_id, reverses, settles
) -> LedgerEntry:
    check_account_takes(account, kind)
    balance = balance_of(account)
    new_balance = balance + amount
    if new_balance < 0:
        raise CreditError("amount", _l("The balance cannot go below zero."))
    if amount < 0:
        still_held = held_amount(account) - (settles.amount if settles is not None else ZERO)
        if new_balance < still_held:
            raise CreditError("amount", _l("Those credits are frozen for a pending application."))
    entry = LedgerEntry(
        account_id=account.id, sequence=account.head_sequence + 1, amount=amount, kind=kind,
        business_key=business_key, module_id=module_id,
        reverses_id=reverses.id if reverses is not None else None,
        posted_by_id=posted_by.id if posted_by is not None else None,
        memo=(memo or "")[:200], balance_after=new_balance, created_at=utcnow(),
        prev_hash=account.head_hash,
    )  # fmt: skip
    entry.hash = entry_hash(entry)
    return entry


def reverse_entry(entry: LedgerEntry, staff: User, memo: str) -> LedgerEntry:
    """Undo an entry with a new, opposite entry that points at it (never edits it)."""
    memo = (memo or "").strip()
    if not memo:
        raise CreditError("memo", _l("Say why the entry is reversed."))
    if entry.kind is EntryKind.REVERSAL:
        raise CreditError(None, _l("A reversal cannot be reversed; post an adjustment."))
    if entry.kind is EntryKind.CONVERSION:
        raise CreditError(None, _l("Reject or revoke the conversion instead."))
    return post_entry(
        entry.account, -entry.amount, EntryKind.REVERSAL, f"entry:{entry.id}",
        posted_by=staff, memo=memo, module_id=entry.module_id, reverses=entry,
    )  # fmt: skip


def reversal_of(entry: LedgerEntry) -> LedgerEntry | None:
    """The entry that reverses this one, if any."""
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.reverses_id == entry.id))


def adjust(account: CreditAccount, amount, staff: User, memo: str, key: str) -> LedgerEntry:
    """A staff correction; ``key`` (e.g. the form's one-time token) makes it idempotent."""
    memo = (memo or "").strip()
    if not memo:
        raise CreditError("memo", _l("Say why the balance is adjusted."))
    amount = parse_credits(amount, allow_negative=True)
    return post_entry(
        account, amount, EntryKind.ADJUSTMENT, f"adjustment:{key}", posted_by=staff, memo=memo
    )
