"""A person's private calendar feed (/activities/feed/<token>.ics): only the token's hash is
kept, so a copy of the database subscribes to nobody's calendar."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class CalendarFeed(db.Model):
    """The one live feed address of a person; making a new one replaces it, revoking
    deletes it (the old address then answers 404)."""

    __tablename__ = "activity_calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
