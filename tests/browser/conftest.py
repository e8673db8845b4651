"""Browser tests: the site on a real server, driven through Playwright by Debian's Chromium.

What they need comes from Debian's packages, never from a Playwright browser download
(``playwright install`` is not used anywhere): ``chromium``, a CJK font and ``espeak-ng``
(for read-aloud, later). When one is missing and we are root with apt-get, the session
installs them once. When that is not possible the browser tests are skipped with the
reason, unless ``LEARNHUB_REQUIRE_BROWSER=1`` is set (CI), which turns the skip into a
failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from learnhub.accounts.models import Role

from .site import Accounts, Visitor, new_context

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Debian package names (checked with apt-cache): the small WenQuanYi font rather than
# Noto CJK, which is 56 MB to download for the same job here.
APT_PACKAGES = ["chromium", "fonts-wqy-microhei", "espeak-ng"]
REQUIRE_BROWSER = os.environ.get("LEARNHUB_REQUIRE_BROWSER") == "1"


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="save screenshots of the key pages in both modes under docs/screenshots/",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real browser (leave them out with -m 'not browser')"
    )
    config.addinivalue_line("markers", "screenshots: runs only with --screenshots")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--screenshots", default=False):
        return
    skip = pytest.mark.skip(reason="screenshots are taken with --screenshots")
    for item in items:
        if item.get_closest_marker("screenshots"):
            item.add_marker(skip)


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    result = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return bool(result.stdout.strip())


def _missing_tools() -> dict[str, bool]:
    """What is missing, and whether the browser tests cannot run without it."""
    missing = {}
    if not os.access(CHROMIUM, os.X_OK):
        missing[CHROMIUM] = True
    if not _has_cjk_font():
        missing["a Chinese (CJK) font"] = True
    if shutil.which("espeak-ng") is None:
        missing["espeak-ng"] = False  # for read-aloud; no browser test needs it yet
    return missing


def _apt_install() -> str | None:
    """Install the Debian packages; return why it was not possible, or None."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "installing them needs root and apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait_for_lock = ["-o", "DPkg::Lock::Timeout=600"]  # another test run may be installing
    for command in (
        ["apt-get", *wait_for_lock, "update"],
        ["apt-get", *wait_for_lock, "install", "-y", "--no-install-recommends", *APT_PACKAGES],
    ):
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()[-8:]
            return f"`{' '.join(command)}` failed: " + " / ".join(output)
    return None


def _cannot_run(reason: str):
    message = f"browser tests cannot run: {reason}"
    if REQUIRE_BROWSER:
        pytest.fail(f"{message} (LEARNHUB_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """Chromium and a CJK font from Debian's packages, installed once when missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _cannot_run("the Python package `playwright` is not installed (pip install -e '.[test]')")
    if _missing_tools():
        why_not = _apt_install()
        still_missing = [name for name, needed in _missing_tools().items() if needed]
        if still_missing:
            _cannot_run(
                f"{', '.join(still_missing)} missing "
                f"(Debian packages: {' '.join(APT_PACKAGES)}); {why_not or 'install failed'}"
            )


@pytest.fixture(scope="package")
def browser(browser_tools):
    """One headless Chromium for these tests (closed after them, not kept for the rest of
    the suite); each test opens its own window."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class _CurrentApp:
    """The server's WSGI app: forwards to the running test's app (each test has its own).

    Bodies are read whole before they are sent: when a browser drops a connection,
    werkzeug's development server can skip closing a streamed file (a ResourceWarning,
    an error under ``filterwarnings = error``); a list has nothing to close.
    """

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:  # a late request from a page of a test that has ended
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        body = self.app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()


@pytest.fixture(scope="package")
def _server() -> Iterator[tuple[_CurrentApp, str]]:
    """One HTTP server on a free local port for these tests, so the browser's cache
    carries over from test to test."""
    current = _CurrentApp()
    server = make_server("127.0.0.1", 0, current, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    yield current, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def live_server(app, _server) -> Iterator[str]:
    """This test's app served over real HTTP; yields the origin (http://127.0.0.1:port)."""
    current, origin = _server
    current.app = app
    yield origin
    current.app = None


@pytest.fixture(scope="package")
def _browser_context(browser, _server):
    """The browser profile the tests share; each test starts with no cookies."""
    context = new_context(browser, _server[1])
    yield context
    context.close()


@pytest.fixture
def accounts(make_user) -> Accounts:
    """A learner (like the demo learner) and staff of Shenyang and of the province."""
    accounts = Accounts(learner="learner1")
    make_user(login=accounts.learner)
    for n in range(2, 5):
        make_user(login=f"learner{n}", name=f"沈阳学员{n}")
    make_user(login=accounts.city_staff, role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    make_user(login=accounts.province_staff, role=Role.PROVINCE_STAFF, name="省指导中心")
    return accounts


@pytest.fixture
def visitor(browser, _browser_context, live_server, accounts) -> Iterator[Visitor]:
    """A person at the browser, on this test's site, with no cookies yet."""
    person = Visitor(browser, _browser_context, live_server, accounts)
    yield person
    foreign, popups = person.foreign_requests(), person.popups
    person.close()
    assert not foreign, f"the pages asked another origin for: {foreign}"
    assert not popups, f"the pages popped up: {popups}"
