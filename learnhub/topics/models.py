"""Topics (专题): pages the province adds beside the six standard modules — a year's
learning-week theme, 建党百年, 反诈 — each with its own text, cover and chosen courses,
activities and news."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.activities.models import Activity
from learnhub.cache import CATALOGUE, track_content
from learnhub.catalogue.models import Course
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.news.models import NewsItem

SLUG_MAX = 60
TITLE_MAX = 80
SUMMARY_MAX = 200


class TopicStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


TOPIC_STATUS_LABELS = {
    TopicStatus.DRAFT: _l("Draft"),
    TopicStatus.PUBLISHED: _l("Published"),
    TopicStatus.WITHDRAWN: _l("Withdrawn"),
}


class Topic(db.Model):
    """One topic page of the province, at ``/topics/<slug>``; ``position`` orders the list
    (smallest first)."""

    __tablename__ = "topic"
    __table_args__ = (
        CheckConstraint("position BETWEEN 0 AND 9999", name="position_range"),
        Index("ix_topic_status_position", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")  # one line, plain
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on the way in
    cover_name: Mapped[str | None] = mapped_column(String(80))  # a stored file's random name
    status: Mapped[TopicStatus] = mapped_column(
        string_enum(TopicStatus, "topic_status", 10), default=TopicStatus.DRAFT
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    courses: Mapped[list[TopicCourse]] = relationship(
        back_populates="topic", cascade="all, delete-orphan", order_by="TopicCourse.position"
    )
    activities: Mapped[list[TopicActivity]] = relationship(
        back_populates="topic", cascade="all, delete-orphan", order_by="TopicActivity.position"
    )
    news: Mapped[list[TopicNews]] = relationship(
        back_populates="topic", cascade="all, delete-orphan", order_by="TopicNews.position"
    )

    @property
    def status_label(self) -> str:
        return str(TOPIC_STATUS_LABELS[self.status])

    @property
    def is_public(self) -> bool:
        return self.status is TopicStatus.PUBLISHED


class TopicCourse(db.Model):
    """A course chosen for a topic, in the topic's order."""

    __tablename__ = "topic_course"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)

    topic: Mapped[Topic] = relationship(back_populates="courses")
    course: Mapped[Course] = relationship()


class TopicActivity(db.Model):
    """An activity chosen for a topic, in the topic's order."""

    __tablename__ = "topic_activity"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)

    topic: Mapped[Topic] = relationship(back_populates="activities")
    activity: Mapped[Activity] = relationship()


class TopicNews(db.Model):
    """A news item chosen for a topic, in the topic's order."""

    __tablename__ = "topic_news"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
    news_id: Mapped[int] = mapped_column(
        ForeignKey("news_item.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)

    topic: Mapped[Topic] = relationship(back_populates="news")
    news_item: Mapped[NewsItem] = relationship()


# The home page (cached for signed-out visitors) lists the published topics: a change of a
# topic or of its items renews it at once.
for _model in (Topic, TopicCourse, TopicActivity, TopicNews):
    track_content(_model, CATALOGUE)
