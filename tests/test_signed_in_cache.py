"""The public body of the home, module and rankings pages is kept for signed-in learners too
(cache.cached_body), and the listings and boards whole (cache.cached_page, by what the header
shows of a person): each still sees their own name, menu, unread count and form token, and a
committed change shows at once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from learnhub.accounts.models import Role, User
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.inbox import send
from learnhub.learning.services import enrol
from learnhub.rankings import aggregates
from learnhub.rankings.board_cache import clear_cache
from tests.helpers import csrf_token_from, sign_in, submit
from tests.test_query_counts import counted_statements

CHINA = ZoneInfo("Asia/Shanghai")


def signed_in(app, make_user, login: str, name: str):
    make_user(login, name=name)
    return _signed_in_as(app, login)


def test_each_learner_sees_their_own_name_around_the_shared_home_page(app, make_user, make_course):
    make_course("社区智能手机课")
    wang = signed_in(app, make_user, "wang_lan", "王兰")
    li = signed_in(app, make_user, "li_si", "李思")
    assert "王兰" in wang.get("/").get_data(as_text=True)  # fills the shared body
    page = li.get("/").get_data(as_text=True)
    assert "李思" in page and "王兰" not in page
    assert "社区智能手机课" in page  # the body, from the cache
    assert "王兰" not in app.test_client().get("/").get_data(as_text=True)  # signed out
    for _ in range(2):  # the sign-in notes shown: now each home page is the kept one
        assert "王兰" in wang.get("/").get_data(as_text=True)
        page = li.get("/").get_data(as_text=True)
        assert "李思" in page and "王兰" not in page


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


# Pages kept whole for signed-in people too (cache.cached_page with the header's visitor).
WHOLE_KEPT_PAGES = (
    "/rankings",
    "/courses",
    "/m/elder-digital",
    "/c/210200",
    "/me/credits",
    "/me",
)


@pytest.mark.parametrize("path", WHOLE_KEPT_PAGES)
def test_a_page_kept_whole_shows_each_person_their_own_header(app, make_user, path):
    reader = make_user("learner_a", name="学员甲")
    make_user("learner_b", name="学员乙")
    make_user("staff_c", name="职员丙", role=Role.PROVINCE_STAFF, managed="210000")
    with app.app_context():
        send(reader, "报名成功")
        db.session.commit()
    a, b, staff = (_signed_in_as(app, login) for login in ("learner_a", "learner_b", "staff_c"))
    for _ in range(2):  # the second time, every page is the kept one
        pages = [client.get(path) for client in (a, b, staff)]
        assert [response.status_code for response in pages] == [200, 200, 200]
        mine, theirs, staffs = (response.get_data(as_text=True) for response in pages)
        assert "1 条新消息" in mine and "新消息" not in theirs + staffs
        assert "工作台" in staffs and "工作台" not in mine + theirs  # the staff link
        assert len({csrf_token_from(html) for html in (mine, theirs, staffs)}) == 3
    assert submit(a, "/me/messages/read", {}, page="/me/messages").status_code == 302
    assert "所有消息已标为已读" in a.get("/me/messages").get_data(as_text=True)  # its note shown
    assert "新消息" not in a.get(path).get_data(as_text=True)  # read: the badge goes at once


def test_the_form_token_of_a_kept_page_is_the_persons_own(app, make_user):
    make_user("learner_a", name="学员甲")
    make_user("learner_b", name="学员乙")
    a, b = (_signed_in_as(app, login) for login in ("learner_a", "learner_b"))
    a.get("/rankings")  # kept with a's token cut out
    token = csrf_token_from(b.get("/rankings").get_data(as_text=True))
    switched = b.post("/preferences/elder-mode", data={"csrf_token": token, "elder_mode": "on",
                                                       "next": "/rankings"})  # fmt: skip
    assert switched.status_code == 302
    assert "mode-elder" in b.get("/rankings").get_data(as_text=True)
    assert "mode-elder" not in a.get("/rankings").get_data(as_text=True)


def _signed_in_as(app, login: str):
    client = app.test_client()
    sign_in(client, login)
    return client


def test_many_peoples_own_pages_leave_the_shared_pages_kept(app_factory, make_user, make_course):
    """Pages of one person's records are kept apart: however many people open theirs, the
    pages everyone shares stay kept (here a shared cache of twelve entries, the catalogue kept
    for a visitor, and eight learners' credit and learning pages, each in a course of their
    own)."""
    app = app_factory(CACHE_THRESHOLD=12)
    courses = [make_course(f"课程{n}") for n in range(8)]
    visitor = app.test_client()
    visitor.get("/courses")
    for n, course_id in enumerate(courses):
        user_id = make_user(f"learner_{n}", name="学员")
        with app.app_context():
            enrol(db.session.get(User, user_id), db.session.get(Course, course_id))
            db.session.commit()
        learner = _signed_in_as(app, f"learner_{n}")
        for path in ("/me/credits", "/me/credits", "/me"):  # the first shows the sign-in note
            assert learner.get(path).status_code == 200
    with counted_statements(app) as statements:
        assert visitor.get("/courses").status_code == 200
    assert statements == []  # the catalogue came from the cache
