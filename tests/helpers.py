"""Helpers for tests that act as a user in the browser-less test client."""

import re

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')  # fmt: skip


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def submit(client, url: str, data: dict, page: str | None = None, **kwargs):
    """Open the page with the form (``page``, default ``url``), then post it with its token."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(html)}, **kwargs)


def sign_in(client, login: str, password: str = "correct horse battery"):  # noqa: S107
    return submit(client, "/login", {"login": login, "password": password})
