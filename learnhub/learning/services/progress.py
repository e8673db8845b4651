"""A learner's progress row per lesson: found, made once, or locked for crediting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson
from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import LessonProgress


def _query(user: User, lesson: Lesson):
    return select(LessonProgress).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
    )


def progress_of(user: User, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(_query(user, lesson))


def progress_row(
    user: User, lesson: Lesson, now: datetime | None = None, lock: bool = False
) -> LessonProgress:
    """The learner's row for the lesson, made (started ``now``) if there is none.

    ``lock`` reads it afresh and locks it (for crediting, after the study clock is locked).
    """
    query = _query(user, lesson)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    progress = db.session.scalar(query)
    if progress is None:
        progress = LessonProgress(
            user_id=user.id, lesson_id=lesson.id, course_id=lesson.course_id,
            started_at=now or utcnow(), played_ranges=[],
        )  # fmt: skip
        try:
            with db.session.begin_nested():
                db.session.add(progress)
        except IntegrityError:  # made by a parallel request of the same learner
            progress = db.session.scalar(query)
    return progress
