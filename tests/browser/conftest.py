"""Browser tests: the site on a real server, driven through Playwright by Debian's Chromium.

What they need comes from Debian's packages, never from a Playwright browser download
(``playwright install`` is not used anywhere): ``chromium``, a Chinese font and ``espeak-ng``
(for read-aloud), installed by ``sh .ci/install --dev`` (the README's command 2), never by the
tests. The tests only check that they are there: without chromium or a Chinese font the browser
tests are skipped, naming what is missing and the install command (without espeak-ng only the
read-aloud test skips), unless ``LEARNHUB_REQUIRE_BROWSER=1`` is set (CI), which turns any
missing tool into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from learnhub.accounts.models import Role
from tests.conftest import POSTGRES_URL
from tests.helpers import read_text_lesson

from .site import Accounts, Visitor, new_context
from .week_content import week_content

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_COMMAND = "sh .ci/install --dev"  # installs chromium, the font and espeak-ng
REQUIRE_BROWSER = os.environ.get("LEARNHUB_REQUIRE_BROWSER") == "1"
DEMO_MEDIA = Path(__file__).resolve().parents[2] / "learnhub" / "data" / "demo-courses" / "media"


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="save screenshots of the key pages in both modes under docs/screenshots/",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real browser (leave them out with -m 'not browser')"
    )
    config.addinivalue_line("markers", "screenshots: runs only with --screenshots")
    config.addinivalue_line(
        "markers", "layout: checks what does not depend on the database (runs on SQLite only)"
    )


# The page matrix runs each page in each mode once. With PostgreSQL, elder mode runs there
# and the other modes on SQLite: a page looks the same on either database, and a query that
# fails on PostgreSQL fails in any mode (each page in three modes on both was a third of
# the suite's time). Without PostgreSQL, SQLite has every mode. The flows run on both.
POSTGRES_PAGE_MODE = "elder"


def _runs_elsewhere(database: str | None, mode) -> bool:
    if database == "postgresql":
        return mode.name != POSTGRES_PAGE_MODE
    return bool(POSTGRES_URL) and mode.name == POSTGRES_PAGE_MODE


def pytest_collection_modifyitems(config, items):
    left_out = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        mode = params.get("mode")
        database, layout = params.get("database_url"), item.get_closest_marker("layout")
        if (layout and database == "postgresql") or (
            mode and not layout and _runs_elsewhere(database, mode)
        ):
            left_out.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        dropped = set(left_out)
        items[:] = [item for item in items if item not in dropped]
    if config.getoption("--screenshots", default=False):
        return
    skip = pytest.mark.skip(reason="screenshots are taken with --screenshots")
    for item in items:
        if item.get_closest_marker("screenshots"):
            item.add_marker(skip)


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    result = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return bool(result.stdout.strip())


def missing_tools() -> dict[str, bool]:
    """The tools the browser tests use that are missing, each with whether the browser tests
    cannot run without it. Nothing is installed here: INSTALL_COMMAND does that."""
    missing = {}
    if not os.access(CHROMIUM, os.X_OK):
        missing[f"chromium ({CHROMIUM})"] = True
    if not _has_cjk_font():
        missing["a Chinese font (fc-list :lang=zh)"] = True
    if shutil.which("espeak-ng") is None:
        missing["espeak-ng"] = False  # only the read-aloud test needs it, and skips without it
    return missing


def _cannot_run(reason: str):
    message = f"browser tests cannot run: {reason}"
    if REQUIRE_BROWSER:
        pytest.fail(f"{message} (LEARNHUB_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """Playwright, Chromium, a Chinese font and espeak-ng are there (installs nothing)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _cannot_run(f"the Python package `playwright` is not installed (run `{INSTALL_COMMAND}`)")
    missing = missing_tools()
    if any(missing.values()) or (missing and REQUIRE_BROWSER):
        _cannot_run(
            f"missing {', '.join(missing)}; `{INSTALL_COMMAND}` installs them "
            "(as root or with sudo)"
        )


