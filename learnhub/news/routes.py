"""Public pages of news: /news (by kind and city), /news/<id>, its picture, the Atom feed."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import staff_scope
from learnhub.extensions import db
from learnhub.media import send_media
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import cities_of, get_region
from learnhub.regions.site import site_name
from learnhub.ui import page_number

from . import services
from .blueprint import bp
from .feed import atom_feed
from .forms import parse_kind
from .models import NEWS_KIND_LABELS, NewsItem

PER_PAGE = 15
FEED_ENTRIES = 30


def _city_filter(value: str | None) -> str | None:
    """ "province" → "" (the province's own news); a city's code → it; else None (any)."""
    if value == "province":
        return ""
    region = get_region(value) if value and len(value) == 6 else None
    return region.code if region is not None and region.level is RegionLevel.CITY else None


@bp.get("/news")
def index():
    wanted = services.NewsFilter(
        kind=parse_kind(request.args.get("kind")), city_code=_city_filter(request.args.get("city"))
    )
    pagination = db.paginate(
        services.news_query(wanted), page=page_number(), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "news/index.html",
        pagination=pagination,
        wanted=wanted,
        kinds=NEWS_KIND_LABELS,
        cities=cities_of(current_app.config["HOME_PROVINCE"]),
    )


def _visible(news_id: int) -> NewsItem:
    """A published item, or any item of the signed-in centre's region (its preview)."""
    item = db.get_or_404(NewsItem, news_id)
    if item.is_public:
        return item
    if current_user.is_authenticated and staff_scope(current_user).covers(
        item.city_code, item.district_code
    ):
        return item
    abort(404)


@bp.get("/news/<int:news_id>")
def story(news_id: int):
    return render_template("news/story.html", item=_visible(news_id))


@bp.get("/news/<int:news_id>/image")
def image(news_id: int):
    item = _visible(news_id)
    if not item.image_name:
        abort(404)
    return send_media(item.image_name, public=item.is_public)


@bp.get("/news/feed.atom")
def feed():
    items = list(db.session.scalars(services.news_query(services.NewsFilter()).limit(FEED_ENTRIES)))
    site = site_name()
    body = atom_feed(items, title=_("%(site)s: news", site=site), author=site)
    return current_app.response_class(body, mimetype="application/atom+xml")
