"""The public body of the home, module and rankings pages is kept for signed-in learners too
(cache.cached_body): each still sees their own name and menu, and a committed change shows
at once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from learnhub.extensions import db
from learnhub.rankings import aggregates
from learnhub.rankings.board_cache import clear_cache
from tests.helpers import csrf_token_from, sign_in

CHINA = ZoneInfo("Asia/Shanghai")


def signed_in(app, make_user, login: str, name: str):
    make_user(login, name=name)
    client = app.test_client()
    sign_in(client, login)
    return client


def test_each_learner_sees_their_own_name_around_the_shared_home_page(app, make_user, make_course):
    make_course("社区智能手机课")
    wang = signed_in(app, make_user, "wang_lan", "王兰")
    li = signed_in(app, make_user, "li_si", "李思")
    assert "王兰" in wang.get("/").get_data(as_text=True)  # fills the shared body
    page = li.get("/").get_data(as_text=True)
    assert "李思" in page and "王兰" not in page
    assert "社区智能手机课" in page  # the body, from the cache
    assert "王兰" not in app.test_client().get("/").get_data(as_text=True)  # signed out


def test_a_new_course_shows_at_once_on_a_signed_in_home_page(app, make_user, make_course):
    wang = signed_in(app, make_user, "wang_lan", "王兰")
    assert "刚发布的课" not in wang.get("/").get_data(as_text=True)
    make_course("刚发布的课")
    assert "刚发布的课" in wang.get("/").get_data(as_text=True)


def test_new_numbers_show_at_once_on_the_rankings_page(app, make_user):
    wang = signed_in(app, make_user, "wang_lan", "王兰")
    visitor = app.test_client()
    before = wang.get("/rankings").get_data(as_text=True)
    assert "退出" in before  # the signed-in menu (sign out)
    signed_out_before = visitor.get("/rankings").get_data(as_text=True)
    today = datetime.now(CHINA).date()
    with app.app_context():
        aggregates.add_region_amounts("clicks", Counter({(today, "210200", ""): 987654}))
        clear_cache()  # what the aggregator does when it commits new numbers
        db.session.commit()
    for client in (wang, visitor):
        assert "987,654" in client.get("/rankings").get_data(as_text=True)
    assert "987,654" not in before + signed_out_before


def test_the_module_page_is_kept_for_signed_in_learners_and_shows_an_edit_at_once(
    app, make_user, make_course
):
    make_course("社区智能手机课")
    wang = signed_in(app, make_user, "wang_lan", "王兰")
    li = signed_in(app, make_user, "li_si", "李思")
    first = wang.get("/m/elder-digital").get_data(as_text=True)
    assert "社区智能手机课" in first and "退出" in first  # the learner's own menu
    page = li.get("/m/elder-digital").get_data(as_text=True)  # the kept body
    assert "社区智能手机课" in page and csrf_token_from(page) != csrf_token_from(first)
    make_course("刚发布的手机课")
    assert "刚发布的手机课" in wang.get("/m/elder-digital").get_data(as_text=True)
    assert wang.get("/m/no-such-module").status_code == 404
