"""Opening a lesson page: what the server notes and what the page shows of the learner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import Enrolment, LessonProgress
from .enrolment import is_enrolled_in
from .progress import progress_of, progress_row
from .quizzes import QuizResting, open_attempt
from .reading import reading_seconds


@dataclass(frozen=True)
class LessonVisit:
    """The learner's side of a lesson page."""

    enrolled: bool
    progress: LessonProgress | None = None
    reading_seconds: int | None = None  # text lessons: the minimum reading time
    quiz_token: str | None = None  # quizzes: the open attempt's token
    quiz_retry_at: datetime | None = None  # quizzes: resting until then, no form


@dataclass(frozen=True)
class LessonFacts:
    """What opening a lesson asks of the lesson before its page is built: plain values that
    can be kept (the lesson page keeps them under the catalogue's version), so a lesson whose
    page is kept is not read at all."""

    id: int
    course_id: int
    kind: LessonKind
    reading_seconds: int | None  # texts: the minimum reading time

    @classmethod
    def of(cls, lesson: Lesson) -> LessonFacts:
        seconds = reading_seconds(lesson) if lesson.kind is LessonKind.TEXT else None
        return cls(lesson.id, lesson.course_id, lesson.kind, seconds)


def visit_without_writing(user: User | None, lesson: LessonFacts) -> LessonVisit | None:
    """The page's view of the learner when opening this lesson notes nothing, or None when
    it notes something (a text's first opening starts its reading, every opening of a quiz
    issues an attempt): then call ``visit_lesson`` in a transaction that writes. Opening a
    text again only reads, and so takes no write lock."""
    if user is None:
        return LessonVisit(enrolled=False)
    enrolled, progress = _enrolment_and_progress(user, lesson)
    if not enrolled:
        return LessonVisit(enrolled=False)
    if lesson.kind is LessonKind.QUIZ:
        return None
    if lesson.kind is not LessonKind.TEXT:
        return LessonVisit(True, progress)
    if progress is None:
        return None
    return LessonVisit(True, progress, reading_seconds=lesson.reading_seconds)


# Every visit of a signed-in learner asks both, so one statement, built once, brings them.
_ENROLMENT_AND_PROGRESS = (
    select(Enrolment.left_at, LessonProgress)
    .outerjoin(
        LessonProgress,
        and_(
            LessonProgress.user_id == Enrolment.user_id,
            LessonProgress.lesson_id == bindparam("lesson_id"),
        ),
    )
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.course_id == bindparam("course_id"))
)


def _enrolment_and_progress(user: User, lesson: LessonFacts) -> tuple[bool, LessonProgress | None]:
    """Whether the learner is enrolled in the lesson's course (and has not left), and their
    progress in the lesson (None: not started)."""
    found = db.session.execute(
        _ENROLMENT_AND_PROGRESS,
        {"user_id": user.id, "course_id": lesson.course_id, "lesson_id": lesson.id},
    ).first()
    if found is None:
        return False, None
    left_at, progress = found
    return left_at is None, progress


def visit_lesson(user: User | None, lesson: Lesson, now: datetime | None = None) -> LessonVisit:
    """An enrolled learner opens a lesson: a text's reading starts (the first time), a quiz
    issues its attempt. Anyone else may read it; nothing is noted."""
    if user is None or not is_enrolled_in(user, lesson.course_id):
        return LessonVisit(enrolled=False)
    now = now or utcnow()
    if lesson.kind is LessonKind.TEXT:
        progress = progress_row(user, lesson, now=now)
        return LessonVisit(True, progress, reading_seconds=reading_seconds(lesson))
    if lesson.kind is LessonKind.QUIZ:
        try:
            token, retry = open_attempt(user, lesson, now).form_token, None
        except QuizResting as resting:
            token, retry = None, resting.retry_at
        return LessonVisit(True, progress_of(user, lesson), quiz_token=token, quiz_retry_at=retry)
    return LessonVisit(True, progress_of(user, lesson))
