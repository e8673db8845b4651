"""A person in front of the browser, on the live test site."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.helpers import csrf_token_from

from .pages import DESKTOP, Mode, PageType

SIGN_OUT_FORM = "form[action='/logout']"
PLAYERS_READY = """() => [...document.querySelectorAll('video[src], audio[src]')]
  .every(player => player.readyState >= HTMLMediaElement.HAVE_METADATA || player.error)"""


@dataclass(frozen=True)
class Accounts:
    """The accounts the `accounts` fixture creates (named like the demo accounts)."""

    learner: str
    editor: str = "editor"
    city_staff: str = "shenyang_staff"
    province_staff: str = "province_admin"
    password: str = "correct horse battery"


def same_origin(url: str, origin: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" == origin


def new_context(browser, origin: str, javascript: bool = True):
    """A browser profile for the site that refuses to reach any other origin."""
    context = browser.new_context(
        base_url=origin,
        viewport=DESKTOP,
        java_script_enabled=javascript,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(15_000)
    context.route(lambda url: not same_origin(url, origin), lambda route: route.abort())
    return context


class Visitor:
    """A person with a browser: records every request their pages make.

    Requests to any other origin are refused (a test never reaches the network) and
    ``foreign_requests()`` names them.
    """

    def __init__(self, browser, shared_context, origin: str, accounts: Accounts) -> None:
        self.browser = browser
        self.origin = origin
        self.accounts = accounts
        self.requests: list[str] = []
        self.popups: list[str] = []  # new windows and alert/confirm/prompt boxes
        self.page = None
        self._shared = shared_context
        self._own_contexts = []
        self._watch(shared_context)
        shared_context.clear_cookies()
        self.context = shared_context

    def start(self, *, viewport=DESKTOP, mode: Mode | None = None, javascript: bool = True):
        """A new window (scripts on or off) with the mode's cookies; returns its page."""
        self._close_page()
        if javascript:
            self.context = self._shared
        else:
            self.context = new_context(self.browser, self.origin, javascript=False)
            self._watch(self.context)
            self._own_contexts.append(self.context)
        self.context.clear_cookies()
        if mode is not None:
            host = urlsplit(self.origin).hostname
            self.context.add_cookies(
                [
                    {"name": k, "value": v, "domain": host, "path": "/"}
                    for k, v in mode.cookies.items()
                ]
            )
        self.page = self.context.new_page()
        self.page.set_viewport_size(viewport)
        self.page.on("popup", lambda popup: self.popups.append(f"window {popup.url}"))
        self.page.on("dialog", self._refuse_dialog)
        return self.page

    def open(self, page_type: PageType, mode: Mode, viewport=DESKTOP, content=None):
        """Open a page type in a mode, signed in as its user; return the page.

        ``content`` fills in the path (the `site_content` fixture's names and ids).
        """
        page = self.start(viewport=viewport, mode=mode)
        if page_type.user:
            self.sign_in_directly(getattr(self.accounts, page_type.user))
        path = page_type.url(content)
        response = page.goto(path)
        if page_type.submit_empty_form:
            with page.expect_navigation() as navigation:
                page.locator("main form:not(.inline-form) [type=submit]").last.click()
            response = navigation.value
        assert response is not None and response.status == page_type.status, (
            f"{path} answered {response and response.status}, expected {page_type.status}"
        )
        # A player shows its own buttons (Tab stops) once it knows its file's length.
        page.wait_for_function(PLAYERS_READY)
        return page

    def sign_in(self, login: str) -> None:
        """Sign in on the sign-in page, as a person does."""
        page = self.page
        page.goto("/login")
        page.fill("#login", login)
        page.fill("#password", self.accounts.password)
        with page.expect_navigation():
            page.locator("main form:not(.inline-form) [type=submit]").click()
        assert page.locator(SIGN_OUT_FORM).count() == 1, "sign-in failed"

    def sign_in_directly(self, login: str) -> None:
        """Sign in by posting the sign-in form without showing it (quicker)."""
        form_page = self.context.request.get("/login").text()
        response = self.context.request.post(
            "/login",
            form={
                "login": login,
                "password": self.accounts.password,
                "csrf_token": csrf_token_from(form_page),
            },
        )
        assert response.ok and 'action="/logout"' in response.text(), "sign-in failed"

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not same_origin(url, self.origin)]

    def close(self) -> None:
        self._close_page()
        self._shared.remove_listener("request", self._record)
        for context in self._own_contexts:
            context.close()
        self._own_contexts.clear()

    def _watch(self, context) -> None:
        context.on("request", self._record)

    def _refuse_dialog(self, dialog) -> None:
        self.popups.append(f"{dialog.type} box: {dialog.message}")
        dialog.dismiss()

    def _record(self, request) -> None:
        self.requests.append(request.url)

    def _close_page(self) -> None:
        if self.page is not None and not self.page.is_closed():
            self.page.close()
        self.page = None
