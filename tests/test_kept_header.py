"""The layout's header is kept for every visitor alike (cache.kept_layout): each visitor
still gets their own menu, form token, unread count, page path and searched words."""

from __future__ import annotations

import re

from learnhub.accounts.models import Role
from learnhub.extensions import db
from learnhub.inbox import send
from tests.helpers import csrf_token_from, sign_in


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code in (200, 404), path
    return response.get_data(as_text=True)


def header_of(html: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


def back_paths(html: str) -> set[str]:
    """Where the header's switches (elder mode, text size, language) come back to."""
    return set(re.findall(r'<input type="hidden" name="next" value="([^"]*)">', header_of(html)))


def search_words(html: str) -> str:
    return re.search(r'id="site-search-q" name="q" value="([^"]*)"', html).group(1)


def test_each_visitor_gets_their_own_menu_and_token(app, make_user):
    make_user("learner_a", name="学员甲")
    make_user("staff_b", name="职员乙", role=Role.PROVINCE_STAFF, managed="210000")
    learner, staff, visitor = app.test_client(), app.test_client(), app.test_client()
    sign_in(learner, "learner_a")
    sign_in(staff, "staff_b")
    for _ in range(2):  # the second time, every header is the kept one
        mine, theirs, public = (header_of(page(c, "/help")) for c in (learner, staff, visitor))
        assert "工作台" in theirs and "工作台" not in mine and "工作台" not in public
        assert "退出" in mine and "退出" in theirs and "退出" not in public
        assert "登录" in public
        tokens = [csrf_token_from(h) for h in (mine, theirs, public)]
        assert len(set(tokens)) == 3
        assert "\x00" not in mine + theirs + public


def test_the_unread_count_is_each_persons_own(app, make_user):
    reader = make_user("learner_a", name="学员甲")
    make_user("learner_b", name="学员乙")
    a, b = app.test_client(), app.test_client()
    sign_in(a, "learner_a")
    sign_in(b, "learner_b")
    with app.app_context():
        send(reader, "报名成功")
        db.session.commit()
    for _ in range(2):
        assert "1 条新消息" in header_of(page(a, "/help"))
        assert "新消息" not in header_of(page(b, "/help"))


def test_the_switches_come_back_to_the_page_they_are_on(app, make_user):
    make_user("learner_a")
    client = app.test_client()
    sign_in(client, "learner_a")
    assert back_paths(page(client, "/help")) == {"/help"}
    assert back_paths(page(client, "/courses")) == {"/courses"}
    html = page(client, '/help?q="><b>x')
    assert back_paths(html) == {"/help?q=&#34;&gt;&lt;b&gt;x"}
    assert "<b>x" not in header_of(html)
    # The kept header's form works with the token it now carries.
    token = csrf_token_from(html)
    response = client.post(
        "/preferences/elder-mode",
        data={"csrf_token": token, "next": "/courses", "elder_mode": "on"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    assert 'class="mode-elder"' in page(client, "/courses")


def test_the_search_box_holds_the_searched_words_on_the_results_page_only(app):
    visitor = app.test_client()
    assert search_words(page(visitor, "/search?q=%22%3E%3Cscript%3E党史")) == (
        "&#34;&gt;&lt;script&gt;党史"
    )
    assert search_words(page(visitor, "/search?q=手机")) == "手机"
    assert search_words(page(visitor, "/help?q=手机")) == ""


def test_a_placeholder_typed_into_the_address_stays_text(app):
    """What a visitor puts in is filled in once and never read again for placeholders."""
    visitor = app.test_client()
    html = page(visitor, "/x%00fill1%00")  # a path, decoded: "/x\x00fill1\x00"
    assert back_paths(html) == {"/x\x00fill1\x00"} and search_words(html) == ""
    html = page(visitor, "/search?q=%00fill0%00")
    assert search_words(html) == "\x00fill0\x00"
    assert back_paths(html) == {"/search?q=%00fill0%00"}
