"""Every form and JSON endpoint, posted random and hostile data by the role that may use it:
never a server error, and a refused post (4xx) changes nothing a person could notice.

Each POST route of the app is posted by the people who reach its rules (a learner for
/me and learning, staff of the province and of a city for /staff and the studio, an
anonymous visitor for sign-in, registration and recovery), with a valid CSRF token, so the
data gets past the token check to the forms and services. The fields are the form's own
(read from its page) plus strays; the values are Hypothesis text with NUL, control and
bidi characters, very long strings, numbers at the edges, markup and SQL. A route that
names a record gets a real one where the fixture has it (a course, a lesson, a question,
a credit account) and a made-up one otherwise. Runs on each database backend.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from learnhub.accounts.access import staff_scope
from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import EVERYTHING
from learnhub.activities.models import Activity, ActivityKind, ActivitySession, SignUp, SignUpStatus
from learnhub.catalogue.models import Lesson, QuizQuestion
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import EntryKind
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.news.models import NewsKind
from learnhub.news.services import NewsDetails, create_news
from learnhub.places.models import PlaceKind
from learnhub.places.services import PlaceDetails, create_place
from learnhub.pools import services as pools
from learnhub.pools.models import PoolKind
from learnhub.regions.models import Region
from learnhub.selections import services as selections
from learnhub.selections.models import Selection
from learnhub.submissions.models import ItemKind
from learnhub.submissions.tasks import ItemRule, create_task
from tests.helpers import csrf_token_from, sign_in
from tests.selection_steps import open_star_selection

# The same examples on every run, so CI is repeatable; LEARNHUB_FUZZ_EXPLORE=1 draws new ones
# each run (what found the two faults fixed so far: a 400-digit credit amount, a type of
# spaces) — run it when forms change, and turn what it finds into a test.
EXPLORE = os.environ.get("LEARNHUB_FUZZ_EXPLORE") == "1"

# Tables a refused post may still write to: the audit log records refused staff attempts,
# and one-time form tokens are spent by any post that carries one.
MAY_CHANGE_ON_REFUSAL = {"audit_entry", "studio_sent_form"}

HOSTILE = st.sampled_from([
    "", " ", "\x00", "王\x00秀英", "\u202e英秀王", "\u200b", "\x1b[31m", "'; DROP TABLE x;--",
    "<script>alert(1)</script>", "<img src=//evil.example/x>", "../../etc/passwd",
    "9" * 400, "-1", "0", "1e400", "NaN", "2026-02-30", "0001-01-01", "9999-12-31",
    "１２３", "x" * 70_000, "210100", "210102", "210200", "province_staff", "editor",
])  # fmt: skip
VALUES = st.one_of(HOSTILE, st.text(max_size=60))
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
FORM_TOKEN = re.compile(
    r'name="form_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="form_token"'
)


@pytest.fixture
def world(app, make_user, make_course):
    """The people and the records the routes name."""
    learner_id = make_user(login="fz_learner", name="王秀英")
    make_user(login="fz_city", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    make_user(login="fz_province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    course_id = make_course(title="模糊测试课程", region="210100", lessons=("text", "quiz"))
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.course_id == course_id))
        question_id = db.session.scalar(select(QuizQuestion.id))
        account = credits.account_of(db.session.get(User, learner_id))
        credits.post_entry(account, Decimal("2"), EntryKind.ATTENDANCE, "fz:1", memo="讲座")
        db.session.commit()
        number = account.number
        kind_id = db.session.scalar(select(ActivityKind.id))
        activity = Activity(title="模糊测试活动", kind_id=kind_id, city_code="210100",
                            is_online=True, online_url="https://meeting.example.cn/1")  # fmt: skip
        activity.sessions.append(ActivitySession(
            starts_at=utcnow() + timedelta(days=3), ends_at=utcnow() + timedelta(days=3, hours=2),
            capacity=20))  # fmt: skip
        db.session.add(activity)
        db.session.commit()
        activity_ids = {"activity_id": activity.id, "session_id": activity.sessions[0].id,
                        "kind_id": activity.kind_id}  # fmt: skip
        # The learner is signed up for it (check-in; the roster lists them).
        db.session.add(SignUp(session_id=activity_ids["session_id"], user_id=learner_id,
                              status=SignUpStatus.CONFIRMED))  # fmt: skip
        place_id = create_place(EVERYTHING, PlaceDetails(
            name="模糊测试书屋", kind=PlaceKind.LIBRARY, city_code="210100",
            district_code="210102"), None).id  # fmt: skip
        news_id = create_news(EVERYTHING, NewsDetails(
            title="模糊测试新闻", kind=NewsKind.WORK, city_code="210100",
            body_html="<p>正文</p>"), None).id  # fmt: skip
        db.session.commit()
        selection_ids = _selection_world(learner_id)
        task_id = _submission_task()
    return {
        **activity_ids,
        **selection_ids,
        "course_id": course_id, "lesson_id": lesson_id, "question_id": question_id,
        "number": number, "sequence": 1, "place_id": place_id, "news_id": news_id,
        "kind": "text", "action": "freeze",
        **_week_world(app),
        "topic_id": _topic(app),
        "task_id": task_id, "unit_code": "210100",
    }  # fmt: skip


def _submission_task() -> int:
    """A task of the province that 沈阳 (fz_city) must answer: a text, photos and figures."""
    province = db.session.scalar(select(User).where(User.username == "fz_province"))
    items = [ItemRule(ItemKind.TEXT, "展板文字", 300), ItemRule(ItemKind.PHOTOS, "照片", 2),
             ItemRule(ItemKind.FIGURES, "数据", field_names=["活动场次", "参与人次"])]  # fmt: skip
    task = create_task(province, "活动周材料", "", utcnow() + timedelta(days=5), 3, ["210100"],
                       items)  # fmt: skip
    db.session.commit()
    return task.id


def _week_world(app) -> dict:
    """A week of 2030 with 沈阳's week and one activity linked (the week's routes)."""
    from datetime import date

    from learnhub.activities.models import Activity, ActivityKind, ActivityStatus
    from learnhub.week import services as week_services
    from learnhub.week.services import WeekTerms

    with app.app_context():
        province = db.session.scalar(select(User).where(User.username == "fz_province"))
        opening = date(2030, 11, 1)
        week = week_services.open_week(
            province, 2030, WeekTerms("全民智学", opening, *week_services.default_window(opening))
        )
        city_week = week_services.register_city_week(
            province, week, db.session.get(Region, "210100"), opening, date(2030, 11, 7)
        )
        kind = db.session.scalar(select(ActivityKind).where(ActivityKind.code == "lecture"))
        kind = kind or ActivityKind(code="lecture", name="专题讲座", name_en="Lecture")
        activity = Activity(title="模糊测试活动", kind=kind, city_code="210100", is_online=True,
                            status=ActivityStatus.PUBLISHED)  # fmt: skip
        db.session.add(activity)
        db.session.flush()
        link = week_services.link_activity(province, city_week, activity)
        db.session.commit()
        return {"year": 2030, "city_code": "210100", "link_id": link.id}


def _topic(app) -> int:
    """A draft topic of the province (the topics' routes)."""
    from learnhub.topics import services as topics
    from learnhub.topics.services import TopicDetails

    with app.app_context():
        province = db.session.scalar(select(User).where(User.username == "fz_province"))
        details = TopicDetails(slug="fuzz", title="模糊测试专题", body_html="<p>正文</p>")
        topic = topics.create_topic(province, details)
        db.session.commit()
        return topic.id


def _selection_world(learner_id: int) -> dict:
    """A selection taking nominations, the learner nominated, and the learner's
    registration as a volunteer (waiting for staff)."""
    ids = {"province": db.session.scalar(select(User.id).where(User.username == "fz_province"))}
    selection_id = open_star_selection(ids)
    learner = db.session.get(User, learner_id)
    city = db.session.scalar(select(User).where(User.username == "fz_city"))
    nomination = selections.nominate(
        staff_scope(city), city,
        db.session.get(Selection, selection_id), "210100", "王秀英", "故事", {},
        nominee=learner,
    )  # fmt: skip
    member = pools.register(learner, PoolKind.VOLUNTEER, pools.MemberDetails(
        "王秀英", "社区", "书法", "210100", None, "13800000000", "周末"))  # fmt: skip
    # …and an approved teacher, offered on the pages that name a course's or an activity's.
    teacher = pools.register(learner, PoolKind.TEACHER, pools.MemberDetails(
        "王秀英", "老年大学", "书法", "210100", None, "13800000000", "周末"))  # fmt: skip
    pools.decide(EVERYTHING, teacher, True, city)
    db.session.commit()
    return {"selection_id": selection_id, "nomination_id": nomination.id, "member_id": member.id}


def _who_posts(rule: str) -> list[str | None]:
    if rule.startswith(("/staff", "/studio", "/search/synonyms")):
        return ["fz_province", "fz_city"]
    if rule.startswith(("/me", "/courses", "/lessons", "/logout", "/activities", "/pools",
                        "/selections", "/review")):  # fmt: skip
        return ["fz_learner"]
    return [None]  # sign-in, registration, recovery, activation, preferences


def _url(rule, world: dict) -> str:
    values = {name: world.get(name, 987_654) for name in rule.arguments}  # else unknown
    for name in rule.arguments:
        if name in ("rule_key", "code", "token"):
            values[name] = "x1"
    with_values = rule.rule
    for name, value in values.items():
        with_values = re.sub(rf"<[^>]*\b{name}>", str(value), with_values)
    return with_values


def _fingerprint() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name not in MAY_CHANGE_ON_REFUSAL
    }


