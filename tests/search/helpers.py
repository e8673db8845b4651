"""Small factories for search tests: courses and lessons straight through the models.

The studio and the importer change content the same way (models, then commit), which is
exactly what the index must follow. After a commit the job worker applies the change to
the index; :func:`commit_and_index` does both, running the queued jobs for real.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import select

from learnhub.catalogue.models import Course, CourseStatus, Lesson, LessonKind, Module
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.jobs.worker import run_pending
from learnhub.search import sync

# The search backends (SEARCH_BACKEND) a behaviour test runs on: Whoosh on every database,
# the PostgreSQL backend on PostgreSQL (LEARNHUB_TEST_POSTGRES_URL; skipped on SQLite).
SEARCH_BACKENDS = ("whoosh", "postgresql")


def app_with_search_backend(search_backend: str, app_factory, database: str):
    """An app (the conftest's app_factory) searching with ``search_backend``."""
    if search_backend == "postgresql" and database != "postgresql":
        pytest.skip("the PostgreSQL search backend needs PostgreSQL (LEARNHUB_TEST_POSTGRES_URL)")
    return app_factory(SEARCH_BACKEND=search_backend)


def module_id(slug: str = "party-history") -> int:
    return db.session.scalar(select(Module.id).where(Module.slug == slug))


def add_course(title: str, summary: str = "", lessons=(), module: str = "party-history",
               status: CourseStatus = CourseStatus.PUBLISHED, enrolments: int = 0,
               commit: bool = True) -> Course:  # fmt: skip
    """A course with lessons given as (title, body html) pairs; committed unless told not."""
    course = Course(
        module_id=module_id(module),
        title=title,
        summary=summary,
        region_code="210000",
        study_hours=Decimal("2"),
        credits=Decimal("1"),
        status=status,
        published_at=utcnow() if status is not CourseStatus.DRAFT else None,
        enrolment_count=enrolments,
    )
    course.lessons = [
        Lesson(position=i, title=lesson_title, kind=LessonKind.TEXT, body_html=body)
        for i, (lesson_title, body) in enumerate(lessons, start=1)
    ]
    db.session.add(course)
    if commit:
        commit_and_index()
    return course


def commit_and_index() -> None:
    """Commit, then run the jobs the commit queued, as the worker would right after."""
    db.session.commit()
    run_pending(current_app._get_current_object())


def indexed_keys(query: str, **options) -> list[tuple[str, int]]:
    """(kind, id) of the index's hits for a query, best first (straight from the adapter)."""
    found = sync.search_index().search(query, limit=50, **options)
    return [(hit.kind, hit.object_id) for hit in found.hits]
