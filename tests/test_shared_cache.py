"""Several workers share one cache (Redis): an edit committed on one shows at once on another.

Runs when LEARNHUB_TEST_REDIS_URL names a Redis server (CI sets it); keys get a prefix of
their own and are deleted afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter

import pytest
import redis
from sqlalchemy import text

from learnhub import create_app
from learnhub.catalogue.models import Course
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.rankings.aggregates import CLICKS, add_region_amounts, forget_cached_boards
from learnhub.rankings.leaderboard import Period, totals
from tests.conftest import TEST_CONFIG
from tests.test_rankings import HEPING, SHENYANG

REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="set LEARNHUB_TEST_REDIS_URL to test Redis")


@pytest.fixture
def two_workers(app):
    """Two app processes' worth of state on one database and one Redis cache."""
    prefix = f"learnhub-test-{secrets.token_hex(4)}:"
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_DIR": app.config["SEARCH_DIR"],
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
    }
    workers = (create_app(config), create_app(config))
    yield workers
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)


def test_an_edit_on_one_worker_shows_at_once_on_the_other(two_workers, make_course):
    first, second = two_workers
    course_id = make_course(title="旧标题", module="health")
    assert "旧标题" in second.test_client().get("/m/health").get_data(as_text=True)  # cached
    assert "旧标题" in second.test_client().get(f"/courses/{course_id}").get_data(as_text=True)
    with first.app_context():
        db.session.get(Course, course_id).title = "新标题"
        db.session.commit()
    listing = second.test_client().get("/m/health").get_data(as_text=True)
    assert ">新标题</a>" in listing and ">旧标题</a>" not in listing
    course_page = second.test_client().get(f"/courses/{course_id}").get_data(as_text=True)
    assert "<h1>新标题</h1>" in course_page and "<h1>旧标题</h1>" not in course_page


def test_an_edit_shows_everywhere_after_redis_lost_the_catalogues_version(two_workers, make_course):
    """Redis may lose a key and keep the pages (evicted under ``maxmemory``, restarted from an
    older snapshot): the version must not count again from where it started."""
    first, second = two_workers
    version_key = first.config["CACHE_KEY_PREFIX"] + "version:catalogue"
    server = redis.Redis.from_url(REDIS_URL)

    def retitle(course_id: int, title: str) -> None:
        with first.app_context():
            db.session.get(Course, course_id).title = title
            db.session.commit()

    course_id = make_course(title="旧标题", module="health")
    server.delete(version_key)
    retitle(course_id, "改过一次")
    assert ">改过一次</a>" in second.test_client().get("/m/health").get_data(as_text=True)
    server.delete(version_key)
    retitle(course_id, "新标题")
    listing = second.test_client().get("/m/health").get_data(as_text=True)
    assert ">新标题</a>" in listing and ">改过一次</a>" not in listing


def test_a_page_one_worker_cached_is_served_by_the_other(two_workers, make_course):
    first, second = two_workers
    course_id = make_course(title="共享的课")
    first.test_client().get(f"/courses/{course_id}")  # the first worker renders and caches
    with second.app_context():  # a change the cache cannot see (no ORM commit to track)
        db.session.execute(
            text("UPDATE course SET title = :title WHERE id = :id"),
            {"title": "绕过缓存的改动", "id": course_id},
        )
        db.session.commit()
    page = second.test_client().get(f"/courses/{course_id}").get_data(as_text=True)
    assert "共享的课" in page and "绕过缓存的改动" not in page  # the first worker's page


def _add_clicks(app, amount: int, bump: bool = True) -> None:
    """New numbers, as the aggregator writes them (in another process)."""
    with app.app_context():
        add_region_amounts(CLICKS, Counter({(local_today(), SHENYANG, HEPING): amount}))
        if bump:
            forget_cached_boards()
        db.session.commit()


def test_a_board_is_the_same_on_every_worker_and_new_numbers_show_at_once(two_workers):
    first, second = two_workers
    with first.app_context():
        period = Period(local_today(), local_today())
    _add_clicks(second, 3)
    with first.app_context():
        assert totals(CLICKS, period) == {SHENYANG: 3}  # computed here, kept in Redis
    prefix = first.config["CACHE_KEY_PREFIX"]
    boards = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}board:*"))
    assert boards  # in Redis, where another host reads it, not in this process's memory
    _add_clicks(second, 100, bump=False)  # numbers written behind the cache's back
    with second.app_context():
        assert totals(CLICKS, period) == {SHENYANG: 3}  # the first worker's board
    _add_clicks(second, 5)  # the aggregator's commit: every worker's boards are renewed
    with first.app_context():
        assert totals(CLICKS, period) == {SHENYANG: 108}
