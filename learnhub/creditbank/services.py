"""The credit bank's rules: accounts, the one posting function, holds, certificates, checks.

Services flush but never commit. Every change to a balance goes through :func:`post_entry`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.catalogue.models import Module
from learnhub.database import utcnow
from learnhub.extensions import db

from .models import (
    CREDIT_QUANTUM,
    CREDIT_SCALE,
    GENESIS_HASH,
    AccountStatus,
    Certificate,
    CertificateKind,
    CreditAccount,
    CreditHold,
    EntryKind,
    HoldStatus,
    LedgerEntry,
    VerifyMiss,
)

ZERO = Decimal("0.00")
DEPOSIT_KINDS = frozenset({EntryKind.COMPLETION, EntryKind.ATTENDANCE, EntryKind.RECOGNITION})
POSTING_RETRIES = 5


class CreditError(Exception):
    """A credit bank rule refused the request; ``field`` names the form field, if any."""

    def __init__(self, field: str | None, message):
        super().__init__(field, message)
        self.field = field
        self.message = message  # lazy: rendered in the reader's language

    def __str__(self) -> str:
        return str(self.message)


# ---- amounts ------------------------------------------------------------------------


def parse_credits(value, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """A credit amount from text or a number: refuses floats, junk and too many decimals."""
    if isinstance(value, float):
        raise TypeError("credits are never floats")
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise CreditError(field, _l("Enter a number of credits, for example 1.5.")) from None
    if not amount.is_finite():
        raise CreditError(field, _l("Enter a number of credits, for example 1.5."))
    if amount != amount.quantize(CREDIT_QUANTUM):
        raise CreditError(field, _l("Use at most %(places)d decimal places.", places=CREDIT_SCALE))
    if amount < 0 and not allow_negative:
        raise CreditError(field, _l("The number of credits cannot be negative."))
    if abs(amount) >= Decimal("1e9"):
        raise CreditError(field, _l("That number of credits is too large."))
    return amount.quantize(CREDIT_QUANTUM)


def credit_setting(name: str) -> Decimal:
    """A credit-valued setting as Decimal (the environment gives JSON numbers)."""
    return parse_credits(str(current_app.config[name]), field=name)


def hours_to_credits(hours: Decimal) -> Decimal:
    """Study hours turned into credits at the configured rate, rounded down to 0.01."""
    per_credit = Decimal(str(current_app.config["CREDIT_HOURS_PER_CREDIT"]))
    return (Decimal(hours) / per_credit).quantize(CREDIT_QUANTUM, rounding="ROUND_DOWN")


# ---- account numbers ----------------------------------------------------------------

SEQUENCE_DIGITS = 8
NUMBER_LENGTH = 6 + SEQUENCE_DIGITS + 1


def check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character (as on Chinese ID cards): 0-9 or X."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2 % 11
    remainder = (12 - total) % 11
    return "X" if remainder == 10 else str(remainder)


def make_account_number(region_code: str, sequence: int) -> str:
    """Region code (6 digits) + sequence (8 digits) + check character."""
    body = f"{region_code}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + check_character(body)


def parse_account_number(text: str) -> str | None:
    """The canonical number if ``text`` is a well-formed number with a right check character."""
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = "".join(ch for ch in cleaned if ch not in " -")
    if len(cleaned) != NUMBER_LENGTH or not cleaned[:-1].isdigit():
        return None
    return cleaned if check_character(cleaned[:-1]) == cleaned[-1] else None


def format_account_number(number: str) -> str:
    """210100 00000001 7: region, sequence, check character, for printing."""
    return f"{number[:6]} {number[6:-1]} {number[-1]}"


# ---- accounts -----------------------------------------------------------------------


def account_of(user: User) -> CreditAccount | None:
    return db.session.scalar(select(CreditAccount).where(CreditAccount.user_id == user.id))


def open_account(user: User) -> CreditAccount:
    """Open the user's credit account (开户), or return the one they have."""
    existing = account_of(user)
    if existing is not None:
        return existing
    region = user.city_code
    for _attempt in range(POSTING_RETRIES):
        sequence = (
            db.session.scalar(
                select(func.max(CreditAccount.sequence)).where(CreditAccount.region_code == region)
            )
            or 0
        ) + 1
        account = CreditAccount(
            user_id=user.id, region_code=region, sequence=sequence,
            number=make_account_number(region, sequence),
        )  # fmt: skip
        try:
            with db.session.begin_nested():
                db.session.add(account)
        except IntegrityError:
            existing = account_of(user)
            if existing is not None:
                return existing  # opened by a parallel request
            continue  # another account took this sequence number: take the next
        return account
    raise RuntimeError("could not allocate a credit account number")


