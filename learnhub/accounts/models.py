"""User accounts and roles."""

from __future__ import annotations

import enum
import secrets
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region


class Role(enum.StrEnum):
    LEARNER = "learner"
    EDITOR = "editor"  # courses and lessons of one region (the province or a city)
    CITY_STAFF = "city_staff"  # everything of one city
    PROVINCE_STAFF = "province_staff"  # everything


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.EDITOR: _l("Content editor"),
    Role.CITY_STAFF: _l("City center staff"),
    Role.PROVINCE_STAFF: _l("Province center staff"),
}

STAFF_ROLES = frozenset({Role.EDITOR, Role.CITY_STAFF, Role.PROVINCE_STAFF})


class RegistrationSource(enum.StrEnum):
    """Who created an account: the person on /register, or staff (bulk opening, commands)."""

    SELF = "self"
    STAFF = "staff"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("username IS NOT NULL OR mobile IS NOT NULL", name="has_login"),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth"),
        CheckConstraint(
            "role NOT IN ('city_staff', 'editor') OR managed_region_code IS NOT NULL",
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
    # Changing it signs the user out everywhere (it is part of the login cookie's id).
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
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

    city: Mapped[Region] = relationship(foreign_keys=[city_code])
    district: Mapped[Region | None] = relationship(
        primaryjoin="User.district_code == Region.code",
        foreign_keys=[district_code],
        viewonly=True,
    )
    managed_region: Mapped[Region | None] = relationship(foreign_keys=[managed_region_code])

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def login_name(self) -> str:
        return self.username or self.mobile or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login_name} {self.role}>"