@pytest.fixture(scope="package")
def browser(browser_tools):
    """One headless Chromium for these tests (closed after them, not kept for the rest of
    the suite); each test opens its own window."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class _CurrentApp:
    """The server's WSGI app: forwards to the running test's app (each test has its own).

    Bodies are read whole before they are sent: when a browser drops a connection,
    werkzeug's development server can skip closing a streamed file (a ResourceWarning,
    an error under ``filterwarnings = error``); a list has nothing to close.
    """

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:  # a late request from a page of a test that has ended
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        body = self.app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()


@pytest.fixture(scope="package")
def _server() -> Iterator[tuple[_CurrentApp, str]]:
    """One HTTP server on a free local port for these tests, so the browser's cache
    carries over from test to test."""
    current = _CurrentApp()
    server = make_server("127.0.0.1", 0, current, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    yield current, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def live_server(app, _server) -> Iterator[str]:
    """This test's app served over real HTTP; yields the origin (http://127.0.0.1:port)."""
    current, origin = _server
    current.app = app
    yield origin
    current.app = None


@pytest.fixture(scope="package")
def _browser_context(browser, _server):
    """The browser profile the tests share; each test starts with no cookies."""
    context = new_context(browser, _server[1])
    yield context
    context.close()


@pytest.fixture
def accounts(make_user) -> Accounts:
    """A learner (like the demo learner), a course editor of the province, and staff of
    Shenyang and of the province."""
    accounts = Accounts(learner="learner1")
    make_user(login=accounts.learner)
    for n in range(2, 5):
        make_user(login=f"learner{n}", name=f"沈阳学员{n}")
    make_user(login=accounts.editor, role=Role.EDITOR, managed="210000", name="省课程编辑")
    make_user(login=accounts.city_staff, role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    make_user(login=accounts.province_staff, role=Role.PROVINCE_STAFF, name="省指导中心")
    return accounts


@pytest.fixture
def site_content(app, accounts, make_course, make_user) -> dict[str, object]:
    """What the course, learning, credit, ranking and search pages show; returns the names
    and ids the paths in pages.py use (``{course}``, ``{quiz_lesson}``, ``{certificate}`` …).

    A course with a text, a video, an audio and a quiz lesson (real media files from the
    demo catalogue), which the learner is enrolled in with the text read; a one-lesson
    course the learner finished, so the credit account has a deposit and a certificate;
    a party-history course for search suggestions; a few counted views for the boards.
    """
    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.catalogue.models import Course
    from learnhub.creditbank.models import Certificate
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.inbox import send
    from learnhub.jobs.failures import Failure, record_failure
    from learnhub.learning import services as learning
    from learnhub.media import MediaKind, store_file
    from learnhub.rankings.aggregation import aggregate_pending
    from learnhub.rankings.bursts import EXCLUDE, decide
    from learnhub.rankings.events import record_registrations, registration_row
    from learnhub.rankings.services import record_view
    from learnhub.search.sync import rebuild_index

    make_user(login="mover", name="迁入学员", city="210200", district="210202")
    course_id = make_course("智能手机入门", lessons=("text", "video", "audio", "quiz"))
    finished_id = make_course("防范电信诈骗", lessons=("text",), credits="1.5")
    other_id = make_course("百年党史学堂讲座", lessons=("text",), module="party-history")
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == accounts.learner))
        course, finished = db.session.get(Course, course_id), db.session.get(Course, finished_id)
        text, video, audio, quiz = course.lessons
        video.media_path = store_file(DEMO_MEDIA / "phone-basics.mp4", MediaKind.VIDEO).path
        audio.media_path = store_file(DEMO_MEDIA / "elder-tips.ogg", MediaKind.AUDIO).path
        learning.enrol(learner, course)
        read_text_lesson(learner, text)
        learning.enrol(learner, finished)
        read_text_lesson(learner, finished.lessons[0])
        db.session.commit()
        certificate = db.session.scalar(select(Certificate.code))
        assert certificate, "finishing a course issued no certificate"
        content = {
            "learner_id": learner.id,
            "course": course.id,
            "other_course": other_id,  # not enrolled in
            "other_course_title": "百年党史学堂讲座",
            "text_lesson": text.id,
            "video_lesson": video.id,
            "audio_lesson": audio.id,
            "quiz_lesson": quiz.id,
            "certificate": certificate,
            "unknown_certificate": "ABCD-EFGH-JKMN-PQRS",
            "search_found": "智能手机",
            "search_typo": "党使",  # a homophone typo: "did you mean 党史?"
            "staff_person": db.session.scalar(
                select(User.id).where(User.username == accounts.editor)
            ),
        }
        message = send(
            learner.id, "您报名的《智能手机入门》明天开课", "时间：上午九点\n地点：社区学校",
            link=f"/courses/{course.id}", topic="browser",
        )  # fmt: skip
        db.session.flush()
        content["message"] = message.id
        content |= _credit_staff_content(accounts, finished)
        content |= _check_in_content(accounts)
        content["place"] = _places_content()
        content["news"] = _news_content()
        content["finished_course"] = finished_id  # its page offers the rating form
        content |= week_content(accounts)
        content |= _submission_content(accounts)
        content |= _selection_content(accounts)
        db.session.commit()
        db.session.rollback()  # end the reads: the views are written on a connection of their own
        for n, (city, district) in enumerate([("210100", "210102")] * 3 + [("210200", "210202")]):
            record_view(
                resource_kind="course", resource_id=course_id, course_id=course_id,
                user_id=None, visitor_key=f"vvisitor-{n:012d}", city_code=city,
                district_code=district, occurred_ms=int(time.time() * 1000) - n * 60_000,
            )  # fmt: skip
        aggregate_pending()
        # A burst of registrations from one network, three of them excluded by city staff.
        now_ms = int(time.time() * 1000)
        record_registrations([
            registration_row(-1 - n, "210100", "210102", now_ms - n * 60_000,
                             address_key=f"{n % 2:032d}", network_key="ab" * 16)
            for n in range(7)
        ])  # fmt: skip
        staff = db.session.scalar(select(User).where(User.username == accounts.city_staff))
        decide(EXCLUDE, staff, "ab" * 16, "210100", now_ms - 2 * 60_000, now_ms, "同一人注册")
        # A job that kept failing, for the staff page of background jobs.
        record_failure(Failure(
            task_key="browser-test-job", name="learnhub.rankings.jobs.record_views",
            periodic=False, message=None, error="OperationalError('disk full')",
            traceback="Traceback (most recent call last):\n  ...", at=utcnow(),
        ))  # fmt: skip
        db.session.commit()
        rebuild_index()
    content |= _activity_content(app, accounts)
    content |= _topic_content(app, content)
    _teacher_content(app, accounts, content)
    return content


