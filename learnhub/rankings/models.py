"""Rankings data: raw events (the facts) and daily aggregates (what every board reads).

Raw event tables are logs: no foreign keys, so deleting an account or a course never
rewrites history, and an insert costs one row plus its indexes. Aggregates are keyed by
China-time day; the counting rules that turn events into aggregates live in services.py.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.extensions import db

UNKNOWN = ""  # city or district not known (an anonymous visitor who chose no city)


class ViewEvent(db.Model):
    """One view of a learning resource, as the page saw it (counted or not is decided later)."""

    __tablename__ = "view_event"
    __table_args__ = (
        Index("ix_view_event_visitor_time", "visitor_key", "occurred_ms"),
        Index("ix_view_event_time", "occurred_ms"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_ms: Mapped[int] = mapped_column(BigInteger)  # Unix time in milliseconds (UTC)
    day: Mapped[date] = mapped_column(Date)  # China-time day of occurred_ms
    resource_kind: Mapped[str] = mapped_column(String(16))  # course, lesson, media
    resource_id: Mapped[int]
    course_id: Mapped[int | None]
    user_id: Mapped[int | None]
    visitor_key: Mapped[str] = mapped_column(String(48))  # "u<user id>" or "v<cookie id>"
    city_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    # "ok" or why the request itself can never count: bot, prefetch, head, staff, cookieless.
    status: Mapped[str] = mapped_column(String(12), default="ok")


class RegistrationEvent(db.Model):
    """A learner account created; kept when the account is deleted later."""

    __tablename__ = "registration_event"
    __table_args__ = (Index("ix_registration_event_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(unique=True)
    day: Mapped[date] = mapped_column(Date)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)


class CompletionEvent(db.Model):
    """A course completed, with the credits it earned (hundredths of a credit)."""

    __tablename__ = "completion_event"
    __table_args__ = (Index("ix_completion_event_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(unique=True)
    user_id: Mapped[int]
    course_id: Mapped[int]
    day: Mapped[date] = mapped_column(Date)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    credit_cents: Mapped[int] = mapped_column(Integer, default=0)


class CityDay(db.Model):
    """One metric of one city on one China-time day."""

    __tablename__ = "rank_city_day"

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class DistrictDay(db.Model):
    """One metric of one district on one day (district "" = not known)."""

    __tablename__ = "rank_district_day"

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CourseDay(db.Model):
    """One metric of one course among one city's visitors on one day."""

    __tablename__ = "rank_course_day"
    __table_args__ = (Index("ix_rank_course_day_city", "metric", "city_code", "day"),)

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class LearnerDay(db.Model):
    """A learner who learned on that day: distinct counts over any window come from here."""

    __tablename__ = "rank_learner_day"
    # Covers the active-learners boards: distinct learners per city over a window of days.
    # Day first: SQLite (never ANALYZEd here) then uses it for any day range.
    __table_args__ = (Index("ix_rank_learner_day_day_city", "day", "city_code", "user_id"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)


class AggregationCursor(db.Model):
    """How far the aggregator has read a raw event log (last aggregated id)."""

    __tablename__ = "rank_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
