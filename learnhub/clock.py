"""The site's time: "now" in UTC for storing, the site's time zone for days and display.

Moments are stored in UTC (``database.UTCDateTime``); a *day* — a rankings day, a
statement filter, the day a conversion rule takes effect — is a calendar day in the site's
time zone, ``BABEL_DEFAULT_TIMEZONE`` (China time, Asia/Shanghai, by default).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from .database import utcnow
from .i18n import zone_named


def site_timezone() -> ZoneInfo:
    """The time zone whose calendar days the site counts in (BABEL_DEFAULT_TIMEZONE)."""
    return zone_named(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_date(moment: datetime) -> date:
    """The site's calendar day of a timezone-aware moment."""
    return moment.astimezone(site_timezone()).date()


def local_today() -> date:
    """Today in the site's time zone."""
    return local_date(utcnow())


def local_midnight(day: date) -> datetime:
    """The moment the site's calendar day begins (timezone-aware)."""
    return datetime.combine(day, time.min, tzinfo=site_timezone())


def local_day_range(
    start: date | None, end: date | None
) -> tuple[datetime | None, datetime | None]:
    """Days start..end (both included) as a half-open range of moments; None stays open."""
    return (
        local_midnight(start) if start else None,
        local_midnight(end + timedelta(days=1)) if end else None,
    )
