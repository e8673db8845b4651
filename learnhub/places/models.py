"""Learning places (学习场所): where residents learn offline, shown on /places and /map."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region


class PlaceKind(enum.StrEnum):
    COMMUNITY_COLLEGE = "community_college"  # 区/县社区教育学院
    STREET_SCHOOL = "street_school"  # 镇街社区教育学校
    TEACHING_POINT = "teaching_point"  # 村/社区教学点
    ELDER_UNIVERSITY = "elder_university"  # 老年大学
    LIBRARY = "library"  # 图书馆/城市书屋
    EXPERIENCE_BASE = "experience_base"  # 市民终身学习体验基地
    CULTURE_HALL = "culture_hall"  # 文化礼堂/文化活动中心
    OTHER = "other"


PLACE_KIND_LABELS = {
    PlaceKind.COMMUNITY_COLLEGE: _l("District or county community college"),
    PlaceKind.STREET_SCHOOL: _l("Town or street community school"),
    PlaceKind.TEACHING_POINT: _l("Village or community teaching point"),
    PlaceKind.ELDER_UNIVERSITY: _l("University for the elderly"),
    PlaceKind.LIBRARY: _l("Library or city reading room"),
    PlaceKind.EXPERIENCE_BASE: _l("Citizens' lifelong-learning experience base"),
    PlaceKind.CULTURE_HALL: _l("Culture hall or cultural activity centre"),
    PlaceKind.OTHER: _l("Other place"),
}


class Place(db.Model):
    """One learning place of a city (and district). Coordinates are GCJ-02 as Chinese map
    services give them; ``published`` hides a place from the public pages without losing it."""

    __tablename__ = "learning_place"
    __table_args__ = (
        ForeignKeyConstraint(
            ["district_code", "city_code"],
            ["region.code", "region.parent_code"],
            name="fk_learning_place_district_in_city",
        ),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("seats IS NULL OR seats >= 0", name="seats"),
        # A staff form that adds a place is taken once: its one-time token, per person.
        UniqueConstraint("created_by_id", "form_token", name="uq_learning_place_form_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PlaceKind] = mapped_column(string_enum(PlaceKind, "place_kind", 20))
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(8, 6))
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    step_free: Mapped[bool] = mapped_column(Boolean, default=False)  # 无障碍入口
    lift: Mapped[bool] = mapped_column(Boolean, default=False)
    seats: Mapped[int | None]
    hearing_loop: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_name: Mapped[str | None] = mapped_column(String(80))  # a stored file's random name
    description: Mapped[str] = mapped_column(Text, default="")  # plain text
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    form_token: Mapped[str | None] = mapped_column(String(43))  # the form that added it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    city: Mapped[Region] = relationship(foreign_keys=[city_code])
    district: Mapped[Region | None] = relationship(
        primaryjoin="Place.district_code == Region.code",
        foreign_keys=[district_code],
        viewonly=True,
    )

    @property
    def elder_friendly(self) -> bool:
        """Step-free to get in, and seats or a lift once inside (the /places filter)."""
        return self.step_free and (self.lift or bool(self.seats))

    @property
    def kind_label(self) -> str:
        return str(PLACE_KIND_LABELS[self.kind])
