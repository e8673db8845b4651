"""Pool members and volunteers' service on activities.

Teachers and volunteers register themselves and wait for their region's staff; experts are
added by staff. ``contact`` is for staff only: no public page shows it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.activities.models import Activity
from learnhub.cache import CATALOGUE, track_content
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region


class PoolKind(enum.StrEnum):
    EXPERT = "expert"  # 专家库
    TEACHER = "teacher"  # 师资库
    VOLUNTEER = "volunteer"  # 志愿者


class MemberStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


POOL_KIND_LABELS = {
    PoolKind.EXPERT: _l("Expert"),
    PoolKind.TEACHER: _l("Teacher"),
    PoolKind.VOLUNTEER: _l("Volunteer"),
}

MEMBER_STATUS_LABELS = {
    MemberStatus.PENDING: _l("Waiting for approval"),
    MemberStatus.APPROVED: _l("Approved"),
    MemberStatus.DECLINED: _l("Declined"),
}


class PoolMember(db.Model):
    """One person in one pool. A person is in each pool at most once; an expert's
    ``user_id`` is the learner account staff linked so the expert can sign in and score."""

    __tablename__ = "pool_member"
    __table_args__ = (UniqueConstraint("kind", "user_id", name="uq_pool_member_kind_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PoolKind] = mapped_column(string_enum(PoolKind, "pool_kind", 10), index=True)
    status: Mapped[MemberStatus] = mapped_column(
        string_enum(MemberStatus, "pool_member_status", 10), default=MemberStatus.PENDING
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    employer: Mapped[str] = mapped_column(String(100), default="")  # 工作单位
    specialty: Mapped[str] = mapped_column(String(60), default="", index=True)  # 服务专业
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    contact: Mapped[str] = mapped_column(String(100), default="")  # staff only
    availability: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    city: Mapped[Region] = relationship(foreign_keys=[city_code])

    @property
    def kind_label(self) -> str:
        return str(POOL_KIND_LABELS[self.kind])

    @property
    def status_label(self) -> str:
        return str(MEMBER_STATUS_LABELS[self.status])


class VolunteerService(db.Model):
    """A volunteer's hours on one activity, recorded by staff (once per activity)."""

    __tablename__ = "volunteer_service"
    __table_args__ = (
        UniqueConstraint("member_id", "activity_id", name="uq_volunteer_service_activity"),
        CheckConstraint("hours > 0 AND hours <= 999", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("pool_member.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[PoolMember] = relationship()
    activity: Mapped[Activity] = relationship()


class CourseTeacher(db.Model):
    """A teacher of the pool named on a course, shown to its learners in ``position`` order."""

    __tablename__ = "course_teacher"
    __table_args__ = (
        UniqueConstraint("course_id", "member_id", name="uq_course_teacher_member"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("pool_member.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[PoolMember] = relationship()


class ActivityTeacher(db.Model):
    """A teacher of the pool named on an activity, shown on its page in ``position`` order."""

    __tablename__ = "activity_teacher"
    __table_args__ = (
        UniqueConstraint("activity_id", "member_id", name="uq_activity_teacher_member"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("pool_member.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[PoolMember] = relationship()


# The course page is cached for visitors who are not signed in: naming its teachers, or a
# teacher's details changing, shows at once (the activity page is not cached).
for _model in (CourseTeacher, PoolMember):
    track_content(_model, CATALOGUE)
