"""Credit bank work of city and province staff: finding accounts, corrections, revocations.

Plain services like those in services/: they take values and models, flush, never commit; every
refusal is a CreditError raised before anything changes.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.access import may_see_credit_account
from learnhub.accounts.models import User
from learnhub.accounts.services import find_user, parse_login_name
from learnhub.extensions import db

from .errors import CreditError
from .models import Certificate, CreditAccount, EntryKind, LedgerEntry
from .services.accounts import account_by_number, account_of, refuse_staff_action
from .services.certificates import revoke_certificate
from .services.numbers import NUMBER_LENGTH, parse_account_number

NOT_REVERSIBLE = frozenset({EntryKind.REVERSAL, EntryKind.CONVERSION})


def _looks_like_account_number(cleaned: str) -> bool:
    body, last = cleaned[:-1], cleaned[-1:]
    return body.isdigit() and (last.isdigit() or last == "X") and len(cleaned) >= 12


def find_account(text: str, staff: User) -> CreditAccount:
    """The account typed as an account number, a username or a mobile number.

    A mistyped account number (wrong length or check character) is refused before any
    lookup. Accounts the staff member may not see (kept by another city, or of staff of a
    higher level) are not found.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = "".join(ch for ch in cleaned if ch not in " -")
    if not cleaned:
        raise CreditError("q", _l("Enter an account number, a username or a mobile number."))
    login = parse_login_name(text)
    if login is None and _looks_like_account_number(cleaned):
        number = parse_account_number(cleaned)
        if len(cleaned) != NUMBER_LENGTH:
            raise CreditError("q", _l("An account number has 15 characters. Check what you typed."))
        if number is None:
            raise CreditError(
                "q",
                _l("This account number is mistyped: its last character does not match. "
                   "Check the number again."),
            )  # fmt: skip
        account = account_by_number(number)
    elif login is not None:
        user = find_user(login)
        account = account_of(user) if user is not None else None
    else:
        raise CreditError("q", _l("Enter an account number, a username or a mobile number."))
    if account is None or not may_see_credit_account(staff, account.city_code, account.user):
        raise CreditError("q", _l("No credit account found for what you typed."))
    return account


def entry_of(account: CreditAccount, sequence: int) -> LedgerEntry | None:
    """The account's entry with this sequence number."""
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.account_id == account.id, LedgerEntry.sequence == sequence
        )
    )


def reversed_entry_ids(entries: list[LedgerEntry]) -> frozenset[int]:
    """Which of these entries already have a reversal."""
    ids = [entry.id for entry in entries]
    if not ids:
        return frozenset()
    return frozenset(
        db.session.scalars(select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(ids)))
    )


def may_reverse(entry: LedgerEntry, reversed_ids: frozenset[int]) -> bool:
    """Whether a reversal can be offered for this entry (the service still decides)."""
    return entry.kind not in NOT_REVERSIBLE and entry.id not in reversed_ids


def revoke(certificate: Certificate, staff: User, reason: str) -> None:
    """Revoke a certificate; an already revoked one is refused (also in a race)."""
    refuse_staff_action(certificate.account, staff)
    if not revoke_certificate(certificate, reason):
        raise CreditError(None, _l("This certificate has already been revoked."))


def certificate_of(account: CreditAccount, code: str) -> Certificate | None:
    """The account's certificate with this code."""
    return db.session.scalar(
        select(Certificate).where(Certificate.account_id == account.id, Certificate.code == code)
    )
