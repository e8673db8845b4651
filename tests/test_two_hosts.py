"""Two app hosts on one PostgreSQL database and one Redis, spoken to over real HTTP.

Each host is a gunicorn process of its own with its own instance folder and port, set up
as docs/deployment.md says for several hosts (the same SECRET_KEY and ledger keys, the
cache, the limits' counters and the job queue in Redis). What one host does, the other
sees: an edit (also through the page cache signed-out visitors get, and through search on
the PostgreSQL backend: no index files, no shared folder), a sign-in limit, the rankings'
dedupe window and a signed-in session.

Runs when both LEARNHUB_TEST_POSTGRES_URL and LEARNHUB_TEST_REDIS_URL are set (CI sets
them); Redis keys get a prefix of their own and are deleted afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import make_url, select

from learnhub.accounts.models import Role
from learnhub.catalogue.models import Module
from learnhub.extensions import db
from tests.helpers import csrf_token_from
from tests.test_rankings import BROWSER, SHENYANG, _free_port, _wait_for, aggregate, city_total

REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not (REDIS_URL and os.environ.get("LEARNHUB_TEST_POSTGRES_URL")),
    reason="set LEARNHUB_TEST_POSTGRES_URL and LEARNHUB_TEST_REDIS_URL to test two hosts",
)

PREFIX = f"learnhub-two-hosts-{secrets.token_hex(4)}-"
LEDGER_KEYS = '{"k-two-hosts": "' + "k" * 40 + '"}'
# What every host shares (docs/deployment.md, "several hosts"); the test's own app too, so
# the courses it makes bump the cache version the hosts read.
SHARED = {
    "CACHE_TYPE": "RedisCache",
    "CACHE_REDIS_URL": REDIS_URL,
    "CACHE_KEY_PREFIX": PREFIX + "cache:",
    "RATELIMIT_STORAGE_URI": REDIS_URL,
    "RATELIMIT_KEY_PREFIX": PREFIX + "limits",
    "JOBS_URL": REDIS_URL,
    "JOBS_QUEUE_NAME": PREFIX + "jobs",
    "SEARCH_BACKEND": "postgresql",
}
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def hosts(migrated_database_url, tmp_path_factory):
    """Two gunicorn hosts on the test's PostgreSQL database: their base URLs."""
    if make_url(migrated_database_url).get_backend_name() != "postgresql":
        pytest.skip("several hosts share PostgreSQL, not a SQLite file")
    env = {
        **os.environ,
        **{f"LEARNHUB_{name}": str(value) for name, value in SHARED.items()},
        "DATABASE_URL": migrated_database_url,
        "SECRET_KEY": "test-secret-key",
        "LEARNHUB_CREDIT_LEDGER_KEYS": LEDGER_KEYS,
        "LEARNHUB_PASSWORD_HASH_TIME_COST": "1",
        "LEARNHUB_PASSWORD_HASH_MEMORY_KIB": "8192",
        "LEARNHUB_PASSWORD_HASH_PARALLELISM": "1",
        "LEARNHUB_RANKINGS_VIEW_FLUSH_SECONDS": "0",  # each view written when its page ends
    }
    servers, bases = [], []
    try:
        for name in ("host-a", "host-b"):
            port = _free_port()
            host_env = {**env, "LEARNHUB_INSTANCE_PATH": str(tmp_path_factory.mktemp(name))}
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                 "--log-level", "warning", "wsgi:app"],
                env=host_env, start_new_session=True, cwd=Path(__file__).parent.parent,
            ))  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            _wait_for(base + "/healthz")
        yield bases
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        shared = redis.Redis.from_url(REDIS_URL)
        for key in shared.scan_iter(f"*{PREFIX}*"):
            shared.delete(key)


@pytest.fixture
def app(app_factory):
    """The test's own app, on the hosts' database and Redis."""
    return app_factory(**SHARED)


def browser() -> requests.Session:
    session = requests.Session()
    session.headers.update(BROWSER)
    return session


def post_form(session, base: str, path: str, data: dict, page: str | None = None):
    """Open the form's page, then post it with its CSRF token (no redirects followed)."""
    html = session.get(base + (page or path)).text
    return session.post(
        base + path, data={"csrf_token": csrf_token_from(html), **data}, allow_redirects=False
    )


def sign_in(session, base: str, login: str, password: str = PASSWORD):
    return post_form(session, base, "/login", {"login": login, "password": password})


def h1(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html).group(1)


