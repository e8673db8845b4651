"""Turning a view of a learning resource into a raw view event: where the request is read.

The learning pages announce views (``learning.services.resource_viewed``) and know
nothing of rankings; this receiver reads the request (cookies, headers, the signed-in
account) and hands plain values to :func:`services.record_view`.
"""

from flask import request
from flask_login import current_user

from learnhub.learning.services import resource_viewed

from . import counting
from .services import record_view
from .visitors import CITY_COOKIE, VISITOR_COOKIE, chosen_city, ensure_visitor_id


def record_resource_view(kind: str, resource_id: int, course_id: int | None) -> None:
    """Count a view of a course, lesson or media start by the current visitor."""
    user = current_user if current_user.is_authenticated else None
    cookie_id = request.cookies.get(VISITOR_COOKIE)
    has_cookie = counting.is_valid_visitor_id(cookie_id)
    status = counting.request_status(
        method=request.method,
        user_agent=request.headers.get("User-Agent", ""),
        purpose=request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", ""),
        accept=request.headers.get("Accept", ""),
        is_staff=bool(user and user.is_staff),
        signed_in=user is not None,
        has_visitor_cookie=has_cookie,
    )
    if user is not None:
        visitor_key, city, district = f"u{user.id}", user.city_code, user.district_code
    else:
        visitor_key = "v" + (cookie_id if has_cookie else ensure_visitor_id())
        city, district = chosen_city(request.cookies.get(CITY_COOKIE)), None
    record_view(
        resource_kind=kind,
        resource_id=resource_id,
        course_id=course_id,
        user_id=user.id if user else None,
        visitor_key=visitor_key,
        city_code=city,
        district_code=district,
        status=status,
    )


def _on_resource_viewed(kind: str, resource_id: int, course_id: int | None) -> None:
    record_resource_view(kind, resource_id, course_id)


def connect_view_tracking() -> None:
    """Count the views the learning pages announce (once per process)."""
    resource_viewed.connect(_on_resource_viewed)
