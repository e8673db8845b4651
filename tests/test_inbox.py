"""Site messages (站内信): a person reads only their own, newest first; reading marks them;
a link leads only within the site; a dedupe key sends once, also to parallel senders; the
header's unread count is the person's own and comes with the signed-in user's query."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import Message, send, unread_count
from learnhub.inbox.services import PER_PAGE
from tests.helpers import sign_in, submit


@pytest.fixture
def people(make_user):
    """Two learners of Shenyang, reading in English."""
    return {
        "wang": make_user(login="wang_xiu", name="王秀英", locale="en"),
        "li": make_user(login="li_jian", name="李建华", locale="en"),
    }


def deliver(app, recipient: int, subject: str, ago_minutes: int = 0, **values) -> int:
    with app.app_context():
        message = send(recipient, subject, **values)
        message.sent_at = utcnow() - timedelta(minutes=ago_minutes)
        db.session.commit()
        return message.id


def signed_in(app, login: str):
    client = app.test_client()
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, login)
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def subjects_in(html: str) -> list[str]:
    return re.findall(r'<span class="message-subject">([^<]*)</span>', html)


def read_at(app, message_id: int):
    with app.app_context():
        return db.session.get(Message, message_id).read_at


def test_the_list_is_newest_first_marks_unread_and_pages(app, people):
    for minutes in range(PER_PAGE + 3):  # "message 0" is the newest
        deliver(app, people["wang"], f"message {minutes}", ago_minutes=minutes)
    deliver(app, people["li"], "for li only")
    client = signed_in(app, "wang_xiu")

    first = text_of(client.get("/me/messages"))
    assert subjects_in(first) == [f"message {n}" for n in range(PER_PAGE)]
    assert first.count('class="message-unread-mark">Unread<') == PER_PAGE
    assert f"You have {PER_PAGE + 3} unread messages." in first
    assert "for li only" not in first
    second = text_of(client.get("/me/messages?page=2"))
    assert subjects_in(second) == [f"message {n}" for n in range(PER_PAGE, PER_PAGE + 3)]
    assert "Page 2 of 2" in second


def test_signed_out_visitors_are_sent_to_sign_in(client, people):
    response = client.get("/me/messages")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_reading_a_message_marks_it_read(app, people):
    message = deliver(app, people["wang"], "报名成功", body="第一行\n第二行", link="/courses")
    client = signed_in(app, "wang_xiu")
    assert 'class="message-count">1 new message<' in text_of(client.get("/me/messages"))

    page = text_of(client.get(f"/me/messages/{message}"))
    assert "<h1>报名成功</h1>" in page and "第一行\n第二行" in page
    # The count came with the signed-in user, before this page marked the message read: the
    # page that reads it counts again.
    assert "new message" not in page
    assert 'href="/courses" data-main-action' in page
    assert read_at(app, message) is not None
    listing = text_of(client.get("/me/messages"))
    assert "message-unread-mark" not in listing and "new message" not in listing
    assert "You have read all your messages." in listing


def test_another_persons_message_is_not_found_and_stays_unread(app, people):
    theirs = deliver(app, people["li"], "李的私信", body="只给李看")
    client = signed_in(app, "wang_xiu")
    response = client.get(f"/me/messages/{theirs}")
    assert response.status_code == 404 and "只给李看" not in text_of(response)
    assert read_at(app, theirs) is None
    assert client.get("/me/messages/999999").status_code == 404


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     "/\t/evil.example", "courses", ""],
)  # fmt: skip
def test_a_message_links_only_to_a_path_on_this_site(app, people, link):
    with app.app_context(), pytest.raises(ValueError, match="path on this site"):
        send(people["wang"], "钓鱼", link=link)
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 0


def test_an_outside_link_written_around_send_is_never_shown(app, people):
    with app.app_context():
        row = Message(recipient_id=people["wang"], subject="旧数据", link="https://evil.example/")
        db.session.add(row)
        db.session.commit()
        message = row.id
    page = text_of(signed_in(app, "wang_xiu").get(f"/me/messages/{message}"))
    assert "evil.example" not in page and "Open what this message is about" not in page


def test_mark_all_read_needs_the_form_and_touches_only_mine(app, people):
    mine = [deliver(app, people["wang"], f"m{n}") for n in range(3)]
    theirs = deliver(app, people["li"], "li")
    client = signed_in(app, "wang_xiu")

    forged = client.post("/me/messages/read", data={})  # no CSRF token: refused
    assert forged.status_code == 400
    assert all(read_at(app, m) is None for m in mine)

    done = text_of(
        submit(client, "/me/messages/read", {}, page="/me/messages", follow_redirects=True)
    )
    assert "All messages are marked as read." in done
    assert all(read_at(app, m) is not None for m in mine)
    assert read_at(app, theirs) is None
    again = text_of(
        submit(client, "/me/messages/read", {}, page="/me/account", follow_redirects=True)
    )
    assert "You have no unread messages." in again


def test_a_dedupe_key_sends_once(app, people):
    with app.app_context():
        first = send(people["wang"], "明天的活动", dedupe_key="reminder:1:wang")
        second = send(people["wang"], "明天的活动", dedupe_key="reminder:1:wang")
        db.session.commit()
        assert first is not None and second is None
        assert unread_count(people["wang"]) == 1


def test_two_senders_at_once_with_one_key_send_once(app, people):
    """Two job runs send the same reminder at the same moment: one message arrives."""
    senders = 6
    barrier, outcomes = threading.Barrier(senders), []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                sent = send(people["wang"], "明天的活动", dedupe_key="reminder:7:wang")
                db.session.commit()
                outcomes.append("sent" if sent is not None else "skipped")
            except Exception as error:  # any failure is the test's finding
                db.session.rollback()
                outcomes.append(repr(error))

    workers = [threading.Thread(target=run) for _ in range(senders)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["sent"] + ["skipped"] * (senders - 1)
    with app.app_context():
        assert unread_count(people["wang"]) == 1


def test_the_badge_shows_each_persons_own_count(app, people):
    for n in range(3):
        deliver(app, people["wang"], f"w{n}")
    wang, li = signed_in(app, "wang_xiu"), signed_in(app, "li_jian")
    visitor = app.test_client()
    for _ in range(2):  # the second time a cached page would show
        assert 'class="message-count">3 new messages<' in text_of(wang.get("/"))
        li_home = text_of(li.get("/"))
        assert "message-count" not in li_home and "My messages" in li_home
        assert "message-count" not in text_of(visitor.get("/"))
    deliver(app, people["li"], "l")
    assert 'class="message-count">1 new message<' in text_of(li.get("/"))


def test_the_badge_reads_in_elder_mode(app, people):
    deliver(app, people["wang"], "w")
    client = signed_in(app, "wang_xiu")
    client.set_cookie("learnhub_elder_mode", "on")
    page = text_of(client.get("/me/account"))
    assert 'class="mode-elder"' in page
    # Shown on the menu button as words (elder mode's menu is closed on a phone) and in it.
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", page, re.S).group(1)
    assert "1 new message" in summary
    assert 'class="message-count">1 new<' in page


def test_one_count_query_per_page_at_most(app, people):
    """The count comes in the statement that reads the signed-in user: no query of its own."""
    deliver(app, people["wang"], "w")
    client = signed_in(app, "wang_xiu")
    counted = []

    def watch(_conn, _cursor, statement, *_args):
        if "read_at IS NULL" in statement and "inbox_message" in statement:
            counted.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        for path in ("/", "/me/account", "/me/messages", "/courses"):
            counted.clear()
            page = text_of(client.get(path))
            assert 'class="message-count">1 new message<' in page, path
            assert len(counted) == 1, path
            assert "device_session" in counted[0], path
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def test_lazy_text_is_written_in_the_recipients_language(app, people):
    """Staff reading English tell a learner who reads Chinese in Chinese."""
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        theirs = send(people["wang"], _l("Approved"), _l("Rejected"), locale="zh_CN")
        current = send(people["wang"], _l("Approved"))  # no locale: the page's own (English)
        assert (theirs.subject, theirs.body) == ("已通过", "未通过")
        assert current.subject == "Approved"
        db.session.rollback()
