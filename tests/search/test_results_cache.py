"""Results pages kept in the cache: the next visitor asking alike gets the page at once, and
nothing it shows is ever older than the index and the content behind it."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.jobs.worker import run_pending
from learnhub.search import sync
from tests.helpers import csrf_token_from, sign_in
from tests.search.helpers import SEARCH_BACKENDS, add_course, app_with_search_backend


@pytest.fixture(params=SEARCH_BACKENDS)
def app(request, app_factory, backend):
    return app_with_search_backend(request.param, app_factory, backend)


DATABASE_NOTICE = "下面的结果来自简易搜索"


def page(client, query: str = "太极拳") -> str:
    return client.get("/search", query_string={"q": query}).get_data(as_text=True)


def test_a_repeated_search_is_served_from_the_cache_until_the_course_changes(app):
    with app.app_context():
        course_id = add_course("太极拳入门", "一招一式学起来。", module="health").id
    client = app.test_client()
    assert "太极拳</mark>入门" in page(client)
    with app.app_context():  # behind the site's back: no commit it can see, nothing reindexed
        db.session.execute(text("UPDATE course SET title = '太极拳进阶' WHERE id = :id"),
                           {"id": course_id})  # fmt: skip
        db.session.commit()
    assert "太极拳</mark>入门" in page(app.test_client())  # the page kept, not rebuilt
    with app.app_context():  # an edit as the studio makes it
        db.session.get(Course, course_id).summary = "慢慢学，天天练。"
        db.session.commit()
        run_pending(app)
    html = page(app.test_client())
    assert "太极拳</mark>进阶" in html and "天天练" in html


def test_a_page_built_before_the_index_caught_up_is_not_kept_after_it(app):
    with app.app_context():
        add_course("八段锦基础", module="health")
        add_course("八段锦提高", module="health", commit=False)
        db.session.commit()  # the Whoosh worker has not run yet; the PostgreSQL entries are in
    client = app.test_client()
    first = page(client, "八段锦")
    with app.app_context():
        run_pending(app)
    assert "八段锦</mark>提高" in page(client, "八段锦")
    if app.config["SEARCH_BACKEND"] == "whoosh":
        assert "八段锦</mark>提高" not in first  # the index had not caught up then


def test_each_visitor_gets_the_kept_results_in_their_own_page(app, make_user):
    with app.app_context():
        add_course("太极拳入门", module="health")
    make_user("learner_a")
    make_user("learner_b")
    first, second, visitor = app.test_client(), app.test_client(), app.test_client()
    sign_in(first, "learner_a")
    sign_in(second, "learner_b")
    a_page, b_page, out_page = page(first), page(second), page(visitor)
    for html in (a_page, b_page, out_page):
        assert "太极拳</mark>入门" in html
    assert "/logout" in a_page and "/logout" in b_page and "/logout" not in out_page
    tokens = {csrf_token_from(html) for html in (a_page, b_page, out_page)}
    assert len(tokens) == 3  # each page carries its own visitor's form token
    second.post("/logout", data={"csrf_token": csrf_token_from(b_page)})
    assert "/logout" not in page(second)  # and B's own token signs B out
    assert "/logout" in page(first)


def test_a_page_from_the_database_search_is_never_kept(app):
    """While the index cannot be read, pages come from the database search (plainer, slower):
    none is kept, so once the index reads again, the next visitor gets its results."""
    if app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("the PostgreSQL backend has no index files to lose")
    with app.app_context():
        add_course("防跌倒训练", "老年人防跌倒。", module="health")
        run_pending(app)
        index = sync.search_index()
        generation = index.current_generation()
        # The segments unreadable, the table of contents kept: the index's version stays.
        saved = {path: path.read_bytes() for path in generation.iterdir()
                 if path.is_file() and path.suffix != ".toc"}  # fmt: skip
        for path, data in saved.items():
            path.write_bytes(os.urandom(len(data) or 64))
        index.close()
        app.config["SEARCH_AUTO_REBUILD"] = False
    assert DATABASE_NOTICE in page(app.test_client(), "防跌倒")
    with app.app_context():
        for path, data in saved.items():
            path.write_bytes(data)
        sync.search_index().close()
    # The index reads again (the API asks it, nothing kept there either).
    assert app.test_client().get("/api/v1/search?q=防跌倒").json["from_database"] is False
    html = page(app.test_client(), "防跌倒")
    assert DATABASE_NOTICE not in html and "跌倒</mark>训练" in html
