"""Writing lessons: text, video, audio and quiz lessons, their order, and the rules for them.

Used by the studio's pages and by the bulk importer alike (see ``authoring``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import BinaryIO

import nh3
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from learnhub.extensions import db

from .authoring import (
    MEDIA_KINDS,
    flush_or_discard,
    lock_course,
    raise_if,
    store_upload,
    title_problem,
)
from .content import sanitise_html
from .course_authoring import ensure_still_publishable
from .models import Course, Lesson, LessonKind

MAX_DURATION_SECONDS = 12 * 3600
DEFAULT_PASS_MARK = 60
_HTML_TAG = re.compile(r"<[a-zA-Z/!]")


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
    title = title_problem(details.title)
    if title:
        problems["title"] = title
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
    raise_if(lesson_problems(kind, details, needs_media=kind in MEDIA_KINDS and media is None))
    lock_course(course)
    last = db.session.scalar(select(func.max(Lesson.position)).where(Lesson.course_id == course.id))
    lesson = Lesson(course=course, kind=kind, position=(last or 0) + 1)
    _apply_lesson_details(lesson, details)
    db.session.add(lesson)
    _store_lesson_media(lesson, media)
    return lesson


def update_lesson(lesson: Lesson, details: LessonDetails, media: BinaryIO | None = None) -> None:
    """Change a lesson; a media lesson keeps its file unless a new one is given."""
    raise_if(lesson_problems(lesson.kind, details))
    _apply_lesson_details(lesson, details)
    _store_lesson_media(lesson, media)


def _apply_lesson_details(lesson: Lesson, details: LessonDetails) -> None:
    # Fields that do not belong to the lesson's kind are stored empty, whatever was sent.
    lesson.title = details.title
    lesson.body_html = lesson_body(details.body_html)
    lesson.duration_seconds = details.duration_seconds if lesson.kind in MEDIA_KINDS else 0
    lesson.pass_mark = details.pass_mark if lesson.kind is LessonKind.QUIZ else None


def _store_lesson_media(lesson: Lesson, media: BinaryIO | None) -> None:
    if media is None or lesson.kind not in MEDIA_KINDS:
        db.session.flush()
        return
    stored = store_upload(media, MEDIA_KINDS[lesson.kind], "media")
    lesson.media_path, lesson.media_type = stored.path, stored.mimetype
    flush_or_discard(stored.path)


# ---- order --------------------------------------------------------------------------------


def move_lesson(lesson: Lesson, steps: int) -> bool:
    """Move a lesson up (-1) or down (+1) in its course; False when it is already at the end."""
    course = lesson.course
    lock_course(course)
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
    lock_course(course)
    db.session.delete(lesson)
    db.session.flush()
    ensure_still_publishable(course)
    _renumber(course, _lesson_ids(course))


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
