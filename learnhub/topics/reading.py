"""What the public (and the staff's preview) sees of topics: the published ones in order,
a topic by its address, and the courses, activities and news of a topic that are public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnhub.activities.models import Activity, ActivitySession, ActivityStatus
from learnhub.catalogue.models import Course, CourseStatus
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.news.models import NewsItem, NewsStatus

from .access import may_manage_topics
from .models import SLUG_MAX, Topic, TopicStatus


def _ordered(query):
    return query.order_by(Topic.position, Topic.published_at.desc().nulls_last(), Topic.id)


def published_topics(limit: int | None = None) -> list[Topic]:
    """The published topics in their order (smallest position first)."""
    query = _ordered(select(Topic).where(Topic.status == TopicStatus.PUBLISHED))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def all_topics() -> list[Topic]:
    """Every topic, for the staff list: in the public order, drafts and withdrawn ones too."""
    return list(db.session.scalars(_ordered(select(Topic))))


def topic_by_slug(slug: str) -> Topic | None:
    if len(slug) > SLUG_MAX:
        return None
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def visible_topic(slug: str, viewer) -> Topic | None:
    """The topic if this viewer may see it: published for everyone; any status for those
    who write topics (their preview). None otherwise."""
    topic = topic_by_slug(slug)
    if topic is None or not (topic.is_public or may_manage_topics(viewer)):
        return None
    return topic


def public_courses(topic: Topic) -> list[Course]:
    """The topic's published courses, in its order."""
    ids = [row.course_id for row in topic.courses]
    courses = {
        course.id: course
        for course in db.session.scalars(
            select(Course)
            .where(Course.id.in_(ids), Course.status == CourseStatus.PUBLISHED)
            .options(selectinload(Course.module), selectinload(Course.region))
        )
    }
    return [courses[course_id] for course_id in ids if course_id in courses]


@dataclass
class TopicActivities:
    """The topic's activities the public sees: those still to come (soonest first, each
    with its ``next_session``) and those held already (in the topic's order)."""

    upcoming: list[Activity]
    past: list[Activity]


def public_activities(topic: Topic, now: datetime | None = None) -> TopicActivities:
    """Published activities with a session to come, and published or finished ones whose
    sessions are over; drafts and cancelled activities are left out."""
    now = now or utcnow()
    ids = [row.activity_id for row in topic.activities]
    shown = {
        activity.id: activity
        for activity in db.session.scalars(
            select(Activity)
            .where(
                Activity.id.in_(ids),
                Activity.status.in_((ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)),
            )
            .options(selectinload(Activity.place))
        )
    }
    next_sessions: dict[int, ActivitySession] = {}
    for session in db.session.scalars(
        select(ActivitySession)
        .where(
            ActivitySession.activity_id.in_(list(shown)),
            ActivitySession.starts_at > now,
            ActivitySession.cancelled_at.is_(None),
        )
        .order_by(ActivitySession.starts_at, ActivitySession.id)
    ):
        next_sessions.setdefault(session.activity_id, session)
    upcoming, past = [], []
    for activity_id in ids:
        activity = shown.get(activity_id)
        if activity is None:
            continue
        activity.next_session = next_sessions.get(activity_id)
        if activity.status is ActivityStatus.PUBLISHED and activity.next_session is not None:
            upcoming.append(activity)
        else:
            past.append(activity)
    upcoming.sort(key=lambda activity: activity.next_session.starts_at)
    return TopicActivities(upcoming=upcoming, past=past)


def public_news(topic: Topic) -> list[NewsItem]:
    """The topic's published news items, in its order."""
    ids = [row.news_id for row in topic.news]
    items = {
        item.id: item
        for item in db.session.scalars(
            select(NewsItem)
            .where(NewsItem.id.in_(ids), NewsItem.status == NewsStatus.PUBLISHED)
            .options(selectinload(NewsItem.city), selectinload(NewsItem.district))
        )
    }
    return [items[news_id] for news_id in ids if news_id in items]