def set_account_status(
    account: CreditAccount, status: AccountStatus, reason: str, staff: User
) -> None:
    """Freeze, unfreeze or close an account; freezing and closing need a reason."""
    reason = (reason or "").strip()
    if status is not AccountStatus.ACTIVE and not reason:
        raise CreditError("reason", _l("Give a reason."))
    if account.status is AccountStatus.CLOSED:
        raise CreditError(None, _l("This account is closed."))
    if account.status is status:
        raise CreditError(None, _SAME_STATUS[status])
    lock_account(account)
    account.status = status
    account.status_reason = reason[:200]
    account.status_changed_at = utcnow()
    account.status_changed_by_id = staff.id
    db.session.flush()


_SAME_STATUS = {
    AccountStatus.ACTIVE: _l("This account is not frozen."),
    AccountStatus.FROZEN: _l("This account is already frozen."),
}


def account_by_number(number: str) -> CreditAccount | None:
    """The account with this canonical number (see parse_account_number)."""
    return db.session.scalar(select(CreditAccount).where(CreditAccount.number == number))


def lock_account(account: CreditAccount) -> CreditAccount:
    """Lock the account row for this transaction (PostgreSQL; SQLite writers queue anyway)."""
    return db.session.scalars(
        select(CreditAccount)
        .where(CreditAccount.id == account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# ---- the ledger ---------------------------------------------------------------------


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
        return entry
    raise RuntimeError(f"could not post {kind}:{business_key} to account {account.id}")


def _new_entry(
    account, amount, kind, business_key, posted_by, memo, module_id, reverses, settles
) -> LedgerEntry:
    _check_account_takes(account, amount, kind)
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


def _check_account_takes(account: CreditAccount, amount: Decimal, kind: EntryKind) -> None:
    if account.status is AccountStatus.CLOSED:
        raise CreditError(None, _l("This credit account is closed."))
    corrections = (EntryKind.REVERSAL, EntryKind.ADJUSTMENT)
    if account.status is AccountStatus.FROZEN and kind not in corrections:
        raise CreditError(None, _l("This credit account is frozen."))


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


# ---- holds (frozen credits) ---------------------------------------------------------


def hold_credits(account: CreditAccount, amount, business_key: str) -> CreditHold:
    """Freeze credits for a pending application; refused beyond the available balance."""
    amount = parse_credits(amount)
    if amount == 0:
        raise CreditError("amount", _l("The number of credits cannot be zero."))
    account = lock_account(account)
    existing = db.session.scalar(select(CreditHold).where(CreditHold.business_key == business_key))
    if existing is not None:
        return existing
    _check_account_takes(account, -amount, EntryKind.CONVERSION)
    if balance_of(account) - held_amount(account) < amount:
        raise CreditError("amount", _l("Not enough credits available."))
    hold = CreditHold(account_id=account.id, amount=amount, business_key=business_key)
    db.session.add(hold)
    db.session.flush()
    return hold


def pending_holds(account: CreditAccount) -> list[CreditHold]:
    """The account's credits still frozen, oldest first."""
    return list(
        db.session.scalars(
            select(CreditHold)
            .where(CreditHold.account_id == account.id, CreditHold.status == HoldStatus.HELD)
            .order_by(CreditHold.id)
        )
    )


def release_hold(hold: CreditHold) -> None:
    """Give frozen credits back (application rejected or withdrawn)."""
    lock_account(db.session.get(CreditAccount, hold.account_id))
    if hold.status is HoldStatus.HELD:
        hold.status = HoldStatus.RELEASED
        hold.closed_at = utcnow()
        db.session.flush()


def settle_hold(hold: CreditHold, staff: User | None, memo: str = "") -> LedgerEntry:
    """Turn frozen credits into a conversion withdrawal (once)."""
    account = db.session.get(CreditAccount, hold.account_id)
    if hold.status is HoldStatus.SETTLED:
        return db.session.get(LedgerEntry, hold.entry_id)
    if hold.status is not HoldStatus.HELD:
        raise CreditError(None, _l("These credits are no longer frozen."))
    return post_entry(
        account, -hold.amount, EntryKind.CONVERSION, hold.business_key,
        posted_by=staff, memo=memo, settles=hold,
    )  # fmt: skip


# ---- course completions -------------------------------------------------------------


def award_course_completion(completion) -> LedgerEntry | None:
    """Pay a course's credits for a completion, once; issue its certificate."""
    course = completion.course
    if course.credits is None or Decimal(course.credits) <= 0:
        return None
    account = open_account(completion.user)
    key = f"course_completion:{completion.id}"
    if (
        account.status is not AccountStatus.ACTIVE
        and find_entry(account, EntryKind.COMPLETION, key) is None
    ):
        return None  # a frozen or closed account earns nothing; staff can adjust later
    entry = post_entry(
        account, Decimal(course.credits).quantize(CREDIT_QUANTUM), EntryKind.COMPLETION, key,
        memo=course.title, module_id=course.module_id,
    )  # fmt: skip
    issue_certificate(
        account, CertificateKind.COURSE, key, course.title, entry.amount, completion.completed_at
    )
    return entry


# ---- verification of the chain ------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
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


# ---- certificates -------------------------------------------------------------------

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 16  # 80 random bits


def new_certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_certificate_code(text: str) -> str | None:
    """The stored form of a typed code (dashes, spaces and case ignored; O→0, I/L→1)."""
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = "".join(ch for ch in cleaned if ch not in " -")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_certificate_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def issue_certificate(
    account: CreditAccount,
    kind: CertificateKind,
    business_key: str,
    title: str,
    credits: Decimal,
    issued_at: datetime | None = None,
) -> Certificate:
    """Issue a certificate for a business object, once."""
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.kind == kind, Certificate.business_key == business_key
        )
    )
    if existing is not None:
        return existing
    certificate = Certificate(
        code=new_certificate_code(), kind=kind, business_key=business_key,
        account_id=account.id, title=title[:200], credits=credits,
        issuer=current_app.config["CREDIT_CERTIFICATE_ISSUER"],
        issued_at=issued_at or utcnow(),
    )  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    return certificate


