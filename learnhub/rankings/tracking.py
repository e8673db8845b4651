"""Turning a view of a learning resource into a raw view event: where the request is read.

The learning pages announce views (``learning.services.resource_viewed``) and know
nothing of rankings; this receiver reads the request (the signed visitor cookie, headers,
the signed-in account, the client's real address) and hands plain values to
:func:`services.record_view`. What the client says about itself never picks the city: a
signed-in learner's view counts for their account's city, an anonymous one for none.
"""

from flask import request
from flask_login import current_user

from learnhub.clients import client_address, network_of, pseudonym
from learnhub.learning.services import resource_viewed

from . import counting
from .services import record_view
from .visitors import ensure_visitor_id, request_visitor_id

PSEUDONYM_PURPOSE = "views"


def record_resource_view(kind: str, resource_id: int, course_id: int | None) -> None:
    """Count a view of a course, lesson or media start by the current visitor."""
    user = current_user if current_user.is_authenticated else None
    visitor_id, forged = request_visitor_id()
    status = counting.request_status(
        method=request.method,
        user_agent=request.headers.get("User-Agent", ""),
        purpose=request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", ""),
        accept=request.headers.get("Accept", ""),
        is_staff=bool(user and user.is_staff),
        signed_in=user is not None,
        has_visitor_cookie=visitor_id is not None,
        forged_visitor_cookie=forged,
    )
    if user is not None:
        visitor_key, city, district = f"u{user.id}", user.city_code, user.district_code
    else:
        # A forged id is never a visitor key: the view is filtered under the new id issued
        # with this response, so it cannot start (or reset) anyone's dedupe.
        visitor_key, city, district = "v" + (visitor_id or ensure_visitor_id()), None, None
    address = client_address()
    record_view(
        resource_kind=kind,
        resource_id=resource_id,
        course_id=course_id,
        user_id=user.id if user else None,
        visitor_key=visitor_key,
        city_code=city,
        district_code=district,
        status=status,
        address_key=pseudonym(address, PSEUDONYM_PURPOSE),
        network_key=pseudonym(network_of(address), PSEUDONYM_PURPOSE),
    )


def _on_resource_viewed(kind: str, resource_id: int, course_id: int | None) -> None:
    record_resource_view(kind, resource_id, course_id)


def connect_view_tracking() -> None:
    """Count the views the learning pages announce (once per process)."""
    resource_viewed.connect(_on_resource_viewed)
