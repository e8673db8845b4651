"""What the index holds, read from the database: one SearchDocument per course and lesson.

Only published courses and the lessons of published courses are searchable. Places and
activities have their own loader (offline.py).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Iterator

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from learnhub.catalogue.models import (
    AUDIENCE_LABELS,
    LEVEL_LABELS,
    Course,
    CourseStatus,
    Lesson,
    LessonKind,
)

from .schema import SearchDocument, document_key

BATCH = 500
KINDS = ("course", "lesson", "module")  # the kinds of change resolve_changes() takes
_TAG = re.compile(r"<[^>]*>")
QUIZ_WEIGHT = 0.5  # a quiz is found with its topic, below the lessons that teach it


def plain_text(body_html: str) -> str:
    """Text of sanitised lesson HTML, tags turned into spaces so words stay apart."""
    return " ".join(html.unescape(_TAG.sub(" ", body_html or "")).split())


def in_every_language(labels: Iterable) -> list[str]:
    """A label in every interface language, so "elder" and 老年 both find the course."""
    words = []
    for code in current_app.config["LANGUAGES"]:
        with force_locale(code):
            words += [str(label) for label in labels]
    return words


def course_document(course: Course) -> SearchDocument:
    labels = [AUDIENCE_LABELS[a] for a in sorted(course.audience_values)]
    labels.append(LEVEL_LABELS[course.level])
    region = course.region
    secondary = " ".join(
        [course.summary or "", course.module.name_zh, course.module.name_en,
         *in_every_language(labels), region.name if region else "",
         region.name_en if region else ""]
    )  # fmt: skip
    return SearchDocument(
        kind="course",
        object_id=course.id,
        course_id=course.id,
        module=course.module.slug,
        published=course.published_at,
        title=course.title,
        secondary=secondary,
        also_pinyin=" ".join([course.module.name_zh, region.name if region else ""]),
    )


def lesson_document(lesson: Lesson, course: Course) -> SearchDocument:
    return SearchDocument(
        kind="lesson",
        object_id=lesson.id,
        course_id=course.id,
        module=course.module.slug,
        published=course.published_at,
        title=lesson.title,
        # The course's title, weighed as a summary: "智能手机入门" also lists the lessons
        # of that course (认识您的手机), below its course and lessons that say it themselves.
        secondary=course.title,
        body=plain_text(lesson.body_html),
        also_pinyin=course.title,
        weight=QUIZ_WEIGHT if lesson.kind == LessonKind.QUIZ else 1.0,
    )


def _course_options():
    return (
        selectinload(Course.module),
        selectinload(Course.region),
        selectinload(Course.audiences),
        selectinload(Course.lessons),
    )


def searchable_course_ids(session: Session) -> list[int]:
    query = select(Course.id).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.id)
    ids = list(session.scalars(query))
    session.commit()
    return ids


def course_documents(session: Session, course_ids: Iterable[int]) -> Iterator[SearchDocument]:
    """The documents of these courses (the course and its lessons), published ones only.

    The session must not expire on commit (``expire_on_commit=False``).
    """
    ids = iter(course_ids)
    while batch := list(itertools.islice(ids, BATCH)):
        query = select(Course).where(Course.id.in_(batch)).options(*_course_options())
        courses = list(session.scalars(query))
        # End the read before the slow part (analysing text): on SQLite a transaction begun
        # outside a request holds the write lock, and editors must not wait for a rebuild.
        session.commit()
        for course in courses:
            if _published(course):
                yield course_document(course)
                for lesson in course.lessons:
                    yield lesson_document(lesson, course)
        session.expunge_all()  # a rebuild reads every course: keep memory flat


def resolve_changes(session: Session, changes: Iterable[tuple[str, int]]):
    """What to write for a batch of queued changes: (documents, keys to remove, courses to remove).

    Each change is re-read from the database as it is now, so applying one twice, or late,
    is harmless. A changed course is removed with all its lessons and written again if it is
    still published (they share its status, module and date); a module change rewrites its
    courses; a lesson change rewrites (or removes) that lesson.
    """
    ids: dict[str, set[int]] = {"course": set(), "lesson": set(), "module": set()}
    for kind, object_id in changes:
        ids[kind].add(object_id)
    course_ids = ids["course"]
    if ids["module"]:
        in_modules = select(Course.id).where(Course.module_id.in_(ids["module"]))
        course_ids |= set(session.scalars(in_modules))
    documents: list[SearchDocument] = []
    query = select(Course).where(Course.id.in_(course_ids)).options(*_course_options())
    rewritten: set[int] = set()
    for course in session.scalars(query):
        if _published(course):
            documents.append(course_document(course))
            documents += [lesson_document(lesson, course) for lesson in course.lessons]
            rewritten |= {lesson.id for lesson in course.lessons}
    lesson_ids = ids["lesson"] - rewritten
    query = (
        select(Lesson)
        .where(Lesson.id.in_(lesson_ids))
        .options(selectinload(Lesson.course).options(*_course_options()[:2]))
    )
    lessons = {lesson.id: lesson for lesson in session.scalars(query)}
    remove_keys = []
    for lesson_id in sorted(lesson_ids):
        lesson = lessons.get(lesson_id)
        if lesson is not None and lesson.course_id not in course_ids and _published(lesson.course):
            documents.append(lesson_document(lesson, lesson.course))
        elif lesson is None or lesson.course_id not in course_ids:
            remove_keys.append(document_key("lesson", lesson_id))
    return documents, remove_keys, sorted(course_ids)


def _published(course: Course) -> bool:
    return course.status is CourseStatus.PUBLISHED