def _teacher_content(app, accounts, content: dict) -> None:
    """A teacher of the pool named on the course and on the activity (their panels)."""
    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.accounts.scopes import EVERYTHING
    from learnhub.activities.models import Activity
    from learnhub.catalogue.models import Course
    from learnhub.extensions import db
    from learnhub.pools import services as pools
    from learnhub.pools import teachers
    from learnhub.pools.models import PoolKind

    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner2"))
        province = db.session.scalar(select(User).where(User.username == accounts.province_staff))
        member = pools.register(learner, PoolKind.TEACHER, pools.MemberDetails(
            "王秀英", "和平区老年大学", "书法", "210100", None, "13800000000", "周末"))  # fmt: skip
        pools.decide(EVERYTHING, member, True, province)
        teachers.name_teachers(province, [member.id],
                               course=db.session.get(Course, content["course"]))  # fmt: skip
        teachers.name_teachers(province, [member.id],
                               activity=db.session.get(Activity, content["activity"]))  # fmt: skip
        db.session.commit()


def _places_content() -> int:
    """Three learning places of 沈阳 (one with everything an elder needs) and one of 大连;
    returns the first one's id."""
    from decimal import Decimal

    from learnhub.accounts.scopes import EVERYTHING
    from learnhub.places.models import PlaceKind
    from learnhub.places.services import PlaceDetails, create_place

    made = [
        create_place(EVERYTHING, PlaceDetails(
            name=name, kind=kind, city_code=city, district_code=district, address=address,
            longitude=Decimal(lon), latitude=Decimal(lat), opening_hours="周一至周五 8:30—17:00",
            phone="024-23456789", step_free=True, lift=True, seats=60,
            description="开设书法、声乐、智能手机等课程。",
        ), None)
        for name, kind, city, district, address, lon, lat in [
            ("和平区社区教育学院", PlaceKind.COMMUNITY_COLLEGE, "210100", "210102",
             "沈阳市和平区南京北街1号", "123.42", "41.79"),
            ("沈河区城市书屋", PlaceKind.LIBRARY, "210100", "210103", "沈阳市沈河区青年大街8号",
             "123.46", "41.80"),
            ("大连市老年大学", PlaceKind.ELDER_UNIVERSITY, "210200", "210202",
             "大连市中山区人民路5号", "121.64", "38.92"),
        ]
    ]  # fmt: skip
    return made[0].id


