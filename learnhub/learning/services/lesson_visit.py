"""Opening a lesson page: what the server notes and what the page shows of the learner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.database import utcnow

from ..models import LessonProgress
from .enrolment import is_enrolled
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


def needs_writing(user: User, lesson: Lesson) -> bool:
    """Whether opening this lesson notes something (so the page must write): a text's first
    opening (its reading starts), every opening of a quiz (an attempt is issued). Opening a
    text again only reads, and so takes no write lock."""
    if lesson.kind not in (LessonKind.TEXT, LessonKind.QUIZ) or not is_enrolled(
        user, lesson.course
    ):
        return False
    return lesson.kind is LessonKind.QUIZ or progress_of(user, lesson) is None


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
