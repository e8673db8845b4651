"""Helpers for tests that act as a user in the browser-less test client."""

import re
import threading
from datetime import timedelta

from learnhub.database import utcnow
from learnhub.learning import services as learning

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')  # fmt: skip


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


FORM_TOKEN_RE = re.compile(r'name="form_token" type="hidden" value="([^"]+)"|'
                           r'name="form_token" value="([^"]+)"')  # fmt: skip


def form_token_from(html: str) -> str | None:
    """The one-time token of a form that adds something, if the page has one."""
    match = FORM_TOKEN_RE.search(html)
    return (match.group(1) or match.group(2)) if match else None


def submit(client, url: str, data: dict, page: str | None = None, **kwargs):
    """Open the page with the form (``page``, default ``url``), then post it as a browser
    would: with its CSRF token and, if it has one, its one-time form token."""
    html = client.get(page or url).get_data(as_text=True)
    tokens = {"csrf_token": csrf_token_from(html)}
    if (form_token := form_token_from(html)) is not None:
        tokens["form_token"] = form_token
    return client.post(url, data={**tokens, **data}, **kwargs)


def sign_in(client, login: str, password: str = "correct horse battery"):  # noqa: S107
    return submit(client, "/login", {"login": login, "password": password})


def read_text_lesson(user, lesson, opened_ago: timedelta = timedelta(hours=1)):
    """An enrolled learner who opened the text lesson ``opened_ago`` (an hour) ago marks it
    read now: long enough for any test text's minimum reading time, and for several such
    readings on the learner's one study clock. Returns the lesson's progress."""
    learning.visit_lesson(user, lesson, now=utcnow() - opened_ago)
    return learning.mark_text_read(user, lesson)


def race(calls) -> list:
    """Run each call in its own thread, all released at the same moment (a barrier), as
    parallel requests would arrive; their results in order."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        start.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def twin(app, client):
    """Another client with ``client``'s session: a second tab, or a script replaying it."""
    other = app.test_client()
    other.set_cookie("learnhub_session", client.get_cookie("learnhub_session").value)
    return other
