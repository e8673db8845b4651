"""Raw view events: one row per counted view of a learning resource."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class ViewEvent(db.Model):
    __tablename__ = "view_event"
    __table_args__ = (Index("ix_view_event_city_time", "city_code", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resource_kind: Mapped[str] = mapped_column(String(16))  # course, lesson, media
    resource_id: Mapped[int]
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    visitor_id: Mapped[str | None] = mapped_column(String(43))
    city_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