def test_an_edit_on_one_host_shows_at_once_on_the_other_also_from_the_page_cache(
    hosts, app, make_user, make_course
):
    host_a, host_b = hosts
    course_id = make_course(title="旧标题", module="health")
    make_user(login="province_editor", role=Role.EDITOR, managed="210000")
    visitor = browser()  # signed out: host B serves pages from the cache
    for _ in range(2):
        assert h1(visitor.get(f"{host_b}/courses/{course_id}").text) == "旧标题"
        assert ">旧标题</a>" in visitor.get(f"{host_b}/m/health").text
    editor = browser()
    assert sign_in(editor, host_a, "province_editor").status_code == 302
    with app.app_context():
        health = db.session.scalar(select(Module.id).where(Module.slug == "health"))
    fields = {"title": "新标题", "module": health, "region": "210000", "summary": "改过的简介",
              "level": "beginner", "study_hours": "2.0", "credits": "0.5"}  # fmt: skip
    saved = post_form(editor, host_a, f"/studio/courses/{course_id}/edit", fields)
    assert saved.status_code == 302
    assert h1(visitor.get(f"{host_b}/courses/{course_id}").text) == "新标题"
    listing = visitor.get(f"{host_b}/m/health").text
    assert ">新标题</a>" in listing and ">旧标题</a>" not in listing


def test_a_search_on_one_host_finds_at_once_what_an_editor_changed_on_the_other(
    hosts, app, make_user, make_course
):
    host_a, host_b = hosts
    course_id = make_course(title="普通的一门课", module="health")
    make_user(login="search_editor", role=Role.EDITOR, managed="210000")
    visitor = browser()
    link = f'search-hit-title"><a href="/courses/{course_id}"'  # a hit, not a popular course
    assert link not in visitor.get(f"{host_b}/search", params={"q": "萤火虫"}).text
    editor = browser()
    assert sign_in(editor, host_a, "search_editor").status_code == 302
    with app.app_context():
        health = db.session.scalar(select(Module.id).where(Module.slug == "health"))
    fields = {"title": "萤火虫的夏夜", "module": health, "region": "210000", "summary": "简介",
              "level": "beginner", "study_hours": "2.0", "credits": "0.5"}  # fmt: skip
    assert post_form(editor, host_a, f"/studio/courses/{course_id}/edit", fields).status_code == 302
    # No job has run and host B has no index of its own: the entry was written at the commit.
    found = visitor.get(f"{host_b}/search", params={"q": "萤火虫"}).text
    assert link in found and "</mark>的夏夜" in found  # the new title, its match marked
    # …from the search backend itself, not the database fallback of a host without an index.
    assert visitor.get(f"{host_b}/healthz").json()["checks"]["search"] == "ok"


def test_a_session_signed_in_on_one_host_works_on_the_other(hosts, app, make_user):
    host_a, host_b = hosts
    make_user(login="two_hosts_learner", name="两台主机")
    learner = browser()
    assert sign_in(learner, host_a, "two_hosts_learner").status_code == 302
    account = learner.get(f"{host_b}/me/account", allow_redirects=False)
    assert account.status_code == 200 and "两台主机" in account.text
    signed_out = post_form(learner, host_b, "/logout", {}, page="/me/account")
    assert signed_out.status_code == 302
    # Signed out on B: the same cookies no longer sign anyone in on A.
    assert learner.get(f"{host_a}/me/account", allow_redirects=False).status_code == 302


def test_a_sign_in_limit_holds_across_both_hosts(hosts, app, make_user):
    host_a, host_b = hosts
    make_user(login="guessed_account")
    limit = int(app.config["SIGN_IN_FAILURES_PER_ACCOUNT"].split()[0])  # "5 per 15 minutes"
    guesser = browser()
    for attempt in range(limit):  # wrong passwords, sent to A and B in turn
        base = (host_a, host_b)[attempt % 2]
        assert sign_in(guesser, base, "guessed_account", "wrong password").status_code == 400
    for base in hosts:  # the account is locked on both, even for the right password
        assert sign_in(guesser, base, "guessed_account").status_code == 429


def test_a_view_repeated_on_the_other_host_within_the_dedupe_window_counts_once(
    hosts, app, make_user, make_course
):
    host_a, host_b = hosts
    course_id = make_course(title="去重的课")
    make_user(login="two_hosts_viewer")  # of Shenyang
    learner = browser()
    assert sign_in(learner, host_a, "two_hosts_viewer").status_code == 302
    for base in (host_a, host_b, host_a):
        assert learner.get(f"{base}/courses/{course_id}").status_code == 200
    aggregate(app)
    assert city_total(app, "clicks", SHENYANG) == 1
