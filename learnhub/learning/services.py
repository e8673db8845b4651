"""Learning rules: enrolment, progress per lesson kind, quizzes, course completion.

Services flush but never commit; the route or command commits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import signal
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, CourseStatus, Lesson, LessonKind
from learnhub.database import utcnow
from learnhub.extensions import db

from .models import CourseCompletion, Enrolment, LessonProgress, QuizAttempt

# Sent after a completion row is flushed; the credit bank listens (and is idempotent).
course_completed = signal("learnhub.course-completed")
# Sent when a visitor opens a course or lesson page or starts a media lesson (after the page
# is known to exist); the rankings listen and decide whether it counts as a click.
resource_viewed = signal("learnhub.resource-viewed")

UNDO_WINDOW = timedelta(minutes=10)
MEDIA_DONE_SHARE = 0.9  # a media lesson is done when 90 % of it has really been played


def view_resource(kind: str, resource_id: int, course_id: int) -> None:
    """Tell whoever counts views that the current visitor opened this resource."""
    resource_viewed.send(kind, resource_id=resource_id, course_id=course_id)


class LearningError(ValueError):
    """A learning rule refused the action; ``message`` is for the learner."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# ---- enrolment ---------------------------------------------------------------------


def enrolment_of(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def is_enrolled(user: User, course: Course) -> bool:
    enrolment = enrolment_of(user, course)
    return enrolment is not None and enrolment.active


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
    """Leave a course. Within the first 10 minutes every trace is removed (returns True);
    later the enrolment is closed but progress is kept for a return (returns False)."""
    enrolment = enrolment_of(user, course)
    if enrolment is None or not enrolment.active:
        raise LearningError(_l("You are not enrolled in this course."))
    now = now or utcnow()
    _count_enrolment(course, -1)
    if now - enrolment.enrolled_at <= UNDO_WINDOW and not _has_completed(user, course):
        db.session.execute(
            LessonProgress.__table__.delete().where(
                LessonProgress.user_id == user.id, LessonProgress.course_id == course.id
            )
        )
        lesson_ids = select(Lesson.id).where(Lesson.course_id == course.id)
        db.session.execute(
            QuizAttempt.__table__.delete().where(
                QuizAttempt.user_id == user.id, QuizAttempt.lesson_id.in_(lesson_ids)
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


def _require_enrolment(user: User, lesson: Lesson) -> None:
    if not is_enrolled(user, lesson.course):
        raise LearningError(_l("Enrol in the course first to record your progress."))


# ---- progress ----------------------------------------------------------------------


def progress_of(user: User, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
        )
    )


def _progress_row(user: User, lesson: Lesson) -> LessonProgress:
    progress = progress_of(user, lesson)
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, course_id=lesson.course_id)
        try:
            with db.session.begin_nested():
                db.session.add(progress)
        except IntegrityError:  # created by a parallel request of the same learner
            progress = progress_of(user, lesson)
    return progress


def mark_text_read(user: User, lesson: Lesson) -> LessonProgress:
    """A reading lesson is done when the learner reached its end."""
    if lesson.kind is not LessonKind.TEXT:
        raise LearningError(_l("This lesson is not a reading."))
    _require_enrolment(user, lesson)
    progress = _progress_row(user, lesson)
    _complete_lesson(user, lesson, progress)
    return progress


def report_media_position(
    user: User, lesson: Lesson, position: float, now: datetime | None = None
) -> LessonProgress:
    """Take a player's report of where it is now (seconds into the media).

    Forward movement is credited only up to the wall-clock time that passed since the
    previous report (times the fastest playback speed offered), so jumping to the end
    earns nothing; the lesson is done once 90 % of its length has been credited.
    """
    if not lesson.is_media:
        raise LearningError(_l("This lesson has no video or audio."))
    _require_enrolment(user, lesson)
    if not math.isfinite(position) or position < 0:
        raise LearningError(_l("The player sent a position that is not possible."))
    now = now or utcnow()
    position = min(int(position), lesson.duration_seconds)
    progress = _progress_row(user, lesson)
    if progress.last_report_at is not None and position > progress.last_position:
        elapsed = (now - progress.last_report_at).total_seconds()
        max_rate = current_app.config["MEDIA_MAX_PLAYBACK_RATE"]
        earned = min(position - progress.last_position, max(elapsed, 0) * max_rate)
        progress.credited_seconds = min(
            lesson.duration_seconds, progress.credited_seconds + int(earned)
        )
    progress.last_position = position
    progress.last_report_at = now
    if progress.credited_seconds >= MEDIA_DONE_SHARE * lesson.duration_seconds:
        _complete_lesson(user, lesson, progress)
    return progress


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    correct_question_ids: frozenset[int]


def grade_quiz(lesson: Lesson, answers: dict[int, set[int]]) -> QuizResult:
    """Score answers ({question id: chosen choice ids}); a question counts only when the
    chosen set is exactly the right set."""
    correct = set()
    for question in lesson.questions:
        right = {c.id for c in question.choices if c.correct}
        if answers.get(question.id, set()) == right:
            correct.add(question.id)
    total = len(lesson.questions) or 1
    score = round(100 * len(correct) / total)
    return QuizResult(score, score >= (lesson.pass_mark or 60), frozenset(correct))


def submit_quiz(
    user: User, lesson: Lesson, answers: dict[int, set[int]], form_token: str
) -> QuizResult:
    """Grade and record an attempt once per form (a double submit returns the same result)."""
    if lesson.kind is not LessonKind.QUIZ:
        raise LearningError(_l("This lesson is not a quiz."))
    _require_enrolment(user, lesson)
    result = grade_quiz(lesson, answers)
    attempt = QuizAttempt(user_id=user.id, lesson_id=lesson.id, form_token=form_token,
                          score=result.score, passed=result.passed)  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        return result  # the same form again: already recorded
    progress = _progress_row(user, lesson)
    progress.best_score = max(progress.best_score or 0, result.score)
    if result.passed:
        _complete_lesson(user, lesson, progress)
    return result


def _complete_lesson(user: User, lesson: Lesson, progress: LessonProgress) -> None:
    if progress.completed_at is None:
        progress.completed_at = utcnow()
        db.session.flush()
    _complete_course_if_done(user, lesson.course)


# ---- completion --------------------------------------------------------------------


def _has_completed(user: User, course: Course) -> bool:
    return completion_of(user, course) is not None


def completion_of(user: User, course: Course) -> CourseCompletion | None:
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )


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
    if lesson_count == 0 or done < lesson_count or _has_completed(user, course):
        return None
    completion = CourseCompletion(user_id=user.id, course_id=course.id)
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        return None  # a parallel request recorded it first
    course_completed.send(current_app._get_current_object(), completion=completion)
    return completion


