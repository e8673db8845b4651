"""Bulk import of courses: JSON (courses with lessons, quizzes and media) or CSV (courses only).

All or nothing: every course is checked first (``import_checks``), against the same rules
as the studio's forms, and when anything is wrong the report names every problem with its
place in the file and nothing is written. Files are read by ``import_files``; the formats
are described in docs/catalogue-import.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from learnhub.accounts.models import User
from learnhub.media import discard

from .course_authoring import create_course, publish_course
from .import_checks import CoursePlan, check_catalogue
from .import_report import ImportReport
from .lesson_authoring import add_lesson
from .question_authoring import add_question

# The credit bank reads its CSV files with the same problem reporting, from here.


def import_catalogue(
    data,
    created_by: User | None = None,
    *,
    base_dir: Path | None = None,
    dry_run: bool = False,
    skip_existing_titles: bool = False,
    progress: Callable[[Iterable], Iterable] = iter,
) -> ImportReport:
    """Check every course, then create them all, or none when anything is wrong.

    ``data`` is ``{"courses": [...]}`` as read by read_catalogue_file(); media paths are
    relative to ``base_dir``. The caller commits when the report is ``ok`` (and not a dry
    run), and otherwise rolls back.
    """
    report = ImportReport(dry_run=dry_run)
    plans = check_catalogue(data, base_dir or Path.cwd(), report, skip_existing_titles, progress)
    if report.ok and not dry_run:
        _create_all(plans, created_by, progress)
    return report


def _create_all(plans: list[CoursePlan], created_by: User | None, progress: Callable) -> None:
    stored: list[str | None] = []
    try:
        for plan in progress(plans):
            _create_course(plan, created_by, stored)
    except Exception:
        for path in stored:  # the caller rolls back the rows; these are the files
            discard(path)
        raise


def _create_course(plan: CoursePlan, created_by: User | None, stored: list[str | None]) -> None:
    with _opened(plan.cover) as picture:
        course = create_course(plan.details, created_by, picture)
    stored.append(course.cover_path)
    for lesson_plan in plan.lessons:
        with _opened(lesson_plan.media) as media:
            lesson = add_lesson(course, lesson_plan.kind, lesson_plan.details, media)
        stored.append(lesson.media_path)
        for question in lesson_plan.questions:
            add_question(lesson, question)
    if plan.publish:
        publish_course(course)


@contextmanager
def _opened(path: Path | None) -> Iterator[BinaryIO | None]:
    """The file at ``path`` open for reading, or None when there is no file."""
    if path is None:
        yield None
        return
    with path.open("rb") as stream:
        yield stream
