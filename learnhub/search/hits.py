"""Results as pages show them: a hit per course, lesson, place or activity, re-checked
against the database (the index may lag a moment behind a change)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnhub.activities.models import Activity
from learnhub.catalogue.models import Course, CourseStatus, Lesson, Module
from learnhub.extensions import db
from learnhub.places.models import Place

from . import offline
from .documents import plain_text
from .index import SearchIndex
from .results import IndexHit

# The activity page belongs to the activities feature: a hit links to it once it exists.
ACTIVITY_PAGE = "activities.detail"


@dataclass(frozen=True)
class Hit:
    kind: str  # course, lesson, place, activity
    object_id: int
    url: str
    title: Markup  # escaped, matches in <mark>
    snippet: Markup
    course: Course | None = None  # a course's, or a lesson's course
    module: Module | None = None
    label: str = ""  # what a place or an activity is: "Learning place · Library · 沈阳市"


def hits_for(found: list[IndexHit], terms: frozenset[str]) -> list[Hit]:
    """The page's hits, in the index's order, leaving out what is no longer public."""
    ids = {
        kind: {h.object_id for h in found if h.kind == kind}
        for kind in ("course", "lesson", "place", "activity")
    }
    # Only the kinds the page has are read: four queries (and their eager loads) for a page
    # of courses alone was a fifth of a results page's time.
    courses = _by_id(ids["course"], select(Course).options(selectinload(Course.module)), Course)
    lessons = _by_id(
        ids["lesson"],
        select(Lesson).options(selectinload(Lesson.course).selectinload(Course.module)),
        Lesson,
    )
    places = offline.load_places(ids["place"]) if ids["place"] else {}
    activities = offline.load_activities(ids["activity"]) if ids["activity"] else {}
    hits = []
    for found_hit in found:
        key = found_hit.object_id
        if found_hit.kind == "course" and key in courses:
            if courses[key].status is CourseStatus.PUBLISHED:
                hits.append(_course_hit(courses[key], terms))
        elif found_hit.kind == "lesson" and key in lessons:
            if lessons[key].course.status is CourseStatus.PUBLISHED:
                hits.append(_lesson_hit(lessons[key], terms))
        elif found_hit.kind == "place" and key in places:
            hits.append(_place_hit(places[key], terms))
        elif found_hit.kind == "activity" and key in activities:
            hits.append(_activity_hit(activities[key], terms))
    return hits


def _by_id(ids: set[int], query, model) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(query.where(model.id.in_(ids)))}


def _course_hit(course: Course, terms: frozenset[str]) -> Hit:
    return Hit(
        kind="course",
        object_id=course.id,
        url=url_for("learning.course", course_id=course.id),
        title=marked(course.title, terms, whole=True),
        snippet=marked(course.summary, terms),
        course=course,
        module=course.module,
    )


def _lesson_hit(lesson: Lesson, terms: frozenset[str]) -> Hit:
    return Hit(
        kind="lesson",
        object_id=lesson.id,
        url=url_for("learning.lesson", lesson_id=lesson.id),
        title=marked(lesson.title, terms, whole=True),
        snippet=marked(plain_text(lesson.body_html), terms),
        course=lesson.course,
        module=lesson.course.module,
    )


def _place_hit(place: Place, terms: frozenset[str]) -> Hit:
    where = " · ".join(r.display_name for r in (place.city, place.district) if r is not None)
    return Hit(
        kind="place",
        object_id=place.id,
        url=url_for("places.place", place_id=place.id),
        title=marked(place.name, terms, whole=True),
        snippet=marked(" ".join(filter(None, [place.address, place.description])), terms),
        label=" · ".join([_("Learning place"), place.kind_label, where]),
    )


def _activity_hit(activity: Activity, terms: frozenset[str]) -> Hit:
    parts = [_("Activity"), activity.kind.name]
    if activity.place is not None:
        parts.append(activity.place.name)
    return Hit(
        kind="activity",
        object_id=activity.id,
        url=url_for(ACTIVITY_PAGE, activity_id=activity.id),
        title=marked(activity.title, terms, whole=True),
        snippet=marked(plain_text(activity.description_html), terms),
        label=" · ".join(parts),
    )


def marked(value: str, terms: frozenset[str], whole: bool = False, length: int = 120) -> Markup:
    """The text with the searched words in <mark>, escaped; its start if none is in it."""
    value = value or ""
    html = SearchIndex.highlight(value, terms, whole=whole, length=length)
    if html:
        return Markup(html)  # noqa: S704 - built by Whoosh's HtmlFormatter, which escapes
    shown = value if whole or len(value) <= length else value[:length] + "…"
    return escape(shown)