def _activity_content(app, accounts) -> dict[str, object]:
    """An activity of 和平区 with a session to come, the learner signed up for it."""
    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.activities.models import ActivitySession
    from learnhub.activities.signups import sign_up
    from learnhub.extensions import db
    from tests.activity_steps import make_activity

    activity_id, (session_id, _later) = make_activity(
        app, title="智能手机防诈骗讲座", sessions=((50, 30), (170, 30))
    )
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == accounts.learner))
        sign_up(learner, db.session.get(ActivitySession, session_id))
        db.session.commit()
    return {"activity": activity_id}


def _topic_content(app, content: dict) -> dict[str, object]:
    """A published topic of the province with a course, an activity and a news item, with a
    heading and a list in its text; returns its address and number."""
    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.extensions import db
    from learnhub.topics import TopicStatus
    from learnhub.topics import services as topics
    from learnhub.topics.services import TopicDetails

    with app.app_context():
        province = db.session.scalar(select(User).where(User.role == Role.PROVINCE_STAFF))
        details = TopicDetails(
            slug="anti-fraud", title="反诈防骗", summary="守住钱袋子：识破电信网络诈骗的常见套路。",
            body_html="<p>电信网络诈骗的套路不断翻新。</p><h2>牢记“三不一多”</h2>"
            "<ul><li>未知链接不点击</li><li>转账汇款多核实</li></ul>",
            course_ids=[content["finished_course"], content["course"]],
            activity_ids=[content["activity"]], news_ids=[content["news"]],
        )  # fmt: skip
        topic = topics.create_topic(province, details)
        topics.set_status(province, topic, TopicStatus.PUBLISHED)
        db.session.commit()
        return {"topic": topic.slug, "topic_id": topic.id}


def _news_content() -> int:
    """Published news of the province and of 沈阳 (one with a heading and a list); returns
    the first one's id."""
    from learnhub.accounts.scopes import EVERYTHING
    from learnhub.news.models import NewsKind, NewsStatus
    from learnhub.news.services import NewsDetails, create_news, set_status

    made = []
    for title, kind, city, body in [
        ("关于举办2020年全民终身学习活动周的通知", NewsKind.NOTICE, None,
         "<h2>活动主题</h2><p>终身学习 成就梦想。</p><ul><li>10月21日前报送方案</li>"
         "<li>12月10日前报送总结</li></ul>"),
        ("沈阳市社区教育学院开展智能手机培训", NewsKind.WORK, "210100",
         "<p>和平区组织老年人学习使用智能手机。</p>"),
    ]:  # fmt: skip
        details = NewsDetails(title=title, kind=kind, city_code=city, body_html=body)
        item = create_news(EVERYTHING, details, None)
        set_status(EVERYTHING, item, NewsStatus.PUBLISHED)
        made.append(item)
    return made[0].id


