"""News: staff write by region, sanitised text, pictures, publishing, the public pages and
the Atom feed, and publish_story() for other features."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role
from learnhub.audit import AuditAction, AuditEntry
from learnhub.extensions import db
from learnhub.news import NewsItem, NewsKind, NewsStatus, publish_story, services
from learnhub.news.demo import load_demo_news
from learnhub.news.services import NewsDetails
from tests.helpers import csrf_token_from, sign_in, submit

SHENYANG, HEPING, SHENHE, DALIAN = "210100", "210102", "210103", "210200"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
ATOM = "{http://www.w3.org/2005/Atom}"


pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def staff(make_user):
    make_user(login="sy_city", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    make_user(
        login="dl_city", role=Role.CITY_STAFF, managed=DALIAN, name="大连中心", city=DALIAN,
        district="210202",
    )  # fmt: skip
    make_user(login="hp_county", role=Role.COUNTY_STAFF, managed=HEPING, name="和平中心")
    make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    make_user(login="learner", name="王秀英")


def add_news(title="全民终身学习活动周开幕", city=SHENYANG, district=None, published=True,
             kind=NewsKind.WORK, body="<p>活动周在沈阳开幕。</p>") -> int:  # fmt: skip
    details = NewsDetails(
        title=title, kind=kind, city_code=city, district_code=district, body_html=body,
        summary="摘要",
    )  # fmt: skip
    item = services.create_news(services.EVERYTHING, details, None)
    if published:
        services.set_status(services.EVERYTHING, item, NewsStatus.PUBLISHED)
    db.session.commit()
    return item.id


def form_data(**changes) -> dict:
    data = {
        "title": "沈阳市启动2020年全民终身学习活动周",
        "kind": "work",
        "city_code": SHENYANG,
        "district_code": "",
        "summary": "活动周以“终身学习 成就梦想”为主题。",
        "body_html": "<p>全市各区县同步开展学习活动。</p>",
        "image_caption": "",
    }
    data.update(changes)
    return data


def items_titled(app, title) -> list[NewsItem]:
    with app.app_context():
        found = list(db.session.scalars(select(NewsItem).where(NewsItem.title == title)))
        db.session.expunge_all()
        return found


# ---- staff ------------------------------------------------------------------------------------


def test_city_staff_write_a_draft_publish_it_and_both_are_audited(app, client, staff):
    sign_in(client, "sy_city")
    response = submit(client, "/staff/news/new", form_data())
    assert response.status_code == 302
    (item,) = items_titled(app, "沈阳市启动2020年全民终身学习活动周")
    assert item.status is NewsStatus.DRAFT and item.city_code == SHENYANG
    public = app.test_client()
    assert public.get(f"/news/{item.id}").status_code == 404  # a draft is not public
    response = submit(client, f"/staff/news/{item.id}/publish", {}, page="/staff/news")
    assert response.status_code == 302
    page = public.get(f"/news/{item.id}").get_data(as_text=True)
    assert "全市各区县同步开展学习活动" in page
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == [AuditAction.NEWS_SAVED, AuditAction.NEWS_STATUS_CHANGED]


def test_a_script_in_the_text_is_removed(app, client, staff):
    sign_in(client, "province")
    body = '<p onclick="steal()">学习<script>alert(1)</script><img src="https://evil.example/x.png"></p>'
    submit(client, "/staff/news/new", form_data(title="通知", body_html=body, city_code=""))
    (item,) = items_titled(app, "通知")
    assert item.city_code is None  # the province's own
    assert "<script" not in item.body_html and "onclick" not in item.body_html
    assert "evil.example" not in item.body_html and "学习" in item.body_html


def test_city_staff_cannot_write_for_another_city_or_the_province(app, client, staff):
    sign_in(client, "sy_city")
    for city in (DALIAN, ""):
        response = submit(client, "/staff/news/new", form_data(title="越权", city_code=city))
        assert response.status_code == 400
    assert items_titled(app, "越权") == []
    # The service refuses too, whatever a form offers.
    with app.app_context():
        city_scope = services.Scope(city_code=SHENYANG)
        for city, district in ((DALIAN, None), (None, None), (SHENYANG, "210202")):
            details = NewsDetails(title="越权", kind=NewsKind.WORK, city_code=city,
                                  district_code=district, body_html="<p>x</p>")  # fmt: skip
            with pytest.raises(services.NewsError):
                services.create_news(city_scope, details, None)


def test_county_staff_write_only_for_their_district(app, client, staff):
    sign_in(client, "hp_county")
    response = submit(client, "/staff/news/new", form_data(title="区县", district_code=""))
    assert response.status_code == 400
    assert "only for the region you look after" in response.get_data(
        as_text=True
    )  # the whole city is not theirs
    response = submit(client, "/staff/news/new", form_data(title="区县", district_code=HEPING))
    assert response.status_code == 302
    (item,) = items_titled(app, "区县")
    assert (item.city_code, item.district_code) == (SHENYANG, HEPING)


def test_staff_of_another_city_cannot_change_publish_or_see_a_draft(app, client, staff):
    with app.app_context():
        news_id = add_news(title="沈阳草稿", published=False)
    sign_in(client, "dl_city")
    token = csrf_token_from(client.get("/staff/news").get_data(as_text=True))
    assert client.get(f"/staff/news/{news_id}/edit").status_code == 404
    assert client.get(f"/news/{news_id}").status_code == 404
    response = client.post(f"/staff/news/{news_id}/publish", data={"csrf_token": token})
    assert response.status_code == 404
    assert "沈阳草稿" not in client.get("/staff/news").get_data(as_text=True)
    (item,) = items_titled(app, "沈阳草稿")
    assert item.status is NewsStatus.DRAFT


def test_withdrawn_news_leaves_the_public_pages(app, client, staff):
    with app.app_context():
        news_id = add_news(title="撤回的新闻")
    sign_in(client, "sy_city")
    submit(client, f"/staff/news/{news_id}/withdraw", {}, page="/staff/news")
    public = app.test_client()
    assert public.get(f"/news/{news_id}").status_code == 404
    assert "撤回的新闻" not in public.get("/news").get_data(as_text=True)
    assert "撤回的新闻" not in public.get("/").get_data(as_text=True)


# ---- pictures ---------------------------------------------------------------------------------


def test_a_picture_is_stored_under_a_random_name_and_served_as_png(app, client, staff):
    sign_in(client, "sy_city")
    data = form_data(
        title="有图", image=(io.BytesIO(PNG), "../../x.jpg.html"), image_caption="开幕式"
    )
    response = submit(client, "/staff/news/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    (item,) = items_titled(app, "有图")
    assert item.image_name.startswith("image/") and item.image_name.endswith(".png")
    served = client.get(f"/news/{item.id}/image")  # the staff's preview of the draft
    assert served.mimetype == "image/png" and served.get_data() == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()
    assert app.test_client().get(f"/news/{item.id}/image").status_code == 404  # a draft


def test_a_renamed_file_is_refused_as_a_picture(app, client, staff):
    sign_in(client, "sy_city")
    data = form_data(title="假图", image=(io.BytesIO(b"MZ\x90\0" + b"\0" * 100), "photo.jpg"))
    response = submit(client, "/staff/news/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "JPEG" in response.get_data(as_text=True)
    assert items_titled(app, "假图") == []


# ---- public pages and the feed ----------------------------------------------------------------


def test_the_news_list_filters_by_kind_and_city(app, staff):
    with app.app_context():
        add_news(title="沈阳工作动态")
        add_news(title="大连典型事迹", city=DALIAN, kind=NewsKind.STORY)
        add_news(title="全省通知", city=None, kind=NewsKind.NOTICE)
        add_news(title="沈阳草稿", published=False)
    public = app.test_client()
    page = public.get("/news").get_data(as_text=True)
    assert all(t in page for t in ("沈阳工作动态", "大连典型事迹", "全省通知"))
    assert "沈阳草稿" not in page
    page = public.get("/news?kind=story").get_data(as_text=True)
    assert "大连典型事迹" in page and "沈阳工作动态" not in page
    page = public.get(f"/news?city={DALIAN}").get_data(as_text=True)
    assert "大连典型事迹" in page and "全省通知" not in page
    page = public.get("/news?city=province").get_data(as_text=True)
    assert "全省通知" in page and "大连典型事迹" not in page
    assert public.get("/news?city=nonsense&kind=<x>&page=abc").status_code == 200


def test_home_and_city_pages_show_the_latest_news(app, staff):
    with app.app_context():
        add_news(title="沈阳工作动态")
        add_news(title="大连典型事迹", city=DALIAN)
        add_news(title="全省通知", city=None)
    public = app.test_client()
    home = public.get("/").get_data(as_text=True)
    assert all(t in home for t in ("沈阳工作动态", "大连典型事迹", "全省通知"))
    city = public.get(f"/c/{SHENYANG}").get_data(as_text=True)
    assert "沈阳工作动态" in city and "全省通知" in city and "大连典型事迹" not in city


def test_the_atom_feed_is_valid_and_escapes_content(app, staff):
    with app.app_context():
        add_news(title="A & B <通知>", body="<p>第一段 &amp; <b>重点</b></p>")
        add_news(title="草稿", published=False)
    response = app.test_client().get("/news/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)  # noqa: S314  (our own response)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "A & B <通知>"
    assert entry.findtext(f"{ATOM}id").endswith("/news/1") or entry.findtext(f"{ATOM}id")
    assert entry.findtext(f"{ATOM}updated").endswith("Z")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "<b>重点</b>" in content.text


# ---- for other features -----------------------------------------------------------------------


def test_publish_story_publishes_a_sanitised_model_story(app):
    with app.app_context():
        item = publish_story(
            "百姓学习之星：王秀英", "<p>坚持学习<script>x()</script></p>", DALIAN, "selection"
        )
        db.session.commit()
        news_id = item.id
        assert item.kind is NewsKind.STORY and item.status is NewsStatus.PUBLISHED
        assert item.published_at is not None and "<script" not in item.body_html
        with pytest.raises(services.NewsError):
            publish_story("", "<p>x</p>", DALIAN, "selection")
        db.session.rollback()
        assert db.session.scalar(select(func.count(NewsItem.id))) == 1
    assert "坚持学习" in app.test_client().get(f"/news/{news_id}").get_data(as_text=True)


def test_the_demo_news_load_once_and_are_public(app):
    with app.app_context():
        load_demo_news()
        load_demo_news()
        db.session.commit()
        assert db.session.scalar(select(func.count(NewsItem.id))) == 12
    page = app.test_client().get("/news?city=province").get_data(as_text=True)
    assert "关于做好2020年全民终身学习活动周相关工作的通知" in page
