"""Page-level helpers every feature's templates and views share."""

from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

ELDER_MODE_COOKIE = "learnhub_elder_mode"


def elder_mode_requested() -> bool:
    """Whether this page is shown in elder mode (account setting, else cookie)."""
    if current_user and current_user.is_authenticated:
        return current_user.elder_mode
    return request.cookies.get(ELDER_MODE_COOKIE) == "on"


def safe_next_url(default: str) -> str:
    """The ``next`` target of this request if it stays on this site, else ``default``."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target


def current_path() -> str:
    """This page's path and query, to come back to after a preference change."""
    return request.full_path if request.query_string else request.path


def language_name(code: str) -> str:
    """A language's name in that language (中文, English): never translated."""
    locale = Locale.parse(code)
    return locale.get_language_name(locale).capitalize()


def site_name() -> str:
    """The site's title: the home province's learning network."""
    from .regions.models import Region

    try:
        province = db.session.get(Region, current_app.config["HOME_PROVINCE"])
    except SQLAlchemyError:  # the error page must render even when the database is down
        db.session.rollback()
        province = None
    if province is None:
        return _("Lifelong Learning Network")
    return _("%(province)s Lifelong Learning Network", province=province.display_name)


def _template_globals() -> dict:
    return {
        "elder_mode": elder_mode_requested(),
        "current_path": current_path(),
        "languages": current_app.config["LANGUAGES"],
        "language_name": language_name,
        "site_name": site_name(),
    }


def init_ui(app: Flask) -> None:
    app.context_processor(_template_globals)