def _credit_staff_content(accounts, finished) -> dict[str, object]:
    """What the staff credit pages decide on: an adjustment above the four-eyes amount asked
    by province staff, a learner moving from Dalian to Shenyang, and a course completed on a
    frozen account (a kept award)."""
    from sqlalchemy import select

    from learnhub.accounts import services as account_services
    from learnhub.accounts.models import User
    from learnhub.creditbank import services as credits
    from learnhub.creditbank.models import AccountStatus
    from learnhub.creditbank.pending_models import PendingAward
    from learnhub.creditbank.services.adjustments import adjust
    from learnhub.extensions import db
    from learnhub.learning import services as learning

    def user(login):
        return db.session.scalar(select(User).where(User.username == login))

    province = user(accounts.province_staff)
    learner2, learner3, mover = user("learner2"), user("learner3"), user("mover")
    asked = adjust(credits.account_of(learner2), "12.00", province, "年度志愿服务表彰", "browser")
    account_services.update_profile(mover, mover.display_name, "210100", "210102", None)
    frozen = credits.account_of(learner3)
    credits.set_account_status(frozen, AccountStatus.FROZEN, "身份核查", province)
    learning.enrol(learner3, finished)
    read_text_lesson(learner3, finished.lessons[0])
    db.session.flush()
    return {
        "credit_account": credits.account_of(user(accounts.learner)).number,
        "adjustment_request": asked.request.id,
        "transfer": credits.open_transfer_of(credits.account_of(mover).id).id,
        "frozen_account": frozen.number,
        "kept_award": db.session.scalar(select(PendingAward.id)),
    }


def _check_in_content(accounts) -> dict[str, object]:
    """A session of a 和平区 lecture going on now (1.50 credits for attending): the learner
    is signed up, learner4 is on the waiting list (check-in screen, confirmation, roster)."""
    from datetime import timedelta

    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.activities.models import (
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        CreditRule,
        SignUp,
        SignUpStatus,
    )  # fmt: skip
    from learnhub.database import utcnow
    from learnhub.extensions import db

    kind = ActivityKind(code="browser-lecture", name="专题讲座", name_en="Lecture")
    db.session.add(kind)
    db.session.flush()
    activity = Activity(
        title="社区大讲堂：智能手机防诈骗", kind_id=kind.id, city_code="210100",
        district_code="210102", is_online=True, status=ActivityStatus.PUBLISHED,
        credit_rule=CreditRule.FIXED, credit_cents=150,
    )  # fmt: skip
    db.session.add(activity)
    db.session.flush()
    now = utcnow()
    session = ActivitySession(activity_id=activity.id, starts_at=now - timedelta(minutes=10),
                              ends_at=now + timedelta(hours=2), capacity=1, taken=1)  # fmt: skip
    db.session.add(session)
    db.session.flush()
    for login, status in ((accounts.learner, SignUpStatus.CONFIRMED),
                          ("learner4", SignUpStatus.WAITING)):  # fmt: skip
        user_id = db.session.scalar(select(User.id).where(User.username == login))
        db.session.add(SignUp(session_id=session.id, user_id=user_id, status=status))
    ended = ActivitySession(activity_id=activity.id, starts_at=now - timedelta(hours=3),
                            ends_at=now - timedelta(hours=1), capacity=10)  # fmt: skip
    db.session.add(ended)
    db.session.flush()
    # The page matrix opens the ended session's screen: a live one reloads itself each
    # minute, which could land in the middle of the checks (test_checkin_flow checks it).
    return {
        "check_in_session": session.id, "check_in_ended_session": ended.id,
        "check_in_activity": activity.id,
    }  # fmt: skip


def _submission_content(accounts) -> dict[str, object]:
    """A task of the province that Shenyang and Dalian must answer, for the pages of
    submissions (tests/browser/test_submissions_flow.py fills one in through the page)."""
    from datetime import timedelta

    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.accounts.services import register
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.submissions.tasks import create_task
    from tests.submission_steps import BOARD_ITEMS, INSTRUCTIONS, fill_and_submit

    province = db.session.scalar(select(User).where(User.username == accounts.province_staff))
    task = create_task(province, "活动周工作方案和宣传展板材料", INSTRUCTIONS,
                       utcnow() + timedelta(days=10), 3, ["210100", "210200"],
                       BOARD_ITEMS)  # fmt: skip
    # Dalian's centre has submitted, after the due time (the board shows it late).
    register("dalian_staff", accounts.password, "大连市指导中心", "210200", "210202",
             role=Role.CITY_STAFF, managed_region_code="210200")  # fmt: skip
    db.session.commit()
    fill_and_submit(task.id, "dalian_staff", "210200", now=task.due_at + timedelta(hours=2))
    return {"submission_task": task.id}


