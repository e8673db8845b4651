"""Opening a lesson page: what the server notes and what the page shows of the learner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.database import utcnow

from ..models import LessonProgress
from .enrolment import is_enrolled, is_enrolled_in
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


def visit_without_writing(user: User | None, lesson: Lesson) -> LessonVisit | None:
    """The page's view of the learner when opening this lesson notes nothing, or None when
    it notes something (a text's first opening starts its reading, every opening of a quiz
    issues an attempt): then call ``visit_lesson`` in a transaction that writes. Opening a
    text again only reads, and so takes no write lock."""
    if user is None or not is_enrolled_in(user, lesson.course_id):
        return LessonVisit(enrolled=False)
    if lesson.kind is LessonKind.QUIZ:
        return None
    progress = progress_of(user, lesson)
    if lesson.kind is not LessonKind.TEXT:
        return LessonVisit(True, progress)
    if progress is None:
        return None
    return LessonVisit(True, progress, reading_seconds=reading_seconds(lesson))


def visit_lesson(user: User | None, lesson: Lesson, now: datetime | None = None) -> LessonVisit:
    """An enrolled learner opens a lesson: a text's reading starts (the first time), a quiz
    issues its attempt. Anyone else may read it; nothing is noted."""
    if user is None or not is_enrolled(user, lesson.course):
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
