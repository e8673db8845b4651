"""Satisfaction (满意度): a learner's rating (1–5) and comment of a course they completed or
an activity they attended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.cache import CATALOGUE, track_content
from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db

COMMENT_MAX = 500


class Rating(db.Model):
    """One learner's rating of one course or one activity: one row each, ever (the unique
    constraints decide, so two parallel posts make one row); a new rating changes it."""

    __tablename__ = "satisfaction_rating"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", name="uq_satisfaction_rating_course"),
        UniqueConstraint("user_id", "activity_id", name="uq_satisfaction_rating_activity"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("(course_id IS NULL) <> (activity_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")  # plain text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# The course page is cached for visitors and shows the ratings: a rating renews it.
track_content(Rating, CATALOGUE)
