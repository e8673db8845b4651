"""Search tables: changes waiting for the index, and what people searched for."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class PendingIndexChange(db.Model):
    """A course, lesson or module changed by a transaction: the index must catch up.

    Written inside the changing transaction (so it exists exactly when the change was
    committed), read and deleted by whichever process holds the index's writer lock.
    """

    __tablename__ = "search_pending_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # course, lesson, module
    object_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchTermCount(db.Model):
    """How often a query was searched on one day (China time), and how often it found nothing.

    Aggregated on purpose: no account, visitor, address or time of day is kept.
    """

    __tablename__ = "search_term_count"
    __table_args__ = (UniqueConstraint("day", "term", name="day_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(100))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    empty_searches: Mapped[int] = mapped_column(Integer, default=0)
