"""The anonymous visitor's cookie: a random id that the server issued and signed.

Only an id this site issued counts: the cookie holds the id and its signature (HMAC with
SECRET_KEY, itsdangerous), so a made-up or altered value is recognised and never counts
(its views are filtered as ``unsigned``). The cookie says nothing about where the visitor
lives: anonymous views count for no city (docs/rankings.md says why).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, Signer

from . import counting

VISITOR_COOKIE = "learnhub_visitor"
_SALT = "learnhub.rankings.visitor"


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_SALT)


def signed_visitor_id(visitor_id: str) -> str:
    """The cookie value for a visitor id: the id and its signature."""
    return _signer().sign(visitor_id).decode()


def verified_visitor_id(cookie: str | None) -> str | None:
    """The visitor id in a cookie value, if this site issued it; else None."""
    if not cookie or len(cookie) > 120:
        return None
    try:
        visitor_id = _signer().unsign(cookie).decode()
    except BadSignature:
        return None
    return visitor_id if counting.is_valid_visitor_id(visitor_id) else None


def request_visitor_id() -> tuple[str | None, bool]:
    """(the verified visitor id of this request or None, whether it sent one we did not
    issue). Computed once per request."""
    if "visitor_check" not in g:
        cookie = request.cookies.get(VISITOR_COOKIE)
        visitor_id = verified_visitor_id(cookie)
        g.visitor_check = (visitor_id, bool(cookie) and visitor_id is None)
    return g.visitor_check


def ensure_visitor_id() -> str:
    """This request's new visitor id; it is sent as a signed cookie with the response."""
    if "new_visitor_id" not in g:
        g.new_visitor_id = counting.new_visitor_id()
    return g.new_visitor_id


def _give_visitor_id(response: Response) -> Response:
    # Pages only (not the API, static files or errors): a client that sends it back keeps
    # cookies, which is what lets its later views count.
    if request.path.startswith(("/api/", "/static/")) or response.status_code >= 400:
        return response
    if request_visitor_id()[0] is not None:
        return response
    if request.method != "GET" and "new_visitor_id" not in g:
        return response
    response.set_cookie(
        VISITOR_COOKIE,
        signed_visitor_id(ensure_visitor_id()),
        max_age=current_app.config["PREFERENCE_COOKIE_MAX_AGE"],
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    response.vary.add("Cookie")
    return response


def init_visitor_cookies(app: Flask) -> None:
    app.after_request(_give_visitor_id)
