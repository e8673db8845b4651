"""One-time activation links: the new staff member sets their own password with one.

A link is a random token of which only the hash is stored (accounts.one_time). It works
once, for ACTIVATION_LIFETIME, and only while it is the account's newest link and the
account is enabled and still waiting; issuing a new link voids the older ones. Using it is
a conditional UPDATE, so two requests racing with one link cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub import audit
from learnhub.accounts.models import User
from learnhub.accounts.one_time import new_token, secret_hash
from learnhub.accounts.password_policy import password_problem
from learnhub.accounts.passwords import hash_password
from learnhub.audit import AuditAction
from learnhub.database import utcnow
from learnhub.extensions import db

from .errors import PeopleError
from .models import NO_PASSWORD_YET, StaffActivation
from .places import region_codes

ACTIVATION_LIFETIME = timedelta(hours=72)
LINK_NOT_VALID = _l(
    "This activation link cannot be used: it has expired, was already used, or a newer link "
    "replaced it. Ask the staff member who created your account for a new link."
)


def is_waiting(user: User) -> bool:
    """Whether the account has no password yet (made by staff, not activated)."""
    return user.password_hash == NO_PASSWORD_YET


def void_open_links(user: User, now: datetime | None = None) -> None:
    """Make every unused link of the account unusable."""
    db.session.execute(
        update(StaffActivation)
        .where(
            StaffActivation.user_id == user.id,
            StaffActivation.used_at.is_(None),
            StaffActivation.voided_at.is_(None),
        )
        .values(voided_at=now or utcnow())
    )


def issue_link(issuer: User, user: User, now: datetime | None = None) -> str:
    """A new activation link's token for the account (older links are voided)."""
    now = now or utcnow()
    void_open_links(user, now)
    token = new_token()
    db.session.add(
        StaffActivation(
            user_id=user.id, token_hash=secret_hash(token), issued_by_id=issuer.id,
            created_at=now, expires_at=now + ACTIVATION_LIFETIME,
        )
    )  # fmt: skip
    db.session.flush()
    return token


def usable_link(token: str, now: datetime | None = None) -> StaffActivation | None:
    """The link this token opens, if it may still be used; else None."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(
        select(StaffActivation).where(StaffActivation.token_hash == secret_hash(token))
    )
    if link is None or link.used_at is not None or link.voided_at is not None:
        return None
    if now >= link.expires_at or not link.user.active or not is_waiting(link.user):
        return None
    return link


def activate(token: str, password: str, now: datetime | None = None) -> User:
    """Set the account's first password with its link, which is then used up."""
    now = now or utcnow()
    link = usable_link(token, now)
    if link is None:
        raise PeopleError(None, LINK_NOT_VALID)
    user = link.user
    problem = password_problem(password, [user.username, user.mobile, user.display_name])
    if problem:
        raise PeopleError("password", problem)
    password_hash = hash_password(password)
    claimed = db.session.execute(
        update(StaffActivation)
        .where(
            StaffActivation.id == link.id,
            StaffActivation.used_at.is_(None),
            StaffActivation.voided_at.is_(None),
            StaffActivation.expires_at > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # another request used it first
        raise PeopleError(None, LINK_NOT_VALID)
    user.password_hash = password_hash
    city_code, district_code = region_codes(user.managed_region)
    audit.record(AuditAction.STAFF_ACTIVATED, actor=user, subject=user,
                 city_code=city_code, district_code=district_code)  # fmt: skip
    db.session.flush()
    return user
