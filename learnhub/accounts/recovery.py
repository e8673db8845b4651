"""Account recovery: one-time reset codes given by a centre's staff, and setting a new
password with one on /reset.

A code has 8 digits (read aloud at the counter or on the phone), lasts RESET_CODE_HOURS,
opens one reset, and is voided when another is issued. Only its hash is stored. Wrong codes
in a row are counted per account: at RESET_CODE_MAX_FAILURES resets of that account are
locked for RESET_CODE_LOCK_MINUTES, even with the right code. A reset ends every device
session of the account, "keep me signed in" ones included.

Services take plain values and models, flush, never commit: the caller commits (a refusal
is recorded and committed on its own by the route).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub.database import utcnow
from learnhub.extensions import db

from .models import EndReason, User
from .one_time import new_code
from .password_policy import password_problem
from .passwords import hash_password
from .recovery_models import EmailPurpose, EmailToken, ResetCode
from .services import AccountError, find_user, parse_login_name
from .sessions import end_sessions

CODE_LENGTH = 8
WRONG_CODE = _l(
    "This code is not right, or it is no longer valid (used, replaced by a newer one, or "
    "more than a day old). Check the digits, or ask your centre for a new code."
)


class ResetLocked(AccountError):
    """Too many wrong codes in a row: resets of this account wait until ``until``."""

    def __init__(self, until: datetime):
        super().__init__(
            "code",
            _l("Too many wrong codes were entered for this account. For your safety, "
               "resetting its password is locked for %(minutes)d minutes; try again later "
               "or ask your centre.", minutes=current_app.config["RESET_CODE_LOCK_MINUTES"]),
        )  # fmt: skip
        self.until = until


def code_hash(user_id: int, code: str) -> str:
    """What is stored of a code: an HMAC with the site's secret key, bound to the account.

    Eight digits are only 10⁸ possibilities: a plain hash in a copied database would give
    every open code away in seconds; without the key (outside the database) it gives none.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"reset-code:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def format_code(code: str) -> str:
    """12345678 → 1234 5678: two groups to read aloud."""
    return f"{code[:4]} {code[4:]}"


def read_code(text: str) -> str:
    """The digits someone typed (spaces, dashes and full-width digits forgiven)."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def _void_open_codes(user: User, now: datetime) -> None:
    db.session.execute(
        update(ResetCode)
        .where(ResetCode.user_id == user.id, ResetCode.used_at.is_(None),
               ResetCode.voided_at.is_(None))
        .values(voided_at=now)
    )  # fmt: skip


def issue_reset_code(user: User, issued_by: User | None, now: datetime | None = None) -> str:
    """A new code for the user (returned once, never stored); voids their earlier codes
    and lifts a lock on resets (staff who saw the person issue it)."""
    now = now or utcnow()
    _void_open_codes(user, now)
    code = new_code(CODE_LENGTH)
    hours = current_app.config["RESET_CODE_HOURS"]
    db.session.add(
        ResetCode(
            user_id=user.id, code_hash=code_hash(user.id, code),
            issued_by_id=issued_by.id if issued_by is not None else None,
            issued_at=now, expires_at=now + timedelta(hours=hours),
        )
    )  # fmt: skip
    user.reset_failures, user.reset_locked_until = 0, None
    db.session.flush()
    return code


def open_code_of(user: User, now: datetime | None = None) -> ResetCode | None:
    """The user's code that would still open a reset, if any."""
    now = now or utcnow()
    return db.session.scalar(
        select(ResetCode).where(
            ResetCode.user_id == user.id, ResetCode.used_at.is_(None),
            ResetCode.voided_at.is_(None), ResetCode.expires_at > now,
        )
    )  # fmt: skip


def user_for_reset(login_text: str) -> User | None:
    """The account named on the reset form (None: no such account)."""
    login = parse_login_name(login_text)
    return find_user(login) if login is not None else None


def check_new_password(user: User | None, login_text: str, password: str) -> None:
    """Raise AccountError(new_password) when the policy refuses the password."""
    personal = [login_text] if user is None else [user.username, user.mobile, user.display_name]
    problem = password_problem(password, personal)
    if problem:
        raise AccountError("new_password", problem)


def locked_until(user: User, now: datetime | None = None) -> datetime | None:
    """Until when resets of this account are locked, or None."""
    now = now or utcnow()
    until = user.reset_locked_until
    return until if until is not None and until > now else None


def count_wrong_code(user: User, now: datetime | None = None) -> bool:
    """Count one wrong code (atomically, so parallel guesses are all counted); locks the
    account's resets at the limit. Returns whether it is now locked."""
    now = now or utcnow()
    config = current_app.config
    db.session.execute(
        update(User).where(User.id == user.id).values(reset_failures=User.reset_failures + 1)
    )
    db.session.refresh(user, ["reset_failures"])
    if user.reset_failures >= config["RESET_CODE_MAX_FAILURES"]:
        user.reset_locked_until = now + timedelta(minutes=config["RESET_CODE_LOCK_MINUTES"])
        user.reset_failures = 0
        db.session.flush()
        return True
    return False


def _take_code(user: User, code: str, now: datetime) -> bool:
    """Mark the matching open code used; False when there is none (a race: one winner)."""
    result = db.session.execute(
        update(ResetCode)
        .where(
            ResetCode.user_id == user.id, ResetCode.code_hash == code_hash(user.id, code),
            ResetCode.used_at.is_(None), ResetCode.voided_at.is_(None),
            ResetCode.expires_at > now,
        )
        .values(used_at=now)
    )  # fmt: skip
    return result.rowcount == 1


def reset_with_code(user: User | None, code: str, new_password: str,
                    now: datetime | None = None) -> None:  # fmt: skip
    """Set a new password with a code. Raises ResetLocked, or AccountError("code") for a
    wrong, used, replaced or expired code (the caller counts it with count_wrong_code)."""
    now = now or utcnow()
    if user is not None and (until := locked_until(user, now)) is not None:
        raise ResetLocked(until)
    if user is None or not user.active or not _take_code(user, read_code(code), now):
        raise AccountError("code", WRONG_CODE)
    set_new_password(user, new_password, now)


def set_new_password(user: User, new_password: str, now: datetime | None = None) -> None:
    """The password is the person's own again: set it, end every session, void every other
    way in (codes, e-mail links)."""
    now = now or utcnow()
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.reset_failures, user.reset_locked_until = 0, None
    _void_open_codes(user, now)
    db.session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == EmailPurpose.RESET,
               EmailToken.used_at.is_(None))
        .values(used_at=now)
    )  # fmt: skip
    end_sessions(user, EndReason.PASSWORD_CHANGED)
    db.session.flush()
