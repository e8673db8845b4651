"""Every answer carries a request id, and with LOG_FORMAT = "json" every log line written
while handling it is one JSON object naming that id."""

from __future__ import annotations

import json
import re

from huey.storage import RedisStorage

from learnhub.jobs.queue import queue


def test_every_answer_carries_a_request_id_and_keeps_the_proxys(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["X-Request-ID"] != made  # one per request
    proxy = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a9c2e"})
    assert proxy.headers["X-Request-ID"] == "nginx-7f3a9c2e"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected=1 <script>'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])  # not echoed


def test_json_log_lines_name_the_request_they_were_written_in(app_factory, capsys):
    app = app_factory(LOG_FORMAT="json")
    working = queue.storage
    queue.storage = RedisStorage(name="learnhub", url="redis://127.0.0.1:1/0")  # nobody there
    try:
        answer = app.test_client().get("/healthz", headers={"X-Request-ID": "lb-0123456789"})
    finally:
        queue.storage = working
    assert answer.status_code == 503
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    failure = next(line for line in lines if line["message"] == "health check failed")
    assert failure["level"] == "ERROR" and failure["logger"] == "learnhub"
    assert failure["request_id"] == "lb-0123456789" == answer.headers["X-Request-ID"]
    assert "Connection" in failure["exception"]  # the cause, for the operator


def test_plain_lines_again_for_the_next_app_built(app_factory, caplog):
    app_factory(LOG_FORMAT="json")
    app = app_factory()  # the default: Flask's lines, and pytest's caplog sees them
    with app.test_request_context("/"):
        app.logger.warning("plain again")
    assert "plain again" in caplog.text
