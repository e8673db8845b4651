"""The rules of news: who may write for which region, what a story must be, what is public.

Plain services: they take plain values and models, add and flush, never commit. A refusal
raises :class:`NewsError` naming the form field it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from learnhub.accounts.scopes import EVERYTHING, Scope
from learnhub.catalogue.content import sanitise_html
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.media import MediaError, MediaKind, check_stream, store_stream
from learnhub.regions.models import Region, RegionLevel

from .models import NewsItem, NewsKind, NewsStatus

IMAGE_FORMATS = ("jpg", "png")
TITLE_MAX = 120
BODY_MAX = 50_000  # characters of HTML, after sanitising


class NewsError(ValueError):
    """A news item the rules refuse; ``field`` is the form field it is about (or None)."""

    def __init__(self, field: str | None, message):
        super().__init__("news refused")  # the message renders in the reader's language
        self.field = field
        self.message = message


@dataclass
class NewsDetails:
    """What a form says about a news item (the picture travels separately). No city: the
    province's news."""

    title: str
    kind: NewsKind
    city_code: str | None = None
    district_code: str | None = None
    summary: str = ""
    body_html: str = ""
    image_caption: str = ""


def _check_region(scope: Scope, details: NewsDetails) -> None:
    details.city_code = details.city_code or None
    details.district_code = details.district_code or None
    if details.city_code is not None:
        city = db.session.get(Region, details.city_code)
        province = current_app.config["HOME_PROVINCE"]
        if city is None or city.level is not RegionLevel.CITY or city.parent_code != province:
            raise NewsError("city_code", _l("Choose a city of the province."))
    if details.district_code is not None:
        district = db.session.get(Region, details.district_code)
        if details.city_code is None or district is None or district.parent_code != city.code:
            raise NewsError("district_code", _l("This district or county is not in that city."))
    if not scope.covers(details.city_code, details.district_code):
        raise NewsError("city_code", _l("You may publish news only for the region you look after."))


def check_details(scope: Scope, details: NewsDetails) -> NewsDetails:
    """The details as they will be saved (HTML sanitised), or NewsError for the first fault."""
    details.title = (details.title or "").strip()
    if not details.title:
        raise NewsError("title", _l("Enter a title."))
    if len(details.title) > TITLE_MAX:
        raise NewsError("title", _l("Write at most %(max)d characters.", max=TITLE_MAX))
    try:
        details.kind = NewsKind(details.kind)
    except ValueError:
        raise NewsError("kind", _l("Choose one of the options in the list.")) from None
    _check_region(scope, details)
    details.body_html = sanitise_html(details.body_html).strip()
    if not details.body_html:
        raise NewsError("body_html", _l("Write the text of the news."))
    if len(details.body_html) > BODY_MAX:
        raise NewsError("body_html", _l("Write at most %(max)d characters.", max=BODY_MAX))
    details.summary = (details.summary or "").strip()
    details.image_caption = (details.image_caption or "").strip()
    return details


def check_image(image: BinaryIO) -> None:
    """A JPEG or PNG picture within the image size limit (read by its content), or NewsError."""
    try:
        media_format = check_stream(image, MediaKind.IMAGE)
    except MediaError as error:
        raise NewsError("image", error.message) from None
    if media_format.extension not in IMAGE_FORMATS:
        raise NewsError("image", _l("Choose a photo in JPEG or PNG format."))


def _apply(item: NewsItem, details: NewsDetails) -> None:
    for name in NewsDetails.__dataclass_fields__:
        setattr(item, name, getattr(details, name))


def _store_image(item: NewsItem, image: BinaryIO | None) -> str | None:
    """Store a new picture (checked first); returns the replaced one's path, to discard later."""
    if image is None:
        return None
    check_image(image)
    old, item.image_name = item.image_name, store_stream(image, MediaKind.IMAGE).path
    return old


