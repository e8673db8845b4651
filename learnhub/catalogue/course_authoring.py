"""Writing courses: their details, cover picture and publishing status, and the rules for them.

Used by the studio's pages and by the bulk importer alike (see ``authoring``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.media import MediaKind
from learnhub.regions.models import Region, RegionLevel

from .authoring import (
    AuthoringError,
    flush_or_discard,
    raise_if,
    refuse,
    store_upload,
    title_problem,
)
from .models import Audience, Course, CourseAudience, CourseLevel, CourseStatus, LessonKind, Module

SUMMARY_MAX_LENGTH = 2000
MAX_STUDY_HOURS = Decimal(1000)
MAX_CREDITS = Decimal(100)


class NotPublishable(AuthoringError):
    """The course lacks what learners need; ``reasons`` lists every missing piece."""

    def __init__(self, reasons: list[object]):
        super().__init__({"publish": _l("The course cannot be published yet.")})
        self.reasons = reasons


# ---- details ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseDetails:
    """What an editor says about a course. ``featured`` None leaves it as it is."""

    module_id: int | None
    title: str
    summary: str
    level: CourseLevel
    region_code: str
    study_hours: Decimal
    credits: Decimal
    audiences: frozenset[Audience] = frozenset()
    featured: bool | None = None


def _course_region_condition(province: str):
    return (Region.code == province) | (
        (Region.parent_code == province) & (Region.level == RegionLevel.CITY)
    )


def course_regions() -> list[Region]:
    """The regions that offer courses: the home province and its cities."""
    condition = _course_region_condition(current_app.config["HOME_PROVINCE"])
    return list(db.session.scalars(select(Region).where(condition).order_by(Region.code)))


def _is_course_region(code: str) -> bool:
    condition = _course_region_condition(current_app.config["HOME_PROVINCE"])
    return db.session.scalar(select(Region.code).where(condition, Region.code == code)) is not None


def study_hours_problem(hours: Decimal) -> object | None:
    """Why a study-hour figure is refused, or None: more than 0, at most 1000, one decimal."""
    if not hours.is_finite() or not 0 < hours <= MAX_STUDY_HOURS or hours != round(hours, 1):
        return _l(
            "Enter the study hours: more than 0 and at most 1000, with at most one decimal "
            "place, for example 2.5."
        )
    return None


def credits_problem(credits: Decimal) -> object | None:
    """Why a credit value is refused, or None: from 0 to 100, two decimals at most."""
    if not credits.is_finite() or not 0 <= credits <= MAX_CREDITS or credits != round(credits, 2):
        return _l(
            "Enter the credits: from 0 to 100, with at most two decimal places, for example 0.5."
        )
    return None


def course_problems(details: CourseDetails) -> dict[str, object]:
    """Every rule the details break, by field (empty when they are fine)."""
    problems = {}
    title = title_problem(details.title)
    if title:
        problems["title"] = title
    if len(details.summary) > SUMMARY_MAX_LENGTH:
        problems["summary"] = _l(
            "A summary has at most %(max)d characters.", max=SUMMARY_MAX_LENGTH
        )
    if details.module_id is None or db.session.get(Module, details.module_id) is None:
        problems["module"] = _l("Choose the module the course belongs to.")
    if not _is_course_region(details.region_code):
        problems["region"] = _l("Choose the province or one of its cities.")
    hours = study_hours_problem(details.study_hours)
    if hours:
        problems["study_hours"] = hours
    credits = credits_problem(details.credits)
    if credits:
        problems["credits"] = credits
    return problems


def create_course(
    details: CourseDetails, created_by: User | None = None, cover: BinaryIO | None = None
) -> Course:
    """A new draft course, with its cover picture when one is given."""
    raise_if(course_problems(details))
    course = Course(status=CourseStatus.DRAFT, created_by_id=created_by.id if created_by else None)
    _apply_details(course, details)
    db.session.add(course)
    db.session.flush()
    if cover is not None:
        set_cover(course, cover)
    return course


def update_course(
    course: Course,
    details: CourseDetails,
    cover: BinaryIO | None = None,
    remove_cover: bool = False,
) -> None:
    """Change a course's details and cover (its status and lessons change separately)."""
    raise_if(course_problems(details))
    _apply_details(course, details)
    if remove_cover:
        set_cover(course, None)
    if cover is not None:
        set_cover(course, cover)
    db.session.flush()


def _apply_details(course: Course, details: CourseDetails) -> None:
    course.module_id = details.module_id
    course.title = details.title
    course.summary = details.summary
    course.level = details.level
    course.region_code = details.region_code
    course.study_hours = details.study_hours
    course.credits = details.credits
    if details.featured is not None:
        course.featured = details.featured
    current = {a.audience: a for a in course.audiences}
    for audience, row in current.items():
        if audience not in details.audiences:
            course.audiences.remove(row)
    for audience in sorted(details.audiences - current.keys()):
        course.audiences.append(CourseAudience(audience=audience))


def set_cover(course: Course, picture: BinaryIO | None) -> None:
    """Store a new cover picture for the course, or remove the cover (None)."""
    if picture is None:
        course.cover_path = None
        return
    stored = store_upload(picture, MediaKind.IMAGE, "cover")
    course.cover_path = stored.path
    flush_or_discard(stored.path)


# ---- status -----------------------------------------------------------------------------


def publish_problems(course: Course) -> list[object]:
    """Why the course cannot be published yet (empty when it can)."""
    if not course.lessons:
        return [_l("Add at least one lesson.")]
    problems = []
    for lesson in course.lessons:
        if lesson.is_media and not lesson.media_path:
            problems.append(_l("The lesson “%(title)s” has no media file.", title=lesson.title))
        if lesson.kind is LessonKind.QUIZ and not lesson.questions:
            problems.append(_l("The quiz “%(title)s” has no questions yet.", title=lesson.title))
        if lesson.kind is LessonKind.QUIZ and not all(
            any(choice.correct for choice in question.choices) for question in lesson.questions
        ):
            problems.append(
                _l("A question of the quiz “%(title)s” has no correct answer.", title=lesson.title)
            )
    return problems


def publish_course(course: Course) -> None:
    """Open the course to learners; the first publication sets its publication date."""
    reasons = publish_problems(course)
    if reasons:
        raise NotPublishable(reasons)
    course.status = CourseStatus.PUBLISHED
    if course.published_at is None:
        course.published_at = utcnow()
    db.session.flush()


def unpublish_course(course: Course) -> None:
    """Take the course back to draft: hidden from learners, editable, publishable again."""
    course.status = CourseStatus.DRAFT
    db.session.flush()


def archive_course(course: Course) -> None:
    """Close the course: still shown to those who studied it, closed to new learners."""
    course.status = CourseStatus.ARCHIVED
    db.session.flush()


def ensure_still_publishable(course: Course) -> None:
    """Refuse a removal that would leave a published course unpublishable."""
    db.session.expire(course, ["lessons"])
    if course.is_published and publish_problems(course):
        refuse(
            "publish",
            _l("A published course must keep at least one lesson and complete quizzes. "
               "Move the course back to draft first."),
        )  # fmt: skip
