"""The rules of topics: who writes them, what a topic must be, what the public sees of it.

Plain services: they take plain values and models, add and flush, never commit. A refusal
raises :class:`TopicError` naming the form field it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.activities.models import Activity
from learnhub.catalogue.content import sanitise_html
from learnhub.catalogue.models import Course
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.media import MediaKind, store_stream
from learnhub.news.models import NewsItem
from learnhub.news.services import NewsError, check_image

from .access import may_manage_topics
from .models import (
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Topic,
    TopicActivity,
    TopicCourse,
    TopicNews,
    TopicStatus,
)

BODY_MAX = 50_000  # characters of HTML, after sanitising
POSITION_MAX = 9999
ITEMS_MAX = 30  # of each kind: a topic page, not a catalogue
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class TopicError(ValueError):
    """A topic the rules refuse; ``field`` is the form field it is about (or None).
    ``forbidden``: the person may not write topics at all (a 403, not a form problem)."""

    def __init__(self, field: str | None, message, forbidden: bool = False):
        super().__init__("topic refused")  # the message renders in the reader's language
        self.field = field
        self.message = message
        self.forbidden = forbidden


@dataclass
class TopicDetails:
    """What a form says about a topic (the cover travels separately). The item lists are
    numbers (ids) in the order the topic shows them."""

    slug: str
    title: str
    summary: str = ""
    body_html: str = ""
    position: int = 0
    course_ids: list[int] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    news_ids: list[int] = field(default_factory=list)


# Each kind of item: the details' field, the model chosen, the link model and its key.
ITEM_KINDS = (
    ("course_ids", Course, TopicCourse, "course_id", "courses"),
    ("activity_ids", Activity, TopicActivity, "activity_id", "activities"),
    ("news_ids", NewsItem, TopicNews, "news_id", "news"),
)
UNKNOWN_ITEM_MESSAGES = {
    "course_ids": _l("There is no course with the number %(numbers)s."),
    "activity_ids": _l("There is no activity with the number %(numbers)s."),
    "news_ids": _l("There is no news item with the number %(numbers)s."),
}


def ensure_may_manage(staff) -> None:
    """TopicError (forbidden) unless the person may write topics (province staff)."""
    if not may_manage_topics(staff):
        raise TopicError(None, _l("Only the province centre's staff write topics."), forbidden=True)


# ---- checking --------------------------------------------------------------------------------


def _check_slug(details: TopicDetails, topic: Topic | None) -> None:
    details.slug = (details.slug or "").strip().lower()
    if not details.slug:
        raise TopicError("slug", _l("Enter the topic's web address, for example anti-fraud."))
    if len(details.slug) > SLUG_MAX:
        raise TopicError("slug", _l("Write at most %(max)d characters.", max=SLUG_MAX))
    if not SLUG_PATTERN.fullmatch(details.slug):
        raise TopicError(
            "slug",
            _l(
                "Use only lowercase latin letters, digits and single hyphens between them, "
                "for example learning-week-2026."
            ),
        )
    query = select(Topic.id).where(Topic.slug == details.slug)
    if topic is not None and topic.id is not None:
        query = query.where(Topic.id != topic.id)
    if db.session.scalar(query) is not None:
        raise TopicError(
            "slug", _l("Another topic has the address %(slug)s already.", slug=details.slug)
        )


def _check_items(details: TopicDetails) -> None:
    for name, model, *_ in ITEM_KINDS:
        wanted = list(dict.fromkeys(getattr(details, name) or []))  # once each, in order
        if len(wanted) > ITEMS_MAX:
            raise TopicError(name, _l("Choose at most %(max)d.", max=ITEMS_MAX))
        found = set(db.session.scalars(select(model.id).where(model.id.in_(wanted))))
        unknown = [str(number) for number in wanted if number not in found]
        if unknown:
            raise TopicError(name, _l(UNKNOWN_ITEM_MESSAGES[name], numbers=", ".join(unknown)))
        setattr(details, name, wanted)


def check_details(details: TopicDetails, topic: Topic | None = None) -> TopicDetails:
    """The details as they will be saved (HTML sanitised, items once each), or TopicError
    for the first fault. ``topic``: the one being changed (it may keep its own address)."""
    _check_slug(details, topic)
    details.title = (details.title or "").strip()
    if not details.title:
        raise TopicError("title", _l("Enter a title."))
    if len(details.title) > TITLE_MAX:
        raise TopicError("title", _l("Write at most %(max)d characters.", max=TITLE_MAX))
    details.summary = " ".join((details.summary or "").split())  # one line
    if len(details.summary) > SUMMARY_MAX:
        raise TopicError("summary", _l("Write at most %(max)d characters.", max=SUMMARY_MAX))
    details.body_html = sanitise_html(details.body_html).strip()
    if not details.body_html:
        raise TopicError("body_html", _l("Write the text of the topic."))
    if len(details.body_html) > BODY_MAX:
        raise TopicError("body_html", _l("Write at most %(max)d characters.", max=BODY_MAX))
    if details.position is None or not 0 <= details.position <= POSITION_MAX:
        raise TopicError(
            "position", _l("Enter a whole number from 0 to %(max)d.", max=POSITION_MAX)
        )
    _check_items(details)
    return details


def check_cover(cover: BinaryIO) -> None:
    """A JPEG or PNG picture within the image size limit, judged by its content (the news
    feature's check), or TopicError."""
    try:
        check_image(cover)
    except NewsError as error:
        raise TopicError("cover", error.message) from None


# ---- changing --------------------------------------------------------------------------------


def _set_items(rows: list, link_model, key: str, ids: list[int]) -> None:
    """Make the topic's links of one kind these ids in this order (rows kept where they can
    be: a link's key is its topic and item)."""
    by_id = {getattr(row, key): row for row in rows}
    for row in [row for row in rows if getattr(row, key) not in ids]:
        rows.remove(row)
    for position, item_id in enumerate(ids):
        row = by_id.get(item_id)
        if row is None:
            rows.append(link_model(**{key: item_id}, position=position))
        else:
            row.position = position
    rows.sort(key=lambda row: row.position)


def _apply(topic: Topic, details: TopicDetails) -> None:
    for name in ("slug", "title", "summary", "body_html", "position"):
        setattr(topic, name, getattr(details, name))
    for name, _model, link_model, key, relation in ITEM_KINDS:
        _set_items(getattr(topic, relation), link_model, key, getattr(details, name))


def _store_cover(topic: Topic, cover: BinaryIO | None) -> str | None:
    """Store a new cover (checked first); returns the replaced one's path, to discard later."""
    if cover is None:
        return None
    check_cover(cover)
    old, topic.cover_name = topic.cover_name, store_stream(cover, MediaKind.IMAGE).path
    return old


def create_topic(staff, details: TopicDetails, cover: BinaryIO | None = None) -> Topic:
    """A new draft topic, written by province staff."""
    ensure_may_manage(staff)
    check_details(details)
    if cover is not None:
        check_cover(cover)
    topic = Topic(status=TopicStatus.DRAFT, created_by_id=staff.id if staff else None)
    db.session.add(topic)
    _apply(topic, details)
    _store_cover(topic, cover)
    db.session.flush()
    return topic


def update_topic(
    staff,
    topic: Topic,
    details: TopicDetails,
    cover: BinaryIO | None = None,
    remove_cover: bool = False,
) -> str | None:
    """Change a topic; returns a replaced cover's path (discard it after the commit), or None."""
    ensure_may_manage(staff)
    check_details(details, topic)
    if cover is not None:
        check_cover(cover)  # before anything changes
    _apply(topic, details)
    replaced = _store_cover(topic, cover)
    if replaced is None and remove_cover and cover is None:
        replaced, topic.cover_name = topic.cover_name, None
    db.session.flush()
    return replaced


def set_status(staff, topic: Topic, status: TopicStatus) -> bool:
    """Publish or withdraw a topic; returns whether anything changed. The first publication
    sets its date (a later re-publication keeps it)."""
    ensure_may_manage(staff)
    if topic.status is status:
        return False
    topic.status = status
    if status is TopicStatus.PUBLISHED and topic.published_at is None:
        topic.published_at = utcnow()
    db.session.flush()
    return True


def details_of(topic: Topic) -> dict:
    """What the audit log keeps of a topic's state (the text only by its length)."""
    return {
        "slug": topic.slug,
        "title": topic.title,
        "summary": topic.summary,
        "position": topic.position,
        "body_html": len(topic.body_html or ""),
        "course_ids": [row.course_id for row in topic.courses],
        "activity_ids": [row.activity_id for row in topic.activities],
        "news_ids": [row.news_id for row in topic.news],
    }


def form_values_of(topic: Topic) -> TopicDetails:
    """A topic as its form shows it."""
    return TopicDetails(
        slug=topic.slug,
        title=topic.title,
        summary=topic.summary,
        body_html=topic.body_html,
        position=topic.position,
        course_ids=[row.course_id for row in topic.courses],
        activity_ids=[row.activity_id for row in topic.activities],
        news_ids=[row.news_id for row in topic.news],
    )