def create_news(
    scope: Scope, details: NewsDetails, author, image: BinaryIO | None = None, source="staff"
) -> NewsItem:
    """A new draft of the scope's region."""
    check_details(scope, details)
    if image is not None:
        check_image(image)
    item = NewsItem(
        author_id=author.id if author is not None else None,
        status=NewsStatus.DRAFT,
        source=source,
    )
    _apply(item, details)
    db.session.add(item)
    _store_image(item, image)
    db.session.flush()
    return item


def update_news(
    scope: Scope,
    item: NewsItem,
    details: NewsDetails,
    image: BinaryIO | None = None,
    remove_image: bool = False,
) -> str | None:
    """Change a news item of the scope's region; returns a replaced picture's path (discard
    it after the commit), or None."""
    ensure_in_scope(scope, item)
    check_details(scope, details)
    _apply(item, details)
    replaced = _store_image(item, image)
    if replaced is None and remove_image and image is None:
        replaced, item.image_name = item.image_name, None
    db.session.flush()
    return replaced


def set_status(scope: Scope, item: NewsItem, status: NewsStatus) -> bool:
    """Publish, withdraw or return to draft; returns whether anything changed. The first
    publication sets the date shown (a later re-publication keeps it)."""
    ensure_in_scope(scope, item)
    if item.status is status:
        return False
    item.status = status
    if status is NewsStatus.PUBLISHED and item.published_at is None:
        item.published_at = utcnow()
    db.session.flush()
    return True


def publish_story(
    title: str, html: str, city_code: str | None, source: str, summary: str = ""
) -> NewsItem:
    """Publish a model story (典型事迹) at once, for another feature (e.g. selections
    publishing its winners). ``city_code`` None: the province's. The HTML is sanitised;
    NewsError if the title, text or city is refused. Flushes, never commits."""
    details = NewsDetails(
        title=title, kind=NewsKind.STORY, city_code=city_code, summary=summary, body_html=html
    )
    item = create_news(EVERYTHING, details, author=None, source=source[:20])
    set_status(EVERYTHING, item, NewsStatus.PUBLISHED)
    return item


def ensure_in_scope(scope: Scope, item: NewsItem) -> None:
    if not scope.covers(item.city_code, item.district_code):
        raise NewsError(None, _l("This news item belongs to another centre."))


def details_of(item: NewsItem) -> dict:
    """What the audit log keeps of a news item's state (the text only by its length)."""
    kept = {name: getattr(item, name) for name in NewsDetails.__dataclass_fields__}
    kept["body_html"] = len(item.body_html or "")
    return kept


# ---- reading ---------------------------------------------------------------------------------


@dataclass
class NewsFilter:
    kind: NewsKind | None = None
    city_code: str | None = None  # a city: its news and its districts'; "" the province's


def news_query(wanted: NewsFilter, scope: Scope | None = None) -> Select:
    """News matching the filter, newest first: published only unless a staff ``scope`` is
    given, which limits them to that region instead (every status)."""
    query = select(NewsItem).options(selectinload(NewsItem.city), selectinload(NewsItem.district))
    if scope is None:
        query = query.where(NewsItem.status == NewsStatus.PUBLISHED)
    elif not scope.everything:
        query = query.where(scope.where(NewsItem.city_code, NewsItem.district_code))
    if wanted.kind:
        query = query.where(NewsItem.kind == wanted.kind)
    if wanted.city_code == "":
        query = query.where(NewsItem.city_code.is_(None))
    elif wanted.city_code:
        query = query.where(NewsItem.city_code == wanted.city_code)
    return query.order_by(
        NewsItem.published_at.desc().nulls_first(), NewsItem.created_at.desc(), NewsItem.id.desc()
    )


def latest_news(city_code: str | None = None, limit: int = 5) -> list[NewsItem]:
    """The newest published items: the province's and every city's, or for a city page its
    own and the province's."""
    query = news_query(NewsFilter())
    if city_code:
        query = query.where(or_(NewsItem.city_code == city_code, NewsItem.city_code.is_(None)))
    return list(db.session.scalars(query.limit(limit)))


def public_news(news_id: int) -> NewsItem | None:
    item = db.session.get(NewsItem, news_id)
    return item if item is not None and item.is_public else None
