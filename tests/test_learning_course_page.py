"""The course page keeps what every visitor sees alike and puts in each learner's own part:
one learner's progress, buttons and form token never show on another's page, and an edit
of the course shows to everyone at once. Course and lesson pages are kept whole by the
learner's state (enrolled, done) and header, with each learner's own form token."""

import re

from sqlalchemy import event

from learnhub.catalogue.models import Lesson
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in, submit
from tests.learning_steps import enrol, lesson_ids, read_lesson, time_passes


def page_of(client, course_id) -> str:
    response = client.get(f"/courses/{course_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def done_marks(html: str) -> int:
    return html.count('class="lesson-done"')


def test_each_learner_sees_their_own_part_of_the_kept_page(app, make_user, make_course):
    course_id = make_course(title="扫码支付很简单", lessons=["text", "text", "text"])
    make_user(login="reader")
    make_user(login="newcomer")
    reader, newcomer, visitor = app.test_client(), app.test_client(), app.test_client()
    sign_in(reader, "reader")
    sign_in(newcomer, "newcomer")
    enrol(reader, course_id)
    first = lesson_ids(app, course_id)[0]
    read_lesson(reader, app, first)

    for _ in range(2):  # the second time, every page comes from the kept public part
        mine, theirs, public = (page_of(c, course_id) for c in (reader, newcomer, visitor))
        assert "已完成 1 课，共 3 课" in mine and "继续学习" in mine and done_marks(mine) == 1
        assert "退出这门课程" in mine and "报名学习" not in mine
        assert "报名学习" in theirs and done_marks(theirs) == 0 and "继续学习" not in theirs
        assert "登录" in public and "报名学习" not in public and done_marks(public) == 0
        assert "<!--slot:" not in mine + theirs + public
        # Each page carries its own session's token.
        assert csrf_token_from(mine) != csrf_token_from(theirs)
    # The done mark is on the lesson read, not on another.
    item = re.search(rf'<li>\s*<a href="/lessons/{first}">.*?</li>', mine, re.S).group(0)
    assert "lesson-done" in item


def test_an_edit_of_a_lesson_shows_at_once_to_signed_in_learners(app, make_user, make_course):
    course_id = make_course(title="扫码支付很简单", lessons=["text", "text"])
    make_user(login="reader")
    reader = app.test_client()
    sign_in(reader, "reader")
    assert "第1课" in page_of(reader, course_id)
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_ids(app, course_id)[0])
        lesson.title = "认识付款码"
        db.session.commit()
    assert "认识付款码" in page_of(reader, course_id)


def test_a_learner_reads_no_course_or_lesson_row_once_the_page_is_kept(app, make_user, make_course):
    course_id = make_course(lessons=["text", "text"])
    make_user(login="reader")
    reader = app.test_client()
    sign_in(reader, "reader")
    enrol(reader, course_id)
    page_of(reader, course_id)
    statements = []
    with app.app_context():
        engine = db.engine

    def watch(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        page_of(reader, course_id)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    catalogue_reads = [s for s in statements if re.search(r"FROM (course|lesson)\b", s)]
    assert catalogue_reads == []


def test_learners_in_the_same_state_share_a_kept_page_but_each_gets_their_own_token(
    app, make_user, make_course
):
    """Not enrolled, both: the whole page is kept once (cache.cached_page by study state and
    header), and still each gets their own form token, with which enrolling goes through and
    shows at once on that learner's page only."""
    course_id = make_course(title="扫码支付很简单", lessons=["text", "text"])
    make_user(login="first")
    make_user(login="second")
    first, second = app.test_client(), app.test_client()
    sign_in(first, "first")
    sign_in(second, "second")
    page_of(first, course_id)  # kept with first's token cut out
    kept = page_of(second, course_id)
    assert "报名学习" in kept and csrf_token_from(kept) != csrf_token_from(
        page_of(first, course_id)
    )
    enrolled = second.post(
        f"/courses/{course_id}/enrol", data={"csrf_token": csrf_token_from(kept)}
    )
    assert enrolled.status_code == 302
    assert "已完成 0 课，共 2 课" in page_of(second, course_id)
    assert "报名学习" in page_of(first, course_id)  # first's state is still their own


def test_a_completed_course_shows_each_learner_their_own_rating(app, make_user, make_course):
    """The page of a completed course holds the learner's own rating and comment: built for
    each of them, never kept for another."""
    course_id = make_course(title="扫码支付很简单", lessons=["text"])
    readers = {}
    for login, comment in (("first", "讲得清楚"), ("second", "有点快")):
        make_user(login=login)
        readers[login] = client = app.test_client()
        sign_in(client, login)
        enrol(client, course_id)
        read_lesson(client, app, lesson_ids(app, course_id)[0])
        rated = submit(client, f"/courses/{course_id}/rating", {"score": "4", "comment": comment},
                       page=f"/courses/{course_id}")  # fmt: skip
        assert rated.status_code == 302
    for _ in range(2):
        mine, theirs = (page_of(readers[login], course_id) for login in ("first", "second"))
        assert "讲得清楚" in mine and "有点快" not in mine
        assert "有点快" in theirs and "讲得清楚" not in theirs


def test_a_kept_lesson_page_shows_each_learner_their_own_state_and_token(
    app, make_user, make_course
):
    course_id = make_course(title="扫码支付很简单", lessons=["text"])
    lesson = lesson_ids(app, course_id)[0]
    learners = {}
    for login in ("first", "second"):
        make_user(login=login)
        learners[login] = client = app.test_client()
        sign_in(client, login)
        enrol(client, course_id)
    first, second, visitor = learners["first"], learners["second"], app.test_client()
    first.get(f"/lessons/{lesson}")  # kept: enrolled, not done
    kept = second.get(f"/lessons/{lesson}").get_data(as_text=True)
    assert "我已读完这一课" in kept
    time_passes(app, 3600)
    read = second.post(f"/lessons/{lesson}/read", data={"csrf_token": csrf_token_from(kept)})
    assert read.status_code == 302
    for _ in range(2):
        mine, theirs, public = (
            c.get(f"/lessons/{lesson}").get_data(as_text=True) for c in (second, first, visitor)
        )
        assert "您已经学完这一课" in mine and "我已读完这一课" not in mine
        assert "我已读完这一课" in theirs and "您已经学完这一课" not in theirs
        assert "登录" in public and "我已读完这一课" not in public
        assert len({csrf_token_from(html) for html in (mine, theirs, public)}) == 3


def test_only_a_pages_own_address_fills_the_cache(app, make_user, make_course):
    """Kept pages are kept by address: one with made-up arguments is sent to the page's own
    address (a script cannot fill the cache with copies), signed in or out."""
    course_id = make_course(lessons=["text"])
    lesson = lesson_ids(app, course_id)[0]
    make_user(login="reader")
    reader = app.test_client()
    sign_in(reader, "reader")
    for client in (reader, app.test_client()):
        for path in (f"/courses/{course_id}", f"/lessons/{lesson}"):
            response = client.get(f"{path}?x=1")
            assert response.status_code == 302 and response.location == path
