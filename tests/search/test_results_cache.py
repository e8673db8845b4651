"""Results pages kept in the cache: the next visitor asking alike gets the page at once, and
nothing it shows is ever older than the index and the content behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.jobs.worker import run_pending
from tests.helpers import csrf_token_from, sign_in
from tests.search.helpers import SEARCH_BACKENDS, add_course, app_with_search_backend


@pytest.fixture(params=SEARCH_BACKENDS)
def app(request, app_factory, backend):
    return app_with_search_backend(request.param, app_factory, backend)


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
