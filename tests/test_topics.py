"""Topics (专题): province staff write, publish and withdraw them (everyone else is refused);
the public sees published topics with their public courses, activities and news; refused
input saves nothing; the home page's block follows every change."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.activities.models import ActivityStatus
from learnhub.audit import AuditAction, AuditEntry
from learnhub.catalogue.models import CourseStatus
from learnhub.extensions import db
from learnhub.news import NewsKind, NewsStatus
from learnhub.news import services as news_services
from learnhub.news.services import NewsDetails
from learnhub.topics import Topic, TopicError, TopicStatus, services
from learnhub.topics.demo import load_demo_topics
from learnhub.topics.services import TopicDetails
from tests.activity_steps import make_activity
from tests.helpers import csrf_token_from, sign_in, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200


pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def staff(make_user):
    make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    make_user(login="sy_city", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    make_user(login="hp_county", role=Role.COUNTY_STAFF, managed="210102", name="和平中心")
    make_user(login="learner", name="王秀英")


def add_news(title: str, published: bool = True) -> int:
    details = NewsDetails(title=title, kind=NewsKind.WORK, body_html="<p>正文</p>")
    item = news_services.create_news(news_services.EVERYTHING, details, None)
    if published:
        news_services.set_status(news_services.EVERYTHING, item, NewsStatus.PUBLISHED)
    db.session.commit()
    return item.id


def province_user() -> User:
    return db.session.scalar(select(User).where(User.username == "province"))


def add_topic(slug="anti-fraud", title="反诈防骗", published=True, position=0, **items) -> int:
    details = TopicDetails(slug=slug, title=title, summary="守住钱袋子", position=position,
                           body_html="<p>牢记三不一多。</p>", **items)  # fmt: skip
    topic = services.create_topic(province_user(), details)
    if published:
        services.set_status(province_user(), topic, TopicStatus.PUBLISHED)
    db.session.commit()
    return topic.id


def form_data(**changes) -> dict:
    data = {
        "title": "2026 全民终身学习活动周",
        "slug": "learning-week-2026",
        "summary": "活动周的课程、活动和新闻",
        "body_html": "<p>全省同步开展百姓读书活动。</p>",
        "position": "10",
        "course_ids": "",
        "activity_ids": "",
        "news_ids": "",
    }
    data.update(changes)
    return data


def topics_slugged(app, slug: str) -> list[Topic]:
    with app.app_context():
        found = list(db.session.scalars(select(Topic).where(Topic.slug == slug)))
        db.session.expunge_all()
        return found


def topic_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Topic.id)))


# ---- staff ------------------------------------------------------------------------------------


def test_province_staff_write_publish_change_and_withdraw_a_topic_all_audited(
    app, client, staff, make_course
):
    course_id = make_course("防范电信诈骗")
    with app.app_context():
        news_id = add_news("活动周开幕")
    sign_in(client, "province")
    data = form_data(course_ids=str(course_id), news_ids=str(news_id))
    response = submit(client, "/staff/topics/new", data)
    assert response.status_code == 302
    (topic,) = topics_slugged(app, "learning-week-2026")
    assert topic.status is TopicStatus.DRAFT and topic.position == 10
    public = app.test_client()
    assert public.get("/topics/learning-week-2026").status_code == 404  # a draft
    preview = client.get("/topics/learning-week-2026").get_data(as_text=True)
    assert "This topic is not published" in preview and "全省同步开展百姓读书活动" in preview

    submit(client, f"/staff/topics/{topic.id}/publish", {}, page="/staff/topics")
    page = public.get("/topics/learning-week-2026").get_data(as_text=True)
    assert "全省同步开展百姓读书活动" in page and "防范电信诈骗" in page and "活动周开幕" in page
    assert "not published" not in page
    assert "2026 全民终身学习活动周" in public.get("/topics").get_data(as_text=True)

    changed = form_data(title="活动周专题", course_ids="")
    response = submit(client, f"/staff/topics/{topic.id}/edit", changed)
    assert response.status_code == 302
    page = public.get("/topics/learning-week-2026").get_data(as_text=True)
    assert "活动周专题" in page and "防范电信诈骗" not in page

    submit(client, f"/staff/topics/{topic.id}/withdraw", {}, page="/staff/topics")
    assert public.get("/topics/learning-week-2026").status_code == 404
    assert "活动周专题" not in public.get("/topics").get_data(as_text=True)
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == [
        AuditAction.TOPIC_SAVED, AuditAction.TOPIC_STATUS_CHANGED, AuditAction.TOPIC_SAVED,
        AuditAction.TOPIC_STATUS_CHANGED,
    ]  # fmt: skip
    assert entries[2].details["changed"]["title"] == ["2026 全民终身学习活动周", "活动周专题"]
    assert entries[2].details["changed"]["course_ids"] == [[course_id], []]


@pytest.mark.parametrize("login", ["sy_city", "hp_county", "learner"])
def test_others_are_refused_every_page_and_write_even_with_a_valid_token(app, staff, login):
    with app.app_context():
        topic_id = add_topic(published=False)
    client = app.test_client()
    sign_in(client, login)
    token = csrf_token_from(client.get("/me/account").get_data(as_text=True))
    for page in ("/staff/topics", "/staff/topics/new", f"/staff/topics/{topic_id}/edit"):
        assert client.get(page).status_code == 403
    posts = {
        "/staff/topics/new": form_data(slug="sneaky"),
        f"/staff/topics/{topic_id}/edit": form_data(slug="anti-fraud", title="改了"),
        f"/staff/topics/{topic_id}/publish": {},
    }
    for url, data in posts.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403
    assert client.get("/topics/anti-fraud").status_code == 404  # nor see the draft
    (topic,) = topics_slugged(app, "anti-fraud")
    assert topic.status is TopicStatus.DRAFT and topic.title == "反诈防骗"
    assert topic_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_the_services_refuse_anyone_but_province_staff(app, staff):
    with app.app_context():
        topic_id = add_topic(published=False)
        city = db.session.scalar(select(User).where(User.username == "sy_city"))
        details = TopicDetails(slug="city-topic", title="市专题", body_html="<p>x</p>")
        for attempt in (
            lambda: services.create_topic(city, details),
            lambda: services.set_status(city, db.session.get(Topic, topic_id),
                                        TopicStatus.PUBLISHED),
        ):  # fmt: skip
            with pytest.raises(TopicError) as refused:
                attempt()
            assert refused.value.forbidden
        db.session.rollback()
        assert db.session.get(Topic, topic_id).status is TopicStatus.DRAFT


def test_only_province_staff_find_topics_on_the_dashboard(app, staff):
    for login, shown in (("province", True), ("sy_city", False)):
        client = app.test_client()
        sign_in(client, login)
        assert ("/staff/topics" in client.get("/staff/").get_data(as_text=True)) is shown


# ---- what the public sees ---------------------------------------------------------------------


def test_the_public_page_shows_only_public_items_and_past_activities_as_past(
    app, client, staff, make_course
):
    shown_course = make_course("扫码支付")
    draft_course = make_course("草稿课程", status=CourseStatus.DRAFT)
    coming, _ = make_activity(app, title="防诈骗讲座", sessions=((48, 10),))
    held, _ = make_activity(app, title="已举办的讲座", sessions=((-48, 10),))
    draft, _ = make_activity(app, title="草稿活动", status=ActivityStatus.DRAFT)
    cancelled, _ = make_activity(app, title="取消的活动", status=ActivityStatus.CANCELLED)
    with app.app_context():
        shown_news, draft_news = add_news("社区反诈宣传"), add_news("未发布新闻", published=False)
        add_topic(course_ids=[draft_course, shown_course], news_ids=[draft_news, shown_news],
                  activity_ids=[held, draft, cancelled, coming])  # fmt: skip
    page = client.get("/topics/anti-fraud").get_data(as_text=True)
    assert "扫码支付" in page and "course-card" in page and "社区反诈宣传" in page
    for hidden in ("草稿课程", "未发布新闻", "草稿活动", "取消的活动"):
        assert hidden not in page
    coming_part, past_part = page.split("Past activities")
    assert "防诈骗讲座" in coming_part and "Activities to come" in coming_part
    assert "已举办的讲座" in past_part and "防诈骗讲座" not in past_part


def test_items_show_in_the_order_staff_gave_each_once(app, client, staff, make_course):
    first, second = make_course("第一门课"), make_course("第二门课")
    sign_in(client, "province")
    data = form_data(course_ids=f"{second}，{first} {second}")  # a Chinese comma, a repeat
    assert submit(client, "/staff/topics/new", data).status_code == 302
    (topic,) = topics_slugged(app, "learning-week-2026")
    with app.app_context():
        assert services.form_values_of(db.session.get(Topic, topic.id)).course_ids == [
            second,
            first,
        ]
    page = client.get("/topics/learning-week-2026").get_data(as_text=True)
    assert page.index("第二门课") < page.index("第一门课")
    submit(client, f"/staff/topics/{topic.id}/edit", form_data(course_ids=f"{first},{second}"))
    page = client.get("/topics/learning-week-2026").get_data(as_text=True)
    assert page.index("第一门课") < page.index("第二门课")


def test_the_list_follows_the_staffs_order_and_leaves_out_drafts(app, client, staff):
    with app.app_context():
        add_topic(slug="later", title="排在后面", position=20)
        add_topic(slug="sooner", title="排在前面", position=10)
        add_topic(slug="draft", title="还没发布", published=False)
    page = client.get("/topics").get_data(as_text=True)
    assert page.index("排在前面") < page.index("排在后面") and "还没发布" not in page


def test_scripts_and_handlers_are_removed_from_the_text(app, client, staff):
    sign_in(client, "province")
    body = (
        '<p onclick="steal()">学习<script>alert(1)</script></p><img src="https://evil.example/x">'
    )
    assert submit(client, "/staff/topics/new", form_data(body_html=body)).status_code == 302
    (topic,) = topics_slugged(app, "learning-week-2026")
    assert "<script" not in topic.body_html and "onclick" not in topic.body_html
    assert "evil.example" not in topic.body_html and "学习" in topic.body_html


def test_home_page_lists_published_topics_and_follows_each_change(app, staff):
    public = app.test_client()
    assert "反诈防骗" not in public.get("/").get_data(as_text=True)  # now cached
    with app.app_context():
        topic_id = add_topic()
    home = public.get("/").get_data(as_text=True)
    assert "反诈防骗" in home and "/topics/anti-fraud" in home
    with app.app_context():
        services.set_status(province_user(), db.session.get(Topic, topic_id),
                            TopicStatus.WITHDRAWN)  # fmt: skip
        db.session.commit()
    assert "反诈防骗" not in public.get("/").get_data(as_text=True)


# ---- refused input ----------------------------------------------------------------------------


BAD_INPUT = {
    "bad-slug": ({"slug": "Anti Fraud!"}, "Use only lowercase latin letters"),
    "slug-hyphens": ({"slug": "-anti--fraud"}, "Use only lowercase latin letters"),
    "chinese-slug": ({"slug": "反诈"}, "Use only lowercase latin letters"),
    "duplicate-slug": ({"slug": "anti-fraud"}, "Another topic has the address anti-fraud"),
    "long-title": ({"title": "长" * 81}, "Write at most 80 characters"),
    "no-title": ({"title": "  "}, "Enter a title"),
    "unknown-course": ({"course_ids": "987654"}, "There is no course with the number 987654"),
    "unknown-activity": ({"activity_ids": "987654"}, "There is no activity with the number 987654"),
    "unknown-news": ({"news_ids": "987654"}, "There is no news item with the number 987654"),
    "not-numbers": ({"course_ids": "智能手机"}, "Write the numbers parted by commas"),
    "huge-number": ({"news_ids": "9" * 400}, "Write the numbers parted by commas"),
    "bad-position": ({"position": "-3"}, "Enter a whole number from 0 to 9999"),
    "empty-text": ({"body_html": "<script>x()</script>"}, "Write the text of the topic"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_clearly_and_saves_nothing(app, client, staff, case):
    with app.app_context():
        add_topic()
    changes, message = BAD_INPUT[case]
    sign_in(client, "province")
    response = submit(client, "/staff/topics/new", form_data(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert topic_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_a_change_to_another_topics_address_is_refused_and_keeps_the_old_one(app, client, staff):
    with app.app_context():
        add_topic(slug="anti-fraud")
        other = add_topic(slug="party-100", title="建党百年")
    sign_in(client, "province")
    response = submit(client, f"/staff/topics/{other}/edit", form_data(slug="anti-fraud"))
    assert response.status_code == 400
    assert "Another topic has the address anti-fraud" in response.get_data(as_text=True)
    (kept,) = topics_slugged(app, "party-100")
    assert kept.title == "建党百年"
    # Its own address is no conflict.
    same = submit(client, f"/staff/topics/{other}/edit", form_data(slug="party-100"))
    assert same.status_code == 302


def test_a_png_cover_is_stored_and_a_renamed_program_is_refused(app, client, staff):
    sign_in(client, "province")
    fake = form_data(cover=(io.BytesIO(b"MZ\x90\0" + b"\0" * 100), "cover.png"))
    response = submit(client, "/staff/topics/new", fake, content_type="multipart/form-data")
    assert response.status_code == 400 and "JPEG" in response.get_data(as_text=True)
    assert topic_count(app) == 0
    real = form_data(cover=(io.BytesIO(PNG), "../../x.jpg.html"))
    response = submit(client, "/staff/topics/new", real, content_type="multipart/form-data")
    assert response.status_code == 302
    (topic,) = topics_slugged(app, "learning-week-2026")
    assert topic.cover_name.startswith("image/") and topic.cover_name.endswith(".png")
    served = client.get("/topics/learning-week-2026/cover")  # the staff's preview of the draft
    assert served.mimetype == "image/png" and served.get_data() == PNG
    served.close()
    assert app.test_client().get("/topics/learning-week-2026/cover").status_code == 404


# ---- the demo ---------------------------------------------------------------------------------


def test_the_demo_topics_load_once_and_are_public(app, staff, make_course):
    make_course("防范电信诈骗：守住咱的养老钱")
    with app.app_context():
        load_demo_topics()
        load_demo_topics()
        db.session.commit()
        assert db.session.scalar(select(func.count(Topic.id))) == 2
    page = app.test_client().get("/topics/anti-fraud").get_data(as_text=True)
    assert "反诈防骗" in page and "防范电信诈骗：守住咱的养老钱" in page
