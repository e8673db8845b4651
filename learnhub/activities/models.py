"""Activities (活动): their kinds, sessions, sign-ups and attendance.

Capacity is kept by ``ActivitySession.taken``, moved only by conditional UPDATEs
(``taken < capacity``), and a person holds at most one live sign-up per session (a partial
unique index), so parallel presses of 报名 can neither overfill a session nor sign one
person up twice, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.places.models import Place


class ActivityKind(db.Model):
    """An editable kind of activity (学党史, 好书推荐, 专题讲座 …); retired kinds stay on the
    activities that used them."""

    __tablename__ = "activity_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(40))  # Chinese
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class ActivityStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FINISHED = "finished"


ACTIVITY_STATUS_LABELS = {
    ActivityStatus.DRAFT: _l("Draft"),
    ActivityStatus.PUBLISHED: _l("Published"),
    ActivityStatus.CANCELLED: _l("Cancelled"),
    ActivityStatus.FINISHED: _l("Finished"),
}


class CreditRule(enum.StrEnum):
    NONE = "none"  # attendance earns no credits
    HOURS = "hours"  # from the session's hours by the credit bank's hours-per-credit rule
    FIXED = "fixed"  # ``credit_cents`` per attended session


class Activity(db.Model):
    """An activity of the province (city_code None), a city, or a district of a city."""

    __tablename__ = "activity"
    __table_args__ = (
        ForeignKeyConstraint(
            ["district_code", "city_code"],
            ["region.code", "region.parent_code"],
            name="fk_activity_district_in_city",
        ),
        CheckConstraint("credit_cents >= 0", name="credit_cents"),
        CheckConstraint("district_code IS NULL OR city_code IS NOT NULL", name="district_city"),
        CheckConstraint("is_online OR place_id IS NOT NULL OR status = 'draft'", name="where"),
        Index("ix_activity_status_city", "status", "city_code"),
        UniqueConstraint("created_by_id", "form_token", name="uq_activity_form_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind_id: Mapped[int] = mapped_column(ForeignKey("activity_kind.id"), index=True)
    organiser: Mapped[str] = mapped_column(String(120), default="")
    city_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    district_code: Mapped[str | None] = mapped_column(String(6))
    is_online: Mapped[bool] = mapped_column(Boolean, default=False)
    online_url: Mapped[str | None] = mapped_column(String(500))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("learning_place.id"), index=True)
    audience: Mapped[str] = mapped_column(String(120), default="")  # codes, space-separated
    elder_friendly: Mapped[bool] = mapped_column(Boolean, default=False)
    signup_required: Mapped[bool] = mapped_column(Boolean, default=True)
    signup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credit_rule: Mapped[CreditRule] = mapped_column(
        string_enum(CreditRule, "activity_credit_rule", 8), default=CreditRule.NONE
    )
    credit_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # for CreditRule.FIXED
    description_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on save
    cover_name: Mapped[str | None] = mapped_column(String(80))  # a stored file's random name
    status: Mapped[ActivityStatus] = mapped_column(
        string_enum(ActivityStatus, "activity_status", 10), default=ActivityStatus.DRAFT
    )
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    form_token: Mapped[str | None] = mapped_column(String(43))  # the form that added it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kind: Mapped[ActivityKind] = relationship()
    place: Mapped[Place | None] = relationship()
    sessions: Mapped[list[ActivitySession]] = relationship(
        back_populates="activity", order_by="ActivitySession.starts_at",
        cascade="all, delete-orphan",
    )  # fmt: skip


class ActivitySession(db.Model):
    """One date and time of an activity (场次), with its own capacity."""

    __tablename__ = "activity_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        Index("ix_activity_session_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)  # confirmed sign-ups
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship(back_populates="sessions")

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.taken, 0)


class SignUpStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"  # on the waiting list, in order of ``id``
    CANCELLED = "cancelled"  # by the person, by staff, or with the activity


class SignUp(db.Model):
    """One person's sign-up for one session (报名). ``signed_up_by_id`` is the staff member
    who signed them up on their behalf (代报名), None when they did it themselves."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        # At most one live (confirmed or waiting) sign-up per person and session.
        Index(
            "uq_activity_signup_live",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_activity_signup_session_status", "session_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SignUpStatus] = mapped_column(string_enum(SignUpStatus, "signup_status", 10))
    signed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # also when moved up
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[ActivitySession] = relationship()


class AttendanceMethod(enum.StrEnum):
    CODE = "code"  # the learner scanned the session's check-in code
    ROSTER = "roster"  # staff ticked it on the roster


class Attendance(db.Model):
    """A person's attendance at a session (签到). Undoing it sets ``undone_at`` (the row
    stays, as the ledger's reversal does); a live attendance is unique per person and session.
    Credits go through the credit bank with business key ``attendance:<id>``."""

    __tablename__ = "activity_attendance"
    __table_args__ = (
        Index(
            "uq_activity_attendance_live",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    method: Mapped[AttendanceMethod] = mapped_column(
        string_enum(AttendanceMethod, "attendance_method", 8)
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    session: Mapped[ActivitySession] = relationship()
