"""Browsing: all courses, module pages with filters and sort, course and city pages."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from learnhub.cache import CATALOGUE
from learnhub.catalogue.models import Audience, Course, CourseAudience, CourseLevel, CourseStatus
from learnhub.extensions import cache, db
from tests.helpers import csrf_token_from, sign_in
from tests.test_query_counts import counted_statements

CHINA = ZoneInfo("Asia/Shanghai")  # the site's default time zone


def set_course(app, course_id, **values):
    with app.app_context():
        course = db.session.get(Course, course_id)
        audiences = values.pop("audiences", None)
        for name, value in values.items():
            setattr(course, name, value)
        if audiences is not None:
            course.audiences = [CourseAudience(audience=a) for a in audiences]
        db.session.commit()


def titles_in(page: str, *titles: str) -> list[str]:
    """Which of the titles the page shows, in the order it shows them."""
    return sorted((t for t in titles if t in page), key=page.index)


def test_module_page_lists_only_its_published_courses(client, make_course):
    make_course(title="党史第一讲", module="party-history")
    make_course(title="党史草稿", module="party-history", status=CourseStatus.DRAFT)
    make_course(title="健康饮食", module="health")
    response = client.get("/m/party-history")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "百年党史学堂" in page
    assert titles_in(page, "党史第一讲", "党史草稿", "健康饮食") == ["党史第一讲"]
    assert "共 1 门课程" in page


def test_unknown_module_is_a_404_page(client):
    response = client.get("/m/no-such-module")
    assert response.status_code == 404 and "找不到这个页面" in response.get_data(as_text=True)


def test_filters_by_level_audience_and_region(client, app, make_course):
    easy = make_course(title="入门课", module="health")
    hard = make_course(title="提高课", module="health", region="210200")
    set_course(app, easy, audiences=[Audience.ELDER])
    set_course(app, hard, level=CourseLevel.ADVANCED)
    page = client.get("/m/health?level=advanced").get_data(as_text=True)
    assert titles_in(page, "入门课", "提高课") == ["提高课"]
    page = client.get("/m/health?audience=elder").get_data(as_text=True)
    assert titles_in(page, "入门课", "提高课") == ["入门课"]
    page = client.get("/m/health?region=210200").get_data(as_text=True)
    assert titles_in(page, "入门课", "提高课") == ["提高课"]


def test_bad_filter_values_are_ignored_not_an_error(client, make_course):
    make_course(title="入门课", module="health")
    response = client.get("/m/health?level=expert&audience=<script>&sort=drop&page=-3")
    assert response.status_code == 302 and response.location == "/m/health"  # the clean address
    response = client.get(response.location)
    assert response.status_code == 200
    assert "入门课" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        ("/?x=1", "/"),
        ("/?utm_source=wechat", "/"),
        ("/courses?sort=popular&x=1", "/courses?sort=popular"),
        ("/courses?page=1", "/courses"),
        ("/courses?page=999999999999999999999", "/courses?page=10000"),
        ("/courses?level=beginner&level=advanced", "/courses?level=beginner"),
        ("/c/210100?page=2&y=3", "/c/210100?page=2"),
    ],
)
def test_pages_cached_for_everyone_answer_only_at_their_clean_address(client, asked, canonical):
    """Whole pages are cached by address: junk query arguments must not fill the cache."""
    response = client.get(asked)
    assert response.status_code == 302 and response.location == canonical
    assert client.get(canonical).status_code == 200


def test_sort_newest_and_most_popular(client, app, make_course):
    from datetime import timedelta

    from learnhub.database import utcnow

    old = make_course(title="老课程", module="reading")
    new = make_course(title="新课程", module="reading")
    set_course(app, old, published_at=utcnow() - timedelta(days=30), enrolment_count=50)
    set_course(app, new, published_at=utcnow(), enrolment_count=3)
    assert titles_in(client.get("/m/reading").get_data(as_text=True), "老课程", "新课程") == [
        "新课程", "老课程"]  # fmt: skip
    popular = client.get("/m/reading?sort=popular").get_data(as_text=True)
    assert titles_in(popular, "老课程", "新课程") == ["老课程", "新课程"]


def test_listing_pages_twelve_at_a_time(client, make_course):
    for number in range(14):
        make_course(title=f"阅读课{number:02d}", module="reading", lessons=("text",))
    first = client.get("/m/reading").get_data(as_text=True)
    second = client.get("/m/reading?page=2").get_data(as_text=True)
    on_first = {f"阅读课{n:02d}" for n in range(14) if f"阅读课{n:02d}" in first}
    on_second = {f"阅读课{n:02d}" for n in range(14) if f"阅读课{n:02d}" in second}
    assert len(on_first) == 12 and len(on_second) == 2 and not on_first & on_second
    assert "第 1 页，共 2 页" in first and 'href="/m/reading?page=2"' in first


def test_city_page_shows_the_citys_own_courses(client, make_course):
    make_course(title="大连海边安全", region="210200")
    make_course(title="沈阳老年大学", region="210100")
    page = client.get("/c/210200").get_data(as_text=True)
    assert "大连市终身学习网" in page
    assert titles_in(page, "大连海边安全", "沈阳老年大学") == ["大连海边安全"]
    assert client.get("/c/210202").status_code == 404  # a district, not a city
    assert client.get("/c/nowhere").status_code == 404


def test_course_page_in_english(client, make_course):
    course_id = make_course(title="智能手机入门", credits="1.25")
    client.set_cookie("learnhub_locale", "en")
    page = client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "Study hours" in page and "1.25" in page and "Digital Skills for Elders" in page


def test_credits_are_exact_decimals(app, make_course):
    course_id = make_course(credits="0.25")
    with app.app_context():
        credits = db.session.scalar(select(Course.credits).where(Course.id == course_id))
        assert credits == Decimal("0.25") and isinstance(credits, Decimal)


def test_archived_course_is_shown_but_closed(client, app, make_course):
    course_id = make_course(title="旧课程")
    set_course(app, course_id, status=CourseStatus.ARCHIVED)
    page = client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "旧课程" in page and "不再接受新学员" in page
    assert "旧课程" not in client.get("/courses").get_data(as_text=True)


def test_all_courses_page_links_every_module(client):
    page = client.get("/courses").get_data(as_text=True)
    for slug in ("party-history", "reading", "elder-digital", "family", "health", "vocational"):
        assert f'href="/m/{slug}"' in page


def test_a_committed_edit_shows_at_once_on_cached_listings(client, app, make_course):
    course_id = make_course(title="旧标题", module="health")
    assert "旧标题" in client.get("/m/health").get_data(as_text=True)  # now cached
    set_course(app, course_id, title="新标题")
    page = client.get("/m/health").get_data(as_text=True)
    assert ">新标题</a>" in page and ">旧标题</a>" not in page


def test_an_edit_shows_at_once_after_the_catalogues_version_was_lost(client, app, make_course):
    """The version pages are kept under can be lost while the pages stay (it expired after
    five quiet minutes, a full cache pushed it out): it must not count again from where it
    started, or a later edit lands on a number an old page is kept under."""

    def lose_the_version():
        with app.app_context():
            cache.delete(f"version:{CATALOGUE}")

    course_id = make_course(title="旧标题", module="health")
    lose_the_version()
    set_course(app, course_id, title="改过一次")
    assert ">改过一次</a>" in client.get("/m/health").get_data(as_text=True)  # now kept
    lose_the_version()
    set_course(app, course_id, title="新标题")
    page = client.get("/m/health").get_data(as_text=True)
    assert ">新标题</a>" in page and ">改过一次</a>" not in page


def test_a_full_cache_drops_pages_before_the_version_they_are_kept_under(app_factory, make_course):
    """A full SimpleCache drops what expires first: if that were the content version, every
    page would be built again on every visit once the cache is full."""
    app = app_factory(CACHE_THRESHOLD=6)
    courses = [make_course(f"满了的缓存{n}") for n in range(10)]
    visitor = app.test_client()
    for course_id in courses:  # more pages than the cache holds: it drops some each time
        assert visitor.get(f"/courses/{course_id}").status_code == 200
    with counted_statements(app) as statements:
        assert visitor.get(f"/courses/{courses[-1]}").status_code == 200
    reads = [statement for statement in statements if statement.startswith("SELECT")]
    assert reads == []  # the page last built is still kept (its view is recorded)


def test_a_rolled_back_edit_never_shows(client, app, make_course):
    course_id = make_course(title="原来的标题", module="health")
    client.get("/m/health")
    with app.app_context():
        db.session.get(Course, course_id).title = "没有保存的标题"
        db.session.flush()
        db.session.rollback()
    page = client.get("/m/health").get_data(as_text=True)
    assert "原来的标题" in page and "没有保存的标题" not in page


def test_home_page_shows_modules_and_featured_new_and_popular_courses(client, app, make_course):
    make_course("慢病管理", module="health")
    featured = make_course("红色家书", module="party-history")
    popular = make_course("防范电信诈骗", module="elder-digital")
    make_course("草稿里的课", status=CourseStatus.DRAFT)
    set_course(app, featured, featured=True)
    set_course(app, popular, enrolment_count=99)
    page = client.get("/").get_data(as_text=True)
    modules = ("百年党史学堂", "全民学习阅读", "老年人智能技术应用")
    modules += ("家庭教育", "健康生活", "职业技能")
    assert all(module in page for module in modules)
    featured_part = page.split("精选课程")[1].split("</section>")[0]
    assert "红色家书" in featured_part and "慢病管理" not in featured_part
    newest_part = page.split("最新课程")[1].split("</section>")[0]
    assert newest_part.index("防范电信诈骗") < newest_part.index("慢病管理")
    popular_part = page.split("热门课程")[1].split("</section>")[0]
    assert popular_part.index("防范电信诈骗") < popular_part.index("红色家书")
    assert "草稿里的课" not in page


def test_home_page_shows_a_new_course_at_once(client, make_course):
    assert "刚发布的课" not in client.get("/").get_data(as_text=True)
    make_course("刚发布的课")
    assert "刚发布的课" in client.get("/").get_data(as_text=True)


def test_cached_pages_give_each_visitor_their_own_working_form_token(app, make_course):
    course_id = make_course("智能手机入门")
    first, second = app.test_client(), app.test_client()
    first_page = first.get(f"/courses/{course_id}").get_data(as_text=True)
    second_page = second.get(f"/courses/{course_id}").get_data(as_text=True)  # from the cache
    assert "智能手机入门" in second_page
    token = csrf_token_from(second_page)
    assert token != csrf_token_from(first_page)
    # The second visitor's token works for them: the elder mode switch on that page.
    response = second.post("/preferences/elder-mode", data={"csrf_token": token,
                           "elder_mode": "on", "next": f"/courses/{course_id}"})  # fmt: skip
    assert response.status_code == 302
    elder_page = second.get(f"/courses/{course_id}").get_data(as_text=True)
    assert 'class="mode-elder' in elder_page and 'class="mode-elder' not in first_page
    assert 'class="mode-elder' not in first.get(f"/courses/{course_id}").get_data(as_text=True)


def test_signed_in_learners_never_get_a_signed_out_cached_page(app, client, make_course, make_user):
    course_id = make_course("智能手机入门")
    app.test_client().get(f"/courses/{course_id}")  # a signed-out visitor fills the cache
    app.test_client().get("/")
    make_user("wang_lan", name="王兰")
    sign_in(client, "wang_lan")
    assert "王兰" in client.get("/").get_data(as_text=True)
    assert "退出" in client.get(f"/courses/{course_id}").get_data(as_text=True)


def test_home_page_names_the_most_active_cities_once_there_is_activity(app):
    from collections import Counter

    from learnhub.rankings import aggregates

    app.config["RANKINGS_CACHE_SECONDS"] = 0  # boards computed afresh for this test
    assert "本周最活跃的城市" not in app.test_client().get("/").get_data(as_text=True)
    today = datetime.now(CHINA).date()
    with app.app_context():
        clicks = Counter({(today, "210200", ""): 9, (today, "210300", ""): 4})
        aggregates.add_region_amounts("clicks", clicks)
        db.session.commit()
    page = app.test_client().get("/").get_data(as_text=True)
    top = page.split("本周最活跃的城市")[1].split("</section>")[0]
    assert titles_in(top, "大连市", "鞍山市") == ["大连市", "鞍山市"]
    assert "9 次点击" in top
