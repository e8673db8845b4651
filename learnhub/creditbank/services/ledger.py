"""The hash-chained ledger: the one posting function, balances, reversals and adjustments.

Every change to a balance goes through :func:`post_entry`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from decimal import Decimal
from functools import lru_cache

from blinker import signal
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.metrics import LEDGER_POSTINGS, count_on_commit

from ..amounts import ZERO, parse_credits
from ..errors import CreditError
from ..models import (
    CREDIT_SCALE,
    CreditAccount,
    CreditHold,
    EntryKind,
    HashScheme,
    HoldStatus,
    LedgerEntry,
)
from .accounts import check_account_takes, lock_account, refuse_staff_action
from .certificates import revoke_certificates_for
from .ledger_keys import LedgerKey, signing_key

DEPOSIT_KINDS = frozenset({EntryKind.COMPLETION, EntryKind.ATTENDANCE, EntryKind.RECOGNITION})
POSTING_RETRIES = 5

# Sent once per new entry, inside the posting transaction (never for a repeated key): the
# rankings count credits earned from the ledger itself.
entry_posted = signal("learnhub.ledger-entry-posted")


def _canonical(entry: LedgerEntry, keyed: bool) -> bytes:
    """A canonical serialisation of everything the entry says (keyed: also how it is sealed)."""
    created = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    content = {
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
    }
    if keyed:
        content |= {"scheme": str(entry.hash_scheme), "key_id": entry.key_id}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def legacy_entry_hash(entry: LedgerEntry) -> str:
    """The unkeyed SHA-256 of entries posted before the ledger was keyed (scheme sha256)."""
    return hashlib.sha256(_canonical(entry, keyed=False)).hexdigest()


def keyed_entry_hash(entry: LedgerEntry, key: LedgerKey) -> str:
    """HMAC-SHA256 of the entry with a ledger key (scheme hmac-sha256)."""
    return hmac.new(key.secret, _canonical(entry, keyed=True), hashlib.sha256).hexdigest()


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
    already=None,
) -> LedgerEntry:
    """Post one entry, exactly once per (kind, business key, account); returns the entry.

    Posting the same key again returns the first entry unchanged, whoever wins a race, or,
    when ``already`` (a message) is given, is refused with it: the caller's answer then
    says what happened (one of twenty parallel reversals says "reversed").
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
        existing_id, balance = _posting_state(account, kind, business_key)
        if existing_id is not None and already is not None:
            raise CreditError(None, already)
        if existing_id is not None:
            return db.session.get(LedgerEntry, existing_id)
        entry = _new_entry(
            account, amount, balance, kind, business_key, posted_by, memo, module_id, reverses,
            settles,
        )  # fmt: skip
        if not _insert_entry(entry, account):
            db.session.expire(account)
            continue  # a parallel posting took the key or the sequence number: look again
        if settles is not None:
            settles.status = HoldStatus.SETTLED
            settles.closed_at = entry.created_at
            settles.entry_id = entry.id
        entry_posted.send(current_app._get_current_object(), entry=entry)
        count_on_commit(LEDGER_POSTINGS, kind=kind.value)
        return entry
    raise RuntimeError(f"could not post {kind}:{business_key} to account {account.id}")


_ENTRY_COLUMNS = [column.key for column in LedgerEntry.__table__.columns if column.key != "id"]
_MOVE_HEAD = (
    update(CreditAccount)
    .where(CreditAccount.id == bindparam("account_id"))
    .values(head_sequence=bindparam("new_sequence"), head_hash=bindparam("new_hash"))
)


