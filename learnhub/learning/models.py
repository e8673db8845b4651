"""A learner's study: enrolments, lesson progress, the study clock, quiz attempts and
course completions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, Lesson
from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set when leaving late

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()

    @property
    def active(self) -> bool:
        return self.left_at is None


class LessonProgress(db.Model):
    """How far one learner is with one lesson; one row, updated as they study."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        CheckConstraint("credited_seconds >= 0", name="credited_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    # When the enrolled learner first opened the lesson (server time): a reading starts here.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Media: the last position reported and when (server time); the parts really played,
    # as sorted, disjoint [start, end] second ranges; and how many seconds they cover.
    last_position: Mapped[int] = mapped_column(Integer, default=0)
    last_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    played_ranges: Mapped[list] = mapped_column(JSON, default=list)
    credited_seconds: Mapped[int] = mapped_column(Integer, default=0)
    best_score: Mapped[int | None] = mapped_column(Integer)  # quizzes, percent
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lesson: Mapped[Lesson] = relationship()


class StudyClock(db.Model):
    """One learner's single study clock, shared by every lesson, tab and device.

    ``spent_until`` is the server time up to which the learner's wall-clock time has been
    used for credited study (reading, playing). The row is locked while crediting, so
    parallel requests of one learner take turns and cannot spend one minute twice.
    """

    __tablename__ = "study_clock"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    spent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: nothing yet


class QuizAttempt(db.Model):
    """One try at a quiz: issued by the server when the quiz is shown, submitted once.

    The token is made and stored by the server for this learner and lesson; a submitted
    token that was not issued so is refused. A learner has at most one open (issued, not
    yet submitted) attempt per quiz, so every page shows that one's token.
    """

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        # A double submit of one attempt finds the row already submitted: it counts once.
        UniqueConstraint("user_id", "form_token"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint(
            "submitted_at IS NULL OR (score IS NOT NULL AND passed IS NOT NULL)",
            name="submitted_has_score",
        ),
        Index(
            "uq_quiz_attempt_open",
            "user_id",
            "lesson_id",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    form_token: Mapped[str] = mapped_column(String(43))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CourseCompletion(db.Model):
    """The durable record that a learner finished a course: the credit bank's source event.

    One row per learner and course, ever: the unique constraint makes completion
    idempotent whatever the concurrency.
    """

    __tablename__ = "course_completion"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