def _post_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in rule.methods),
        key=lambda rule: rule.rule,
    )


# The blueprints whose routes take posts, fuzzed one by one (``-k activities`` runs one).
BLUEPRINTS = ("accounts", "activities", "conversion", "creditbank", "helpdesk", "inbox",
              "learning", "news", "people", "places", "pools", "privacy", "recognition",
              "satisfaction", "search", "selections", "staff", "studio", "submissions",
              "topics", "week")  # fmt: skip


def test_every_post_route_is_fuzzed(app):
    assert len(_post_rules(app)) >= 60  # a route that stops taking posts shows up here
    assert {rule.endpoint.split(".")[0] for rule in _post_rules(app)} <= set(BLUEPRINTS)


def _fuzz(app, client, url, login, page, token, fields, failures) -> None:
    """Post generated data to ``url`` as ``login``; note 5xx, and refusals that changed data."""
    form_token = FORM_TOKEN.search(page)
    extra = {"form_token": form_token.group(1) or form_token.group(2)} if form_token else {}

    @given(
        data=st.fixed_dictionaries(
            dict.fromkeys(fields, VALUES), optional={"stray": VALUES, "page": VALUES}
        )
    )
    @settings(max_examples=12, deadline=None, database=None, derandomize=not EXPLORE,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def post(data):
        with app.app_context():
            before = _fingerprint()
        response = client.post(url, data={"csrf_token": token, **extra, **data})
        if response.status_code >= 500:
            failures.append((url, login, data, response.status_code))
        elif response.status_code >= 400:
            with app.app_context():
                after = _fingerprint()
            changed = sorted(t for t in before if before[t] != after[t])
            if changed:
                failures.append((url, login, data, changed))

    post()


@pytest.mark.slow
@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_hostile_posts_never_fail_and_refusals_change_nothing(app, world, blueprint):
    app.config["RATELIMIT_ENABLED"] = False  # the fuzzer is one fast client
    clients = {}
    for login in ("fz_learner", "fz_city", "fz_province", None):
        client = app.test_client()
        if login:
            sign_in(client, login)
        clients[login] = client
    failures = []
    for rule in _post_rules(app):
        if rule.endpoint.split(".")[0] != blueprint:
            continue
        url = _url(rule, world)
        for login in _who_posts(rule.rule):
            client = clients[login]
            page = client.get(url).get_data(as_text=True) if "GET" in rule.methods else ""
            fields = sorted(set(FIELD.findall(page)) - {"csrf_token", "form_token"})
            token = csrf_token_from(client.get("/me/account" if login else "/login").get_data(
                as_text=True))  # fmt: skip

            _fuzz(app, client, url, login, page, token, fields, failures)
            if rule.rule in ("/logout", "/me/devices/end-all") and login:
                sign_in(client, login)
            if rule.rule == "/me/privacy/withdraw":  # agree again, so later posts get through
                agree_page = client.get("/privacy/consent").get_data(as_text=True)
                client.post("/privacy/consent", data={
                    "csrf_token": csrf_token_from(agree_page), "agree": "y"})  # fmt: skip
    assert not failures, failures[:5]
