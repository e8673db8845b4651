"""User accounts and roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    SmallInteger,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region


class Role(enum.StrEnum):
    LEARNER = "learner"
    EDITOR = "editor"  # courses and lessons of one region (the province, a city or a district)
    COUNTY_STAFF = "county_staff"  # everything of one district (区/县) of one city
    CITY_STAFF = "city_staff"  # everything of one city and its districts
    PROVINCE_STAFF = "province_staff"  # everything


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.EDITOR: _l("Content editor"),
    Role.COUNTY_STAFF: _l("County center staff"),
    Role.CITY_STAFF: _l("City center staff"),
    Role.PROVINCE_STAFF: _l("Province center staff"),
}

STAFF_ROLES = frozenset({Role.EDITOR, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF})


class RegistrationSource(enum.StrEnum):
    """Who created an account: the person on /register, or staff (bulk opening, commands)."""

    SELF = "self"
    STAFF = "staff"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("username IS NOT NULL OR mobile IS NOT NULL", name="has_login"),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth"),
        CheckConstraint(
            "role NOT IN ('county_staff', 'city_staff', 'editor') "
            "OR managed_region_code IS NOT NULL",
            name="staff_has_region",
        ),
        # The district must lie in the chosen city: checked by the database too.
        ForeignKeyConstraint(
            ["district_code", "city_code"],
            ["region.code", "region.parent_code"],
            name="fk_user_account_district_in_city",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(30), unique=True)  # stored lower-case
    mobile: Mapped[str | None] = mapped_column(String(11), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=Role.LEARNER,
    )
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    managed_region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    locale: Mapped[str | None] = mapped_column(String(10))
    elder_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Opened for the person (bulk opening) or a password someone else knows: they choose
    # their own at the next sign-in before anything else (see recovery_routes.py).
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # An address of the person's for "forgot password" links, once they confirmed it.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong reset codes in a row; at RESET_CODE_MAX_FAILURES resets are locked until then.
    reset_failures: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    reset_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The privacy notice (个人信息保护) the person last agreed to, and when; None: never, or
    # withdrawn. A newer notice (PRIVACY_NOTICE_VERSION) is asked for at the next request.
    notice_version: Mapped[str | None] = mapped_column(String(20))
    notice_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the account was closed at the person's request: personal fields are erased, it
    # never signs in again; what the ledger proves stays, keyed by the account number.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    city: Mapped[Region] = relationship(foreign_keys=[city_code])
    district: Mapped[Region | None] = relationship(
        primaryjoin="User.district_code == Region.code",
        foreign_keys=[district_code],
        viewonly=True,
    )
    managed_region: Mapped[Region | None] = relationship(foreign_keys=[managed_region_code])

    # The device session this request came with (set when it is loaded or signed in; not a
    # column): Flask-Login keeps its token in the session and the "keep me signed in" cookie.
    device_token = None  # str | None
    device_session = None  # DeviceSession | None

    def get_id(self) -> str | None:
        return self.device_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def login_name(self) -> str:
        return self.username or self.mobile or ""

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login_name} {self.role}>"


class EndReason(enum.StrEnum):
    SIGNED_OUT = "signed_out"  # the person signed out on this device
    ENDED_BY_OWNER = "ended_by_owner"  # the person ended it from another device
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    EXPIRED = "expired"  # idle too long, or "keep me signed in" ran out
    ACCESS_CHANGED = "access_changed"  # role changed or the account was disabled


class DeviceSession(db.Model):
    """One signed-in browser: what its cookies point to, ended on the server when it ends.

    The token is in the browser (session and "keep me signed in" cookies); only its hash
    is here, so a copy of this table opens nothing. Ending the row ends the session on every
    worker and host at once, however old the cookie that still names it.
    """

    __tablename__ = "device_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    device: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[EndReason | None] = mapped_column(
        string_enum(EndReason, "device_session_end_reason", 20)
    )

    user: Mapped[User] = relationship()
