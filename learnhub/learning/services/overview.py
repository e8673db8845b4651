"""What the learner sees of their own study: "my learning" and their part of a course page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, cast, func, literal, null, select, union_all

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


@dataclass(frozen=True)
class CourseStudy:
    """A learner's study of one course, as the course page shows it."""

    enrolled: bool  # enrolled and not left
    completed_at: datetime | None
    done: frozenset[int]  # ids of the lessons done


def course_study(user: User, course_id: int) -> CourseStudy:
    """Enrolment, completion and lessons done in one query (three small selects joined by
    UNION ALL, plain rows): the course page asks on every visit of a signed-in learner."""
    enrolment = select(
        literal("enrolled").label("what"), cast(null(), Integer).label("lesson"),
        Enrolment.left_at.label("at"),
    ).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)  # fmt: skip
    completion = select(
        literal("completed"), cast(null(), Integer), CourseCompletion.completed_at
    ).where(CourseCompletion.user_id == user.id, CourseCompletion.course_id == course_id)
    done = select(literal("done"), LessonProgress.lesson_id, LessonProgress.completed_at).where(
        LessonProgress.user_id == user.id,
        LessonProgress.course_id == course_id,
        LessonProgress.completed_at.is_not(None),
    )
    enrolled, completed_at, lessons = False, None, set()
    for what, lesson, at in db.session.execute(union_all(enrolment, completion, done)):
        if what == "enrolled":
            enrolled = at is None  # left_at
        elif what == "completed":
            completed_at = at
        else:
            lessons.add(lesson)
    return CourseStudy(enrolled, completed_at, frozenset(lessons))
