"""The course page: what every visitor sees alike is kept, each learner's part is put in.

The public part (breadcrumbs, introduction, facts, teachers, the ratings' summary, the lesson
list) is rendered once per course, language, elder mode and text size and kept under the
catalogue's content version, with slots (``<!--slot:name-->``) where the visitor's own part
goes: the study panel (enrol, continue, done), the rating form and each lesson's done mark.
A signed-in learner's page then costs their own few queries and no catalogue query; before,
the course and its lessons were read and the whole body rendered for every learner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, g, render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from learnhub.accounts.header import header_visitor
from learnhub.cache import CATALOGUE, cached_page, cached_value
from learnhub.catalogue.models import CourseStatus, Lesson
from learnhub.catalogue.services import visible_course
from learnhub.extensions import db
from learnhub.ui import elder_mode_requested, text_size_requested

from . import services, speech

_SLOT = re.compile(r"<!--slot:([a-z0-9-]+)-->")


@dataclass(frozen=True)
class LessonLine:
    id: int
    title: str


@dataclass(frozen=True)
class CourseOutline:
    """What a visitor's own part needs of the course: plain values, kept with the page."""

    id: int
    title: str
    archived: bool
    lessons: tuple[LessonLine, ...]


def slot(name: str) -> Markup:
    """Where a visitor's own part goes in a kept page (filled by ``fill_slots``)."""
    return Markup(f"<!--slot:{name}-->")  # noqa: S704 - a fixed comment of our own


def course_outline(course_id: int) -> CourseOutline | None:
    """The course's title and lessons as the public may see them (None: a draft or no such
    course), kept under the catalogue's version; the lesson page's way around its course."""
    return cached_value("course-outline", (course_id,), lambda: _outline(course_id), CATALOGUE)


def lesson_facts(lesson_id: int) -> services.LessonFacts | None:
    """What opening the lesson asks of it (its course, kind, reading time), kept under the
    catalogue's version; None: no such lesson, or its course is hidden (a draft)."""
    facts = cached_value("lesson-facts", (lesson_id,), lambda: _facts(lesson_id), CATALOGUE)
    if facts is None or course_outline(facts.course_id) is None:
        return None
    return facts


def _facts(lesson_id: int) -> services.LessonFacts | None:
    lesson = db.session.get(Lesson, lesson_id)
    return services.LessonFacts.of(lesson) if lesson is not None else None


def _outline(course_id: int) -> CourseOutline | None:
    found = _visible_course_once(course_id)
    if found is None:
        return None
    return CourseOutline(
        id=found.id,
        title=found.title,
        archived=found.status is CourseStatus.ARCHIVED,
        lessons=tuple(LessonLine(lesson.id, lesson.title) for lesson in found.lessons),
    )


def course_page(course_id: int) -> str:
    """The course page for the current visitor (404 if hidden): the kept public part with
    this visitor's own part put in its slots, in one render of the page (learning/course.html
    renders the own part's blocks and fills the slots).

    A visitor who has not completed the course sees nothing of their own but what their
    study shows (enrolled or not, the lessons done) and the header, so the whole page is kept
    by those (cache.cached_page) and shared by everyone in the same state: every signed-out
    visitor, and most learners (not enrolled, or only begun). A completed course's page holds
    the learner's own rating and comment, and is built for them."""
    outline = course_outline(course_id)
    if outline is None:
        abort(404)
    own = _study_of(outline)

    def render() -> str:
        public = cached_value(
            "course-public",
            (course_id, elder_mode_requested(), text_size_requested()),
            lambda: _public_html(course_id),
            CATALOGUE,
        )
        return render_template("learning/course.html", course=outline, public=public,
                               fill_slots=fill_slots, **own)  # fmt: skip

    study = own["study"]
    if study.completed_at is not None:
        return render()
    state = (study.enrolled, tuple(sorted(study.done)))
    return cached_page("course", render, CATALOGUE, key=state, visitor=header_visitor())


def _public_html(course_id: int) -> str:
    """The public part, with slots (the course is visible: its outline was found)."""
    found = _visible_course_once(course_id)
    return render_template("learning/_course_body.html", course=found,
                           server_speech=speech.espeak_available(), slot=slot)  # fmt: skip


def _visible_course_once(course_id: int):
    """The course and its lessons, read at most once a request (the outline and the public
    part are kept apart, but missing together they are built from one read)."""
    read = g.setdefault("learning_courses_read", {})
    if course_id not in read:
        read[course_id] = visible_course(course_id)
    return read[course_id]


def _study_of(outline: CourseOutline) -> dict:
    """This visitor's study of the course, for the slots: enrolled or not, the completion's
    date, the lessons done and their done marks."""
    study = services.CourseStudy(False, None, frozenset())
    if current_user.is_authenticated:
        study = services.course_study(current_user, outline.id)
    marks = {}
    if study.done:
        mark = str(Markup('<span class="lesson-done">✓ %s</span>') % _("Done"))
        marks = {f"done-{lesson_id}": mark for lesson_id in study.done}
    return {"study": study, "done_marks": marks}


def fill_slots(html: str, *fills: dict[str, str]) -> Markup:
    """The kept page with each slot replaced by its content (an unnamed slot by nothing)."""
    contents = {name: str(content) for part in fills for name, content in part.items()}
    return Markup(_SLOT.sub(lambda m: contents.get(m.group(1), ""), html))  # noqa: S704 - ours
