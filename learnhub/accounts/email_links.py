"""Links sent by e-mail: confirming a person's address, and "forgot password" links.

A link carries a random token (256 bits, one_time.new_token); only its hash is stored, with
its purpose, the address it went to, its expiry and when it was used. A link works once,
before it expires, and only while the address is still the account's confirmed one.
Services flush; the caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from learnhub.database import utcnow
from learnhub.extensions import db

from .models import User
from .one_time import new_token, secret_hash
from .recovery import set_new_password
from .recovery_models import EmailPurpose, EmailToken

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
EMAIL_MAX_LENGTH = 254


def normalise_email(text: str) -> str | None:
    """The address as stored (trimmed, lower-case), or None when it is not one."""
    email = unicodedata.normalize("NFKC", text or "").strip().lower()
    return email if len(email) <= EMAIL_MAX_LENGTH and EMAIL_RE.fullmatch(email) else None


def _new_link(user: User, purpose: EmailPurpose, email: str, lifetime: timedelta,
              now: datetime) -> str:  # fmt: skip
    token = new_token()
    db.session.add(
        EmailToken(
            user_id=user.id, purpose=purpose, email=email, token_hash=secret_hash(token),
            created_at=now, expires_at=now + lifetime,
        )
    )  # fmt: skip
    db.session.flush()
    return token


def set_address(user: User, email: str, now: datetime | None = None) -> str:
    """Note a new address (not yet confirmed); returns the token of its confirmation link."""
    now = now or utcnow()
    user.email, user.email_confirmed_at = email, None
    hours = current_app.config["EMAIL_CONFIRM_HOURS"]
    return _new_link(user, EmailPurpose.CONFIRM, email, timedelta(hours=hours), now)


def remove_address(user: User) -> None:
    """Forget the person's address: no more links are sent to it."""
    user.email, user.email_confirmed_at = None, None


def _open_link(token: str, purpose: EmailPurpose, now: datetime) -> EmailToken | None:
    row = db.session.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == secret_hash(token or ""), EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None), EmailToken.expires_at > now,
        )
    )  # fmt: skip
    if row is None or row.user.email != row.email or not row.user.active:
        return None
    if purpose is EmailPurpose.RESET and row.user.email_confirmed_at is None:
        return None
    return row


def _use(row: EmailToken, now: datetime) -> bool:
    """Mark the link used; False when a parallel request used it first."""
    result = db.session.execute(
        update(EmailToken)
        .where(EmailToken.id == row.id, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def confirm_address(token: str, now: datetime | None = None) -> User | None:
    """Confirm the address a link was sent to; the account, or None for a bad link."""
    now = now or utcnow()
    row = _open_link(token, EmailPurpose.CONFIRM, now)
    if row is None or not _use(row, now):
        return None
    row.user.email_confirmed_at = now
    db.session.flush()
    return row.user


def reset_links_for(email_text: str, now: datetime | None = None) -> list[tuple[User, str]]:
    """(account, token) for every active account whose confirmed address this is: each gets
    a "forgot password" link. Empty for an unknown or unconfirmed address."""
    now = now or utcnow()
    email = normalise_email(email_text)
    if email is None:
        return []
    users = db.session.scalars(
        select(User).where(
            User.email == email, User.email_confirmed_at.is_not(None), User.active.is_(True)
        )
    ).all()
    minutes = current_app.config["RESET_LINK_MINUTES"]
    return [
        (user, _new_link(user, EmailPurpose.RESET, email, timedelta(minutes=minutes), now))
        for user in users
    ]


def reset_link(token: str, now: datetime | None = None) -> EmailToken | None:
    """The open "forgot password" link of this token, or None (used, expired, unknown)."""
    return _open_link(token, EmailPurpose.RESET, now or utcnow())


def reset_with_link(row: EmailToken, new_password: str, now: datetime | None = None) -> bool:
    """Use the link to set the password; False when it was used meanwhile."""
    now = now or utcnow()
    if not _use(row, now):
        return False
    set_new_password(row.user, new_password, now)
    return True
