"""Several workers share one cache (Redis): an edit committed on one shows at once on another.

Runs when LEARNHUB_TEST_REDIS_URL names a Redis server (CI sets it); keys get a prefix of
their own and are deleted afterwards.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import text

from learnhub import create_app
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from tests.conftest import TEST_CONFIG

REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="set LEARNHUB_TEST_REDIS_URL to test Redis")


@pytest.fixture
def two_workers(app):
    """Two app processes' worth of state on one database and one Redis cache."""
    import redis

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
