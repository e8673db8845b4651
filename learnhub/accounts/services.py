"""Account rules: registration, sign-in, passwords, preferences, staff accounts.

Services take plain values and models, flush but never commit; the caller commits.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from blinker import signal
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel

from .models import EndReason, RegistrationSource, Role, User
from .password_policy import password_problem
from .passwords import burn_time_like_a_verify, hash_password, needs_rehash, verify_password
from .sessions import end_sessions

# Sent inside the registering transaction, after the new user row is flushed.
user_registered = signal("learnhub.user-registered")
# Sent inside the profile's transaction when a user's city changed (old_city, new_city):
# the credit bank asks the new city's staff to take the credit account over.
user_city_changed = signal("learnhub.user-city-changed")

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,29}$")


class AccountError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoginName:
    username: str | None = None
    mobile: str | None = None


def parse_login_name(text: str) -> LoginName | None:
    """Read what someone typed as a username or a mainland mobile number.

    Forgiving: full-width digits, spaces, dashes and a +86 prefix are accepted.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    digits = re.sub(r"[\s\-()]", "", text)
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    if MOBILE_RE.fullmatch(digits):
        return LoginName(mobile=digits)
    username = text.lower()
    if USERNAME_RE.fullmatch(username):
        return LoginName(username=username)
    return None


def find_user(login: LoginName) -> User | None:
    """The account with this username or mobile number."""
    if login.mobile:
        return db.session.scalar(select(User).where(User.mobile == login.mobile))
    return db.session.scalar(select(User).where(User.username == login.username))


def check_city_and_district(city_code: str, district_code: str | None) -> None:
    """Raise AccountError unless the city is a city and the district lies in it."""
    city = db.session.get(Region, city_code)
    if city is None or city.level is not RegionLevel.CITY:
        raise AccountError("city", _l("Choose your city from the list."))
    if district_code is not None:
        district = db.session.get(Region, district_code)
        if district is None or district.parent_code != city_code:
            raise AccountError("district", _l("Choose a district or county of your city."))


def register(
    login_text: str,
    password: str,
    display_name: str,
    city_code: str,
    district_code: str | None,
    birth_year: int | None = None,
    locale: str | None = None,
    elder_mode: bool = False,
    role: Role = Role.LEARNER,
    managed_region_code: str | None = None,
    source: RegistrationSource = RegistrationSource.SELF,
    address_key: str | None = None,
    network_key: str | None = None,
    notice_version: str | None = None,
) -> User:
    """Create an account; raise AccountError for a bad or taken login name.

    ``source``: the person themselves (/register) or staff (bulk opening, commands);
    ``address_key``/``network_key``: pseudonyms of the registering client's address and
    network (clients.pseudonym), for the rankings' burst checks. Both go with the signal.
    ``notice_version``: the privacy notice the person agreed to while registering (or on the
    paper form staff keep, for bulk opening); None leaves it to be asked at sign-in.
    """
    login = parse_login_name(login_text)
    if login is None:
        raise AccountError("login", _l("Enter a mobile number or a username."))
    problem = password_problem(password, [login.username, login.mobile, display_name])
    if problem:
        raise AccountError("password", problem)
    check_city_and_district(city_code, district_code)
    user = User(
        username=login.username,
        mobile=login.mobile,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        city_code=city_code,
        district_code=district_code,
        birth_year=birth_year,
        locale=locale,
        elder_mode=elder_mode,
        role=role,
        managed_region_code=managed_region_code,
        notice_version=notice_version,
        notice_agreed_at=utcnow() if notice_version else None,
    )
    if find_user(login) is not None:
        raise AccountError("login", _l("This name is already registered. Sign in instead?"))
    try:
        with db.session.begin_nested():  # a racing twin is caught by the unique index
            db.session.add(user)
    except IntegrityError:
        raise AccountError(
            "login", _l("This name is already registered. Sign in instead?")
        ) from None
    # Listeners (credit account opening, registration counting) join this transaction.
    user_registered.send(
        current_app._get_current_object(), user=user, source=source,
        address_key=address_key, network_key=network_key,
    )  # fmt: skip
    return user


def authenticate(login_text: str, password: str) -> User | None:
    """The active account these credentials open, or None (never says which part was wrong).

    Upgrades a hash made with older parameters or algorithms.
    """
    login = parse_login_name(login_text)
    user = find_user(login) if login else None
    if user is None:
        burn_time_like_a_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active or user.is_closed:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password and end every other device session of the user."""
    if not verify_password(user.password_hash, current_password):
        raise AccountError("current_password", _l("Your current password is not correct."))
    problem = password_problem(new_password, [user.username, user.mobile, user.display_name])
    if problem:
        raise AccountError("new_password", problem)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    end_sessions(user, EndReason.PASSWORD_CHANGED, keep=user.device_session)


def update_profile(
    user: User,
    display_name: str,
    city_code: str,
    district_code: str | None,
    birth_year: int | None,
) -> None:
    """Change the learner's name, city, district and birth year.

    A new city is announced (``user_city_changed``); what other features keep for the user
    (the credit account's city) follows only through their own rules.
    """
    check_city_and_district(city_code, district_code)
    old_city = user.city_code
    user.display_name = display_name.strip()
    user.city_code = city_code
    user.district_code = district_code
    user.birth_year = birth_year
    db.session.flush()
    if city_code != old_city:
        user_city_changed.send(
            current_app._get_current_object(), user=user, old_city=old_city, new_city=city_code
        )


def record_notice_agreement(user: User, version: str | None) -> None:
    """The person agreed to this privacy notice version now (None: withdrew their consent)."""
    user.notice_version = version
    user.notice_agreed_at = utcnow() if version else None
    db.session.flush()


# What a closed account's name becomes: the same for everyone, so it names nobody.
CLOSED_NAME = "已注销"


def erase_personal_fields(user: User) -> None:
    """Close the account for good: erase or replace every personal field, end its sessions.

    The row stays (its id keys the credit account, whose ledger must stay verifiable); the
    login name becomes ``closed_<id>`` (the table needs one) and the password a random hash
    nobody knows, so it never signs in again. City and district stay for the region counts.
    """
    user.display_name = CLOSED_NAME
    user.username = f"closed_{user.id}"
    user.mobile = None
    user.email = None
    user.email_confirmed_at = None
    user.birth_year = None
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.must_change_password = False
    user.active = False
    user.closed_at = utcnow()
    end_sessions(user, EndReason.ACCESS_CHANGED)
    db.session.flush()
