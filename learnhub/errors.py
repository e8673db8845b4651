"""Error pages in the site's style and language; JSON errors under /api/."""

import math
import time

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db, limiter


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Something in the request was not right"),
              _("Please go back, check what you entered and try again.")),
        403: (_("This page is not open to you"),
              _("Your account does not have access to this page. "
                "If you think it should, contact your learning center.")),
        404: (_("Page not found"),
              _("The page may have moved, or the address may be mistyped.")),
        405: (_("This action is not possible here"),
              _("Please use the buttons and links on the page.")),
        413: (_("The file is too large"),
              _("Please choose a smaller file and try again.")),
        429: (_("Too many requests"),
              _("Please wait a moment, then try again.")),
        503: (_("The site is busy"),
              _("Please try again in a moment.")),
        500: (_("Something went wrong on our side"),
              _("We have been told about it. Please try again in a few minutes.")),
    }  # fmt: skip


def render_error(status: int, message: str | None = None):
    """The error page (or JSON body under /api/) for an HTTP status."""
    title, detail = _messages().get(status, _messages()[500])
    if message:
        detail = message
    if request.path.startswith("/api/"):
        return jsonify(error={"status": status, "title": title, "message": detail}), status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def _on_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return render_error(error.code)


def _on_rate_limited(error: RateLimitExceeded):
    """429 with what was limited (when the limit says) and how long to wait."""
    current = limiter.current_limit
    wait = max(1, math.ceil(current.reset_at - time.time())) if current else 60
    minutes = math.ceil(wait / 60)
    message = ngettext(
        "Please wait %(num)d minute, then try again.",
        "Please wait %(num)d minutes, then try again.",
        minutes,
    )
    if error.limit.error_message:
        message = f"{error.description} {message}"
    body, status = render_error(429, message)
    response = make_response(body, status)
    response.headers["Retry-After"] = str(wait)
    return response


def _on_csrf_error(_error: CSRFError):
    return render_error(
        400, _("This form has expired or did not come from this site. Please fill it in again.")
    )


def _on_server_error(_error: Exception):
    db.session.rollback()
    return render_error(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _on_csrf_error)
    app.register_error_handler(RateLimitExceeded, _on_rate_limited)
    app.register_error_handler(HTTPException, _on_http_error)
    app.register_error_handler(InternalServerError, _on_server_error)
