"""Editing the catalogue: courses, lessons, quiz questions, and their publishing status.

The rules of what makes a course, a lesson or a question acceptable live here, and both
the studio's pages and the bulk importer go through them. Nothing here reads the request
or commits: the caller commits once the whole change has gone through.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import BinaryIO

import nh3
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from learnhub.accounts.access import editable_region_codes
from learnhub.accounts.models import User
from learnhub.catalogue.content import sanitise_html
from learnhub.catalogue.models import (
    Audience,
    Course,
    CourseAudience,
    CourseLevel,
    CourseStatus,
    Lesson,
    LessonKind,
    Module,
    QuizChoice,
    QuizQuestion,
)
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.media import MediaError, MediaKind, discard, store_stream
from learnhub.regions.models import Region, RegionLevel

TITLE_MAX_LENGTH = 120
SUMMARY_MAX_LENGTH = 2000
PROMPT_MAX_LENGTH = 1000
CHOICE_MAX_LENGTH = 255
MIN_CHOICES, MAX_CHOICES = 2, 10
MAX_STUDY_HOURS = Decimal(1000)
MAX_CREDITS = Decimal(100)
MAX_DURATION_SECONDS = 12 * 3600
DEFAULT_PASS_MARK = 60
# A second "create" of the same course by the same person within this time is the same
# submit arriving twice (double click, a retried request), not a new course.
DUPLICATE_WINDOW = timedelta(minutes=10)
MEDIA_KINDS = {LessonKind.VIDEO: MediaKind.VIDEO, LessonKind.AUDIO: MediaKind.AUDIO}
_HTML_TAG = re.compile(r"<[a-zA-Z/!]")


class StudioError(ValueError):
    """A change that breaks a rule; ``problems`` maps field names to messages."""

    def __init__(self, problems: dict[str, object]):
        super().__init__(f"refused: {', '.join(problems)}")  # messages render on demand
        self.problems = problems


class NotPublishable(StudioError):
    """The course lacks what learners need; ``reasons`` lists every missing piece."""

    def __init__(self, reasons: list[object]):
        super().__init__({"publish": _l("The course cannot be published yet.")})
        self.reasons = reasons


def _refuse(field: str, message) -> None:
    raise StudioError({field: message})


def _raise_if(problems: dict[str, object]) -> None:
    if problems:
        raise StudioError(problems)


# ---- courses ------------------------------------------------------------------------


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
    if not details.title:
        problems["title"] = _l("Enter a title.")
    elif len(details.title) > TITLE_MAX_LENGTH:
        problems["title"] = _l("A title has at most %(max)d characters.", max=TITLE_MAX_LENGTH)
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


def create_course(details: CourseDetails, created_by: User | None = None) -> Course:
    """A new draft course."""
    _raise_if(course_problems(details))
    course = Course(status=CourseStatus.DRAFT, created_by_id=created_by.id if created_by else None)
    _apply_details(course, details)
    db.session.add(course)
    db.session.flush()
    return course


def create_course_once(
    details: CourseDetails, created_by: User, cover: BinaryIO | None = None
) -> Course:
    """A new draft course from a form, except that the same submit arriving twice gives
    the course the first one created.

    The creator's row is locked first, so two copies of one submit run one after the
    other, and the second finds the first's course (PostgreSQL reads what committed
    meanwhile; SQLite lets one writer in at a time anyway).
    """
    _raise_if(course_problems(details))
    db.session.execute(select(User.id).where(User.id == created_by.id).with_for_update())
    duplicate = db.session.scalar(
        select(Course)
        .where(
            Course.created_by_id == created_by.id,
            Course.title == details.title,
            Course.module_id == details.module_id,
            Course.region_code == details.region_code,
            Course.created_at >= utcnow() - DUPLICATE_WINDOW,
        )
        .order_by(Course.id.desc())
        .limit(1)
    )
    if duplicate is not None:
        return duplicate
    course = create_course(details, created_by)
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
    _raise_if(course_problems(details))
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
    try:
        stored = store_stream(picture, MediaKind.IMAGE)
    except MediaError as error:
        raise StudioError({"cover": error.message}) from None
    course.cover_path = stored.path
    _flush_or_discard(stored.path)


def _flush_or_discard(stored_path: str) -> None:
    try:
        db.session.flush()
    except Exception:
        discard(stored_path)
        raise


# ---- status ---------------------------------------------------------------------------


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


def _ensure_still_publishable(course: Course) -> None:
    # A published course must stay one that could be published.
    db.session.expire(course, ["lessons"])
    if course.is_published and publish_problems(course):
        _refuse(
            "publish",
            _l("A published course must keep at least one lesson and complete quizzes. "
               "Move the course back to draft first."),
        )  # fmt: skip


# ---- lessons --------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonDetails:
    """What an editor says about a lesson; which fields count depends on its kind."""

    title: str
    body_html: str = ""
    duration_seconds: int = 0
    pass_mark: int | None = None


def lesson_body(text: str) -> str:
    """Rich text as stored: HTML sanitised, plain text turned into paragraphs first."""
    text = (text or "").strip()
    if text and not _HTML_TAG.search(text):
        paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
        text = "".join(
            "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    return sanitise_html(text)


def _is_blank_html(body: str) -> bool:
    return not nh3.clean(body, tags=set()).strip() and "<img" not in body


def lesson_problems(
    kind: LessonKind, details: LessonDetails, needs_media: bool = False
) -> dict[str, object]:
    """Every rule the lesson details break, by field; ``needs_media``: no file given yet."""
    problems = {}
    if not details.title:
        problems["title"] = _l("Enter a title.")
    elif len(details.title) > TITLE_MAX_LENGTH:
        problems["title"] = _l("A title has at most %(max)d characters.", max=TITLE_MAX_LENGTH)
    if kind is LessonKind.TEXT and _is_blank_html(lesson_body(details.body_html)):
        problems["body_html"] = _l("Write the text of the lesson.")
    if kind in MEDIA_KINDS:
        if needs_media:
            problems["media"] = _l("Choose the file to upload.")
        if not 0 < details.duration_seconds <= MAX_DURATION_SECONDS:
            problems["duration_seconds"] = _l("Enter the length: more than 0 and at most 12 hours.")
    if kind is LessonKind.QUIZ and not (
        details.pass_mark is not None and 1 <= details.pass_mark <= 100
    ):
        problems["pass_mark"] = _l("Enter a pass mark from 1 to 100 percent.")
    return problems


def add_lesson(
    course: Course, kind: LessonKind, details: LessonDetails, media: BinaryIO | None = None
) -> Lesson:
    """A new lesson at the end of the course; video and audio lessons need their file."""
    _raise_if(lesson_problems(kind, details, needs_media=kind in MEDIA_KINDS and media is None))
    _lock_course(course)
    last = db.session.scalar(select(func.max(Lesson.position)).where(Lesson.course_id == course.id))
    lesson = Lesson(course=course, kind=kind, position=(last or 0) + 1)
    _apply_lesson_details(lesson, details)
    db.session.add(lesson)
    _store_lesson_media(lesson, media)
    return lesson


def add_lesson_once(
    course: Course, kind: LessonKind, details: LessonDetails, media: BinaryIO | None = None
) -> Lesson:
    """add_lesson() from a form: the same submit arriving twice adds the lesson once.

    With the course locked, a lesson identical to the course's last one is taken to be
    the first copy of this submit (lessons have no creation time to compare).
    """
    _raise_if(lesson_problems(kind, details, needs_media=kind in MEDIA_KINDS and media is None))
    _lock_course(course)
    last = db.session.scalar(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position.desc())
    )
    if last is not None and _lesson_matches(last, kind, details):
        return last
    return add_lesson(course, kind, details, media)


def _lesson_matches(lesson: Lesson, kind: LessonKind, details: LessonDetails) -> bool:
    values = _lesson_values(kind, details)
    return lesson.kind is kind and all(getattr(lesson, k) == v for k, v in values.items())


def update_lesson(lesson: Lesson, details: LessonDetails, media: BinaryIO | None = None) -> None:
    """Change a lesson; a media lesson keeps its file unless a new one is given."""
    _raise_if(lesson_problems(lesson.kind, details))
    _apply_lesson_details(lesson, details)
    _store_lesson_media(lesson, media)


def _lesson_values(kind: LessonKind, details: LessonDetails) -> dict:
    """The column values a lesson of this kind stores for these details."""
    return {
        "title": details.title,
        "body_html": lesson_body(details.body_html),
        "duration_seconds": details.duration_seconds if kind in MEDIA_KINDS else 0,
        "pass_mark": details.pass_mark if kind is LessonKind.QUIZ else None,
    }


def _apply_lesson_details(lesson: Lesson, details: LessonDetails) -> None:
    for name, value in _lesson_values(lesson.kind, details).items():
        setattr(lesson, name, value)


def _store_lesson_media(lesson: Lesson, media: BinaryIO | None) -> None:
    if media is None or lesson.kind not in MEDIA_KINDS:
        db.session.flush()
        return
    try:
        stored = store_stream(media, MEDIA_KINDS[lesson.kind])
    except MediaError as error:
        raise StudioError({"media": error.message}) from None
    lesson.media_path, lesson.media_type = stored.path, stored.mimetype
    _flush_or_discard(stored.path)


def move_lesson(lesson: Lesson, steps: int) -> bool:
    """Move a lesson up (-1) or down (+1) in its course; False when it is already at the end."""
    course = lesson.course
    _lock_course(course)
    order = _lesson_ids(course)
    index = order.index(lesson.id)
    target = index + steps
    if not 0 <= target < len(order):
        return False
    order.insert(target, order.pop(index))
    _renumber(course, order)
    return True


def delete_lesson(lesson: Lesson) -> None:
    """Remove a lesson (and learners' progress on it); the others close the gap."""
    course = lesson.course
    _lock_course(course)
    db.session.delete(lesson)
    db.session.flush()
    _ensure_still_publishable(course)
    _renumber(course, _lesson_ids(course))


def _lock_course(course: Course) -> None:
    # Changes to a course's lesson list wait for each other (positions are computed).
    db.session.execute(select(Course.id).where(Course.id == course.id).with_for_update())


def _lesson_ids(course: Course) -> list[int]:
    query = select(Lesson.id).where(Lesson.course_id == course.id).order_by(Lesson.position)
    return list(db.session.scalars(query))


def _renumber(course: Course, lesson_ids: list[int]) -> None:
    """Give the lessons positions 1, 2, 3… in this order, in this transaction.

    Positions are unique per course at every moment, so each lesson first moves to a
    negative position of its own and only then to its new place.
    """
    fetch = {"synchronize_session": "fetch"}
    db.session.execute(
        update(Lesson)
        .where(Lesson.course_id == course.id)
        .values(position=-Lesson.position - 1)
        .execution_options(**fetch)
    )
    for position, lesson_id in enumerate(lesson_ids, start=1):
        db.session.execute(
            update(Lesson)
            .where(Lesson.id == lesson_id)
            .values(position=position)
            .execution_options(**fetch)
        )
    db.session.expire(course, ["lessons"])


# ---- quiz questions -------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionDetails:
    """A quiz question and its answers to choose from: (text, correct) pairs, in order."""

    prompt: str
    multiple: bool
    choices: tuple[tuple[str, bool], ...]


def question_problems(details: QuestionDetails) -> dict[str, object]:
    """Every rule the question breaks, by field (empty when it is fine)."""
    problems = {}
    if not details.prompt:
        problems["prompt"] = _l("Enter the question.")
    elif len(details.prompt) > PROMPT_MAX_LENGTH:
        problems["prompt"] = _l("A question has at most %(max)d characters.", max=PROMPT_MAX_LENGTH)
    choice_problem = _choices_problem(details)
    if choice_problem:
        problems["choices"] = choice_problem
    return problems


def _choices_problem(details: QuestionDetails) -> object | None:
    texts = [text for text, _correct in details.choices]
    correct = sum(1 for _text, is_correct in details.choices if is_correct)
    if not MIN_CHOICES <= len(texts) <= MAX_CHOICES or not all(texts):
        return _l("Give from %(min)d to %(max)d answers to choose from.",
                  min=MIN_CHOICES, max=MAX_CHOICES)  # fmt: skip
    if any(len(text) > CHOICE_MAX_LENGTH for text in texts):
        return _l("An answer has at most %(max)d characters.", max=CHOICE_MAX_LENGTH)
    if correct == 0:
        return _l("Mark the correct answer.")
    if correct > 1 and not details.multiple:
        return _l("Mark only one correct answer, or say that several answers are correct.")
    return None


def _ensure_quiz(lesson: Lesson) -> None:
    if lesson.kind is not LessonKind.QUIZ:
        _refuse("prompt", _l("Only quizzes have questions."))


def add_question(lesson: Lesson, details: QuestionDetails) -> QuizQuestion:
    """A new question at the end of a quiz."""
    _ensure_quiz(lesson)
    _raise_if(question_problems(details))
    _lock_course(lesson.course)
    last = db.session.scalar(
        select(func.max(QuizQuestion.position)).where(QuizQuestion.lesson_id == lesson.id)
    )
    question = QuizQuestion(lesson=lesson, position=(last or 0) + 1)
    db.session.add(question)
    _apply_question_details(question, details)
    db.session.flush()
    return question


def add_question_once(lesson: Lesson, details: QuestionDetails) -> QuizQuestion:
    """add_question() from a form: the same submit arriving twice adds the question once."""
    _ensure_quiz(lesson)
    _raise_if(question_problems(details))
    _lock_course(lesson.course)
    last = db.session.scalar(
        select(QuizQuestion)
        .where(QuizQuestion.lesson_id == lesson.id)
        .order_by(QuizQuestion.position.desc())
    )
    if last is not None and _question_matches(last, details):
        return last
    return add_question(lesson, details)


def _question_matches(question: QuizQuestion, details: QuestionDetails) -> bool:
    choices = tuple((choice.text, choice.correct) for choice in question.choices)
    return (question.prompt, question.multiple, choices) == (
        details.prompt,
        details.multiple,
        details.choices,
    )


def update_question(question: QuizQuestion, details: QuestionDetails) -> None:
    """Change a question and its answers; answers keep their place (and id) where they can."""
    _raise_if(question_problems(details))
    _apply_question_details(question, details)
    db.session.flush()


def _apply_question_details(question: QuizQuestion, details: QuestionDetails) -> None:
    question.prompt = details.prompt
    question.multiple = details.multiple
    existing = list(question.choices)
    for position, (text, correct) in enumerate(details.choices, start=1):
        if position <= len(existing):
            choice = existing[position - 1]
            choice.text, choice.correct = text, correct
        else:
            question.choices.append(QuizChoice(position=position, text=text, correct=correct))
    for extra in existing[len(details.choices) :]:
        question.choices.remove(extra)


def delete_question(question: QuizQuestion) -> None:
    """Remove a question from its quiz."""
    course = question.lesson.course
    _lock_course(course)
    lesson = question.lesson
    db.session.delete(question)
    db.session.flush()
    db.session.expire(lesson, ["questions"])
    _ensure_still_publishable(course)


# ---- listing --------------------------------------------------------------------------


def studio_courses(region_codes: frozenset[str] | None, status: CourseStatus | None) -> Select:
    """The courses of these regions (None: every region), most recently changed first."""
    query = (
        select(Course)
        .options(selectinload(Course.module), selectinload(Course.region))
        .order_by(Course.updated_at.desc(), Course.id.desc())
    )
    if region_codes is not None:
        query = query.where(Course.region_code.in_(region_codes))
    if status is not None:
        query = query.where(Course.status == status)
    return query


def courses_of(user: User, status: CourseStatus | None, page: int, per_page: int = 25):
    """A page of the courses the user may edit."""
    return db.paginate(
        studio_courses(editable_region_codes(user), status),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def lesson_counts(courses: list[Course]) -> dict[int, int]:
    """How many lessons each of these courses has (without loading the lessons)."""
    query = (
        select(Lesson.course_id, func.count(Lesson.id))
        .where(Lesson.course_id.in_([course.id for course in courses]))
        .group_by(Lesson.course_id)
    )
    return dict(db.session.execute(query).all())
