"""What the learner sees of their own study: "my learning"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, Lesson
from learnhub.extensions import db

from ..models import CourseCompletion, Enrolment, LessonProgress


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    enrolment: Enrolment
    lessons_done: int
    lessons_total: int
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def my_learning(user: User) -> list[CourseProgress]:
    """Every course the learner is enrolled in, with progress, newest first."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .options(joinedload(Enrolment.course))  # one query, not one per course
        .where(Enrolment.user_id == user.id, Enrolment.left_at.is_(None))
        .order_by(Enrolment.enrolled_at.desc())
    ).all()
    if not enrolments:
        return []
    course_ids = [e.course_id for e in enrolments]
    totals = dict(
        db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id))
            .where(Lesson.course_id.in_(course_ids))
            .group_by(Lesson.course_id)
        ).all()
    )
    done = dict(
        db.session.execute(
            select(LessonProgress.course_id, func.count(LessonProgress.id))
            .where(
                LessonProgress.user_id == user.id,
                LessonProgress.course_id.in_(course_ids),
                LessonProgress.completed_at.is_not(None),
            )
            .group_by(LessonProgress.course_id)
        ).all()
    )
    completed = dict(
        db.session.execute(
            select(CourseCompletion.course_id, CourseCompletion.completed_at).where(
                CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(course_ids)
            )
        ).all()
    )
    return [
        CourseProgress(
            e.course,
            e,
            done.get(e.course_id, 0),
            totals.get(e.course_id, 0),
            completed.get(e.course_id),
        )
        for e in enrolments
    ]
