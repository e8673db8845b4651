"""The studio's own services: the courses an editor may edit, and forms that add things once.

The rules for courses, lessons and questions are the catalogue's (``course_authoring``,
``lesson_authoring``, ``question_authoring``); the functions here add to them what only the
studio's pages need. Nothing here reads the request or commits.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from learnhub.accounts.access import editable_region_codes
from learnhub.accounts.models import User
from learnhub.catalogue.course_authoring import CourseDetails, create_course
from learnhub.catalogue.lesson_authoring import LessonDetails, add_lesson
from learnhub.catalogue.models import Course, CourseStatus, Lesson, LessonKind, QuizQuestion
from learnhub.catalogue.question_authoring import QuestionDetails, add_question
from learnhub.database import add_once
from learnhub.extensions import db

from .models import SentForm

# ---- forms that add something, once ------------------------------------------------------


def _claim_form(sent_by: User, form_token: str, course: Course | None) -> SentForm:
    """Record that this form is going through; AlreadySent (with the course the first post
    created or added to) if it went through before.

    The row is only kept if the caller commits: a post refused for its content leaves the
    token free, so the corrected form can still be sent.
    """
    sent = SentForm(
        user_id=sent_by.id, form_token=form_token, course_id=course.id if course else None
    )
    add_once(sent, SentForm.course_id, user_id=sent_by.id, form_token=form_token)
    return sent


def create_course_once(
    details: CourseDetails, created_by: User, form_token: str, cover: BinaryIO | None = None
) -> Course:
    """create_course() from a form: a second post of the same form raises AlreadySent."""
    sent = _claim_form(created_by, form_token, None)
    course = create_course(details, created_by, cover)
    sent.course_id = course.id
    db.session.flush()
    return course


def add_lesson_once(
    course: Course,
    kind: LessonKind,
    details: LessonDetails,
    sent_by: User,
    form_token: str,
    media: BinaryIO | None = None,
) -> Lesson:
    """add_lesson() from a form: a second post of the same form raises AlreadySent."""
    _claim_form(sent_by, form_token, course)
    return add_lesson(course, kind, details, media)


def add_question_once(
    lesson: Lesson, details: QuestionDetails, sent_by: User, form_token: str
) -> QuizQuestion:
    """add_question() from a form: a second post of the same form raises AlreadySent."""
    _claim_form(sent_by, form_token, lesson.course)
    return add_question(lesson, details)


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
