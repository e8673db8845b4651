"""Choosing a topic's items on the staff form: find courses, activities and news by title or
number, and show what is chosen with its status (what the public will not see is marked)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from learnhub.extensions import db

from .models import Topic
from .services import ITEM_KINDS


@dataclass(frozen=True)
class Candidate:
    """Something staff may add to a topic: its number, title and status, and whether the
    public would see it on the topic's page."""

    number: int
    title: str
    status: str
    shown: bool


FIND_LIMIT = 10
# The statuses of courses, activities and news, as the staff form shows them.
ITEM_STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
    "cancelled": _l("Cancelled"),
    "finished": _l("Finished"),
    "withdrawn": _l("Withdrawn"),
}
SHOWN_STATUSES = {
    "course_ids": {"published"},
    "activity_ids": {"published", "finished"},
    "news_ids": {"published"},
}


def _candidate(kind: str, number: int, title: str, status) -> Candidate:
    status = str(status)
    label = ITEM_STATUS_LABELS.get(status, status)
    return Candidate(number, title, str(label), status in SHOWN_STATUSES[kind])


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_candidates(text: str) -> dict[str, list[Candidate]]:
    """Courses, activities and news whose title holds ``text`` (or whose number it is),
    newest first; without text, the newest of each."""
    text = " ".join((text or "").split())[:60]
    found = {}
    for name, model, *_ in ITEM_KINDS:
        query = select(model.id, model.title, model.status)
        if text:
            conditions = [func.lower(model.title).like(_like(text.lower()), escape="\\")]
            if text.isdigit() and len(text) < 10:
                conditions.append(model.id == int(text))
            query = query.where(or_(*conditions))
        rows = db.session.execute(query.order_by(model.id.desc()).limit(FIND_LIMIT))
        found[name] = [_candidate(name, row.id, row.title, row.status) for row in rows]
    return found


def chosen_items(topic: Topic) -> dict[str, list[Candidate]]:
    """The topic's chosen items with their status, for the staff (the public sees only
    those marked ``shown``)."""
    return {
        "course_ids": [
            _candidate("course_ids", row.course_id, row.course.title, row.course.status)
            for row in topic.courses
        ],
        "activity_ids": [
            _candidate("activity_ids", row.activity_id, row.activity.title, row.activity.status)
            for row in topic.activities
        ],
        "news_ids": [
            _candidate("news_ids", row.news_id, row.news_item.title, row.news_item.status)
            for row in topic.news
        ],
    }