def revoke_certificate(certificate: Certificate, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CreditError("reason", _l("Give a reason."))
    if certificate.revoked_at is None:
        certificate.revoked_at = utcnow()
        certificate.revoked_reason = reason[:200]
        db.session.flush()


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


# ---- guessing throttle for /verify --------------------------------------------------


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def verify_blocked(client_key: str, now: datetime | None = None) -> bool:
    """Whether this client asked for too many unknown codes in the current window."""
    config = current_app.config
    window = _window_start(now or utcnow(), int(config["CREDIT_VERIFY_WINDOW_SECONDS"]))
    misses = db.session.scalar(
        select(VerifyMiss.misses).where(
            VerifyMiss.client_key == client_key, VerifyMiss.window_start == window
        )
    )
    return (misses or 0) >= int(config["CREDIT_VERIFY_MAX_MISSES"])


def record_verify_miss(client_key: str, now: datetime | None = None) -> None:
    """Count one unknown code for this client (an atomic UPDATE, or the window's first row)."""
    window = _window_start(now or utcnow(), int(current_app.config["CREDIT_VERIFY_WINDOW_SECONDS"]))
    counted = db.session.execute(
        update(VerifyMiss)
        .where(VerifyMiss.client_key == client_key, VerifyMiss.window_start == window)
        .values(misses=VerifyMiss.misses + 1)
    ).rowcount
    if counted:
        return
    try:
        with db.session.begin_nested():
            db.session.add(VerifyMiss(client_key=client_key, window_start=window, misses=1))
    except IntegrityError:
        record_verify_miss(client_key, now)
    db.session.execute(delete(VerifyMiss).where(VerifyMiss.window_start < window))


# ---- what the learner sees ----------------------------------------------------------


def statement_query(account: CreditAccount, start: datetime | None, end: datetime | None):
    """The account's entries, newest first, optionally in [start, end)."""
    query = select(LedgerEntry).where(LedgerEntry.account_id == account.id)
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return query.order_by(LedgerEntry.sequence.desc())


def totals_by_kind(account: CreditAccount) -> dict[EntryKind, Decimal]:
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


def certificates_of(account: CreditAccount) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.account_id == account.id)
            .order_by(Certificate.issued_at.desc())
        )
    )
