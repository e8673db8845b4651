"""The counting rules that need nothing but the request: which views can never count.

Pure functions of plain values, so tests and the bench call them directly. Whether a view
that passes these rules counts (30-minute dedupe, rate caps per visitor, address and
network) is decided when events are aggregated, from the events themselves (aggregation.py).
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

from learnhub.clients import is_bot, is_prefetch, looks_like_a_browser
from learnhub.clock import local_midnight, site_timezone

OK = "ok"
BOT = "bot"
PREFETCH = "prefetch"
HEAD = "head"
STAFF = "staff"
COOKIELESS = "cookieless"  # an anonymous client that did not send back our visitor cookie
UNSIGNED = "unsigned"  # an anonymous client whose visitor cookie we did not issue (forged)
NOT_A_BROWSER = "nobrowser"
RATE = "rate"  # over a cap per visitor, address or network (decided at aggregation)
FILTER_REASONS = (BOT, PREFETCH, HEAD, STAFF, COOKIELESS, UNSIGNED, NOT_A_BROWSER, RATE)

VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,43}$")


def new_visitor_id() -> str:
    """A random, unguessable id for an anonymous visitor's cookie."""
    return secrets.token_urlsafe(16)


def is_valid_visitor_id(value: str | None) -> bool:
    """Whether a value has the shape of the ids new_visitor_id makes (signature not checked)."""
    return bool(value and VISITOR_ID.fullmatch(value))


def request_status(
    method: str,
    user_agent: str,
    purpose: str,
    accept: str,
    is_staff: bool,
    signed_in: bool,
    has_visitor_cookie: bool,
    forged_visitor_cookie: bool = False,
) -> str:
    """Why this request can never count, or OK (the first rule that applies wins)."""
    if method == "HEAD":
        return HEAD
    if is_prefetch(purpose):
        return PREFETCH
    if is_bot(user_agent):
        return BOT
    if not looks_like_a_browser(user_agent, accept):
        return NOT_A_BROWSER
    if is_staff:
        return STAFF
    if not signed_in and forged_visitor_cookie:
        return UNSIGNED
    if not signed_in and not has_visitor_cookie:
        return COOKIELESS
    return OK


def epoch_ms(moment: datetime) -> int:
    """A timezone-aware moment as Unix milliseconds."""
    return int(moment.timestamp() * 1000)


def local_day(ms: int) -> date:
    """The site's calendar day (China time by default) of a Unix millisecond time."""
    return datetime.fromtimestamp(ms / 1000, site_timezone()).date()


def day_start_ms(day: date) -> int:
    """Unix milliseconds of the site's midnight at the start of the day."""
    return epoch_ms(local_midnight(day))


def day_end_ms(day: date) -> int:
    """Unix milliseconds of the site's midnight at the end of the day (exclusive)."""
    return day_start_ms(day + timedelta(days=1))