def _selection_content(accounts) -> dict[str, object]:
    """A published 百姓学习之星 like the demo's: four nominees of 沈阳 and 大连 scored by two
    experts, three winners (one asked not to be named), their stories in the news."""
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.accounts.scopes import EVERYTHING
    from learnhub.accounts.services import register
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.pools import services as pools
    from learnhub.selections import kinds, review, services
    from learnhub.selections.models import SelectionKind

    province = db.session.scalar(select(User).where(User.username == accounts.province_staff))
    kinds.ensure_standard_kinds()
    star = db.session.scalar(select(SelectionKind).where(SelectionKind.name == "百姓学习之星"))
    start = utcnow() - timedelta(days=1)
    selection = services.open_selection(
        EVERYTHING, province, star, start.year, f"{start.year}年辽宁省百姓学习之星",
        {"210100": 2, "210200": 2},
        [services.CriterionDraft("学习事迹", Decimal(40), 10),
         services.CriterionDraft("学习成效", Decimal(30), 10),
         services.CriterionDraft("示范带动", Decimal(30), 10)],
        "主要学习经历", (start, start + timedelta(days=20), start + timedelta(days=40)),
    )  # fmt: skip
    nominees = [
        ("star_li", "李秀英", "210100", "210102", ["name", "story", "record"],
         "退休后坚持在社区学院学习十年，带动邻里组建读书会，累计服务居民三百余人次。"),
        ("star_zhang", "张建国", "210100", "210103", ["name", "story"],
         "从零开始学习智能手机和摄影，如今在社区当志愿讲师，教老年人用手机挂号。"),
        ("star_wang", "王桂兰", "210200", "210202", ["story", "record"],
         "下岗后通过社区教育学习面点技能，创办小店，又免费为社区居民开设技能课程。"),
        ("star_liu", "刘志强", "210200", "210202", ["name"], "坚持参加老年大学书法班。"),
    ]  # fmt: skip
    made = []
    for login, name, city, district, parts, story in nominees:
        learner = register(login, accounts.password, name, city, district)
        nomination = services.nominate(EVERYTHING, province, selection, city, name, story,
                                       {"主要学习经历": "社区学院"}, nominee=learner)  # fmt: skip
        services.answer_consent(learner, nomination, True, parts)
        made.append(nomination)
    experts = []
    for login, name, city, district in (("expert_sy", "赵教授", "210100", "210102"),
                                        ("expert_dl", "孙教授", "210200", "210202")):  # fmt: skip
        account = register(login, accounts.password, name, city, district)
        details = pools.MemberDetails(name, "辽宁大学", "社区教育", city, district,
                                      "13800000000", "周末")  # fmt: skip
        expert = pools.add_expert(EVERYTHING, province, details, account)
        review.assign_reviewer(EVERYTHING, selection, expert)
        experts.append(expert)
    review.start_review(EVERYTHING, selection)
    for expert in experts:
        for number, nomination in enumerate(review.reviewable(expert, selection)):
            scores = {c.id: 9 - number * 2 + c.position % 2 for c in selection.criteria}
            review.score(expert, nomination, scores, "事迹突出，示范作用明显。")
    review.confirm_winners(EVERYTHING, selection, {n.id for n in made[:3]})
    review.publish(EVERYTHING, selection)
    db.session.flush()
    return {
        "selection": selection.id, "selection_year": selection.year,
        "selection_kind": star.id,
    }  # fmt: skip


@pytest.fixture
def visitor(browser, _browser_context, live_server, accounts) -> Iterator[Visitor]:
    """A person at the browser, on this test's site, with no cookies yet."""
    person = Visitor(browser, _browser_context, live_server, accounts)
    yield person
    foreign, popups = person.foreign_requests(), person.popups
    person.close()
    assert not foreign, f"the pages asked another origin for: {foreign}"
    assert not popups, f"the pages popped up: {popups}"
