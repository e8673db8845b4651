"""Public pages of topics: /topics (the published ones, in order), /topics/<slug> and its
cover picture. A draft or withdrawn topic is shown only to the staff who write topics
(with a notice); everyone else is told it is not found."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from learnhub.media import send_media

from . import reading
from .blueprint import bp
from .models import Topic


@bp.get("/topics")
def index():
    return render_template("topics/index.html", topics=reading.published_topics())


def _visible(slug: str) -> Topic:
    topic = reading.visible_topic(slug, current_user)
    if topic is None:
        abort(404)
    return topic


@bp.get("/topics/<slug>")
def topic(slug: str):
    found = _visible(slug)
    return render_template(
        "topics/topic.html",
        topic=found,
        courses=reading.public_courses(found),
        activities=reading.public_activities(found),
        news_items=reading.public_news(found),
    )


@bp.get("/topics/<slug>/cover")
def cover(slug: str):
    found = _visible(slug)
    if not found.cover_name:
        abort(404)
    return send_media(found.cover_name, public=found.is_public)
