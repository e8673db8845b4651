"""Logs: one JSON object a line with the request's id (``LOG_FORMAT = "json"``, for a log
collector), or Flask's plain lines (the default, for a person at a terminal).

Every request gets an id: the ``X-Request-ID`` the proxy sent (nginx: ``$request_id``) when
it looks like one, else a new one. It is in every log line written while the request is
handled and in the answer's ``X-Request-ID`` header, so a learner's "it failed at 10:02" and
the proxy's, the site's and the worker's lines can be put side by side.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HANDLER_NAME = "learnhub-json"
# What a LogRecord carries anyway; anything else given as ``extra=`` goes into the line.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (a test's capture, a reopened file)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() if has_request_context() else None
        return True


def request_id() -> str:
    """This request's id (made on first use)."""
    if "request_id" not in g:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if _INCOMING_ID.fullmatch(sent) else uuid.uuid4().hex
    return g.request_id


def init_logging(app: Flask) -> None:
    """Give each answer its request id; with ``LOG_FORMAT = "json"``, log JSON lines."""

    @app.after_request
    def send_request_id(response):
        response.headers["X-Request-ID"] = request_id()
        return response

    # The site's loggers are all below "learnhub" (app.logger is "learnhub" too); one handler
    # for the process, however many apps are built in it (the last one built decides).
    logger = logging.getLogger("learnhub")
    ours = [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]
    if app.config["LOG_FORMAT"] != "json":
        for handler in ours:
            logger.removeHandler(handler)
        logger.propagate = True
        return
    if not ours:
        handler = _CurrentStderr()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    logger.removeHandler(default_handler)  # Flask's plain lines, if it added them already
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False  # one line per event, not a second one from Flask's or the root's
