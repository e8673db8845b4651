"""The catalogue: modules (专题栏目), courses, lessons and quizzes."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.cache import CATALOGUE, track_content
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region
from learnhub.translation_domain import current_locale


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class CourseLevel(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Audience(enum.StrEnum):
    ELDER = "elder"
    ADULT = "adult"
    PARENT = "parent"
    WORKER = "worker"
    PARTY_MEMBER = "party_member"


class LessonKind(enum.StrEnum):
    TEXT = "text"
    VIDEO = "video"
    AUDIO = "audio"
    QUIZ = "quiz"


STATUS_LABELS = {
    CourseStatus.DRAFT: _l("Draft"),
    CourseStatus.PUBLISHED: _l("Published"),
    CourseStatus.ARCHIVED: _l("Archived"),
}
LEVEL_LABELS = {
    CourseLevel.BEGINNER: _l("Beginner"),
    CourseLevel.INTERMEDIATE: _l("Intermediate"),
    CourseLevel.ADVANCED: _l("Advanced"),
}
AUDIENCE_LABELS = {
    Audience.ELDER: _l("Elder-friendly"),
    Audience.ADULT: _l("Adults"),
    Audience.PARENT: _l("Parents"),
    Audience.WORKER: _l("Workers"),
    Audience.PARTY_MEMBER: _l("Party members"),
}
LESSON_KIND_LABELS = {
    LessonKind.TEXT: _l("Reading"),
    LessonKind.VIDEO: _l("Video"),
    LessonKind.AUDIO: _l("Audio"),
    LessonKind.QUIZ: _l("Quiz"),
}


class Module(db.Model):
    """A themed column (专题栏目) with its own landing page."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Elder digital skills: every course here is elder-mode first.
    elder_first: Mapped[bool] = mapped_column(Boolean, default=False)

    courses: Mapped[list[Course]] = relationship(back_populates="module")

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if _english() else self.description_zh


def _english() -> bool:
    locale = current_locale()
    return locale is not None and locale.language == "en"


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("credits >= 0 AND credits <= 100", name="credits_range"),
        CheckConstraint("study_hours > 0 AND study_hours <= 1000", name="hours_range"),
        CheckConstraint(
            "status != 'published' OR published_at IS NOT NULL", name="published_has_date"
        ),
        Index("ix_course_listing", "status", "module_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    cover_path: Mapped[str | None] = mapped_column(String(255), index=True)
    level: Mapped[CourseLevel] = mapped_column(
        string_enum(CourseLevel, "course_level", 16), default=CourseLevel.BEGINNER
    )
    # The province's code for province-wide courses, else the owning city's.
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    study_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    credits: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    status: Mapped[CourseStatus] = mapped_column(
        string_enum(CourseStatus, "course_status", 16), default=CourseStatus.DRAFT
    )
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Kept by the enrolment service (one UPDATE per enrolment) so "popular" sorts cheaply.
    enrolment_count: Mapped[int] = mapped_column(Integer, default=0)

    module: Mapped[Module] = relationship(back_populates="courses")
    region: Mapped[Region] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    audiences: Mapped[list[CourseAudience]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    @property
    def audience_values(self) -> set[Audience]:
        return {a.audience for a in self.audiences}

    @property
    def is_published(self) -> bool:
        return self.status is CourseStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.title}>"


class CourseAudience(db.Model):
    __tablename__ = "course_audience"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    audience: Mapped[Audience] = mapped_column(
        string_enum(Audience, "audience", 20), primary_key=True
    )

    course: Mapped[Course] = relationship(back_populates="audiences")


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (
        UniqueConstraint("course_id", "position"),
        CheckConstraint("duration_seconds >= 0", name="duration_positive"),
        CheckConstraint("pass_mark IS NULL OR pass_mark BETWEEN 1 AND 100", name="pass_mark"),
        CheckConstraint(
            "kind NOT IN ('video', 'audio') OR duration_seconds > 0", name="media_has_duration"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LessonKind] = mapped_column(string_enum(LessonKind, "lesson_kind", 16))
    # Sanitised on save (learnhub.catalogue.content.sanitise_html): safe to render as is.
    body_html: Mapped[str] = mapped_column(Text, default="")
    media_path: Mapped[str | None] = mapped_column(String(255), index=True)
    media_type: Mapped[str | None] = mapped_column(String(60))
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    pass_mark: Mapped[int | None] = mapped_column(Integer)  # percent, quizzes only

    course: Mapped[Course] = relationship(back_populates="lessons")
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="lesson", order_by="QuizQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_media(self) -> bool:
        return self.kind in (LessonKind.VIDEO, LessonKind.AUDIO)


class QuizQuestion(db.Model):
    __tablename__ = "quiz_question"
    __table_args__ = (UniqueConstraint("lesson_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)  # several right answers

    lesson: Mapped[Lesson] = relationship(back_populates="questions")
    choices: Mapped[list[QuizChoice]] = relationship(
        back_populates="question", order_by="QuizChoice.position", cascade="all, delete-orphan"
    )


class QuizChoice(db.Model):
    __tablename__ = "quiz_choice"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(255))
    correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[QuizQuestion] = relationship(back_populates="choices")


def _track_catalogue_changes() -> None:
    # Region names show on course cards and in the site's title, so they count as catalogue.
    for model in (Module, Course, CourseAudience, Lesson, QuizQuestion, QuizChoice, Region):
        track_content(model, CATALOGUE)


_track_catalogue_changes()
