"""The site's name, which comes from the home province: 辽宁省终身学习网."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from learnhub.cache import CATALOGUE, cached_value
from learnhub.extensions import db

from .models import Region


def site_name() -> str:
    """The site's title: the home province's learning network (cached: it is on every page)."""
    try:
        return cached_value("site_name", (), _site_name_from_database, CATALOGUE)
    except SQLAlchemyError:  # the error page must render even when the database is down
        db.session.rollback()
        return _("Lifelong Learning Network")


def _site_name_from_database() -> str:
    province = db.session.get(Region, current_app.config["HOME_PROVINCE"])
    if province is None:
        return _("Lifelong Learning Network")
    return _("%(province)s Lifelong Learning Network", province=province.display_name)


def site_name_in_templates() -> dict:
    """Context processor: ``site_name`` on every page, error pages included."""
    return {"site_name": site_name()}
