"""/media/<path>: the files of lessons and course covers, shown as their course is.

A file belongs to the lesson or course that names it. It is public while its course is
(published or archived); a draft's files are served only to those who may edit the course,
never kept by shared caches; a file that no course names (replaced, deleted, never used)
is not served at all.
"""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from learnhub.accounts.access import may_edit_course
from learnhub.media import send_media

from .blueprint import bp
from .models import CourseStatus
from .services import course_of_media


@bp.get("/media/<path:path>")
def media(path: str):
    course = course_of_media(path)
    if course is None:
        abort(404)
    if course.status is not CourseStatus.DRAFT:
        return send_media(path, public=True)
    if current_user.is_authenticated and may_edit_course(current_user, course):
        return send_media(path, public=False)
    abort(404)


@bp.app_template_global()
def media_url(path: str | None) -> str | None:
    """The address of a stored file for pages, or None without a file."""
    return url_for("catalogue.media", path=path) if path else None