@lru_cache
def _insert_entry_statement(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LedgerEntry.__table__
    return insert(table).on_conflict_do_nothing().returning(table.c.id)


def _insert_entry(entry: LedgerEntry, account: CreditAccount) -> bool:
    """Write the entry and the account's new head; False when a unique rule of the ledger
    refused it (a parallel posting took its key or its sequence number): nothing written.

    Two plain statements instead of the ORM's unit of work and a savepoint around it, which
    cost more than the writes: INSERT ... ON CONFLICT DO NOTHING tells a lost race without
    an error that would end the caller's transaction. The objects are then marked as stored.
    """
    values = {key: getattr(entry, key) for key in _ENTRY_COLUMNS}
    statement = _insert_entry_statement(db.session.get_bind().dialect.name)
    entry_id = db.session.execute(statement, values).scalar()
    if entry_id is None:
        return False
    db.session.execute(
        _MOVE_HEAD,
        {"account_id": account.id, "new_sequence": entry.sequence, "new_hash": entry.hash},
    )
    entry.id = entry_id
    make_transient_to_detached(entry)
    db.session.add(entry)
    set_committed_value(account, "head_sequence", entry.sequence)
    set_committed_value(account, "head_hash", entry.hash)
    return True


# What a posting reads before it writes, in one statement: the entry already posted with
# its key (if any) and the balance after the account's newest entry.
_e = LedgerEntry
_POSTING_STATE = select(
    _e.id,
    _e.sequence,
    _e.balance_after,
    and_(_e.kind == bindparam("kind"), _e.business_key == bindparam("business_key")),
).where(
    _e.account_id == bindparam("account_id"),
    or_(
        and_(_e.kind == bindparam("kind"), _e.business_key == bindparam("business_key")),
        _e.sequence == bindparam("head_sequence"),
    ),
)


def _posting_state(
    account: CreditAccount, kind: EntryKind, business_key: str
) -> tuple[int | None, Decimal]:
    """(id of the entry posted with this kind and key or None, the account's balance)."""
    existing_id, balance = None, ZERO
    rows = db.session.execute(
        _POSTING_STATE,
        {"account_id": account.id, "kind": kind, "business_key": business_key,
         "head_sequence": account.head_sequence},
    )  # fmt: skip
    for entry_id, sequence, balance_after, same_key in rows:
        if same_key:
            existing_id = entry_id
        if sequence == account.head_sequence:
            balance = balance_after
    return existing_id, balance


def _new_entry(
    account, amount, balance, kind, business_key, posted_by, memo, module_id, reverses, settles
) -> LedgerEntry:
    check_account_takes(account, kind)
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
    key = signing_key()
    entry.hash_scheme, entry.key_id = HashScheme.HMAC_SHA256, key.key_id
    entry.hash = keyed_entry_hash(entry, key)
    return entry


def reverse_entry(entry: LedgerEntry, staff: User, memo: str) -> LedgerEntry:
    """Undo an entry with a new, opposite entry that points at it (never edits it), once.

    Certificates issued for the same business object (a completion's certificate) are
    revoked with the reversal's memo as the reason. A second reversal is refused.
    """
    refuse_staff_action(entry.account, staff)
    return post_reversal(entry, memo, staff)


def post_reversal(entry: LedgerEntry, memo: str, posted_by: User | None) -> LedgerEntry:
    """The reversal itself, for a caller that has checked who may ask for it: staff on the
    credit pages (:func:`reverse_entry`), or a feature taking back what its own business
    paid (an undone attendance, whose staff answer to the activity's region, not the
    account's). The same key ``entry:<id>`` as every reversal: once, whoever asks first."""
    memo = (memo or "").strip()
    if not memo:
        raise CreditError("memo", _l("Say why the entry is reversed."))
    if entry.kind is EntryKind.REVERSAL:
        raise CreditError(None, _l("A reversal cannot be reversed; post an adjustment."))
    if entry.kind is EntryKind.CONVERSION:
        raise CreditError(None, _l("Reject or revoke the conversion instead."))
    reversal = post_entry(
        entry.account, -entry.amount, EntryKind.REVERSAL, f"entry:{entry.id}",
        posted_by=posted_by, memo=memo, module_id=entry.module_id, reverses=entry,
        already=_l("This entry has already been reversed."),
    )  # fmt: skip
    revoke_certificates_for(entry.account, entry.business_key, memo)
    return reversal


def reversal_of(entry: LedgerEntry) -> LedgerEntry | None:
    """The entry that reverses this one, if any."""
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.reverses_id == entry.id))


def post_adjustment(
    account: CreditAccount, amount: Decimal, staff: User, memo: str, business_key: str
) -> LedgerEntry:
    """Post an adjustment entry once per business key (a second post says it was posted)."""
    return post_entry(
        account, amount, EntryKind.ADJUSTMENT, business_key, posted_by=staff, memo=memo,
        already=_l("This adjustment has already been posted."),
    )  # fmt: skip
