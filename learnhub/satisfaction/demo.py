"""Demo ratings: every demo learner who completed a course or attended an activity rates
it (scores 3–5 by a fixed pattern, a few with comments). Loading twice changes nothing new."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from learnhub.activities.models import ActivitySession, Attendance
from learnhub.extensions import db
from learnhub.learning.models import CourseCompletion

from .models import Rating

COMMENTS = ("讲得很清楚，适合老年人。", "内容实用，希望多开几期。", "", "", "老师很耐心。")


def load_demo_ratings(progress: Callable[[Iterable], Iterable] = iter) -> None:
    rated_courses = set(db.session.execute(select(Rating.user_id, Rating.course_id)))
    rated_activities = set(db.session.execute(select(Rating.user_id, Rating.activity_id)))
    completions = db.session.execute(select(CourseCompletion.user_id, CourseCompletion.course_id))
    for n, (user_id, course_id) in enumerate(progress(list(completions))):
        if (user_id, course_id) not in rated_courses:
            db.session.add(Rating(user_id=user_id, course_id=course_id, score=3 + n % 3,
                                  comment=COMMENTS[n % len(COMMENTS)]))  # fmt: skip
    attended = db.session.execute(
        select(Attendance.user_id, ActivitySession.activity_id)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .where(Attendance.undone_at.is_(None))
        .distinct()
    )
    for n, (user_id, activity_id) in enumerate(attended):
        if (user_id, activity_id) not in rated_activities:
            db.session.add(Rating(user_id=user_id, activity_id=activity_id, score=5 - n % 2,
                                  comment=COMMENTS[n % len(COMMENTS)]))  # fmt: skip
    db.session.flush()
