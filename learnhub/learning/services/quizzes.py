"""Quizzes: attempts issued by the server, a limit on failed ones, the score without answers.

When an enrolled learner is shown a quiz, the server issues an attempt: a random token
stored for this learner and lesson (one open attempt at a time, shown by every page). A
submitted token that was not issued so is refused, and each attempt is graded once (a
double submit gets the same result). After every ``QUIZ_FREE_ATTEMPTS`` failed attempts in
a row the learner rests before the next: ``QUIZ_COOLDOWN_MINUTES``, doubling each further
round, at most ``QUIZ_COOLDOWN_MAX_MINUTES``. Until the quiz is passed the learner learns
only the score and the pass mark, never which questions or choices were right.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import QuizAttempt
from .completion import complete_lesson
from .enrolment import require_enrolment
from .errors import LearningError
from .progress import progress_row

DEFAULT_PASS_MARK = 60


@dataclass(frozen=True)
class QuizResult:
    """A graded attempt. ``correct_question_ids`` is empty unless it passed."""

    score: int
    passed: bool
    pass_mark: int
    correct_question_ids: frozenset[int]


class QuizResting(LearningError):
    """Too many failed attempts in a row: no new attempt before ``retry_at``."""

    def __init__(self, retry_at: datetime):
        self.retry_at = retry_at
        super().__init__(
            _l("Please rest a little before you try this quiz again. The page says when.")
        )


def pass_mark_of(lesson: Lesson) -> int:
    return lesson.pass_mark or DEFAULT_PASS_MARK


def grade_quiz(lesson: Lesson, answers: dict[int, set[int]]) -> QuizResult:
    """Score answers ({question id: chosen choice ids}); a question counts only when the
    chosen set is exactly the right set. Which ones were right is told only on a pass."""
    correct = set()
    for question in lesson.questions:
        right = {c.id for c in question.choices if c.correct}
        if answers.get(question.id, set()) == right:
            correct.add(question.id)
    total = len(lesson.questions) or 1
    score = round(100 * len(correct) / total)
    passed = score >= pass_mark_of(lesson)
    return QuizResult(score, passed, pass_mark_of(lesson), frozenset(correct if passed else ()))


def retry_at(user: User, lesson: Lesson, now: datetime | None = None) -> datetime | None:
    """When the learner may try the quiz again, if they must rest now; else None."""
    now = now or utcnow()
    mine = (QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id)
    last_pass = db.session.scalar(
        select(func.max(QuizAttempt.submitted_at)).where(*mine, QuizAttempt.passed.is_(True))
    )
    failed = [*mine, QuizAttempt.passed.is_(False)]
    if last_pass is not None:
        failed.append(QuizAttempt.submitted_at > last_pass)
    failures, last_failure = db.session.execute(
        select(func.count(QuizAttempt.id), func.max(QuizAttempt.submitted_at)).where(*failed)
    ).one()
    config = current_app.config
    free = max(int(config["QUIZ_FREE_ATTEMPTS"]), 1)
    if failures == 0 or failures % free:
        return None
    rounds = failures // free
    minutes = min(
        float(config["QUIZ_COOLDOWN_MINUTES"]) * 2 ** min(rounds - 1, 20),
        float(config["QUIZ_COOLDOWN_MAX_MINUTES"]),
    )
    ends = last_failure + timedelta(minutes=minutes)
    return ends if ends > now else None


def open_attempt(user: User, lesson: Lesson, now: datetime | None = None) -> QuizAttempt:
    """The learner's open attempt at the quiz, issued now if there is none.

    Raises ``QuizResting`` while the learner must rest.
    """
    if lesson.kind is not LessonKind.QUIZ:
        raise LearningError(_l("This lesson is not a quiz."))
    require_enrolment(user, lesson)
    now = now or utcnow()
    query = select(QuizAttempt).where(
        QuizAttempt.user_id == user.id,
        QuizAttempt.lesson_id == lesson.id,
        QuizAttempt.submitted_at.is_(None),
    )
    attempt = db.session.scalar(query)
    if attempt is not None:
        return attempt
    if (resting_until := retry_at(user, lesson, now)) is not None:
        raise QuizResting(resting_until)
    attempt = QuizAttempt(
        user_id=user.id, lesson_id=lesson.id, form_token=secrets.token_urlsafe(24), issued_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a parallel page of the same learner issued one first
        attempt = db.session.scalar(query)
    return attempt


def submit_quiz(
    user: User,
    lesson: Lesson,
    answers: dict[int, set[int]],
    form_token: str,
    now: datetime | None = None,
) -> QuizResult:
    """Grade the attempt the server issued with ``form_token`` and record it once."""
    if lesson.kind is not LessonKind.QUIZ:
        raise LearningError(_l("This lesson is not a quiz."))
    require_enrolment(user, lesson)
    now = now or utcnow()
    attempt = db.session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.lesson_id == lesson.id,
            QuizAttempt.form_token == form_token,
        )
        .with_for_update()  # a double submit waits here, then finds it submitted
        .execution_options(populate_existing=True)
    )
    if attempt is None:
        raise LearningError(
            _l("This answer sheet is not valid any more. Please answer the quiz shown below.")
        )
    if attempt.submitted_at is not None:  # the same attempt again: already recorded
        correct = grade_quiz(lesson, answers).correct_question_ids if attempt.passed else ()
        return QuizResult(attempt.score, attempt.passed, pass_mark_of(lesson), frozenset(correct))
    if (resting_until := retry_at(user, lesson, now)) is not None:
        raise QuizResting(resting_until)
    result = grade_quiz(lesson, answers)
    attempt.score, attempt.passed, attempt.submitted_at = result.score, result.passed, now
    progress = progress_row(user, lesson, now=now)
    progress.best_score = max(progress.best_score or 0, result.score)
    db.session.flush()
    if result.passed:
        complete_lesson(user, lesson, progress, now)
    return result
