"""Lessons and courses done: the completion row, written once, and the signal for the bank."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, Lesson
from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import CourseCompletion, LessonProgress
from .signals import course_completed


def completion_of(user: User, course: Course) -> CourseCompletion | None:
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )


def has_completed(user: User, course: Course) -> bool:
    return completion_of(user, course) is not None


def complete_lesson(
    user: User, lesson: Lesson, progress: LessonProgress, now: datetime | None = None
) -> None:
    """Mark the lesson done (once) and the course too when it was the last one."""
    if progress.completed_at is None:
        progress.completed_at = now or utcnow()
        db.session.flush()
    _complete_course_if_done(user, lesson.course)


def _complete_course_if_done(user: User, course: Course) -> CourseCompletion | None:
    """Record the completion at once when every lesson is done (exactly once)."""
    lesson_count = db.session.scalar(
        select(func.count(Lesson.id)).where(Lesson.course_id == course.id)
    )
    done = db.session.scalar(
        select(func.count(LessonProgress.id)).where(
            LessonProgress.user_id == user.id,
            LessonProgress.course_id == course.id,
            LessonProgress.completed_at.is_not(None),
        )
    )
    if lesson_count == 0 or done < lesson_count or has_completed(user, course):
        return None
    completion = CourseCompletion(user_id=user.id, course_id=course.id)
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        return None  # a parallel request recorded it first
    course_completed.send(current_app._get_current_object(), completion=completion)
    return completion
