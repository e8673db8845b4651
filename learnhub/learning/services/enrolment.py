"""Enrolling in a course and leaving it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, CourseStatus, Lesson
from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import Enrolment, LessonProgress, QuizAttempt
from .completion import has_completed
from .errors import LearningError

UNDO_WINDOW = timedelta(minutes=10)


def enrolment_of(user: User, course: Course) -> Enrolment | None:
    return enrolment_in(user, course.id)


def enrolment_in(user: User, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    )


def is_enrolled(user: User, course: Course) -> bool:
    return is_enrolled_in(user, course.id)


def is_enrolled_in(user: User, course_id: int) -> bool:
    enrolment = enrolment_in(user, course_id)
    return enrolment is not None and enrolment.active


def require_enrolment(user: User, lesson: Lesson) -> None:
    """Progress is recorded for enrolled learners only."""
    if not is_enrolled_in(user, lesson.course_id):  # the course itself need not be read
        raise LearningError(_l("Enrol in the course first to record your progress."))


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol the learner (again, if they left); a repeated request changes nothing."""
    if course.status is not CourseStatus.PUBLISHED:
        raise LearningError(_l("This course is not open for enrolment."))
    enrolment = enrolment_of(user, course)
    if enrolment is not None:
        if not enrolment.active:
            enrolment.left_at = None
            _count_enrolment(course, +1)
        return enrolment
    enrolment = Enrolment(user_id=user.id, course_id=course.id)
    try:
        with db.session.begin_nested():  # a double click racing this one hits the constraint
            db.session.add(enrolment)
    except IntegrityError:
        return enrolment_of(user, course)
    _count_enrolment(course, +1)
    return enrolment


def leave(user: User, course: Course, now: datetime | None = None) -> bool:
    """Leave a course. Within the first 10 minutes the enrolment, progress and open quiz
    forms are removed (returns True); later the enrolment is closed but progress is kept
    for a return (returns False).

    Quiz attempts already handed in are always kept: leaving and enrolling again must not
    reset the limit on failed attempts.
    """
    enrolment = enrolment_of(user, course)
    if enrolment is None or not enrolment.active:
        raise LearningError(_l("You are not enrolled in this course."))
    now = now or utcnow()
    _count_enrolment(course, -1)
    if now - enrolment.enrolled_at <= UNDO_WINDOW and not has_completed(user, course):
        db.session.execute(
            LessonProgress.__table__.delete().where(
                LessonProgress.user_id == user.id, LessonProgress.course_id == course.id
            )
        )
        lesson_ids = select(Lesson.id).where(Lesson.course_id == course.id)
        db.session.execute(
            QuizAttempt.__table__.delete().where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.lesson_id.in_(lesson_ids),
                QuizAttempt.submitted_at.is_(None),
            )
        )
        db.session.delete(enrolment)
        db.session.flush()
        return True
    enrolment.left_at = now
    return False


def _count_enrolment(course: Course, delta: int) -> None:
    # An UPDATE of the column, not read-modify-write: concurrent enrolments add up.
    db.session.execute(
        update(Course)
        .where(Course.id == course.id)
        .values(enrolment_count=Course.enrolment_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(course, ["enrolment_count"])
