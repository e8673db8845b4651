"""The Atom feed of published news (RFC 4287), built with ElementTree so every text is
escaped; the content is the sanitised HTML, sent as escaped text of type "html"."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree  # noqa: RUF100, S405 - builds our own XML, parses nothing

from flask import url_for

from .models import NewsItem

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: datetime | None) -> str:
    moment = moment or datetime(2020, 1, 1, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent, tag: str, text: str | None = None, **attributes) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(items: list[NewsItem], title: str, author: str) -> bytes:
    """The feed document of these items (newest first), as UTF-8 bytes."""
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", url_for("news.feed", _external=True))
    _add(feed, "title", title)
    newest = max((item.updated_at for item in items), default=None)
    _add(feed, "updated", _stamp(newest))
    _add(_add(feed, "author"), "name", author)
    _add(feed, "link", rel="self", href=url_for("news.feed", _external=True))
    _add(feed, "link", rel="alternate", href=url_for("news.index", _external=True))
    for item in items:
        entry = _add(feed, "entry")
        link = url_for("news.story", news_id=item.id, _external=True)
        _add(entry, "id", link)
        _add(entry, "title", item.title)
        _add(entry, "updated", _stamp(item.updated_at))
        _add(entry, "published", _stamp(item.published_at))
        _add(entry, "link", rel="alternate", href=link)
        _add(entry, "category", term=str(item.kind), label=item.kind_label)
        if item.summary:
            _add(entry, "summary", item.summary)
        _add(entry, "content", item.body_html, type="html")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
