"""What the learner sees of their own study: "my learning" and their part of a course page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, cast, func, literal, null, select, union_all

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


# The two statements below run on every visit of a signed-in learner, so each is built once
# with bound parameters (SQLAlchemy then reuses its compiled form): building them per call
# cost more than running them.
_USER, _COURSE = bindparam("user_id", type_=Integer), bindparam("course_id", type_=Integer)


def _my_learning_statement():
    course = Enrolment.course_id
    lessons_total = (
        select(func.count(Lesson.id)).where(Lesson.course_id == course).scalar_subquery()
    )
    lessons_done = (
        select(func.count(LessonProgress.id))
        .where(
            LessonProgress.user_id == _USER,
            LessonProgress.course_id == course,
            LessonProgress.completed_at.is_not(None),
        )
        .scalar_subquery()
    )
    completed_at = (
        select(CourseCompletion.completed_at)
        .where(CourseCompletion.user_id == _USER, CourseCompletion.course_id == course)
        .scalar_subquery()
    )
    return (
        select(course, Course.title, lessons_done, lessons_total, completed_at)
        .join(Course, Course.id == course)
        .where(Enrolment.user_id == _USER, Enrolment.left_at.is_(None))
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    )


_MY_LEARNING = _my_learning_statement()


def my_learning(user: User) -> list[CourseProgress]:
    """Every course the learner is enrolled in, with progress, newest first: one query
    (each figure a subquery of the enrolment's course), plain rows, no entity built."""
    rows = db.session.execute(_MY_LEARNING, {"user_id": user.id})
    return [CourseProgress(*row) for row in rows]


@dataclass(frozen=True)
class CourseStudy:
    """A learner's study of one course, as the course page shows it."""

    enrolled: bool  # enrolled and not left
    completed_at: datetime | None
    done: frozenset[int]  # ids of the lessons done


def _course_study_statement():
    enrolment = select(
        literal("enrolled").label("what"), cast(null(), Integer).label("lesson"),
        Enrolment.left_at.label("at"),
    ).where(Enrolment.user_id == _USER, Enrolment.course_id == _COURSE)  # fmt: skip
    completion = select(
        literal("completed"), cast(null(), Integer), CourseCompletion.completed_at
    ).where(CourseCompletion.user_id == _USER, CourseCompletion.course_id == _COURSE)
    done = select(literal("done"), LessonProgress.lesson_id, LessonProgress.completed_at).where(
        LessonProgress.user_id == _USER,
        LessonProgress.course_id == _COURSE,
        LessonProgress.completed_at.is_not(None),
    )
    return union_all(enrolment, completion, done)


_COURSE_STUDY = _course_study_statement()


def course_study(user: User, course_id: int) -> CourseStudy:
    """Enrolment, completion and lessons done in one query (three small selects joined by
    UNION ALL, plain rows): the course page asks on every visit of a signed-in learner."""
    found = db.session.execute(_COURSE_STUDY, {"user_id": user.id, "course_id": course_id})
    enrolled, completed_at, lessons = False, None, set()
    for what, lesson, at in found:
        if what == "enrolled":
            enrolled = at is None  # left_at
        elif what == "completed":
            completed_at = at
        else:
            lessons.add(lesson)
    return CourseStudy(enrolled, completed_at, frozenset(lessons))
