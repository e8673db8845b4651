"""What the learner sees of their own study: "my learning"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, Lesson
from learnhub.extensions import db

from ..models import CourseCompletion, Enrolment, LessonProgress


@dataclass(frozen=True)
class CourseProgress:
    course_id: int
    title: str
    lessons_done: int
    lessons_total: int
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def my_learning(user: User) -> list[CourseProgress]:
    """Every course the learner is enrolled in, with progress, newest first: one query
    (each figure a subquery of the enrolment's course), plain rows, no entity built."""
    course = Enrolment.course_id
    lessons_total = (
        select(func.count(Lesson.id)).where(Lesson.course_id == course).scalar_subquery()
    )
    lessons_done = (
        select(func.count(LessonProgress.id))
        .where(
            LessonProgress.user_id == user.id,
            LessonProgress.course_id == course,
            LessonProgress.completed_at.is_not(None),
        )
        .scalar_subquery()
    )
    completed_at = (
        select(CourseCompletion.completed_at)
        .where(CourseCompletion.user_id == user.id, CourseCompletion.course_id == course)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(course, Course.title, lessons_done, lessons_total, completed_at)
        .join(Course, Course.id == course)
        .where(Enrolment.user_id == user.id, Enrolment.left_at.is_(None))
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    )
    return [CourseProgress(*row) for row in rows]
