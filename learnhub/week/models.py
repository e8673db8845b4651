"""A year's lifelong-learning week, each city's week inside it, and the activities linked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.activities.models import Activity
from learnhub.cache import CATALOGUE, track_content
from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region


class LearningWeek(db.Model):
    """The province's week of one year: its theme, the national opening (全国总开幕式), the
    window in which the cities hold their own weeks, and the province's opening ceremony."""

    __tablename__ = "learning_week"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("window_end >= window_start", name="window_order"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    theme: Mapped[str] = mapped_column(String(120))
    national_opening: Mapped[date] = mapped_column(Date)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    ceremony_on: Mapped[date | None] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    city_weeks: Mapped[list[CityWeek]] = relationship(
        back_populates="week", order_by="CityWeek.city_code"
    )


class CityWeek(db.Model):
    """One city's week of a year (dates inside the province's window)."""

    __tablename__ = "learning_week_city"
    __table_args__ = (
        UniqueConstraint("year", "city_code", name="one_per_city"),
        CheckConstraint("ends_on >= starts_on", name="dates_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("learning_week.year", ondelete="CASCADE"))
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    week: Mapped[LearningWeek] = relationship(back_populates="city_weeks")
    city: Mapped[Region] = relationship()
    links: Mapped[list[WeekActivity]] = relationship(
        back_populates="city_week", cascade="all, delete-orphan", order_by="WeekActivity.id"
    )


class WeekActivity(db.Model):
    """An activity of the city (or one of its districts) in the city's week programme."""

    __tablename__ = "learning_week_activity"
    __table_args__ = (UniqueConstraint("city_week_id", "activity_id", name="once_per_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_week_id: Mapped[int] = mapped_column(
        ForeignKey("learning_week_city.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    city_week: Mapped[CityWeek] = relationship(back_populates="links")
    activity: Mapped[Activity] = relationship()


# The home and city pages (cached for signed-out visitors) show the week going on: a change
# of a week, a city's week or its programme renews them at once.
for _model in (LearningWeek, CityWeek, WeekActivity):
    track_content(_model, CATALOGUE)
