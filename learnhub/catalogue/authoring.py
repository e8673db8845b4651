"""What every change to the catalogue's courses, lessons and questions shares.

The rules of what makes a course, a lesson or a quiz question acceptable are catalogue
rules: the studio's pages and the bulk importer both go through them
(``course_authoring``, ``lesson_authoring``, ``question_authoring``). This module holds
their common pieces: the refusal, the limits, the course lock and storing an uploaded file.
Nothing here reads the request or commits: the caller commits once the whole change is in.
"""

from __future__ import annotations

from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.media import MediaError, MediaKind, StoredMedia, discard, store_stream

from .models import Course, LessonKind

TITLE_MAX_LENGTH = 120
MEDIA_KINDS = {LessonKind.VIDEO: MediaKind.VIDEO, LessonKind.AUDIO: MediaKind.AUDIO}


class AuthoringError(ValueError):
    """A change that breaks a rule; ``problems`` maps field names to messages."""

    def __init__(self, problems: dict[str, object]):
        super().__init__(f"refused: {', '.join(problems)}")  # messages render on demand
        self.problems = problems


def refuse(field: str, message) -> None:
    """Refuse the change because of one field."""
    raise AuthoringError({field: message})


def raise_if(problems: dict[str, object]) -> None:
    """Refuse the change when any rule is broken (``problems`` by field)."""
    if problems:
        raise AuthoringError(problems)


def title_problem(title: str) -> object | None:
    """Why a course's or a lesson's title is refused, or None."""
    if not title:
        return _l("Enter a title.")
    if len(title) > TITLE_MAX_LENGTH:
        return _l("A title has at most %(max)d characters.", max=TITLE_MAX_LENGTH)
    return None


def lock_course(course: Course) -> None:
    """Wait for other changes to this course's lessons and questions (positions are computed)."""
    db.session.execute(select(Course.id).where(Course.id == course.id).with_for_update())


def store_upload(stream: BinaryIO, kind: MediaKind, field: str) -> StoredMedia:
    """Store an uploaded file; a file of the wrong type or size is refused on ``field``."""
    try:
        return store_stream(stream, kind)
    except MediaError as error:
        raise AuthoringError({field: error.message}) from None


def flush_or_discard(stored_path: str) -> None:
    """Flush the row that points at a stored file; if that fails, the file goes too."""
    try:
        db.session.flush()
    except Exception:
        discard(stored_path)
        raise