# ---- what the learner sees ---------------------------------------------------------


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    enrolment: Enrolment
    lessons_done: int
    lessons_total: int
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def my_learning(user: User) -> list[CourseProgress]:
    """Every course the learner is enrolled in, with progress, newest first."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.left_at.is_(None))
        .order_by(Enrolment.enrolled_at.desc())
    ).all()
    if not enrolments:
        return []
    course_ids = [e.course_id for e in enrolments]
    totals = dict(
        db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id))
            .where(Lesson.course_id.in_(course_ids))
            .group_by(Lesson.course_id)
        ).all()
    )
    done = dict(
        db.session.execute(
            select(LessonProgress.course_id, func.count(LessonProgress.id))
            .where(
                LessonProgress.user_id == user.id,
                LessonProgress.course_id.in_(course_ids),
                LessonProgress.completed_at.is_not(None),
            )
            .group_by(LessonProgress.course_id)
        ).all()
    )
    completed = dict(
        db.session.execute(
            select(CourseCompletion.course_id, CourseCompletion.completed_at).where(
                CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(course_ids)
            )
        ).all()
    )
    return [
        CourseProgress(
            e.course,
            e,
            done.get(e.course_id, 0),
            totals.get(e.course_id, 0),
            completed.get(e.course_id),
        )
        for e in enrolments
    ]


def lesson_states(user: User, course: Course) -> dict[int, LessonProgress]:
    """The learner's progress rows for a course's lessons, by lesson id."""
    rows = db.session.scalars(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.course_id == course.id
        )
    )
    return {row.lesson_id: row for row in rows}
