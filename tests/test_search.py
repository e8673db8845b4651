"""Search on a real index: Chinese words, pinyin, ranking, publishing, bad input.

Every test that takes ``app`` runs on both search backends: the Whoosh index (on SQLite and
PostgreSQL) and the PostgreSQL backend's entries (on PostgreSQL).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role
from learnhub.catalogue.models import Course, CourseStatus, Lesson, Module
from learnhub.extensions import db
from learnhub.jobs.worker import run_pending
from learnhub.search import services, sync, text
from learnhub.search.models import PendingIndexChange, SearchTermCount
from tests.helpers import csrf_token_from, sign_in
from tests.search.helpers import (
    SEARCH_BACKENDS,
    add_course,
    app_with_search_backend,
    commit_and_index,
    indexed_keys,
)


@pytest.fixture(params=SEARCH_BACKENDS)
def app(request, app_factory, backend):
    return app_with_search_backend(request.param, app_factory, backend)


@pytest.fixture
def catalogue(app):
    """A small catalogue with look-alike titles, so ranking and pinyin have something to beat."""
    with app.app_context():
        courses = {
            "party": add_course("百年党史学堂", "学习中国共产党百年奋斗历程。",
                                [("第一讲 建党精神", "<p>红船精神是党史的开篇。</p>")]),
            "phone": add_course("智能手机入门", "手把手学用智能手机。", module="elder-digital",
                                lessons=[("扫码支付", "<p>用手机扫码付款。</p>")]),
            "tv": add_course("电视节目推荐", "适合长辈的好节目。", module="reading"),
            "reading": add_course("读书笔记怎么写", "好书推荐与读书方法。", module="reading"),
            "games": add_course("大赛风采", "社区运动会。", module="health"),
        }  # fmt: skip
        ids = {name: course.id for name, course in courses.items()}
        db.session.rollback()  # end the read above: test code begins write transactions
    return ids


# ---- Chinese words and pinyin ---------------------------------------------------------------


def test_a_chinese_word_finds_titles_that_contain_it(app, catalogue):
    with app.app_context():
        assert indexed_keys("党史")[0] == ("course", catalogue["party"])
        assert ("course", catalogue["party"]) in indexed_keys("百年党史")
        assert ("course", catalogue["phone"]) in indexed_keys("手机")


@pytest.mark.parametrize(
    ("typed", "course"),
    [
        ("dangshi", "party"),  # full pinyin, joined
        ("dang shi", "party"),  # spaced
        ("DangShi", "party"),  # capitals
        ("ｄａｎｇｓｈｉ", "party"),  # full-width letters from a Chinese keyboard
        ("ds", "party"),  # initials of a word
        ("bndsxt", "party"),  # initials of the whole title
        ("znsj", "phone"),  # initials across words (智能 + 手机)
        ("zhineng shouji", "phone"),
        ("shouji", "phone"),
        ("dangsi", "party"),  # sh typed as s: folded
    ],
)
def test_pinyin_and_initials_find_chinese_titles_in_the_top_three(app, catalogue, typed, course):
    with app.app_context():
        assert ("course", catalogue[course]) in indexed_keys(typed)[:3]


def test_pinyin_of_the_module_finds_its_courses_whose_titles_do_not_say_it(app, catalogue):
    with app.app_context():
        history = add_course("时代呼唤：中国共产党诞生的历史背景", "从五四运动讲起。")
        found = indexed_keys("dangshi")
        assert ("course", history.id) in found
        assert found.index(("course", catalogue["party"])) < found.index(("course", history.id))
        assert ("course", catalogue["phone"]) not in found


def test_a_typed_run_needs_all_of_its_bigrams_in_one_title(app):
    """智能手机 typed: a title with 智能 and another with 手机 are not found by the run's
    bigrams (every bigram must stand in the same title), on both backends alike."""
    with app.app_context():
        whole = add_course("智能手机课堂", "", module="elder-digital").id
        add_course("智能家居", "", module="elder-digital")
        add_course("手机拍照", "", module="elder-digital")
        assert indexed_keys("智能手机") == [("course", whole)]


def test_pinyin_keys_cover_words_runs_and_initials():
    keys = text.pinyin_keys("智能手机入门")
    assert {"zinen", "souji", "zinensouji", "znsj", "sj", "zn"} <= set(keys)


# ---- ranking --------------------------------------------------------------------------------


def test_a_title_match_beats_a_body_match(app):
    with app.app_context():
        in_body = add_course("社区活动", "本课程讲健康码的使用，健康码很方便。", module="health")
        in_title = add_course("健康码使用", "出门办事的好帮手。", module="elder-digital")
        assert indexed_keys("健康码")[:2] == [("course", in_title.id), ("course", in_body.id)]


def test_a_course_beats_its_own_lesson_for_the_same_words(app):
    with app.app_context():
        course = add_course("太极拳", "", [("太极拳", "<p>太极拳</p>")], module="health")
        lesson_id = course.lessons[0].id
        assert indexed_keys("太极拳")[:2] == [("course", course.id), ("lesson", lesson_id)]


def test_popular_courses_get_a_mild_boost(app):
    with app.app_context():
        quiet = add_course("八段锦入门", "", module="health")
        popular = add_course("八段锦入门", "", module="health", enrolments=900)
        services.forget_popularity()
        found = sync.search_index().search("八段锦", boosts=services.popularity_boosts())
        assert [h.object_id for h in found.hits] == [popular.id, quiet.id]
        assert found.hits[0].score / found.hits[1].score <= 1 + services.POPULARITY_WEIGHT
        # Mild: a title match of a quiet course still beats a popular course's summary match.
        summary_only = add_course("社区运动", "八段锦", module="health", enrolments=5000)
        services.forget_popularity()
        found = sync.search_index().search("八段锦", boosts=services.popularity_boosts())
        assert found.hits[-1].object_id == summary_only.id


# ---- what is searchable, and when -----------------------------------------------------------


def test_unpublished_content_is_never_found(app):
    with app.test_request_context("/search"):
        add_course("草稿课程防骗", "", [("防骗第一课", "<p>防骗</p>")], status=CourseStatus.DRAFT)
        assert indexed_keys("防骗") == []
        assert services.search("防骗").total == 0


def test_publishing_archiving_and_deleting_update_the_index(app):
    with app.app_context():
        course = add_course("育婴师培训", "", [("喂养", "<p>育婴师的日常</p>")],
                            status=CourseStatus.DRAFT, module="vocational")  # fmt: skip
        lesson_id = course.lessons[0].id
        assert indexed_keys("育婴师") == []
        course.status = CourseStatus.PUBLISHED
        course.published_at = course.created_at
        commit_and_index()
        assert set(indexed_keys("育婴师")) == {("course", course.id), ("lesson", lesson_id)}
        course.title = "家政服务培训"
        commit_and_index()
        # the lesson carries its course's title (weighed as a summary): it follows the rename
        assert set(indexed_keys("家政")) == {("course", course.id), ("lesson", lesson_id)}
        course.status = CourseStatus.ARCHIVED
        commit_and_index()
        assert indexed_keys("育婴师") == [] and indexed_keys("家政") == []
        course.status = CourseStatus.PUBLISHED
        commit_and_index()
        db.session.delete(db.session.get(Lesson, lesson_id))
        commit_and_index()
        assert indexed_keys("育婴师") == []
        db.session.delete(course)
        commit_and_index()
        assert indexed_keys("家政") == []
        assert db.session.scalar(select(func.count()).select_from(PendingIndexChange)) == 0


def test_the_index_changes_only_after_the_commit(app):
    with app.app_context():
        add_course("先有一门课", "")  # the index exists from here on
        course = add_course("中医养生", "", module="health", commit=False)
        db.session.flush()
        assert indexed_keys("养生") == []  # flushed, not committed: not yet
        db.session.commit()
        if app.config["SEARCH_BACKEND"] == "whoosh":
            assert indexed_keys("养生") == []  # committed: queued for the worker
            run_pending(app)
        # PostgreSQL: written with the commit itself, no worker step
        assert indexed_keys("养生") == [("course", course.id)]


def test_a_rolled_back_change_never_reaches_the_index(app):
    with app.app_context():
        add_course("先有一门课", "")
        add_course("急救知识", "", module="health", commit=False)
        db.session.flush()
        db.session.rollback()
        add_course("另一门课", "")  # a later commit applies whatever is queued
        assert indexed_keys("急救") == []
        assert db.session.scalar(select(func.count()).select_from(PendingIndexChange)) == 0


def test_module_renames_reach_their_courses(app, catalogue):
    with app.app_context():
        from learnhub.catalogue.models import Module

        module = db.session.scalar(select(Module).where(Module.slug == "health"))
        module.name_zh = "养生保健"
        commit_and_index()
        assert ("course", catalogue["games"]) in indexed_keys("养生保健")


def test_enrolment_counts_do_not_rewrite_the_index(app, catalogue):
    with app.app_context():
        course = db.session.get(Course, catalogue["tv"])
        course.enrolment_count = 10
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PendingIndexChange)) == 0


# ---- the results page and the API -----------------------------------------------------------


def test_results_page_shows_highlights_facets_and_counts(client, catalogue):
    html = client.get("/search?q=党史").get_data(as_text=True)
    assert "百年<mark" in html and "党史</mark>" in html
    assert "search-facets" in html
    assert 'href="/courses/' in html


def test_results_page_filters_by_module_and_sorts_by_newest(app, client):
    with app.app_context():
        old_course = add_course("广场舞基础", "", module="health", commit=False)
        old_course.published_at -= timedelta(days=30)
        db.session.commit()
        old = old_course.id
        new = add_course("广场舞进阶", "", module="reading").id
    data = client.get("/api/v1/search?q=广场舞&sort=newest").json
    assert [r["id"] for r in data["results"]] == [new, old]
    assert {f["module"]: f["count"] for f in data["facets"]} == {"health": 1, "reading": 1}
    data = client.get("/api/v1/search?q=广场舞&module=health").json
    assert [r["id"] for r in data["results"]] == [old]
    assert data["total"] == 1


def test_facets_name_the_modules_in_the_pages_language_in_the_catalogues_order(app, client):
    with app.app_context():
        add_course("广场舞基础", "", module="health")
        add_course("广场舞进阶", "", module="reading")
        modules = db.session.scalars(
            select(Module).where(Module.slug.in_(["health", "reading"]))
            .order_by(Module.position, Module.id)
        ).all()  # fmt: skip
        names = [(m.name_zh, m.name_en) for m in modules]

    def facets(path: str, visitor=client) -> str:
        html = visitor.get(path).get_data(as_text=True)
        nav = html[html.index('class="search-facets"') :]
        return nav[: nav.index("</nav>")]

    shown = facets("/search?q=广场舞")
    assert f"{names[0][0]} (1)" in shown and f"{names[1][0]} (1)" in shown
    assert shown.index(names[0][0]) < shown.index(names[1][0])
    in_english = app.test_client()
    in_english.set_cookie("learnhub_locale", "en")
    english = facets("/search?q=广场舞", in_english)
    assert f"{names[0][1]} (1)" in english and names[0][0] not in english
    with app.app_context():
        db.session.scalar(select(Module).where(Module.slug == "health")).name_zh = "健康生活新名"
        db.session.commit()
    assert "健康生活新名 (1)" in facets("/search?q=广场舞")  # a renamed module at once


def test_results_are_paged(app, client):
    with app.app_context():
        for i in range(12):
            add_course(f"园艺课程{i}", "", module="vocational")
    first = client.get("/api/v1/search?q=园艺").json
    second = client.get("/api/v1/search?q=园艺&page=2").json
    assert first["total"] == 12 and first["pages"] == 2
    assert len(first["results"]) == 10 and len(second["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert 'rel="next"' in client.get("/search?q=园艺").get_data(as_text=True)


def test_api_returns_the_same_results_as_the_page(client, catalogue):
    data = client.get("/api/v1/search?q=dangshi").json
    assert data["results"][0]["id"] == catalogue["party"]
    assert data["results"][0]["kind"] == "course"
    assert data["results"][0]["url"] == f"/courses/{catalogue['party']}"
    assert data["from_database"] is False


def test_did_you_mean_and_popular_courses_on_an_empty_result(client, catalogue):
    html = client.get("/search?q=党使&as_typed=1").get_data(as_text=True)  # a homophone typo
    assert "/search?q=%E5%85%9A%E5%8F%B2" in html  # 党史
    assert "search-popular" in html
    data = client.get("/api/v1/search?q=dangshii&as_typed=1").json  # one letter too many
    assert data["suggestion"] == "党史"  # as Chinese (from the module's name), never "dansi"
    assert data["popular"] and not data["results"] and data["corrected"] is None


@pytest.mark.parametrize("typed", ["党使", "dangshii"])
def test_a_typo_that_finds_nothing_shows_what_did_you_mean_finds(client, english, catalogue,
                                                                  typed):  # fmt: skip
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert "Showing results for “党史”" in html
    assert f'href="/courses/{catalogue["party"]}"' in html
    assert "search-popular" not in html
    # the learner can still have what they typed, and is not corrected again there
    page = html.split("Search instead for")[0].rsplit('href="', 1)[1].split('"')[0]
    assert "as_typed=1" in page
    again = client.get(page.replace("&amp;", "&")).get_data(as_text=True)
    assert "Showing results for" not in again and "search-popular" in again
    data = client.get("/api/v1/search", query_string={"q": typed}).json
    assert data["corrected"] == "党史" and data["query"] == typed
    assert data["results"][0]["id"] == catalogue["party"] and not data["popular"]


def test_did_you_mean_reads_heteronyms_and_the_names_besides_titles(app):
    with app.app_context():
        march = add_course("伟大的长征精神", commit=False)  # module 百年党史学堂
        add_course("抗美援朝战争", commit=False)
        boat = add_course("红船启航", commit=False)  # no title says 党史: its module's name does
        commit_and_index()
        ids = {"march": march.id, "boat": boat.id}
    client = app.test_client()
    # 长证 usually reads zhangzheng (战争); the learner who typed 长 meant changzheng (长征)
    data = client.get("/api/v1/search", query_string={"q": "长证"}).json
    assert data["corrected"] == "长征" and data["results"][0]["id"] == ids["march"]
    data = client.get("/api/v1/search", query_string={"q": "党使"}).json
    assert data["corrected"] == "党史"
    assert ids["boat"] in [r["id"] for r in data["results"]]


def test_did_you_mean_finishes_unfinished_pinyin(client, catalogue):
    data = client.get("/api/v1/search?q=zhinengshouj&as_typed=1").json
    assert data["suggestion"] == "智能手机"  # not 智能手, one letter away too


def test_an_english_word_finds_the_longer_words_it_begins(client, catalogue):
    # "health" is not in the index, "Healthy" (of the module Healthy Living) is
    data = client.get("/api/v1/search?q=health&as_typed=1").json
    assert [r["id"] for r in data["results"]] == [catalogue["games"]]
    assert data["suggestion"] is None  # never a stem such as "healthi"


def test_a_typo_is_not_corrected_when_it_finds_something(client, catalogue):
    data = client.get("/api/v1/search?q=dangshi").json
    assert data["corrected"] is None and data["results"][0]["id"] == catalogue["party"]


def test_some_words_are_enough_when_no_page_has_all(client, catalogue):
    data = client.get("/api/v1/search?q=党史 火星").json
    assert data["some_words"] is True
    assert data["results"][0]["id"] == catalogue["party"]


@pytest.mark.parametrize(
    "query",
    ['"', "AND OR", "*", "(", ")", "党史 AND", "NOT", "title:党史", "党史~2", "a" * 5000,
     "' OR 1=1 --", "%", "_", "\\", "<script>alert(1)</script>", "\x00", "\u200b", "🙂",
     "　", "".join(chr(c) for c in range(32, 127))],
)  # fmt: skip
def test_hostile_queries_are_plain_words_never_an_error(client, catalogue, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.get_data(as_text=True)
    assert client.get("/api/v1/search", query_string={"q": query}).status_code == 200


def test_over_long_queries_are_cut_at_the_documented_maximum(client, catalogue):
    data = client.get("/api/v1/search", query_string={"q": "党史" + "。" * 500}).json
    assert data["truncated"] is True
    assert len(data["query"]) == text.MAX_QUERY_LENGTH
    assert data["results"][0]["id"] == catalogue["party"]


def test_an_empty_query_offers_popular_courses(client, catalogue):
    data = client.get("/api/v1/search?q=").json
    assert data["total"] == 0 and data["popular"]
    assert client.get("/search").status_code == 200


def test_the_search_box_works_without_javascript(app):
    with app.test_request_context("/"):
        from flask import render_template

        html = render_template("search/_box.html")
    assert 'method="get"' in html and 'action="/search"' in html
    assert 'type="search"' in html and 'name="q"' in html and "<label" in html


@pytest.mark.parametrize("query", ["长辈版", "关怀版", "大字 版", "Elder mode"])
def test_searching_for_the_elder_version_offers_the_switch(client, catalogue, query):
    page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    offer = page.split('class="panel elder-mode-offer"')[1].split("</section>")[0]
    assert 'name="elder_mode" value="on"' in offer
    token = csrf_token_from(page)
    response = client.post("/preferences/elder-mode", data={
        "csrf_token": token, "elder_mode": "on", "next": "/search?q=长辈版"})  # fmt: skip
    assert response.status_code == 302
    assert 'class="mode-elder' in client.get("/search?q=长辈版").get_data(as_text=True)


def test_ordinary_searches_do_not_offer_the_elder_switch(client, catalogue):
    page = client.get("/search?q=党史").get_data(as_text=True)
    assert "elder-mode-offer" not in page
    assert client.get("/api/v1/search?q=党史").json["elder_mode_switch"] is False
    assert client.get("/api/v1/search?q=关怀版").json["elder_mode_switch"] is True


# ---- what people search for -----------------------------------------------------------------


BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "Accept": "text/html"}


def person_at(app, address: str):
    """A browser at one address (search terms count per client address)."""
    environ = {"REMOTE_ADDR": address, "HTTP_USER_AGENT": BROWSER["User-Agent"],
               "HTTP_ACCEPT": BROWSER["Accept"]}  # fmt: skip
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def counted_terms(app) -> dict:
    with app.app_context():
        return {r.term: r for r in db.session.scalars(select(SearchTermCount))}


def test_searches_are_counted_per_day_without_personal_data(app, catalogue):
    person_at(app, "198.51.100.1").get("/search?q=党史")
    person_at(app, "198.51.100.2").get("/search?q= 党史 ")
    person_at(app, "198.51.100.3").get("/search?q=火星课程")
    person_at(app, "198.51.100.4").get("/search?q=13912345678")  # someone typed a phone number
    person_at(app, "198.51.100.5").get("/search?q=党史&page=2")  # paging is not a new search
    rows = counted_terms(app)
    assert rows["党史"].searches == 2 and rows["党史"].empty_searches == 0
    assert rows["火星课程"].empty_searches == 1
    assert "#" in rows and "13912345678" not in rows
    columns = set(SearchTermCount.__table__.columns.keys())
    assert columns == {"id", "day", "term", "searches", "empty_searches"}


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0)", "Accept": "text/html"},
        {"User-Agent": "python-requests/2.32", "Accept": "*/*"},
        {"User-Agent": "", "Accept": "text/html"},
        {**BROWSER, "Sec-Purpose": "prefetch"},
        {"User-Agent": BROWSER["User-Agent"]},  # no Accept: not a browser
    ],
)
def test_crawlers_scripts_and_prefetches_count_for_nothing(app, client, catalogue, headers):
    assert client.get("/search?q=党史", headers=headers).status_code == 200
    assert "党史" not in counted_terms(app)


def test_a_flood_from_one_client_counts_once_per_term_and_a_few_terms(app, catalogue):
    app.config["SEARCH_TERMS_PER_CLIENT"] = 3
    flooder = person_at(app, "203.0.113.9")
    for _ in range(20):
        flooder.get("/search?q=广告词")
    for term in ("词一", "词二", "词三", "词四"):
        flooder.get(f"/search?q={term}")
    person_at(app, "198.51.100.7").get("/search?q=词四")
    rows = counted_terms(app)
    assert rows["广告词"].searches == 1  # twenty searches, one client: once
    assert "词一" in rows and "词二" in rows and "词三" not in rows  # three terms a day
    assert rows["词四"].searches == 1  # counted for the other client only


def test_staff_see_what_was_searched_and_not_found(app, client, make_user, catalogue):
    person_at(app, "198.51.100.1").get("/search?q=火星课程")
    make_user("learner9")
    sign_in(client, "learner9")
    assert client.get("/search/terms").status_code == 403
    make_user("staff9", role=Role.PROVINCE_STAFF)
    client2 = app.test_client()
    sign_in(client2, "staff9")
    html = client2.get("/search/terms").get_data(as_text=True)
    assert "火星课程" in html


# ---- the PostgreSQL backend: several hosts, no worker, no shared files ------------------------


def test_a_second_host_finds_at_once_what_the_first_published(app_factory, backend, tmp_path,
                                                              monkeypatch):  # fmt: skip
    """Two hosts (apps with instance folders of their own) on one PostgreSQL database: what
    one publishes, edits or archives, the other finds (or no longer finds) at the commit."""
    first = app_with_search_backend("postgresql", app_factory, backend)
    monkeypatch.setenv("LEARNHUB_INSTANCE_PATH", str(tmp_path / "host2"))
    second = app_factory(SEARCH_BACKEND="postgresql", SEARCH_DIR=str(tmp_path / "host2" / "idx"))
    other = second.test_client()

    def found(query):
        return [
            (r["kind"], r["id"]) for r in other.get(f"/api/v1/search?q={query}").json["results"]
        ]

    with first.app_context():
        course = add_course("剪纸艺术入门", "", [("剪窗花", "<p>红纸剪窗花。</p>")],
                            module="reading", commit=False)  # fmt: skip
        db.session.commit()  # no worker step follows: nothing runs the job queue
        lesson_id = course.lessons[0].id
        # the lesson carries its course's title (weighed below the course's own)
        both = [("course", course.id), ("lesson", lesson_id)]
        assert found("剪纸") == both and found("jianzhi") == both
        assert found("窗花") == [("lesson", lesson_id)]
        course.title = "中国结编织"
        db.session.commit()
        assert found("剪纸") == [] and found("中国结") == both
        course.status = CourseStatus.ARCHIVED
        db.session.commit()
        assert found("中国结") == [] and found("窗花") == []
    assert not (tmp_path / "host2" / "idx").exists()  # no index files on either host
    assert not (tmp_path / "instance" / "search-index").exists()


def test_the_postgresql_backend_is_refused_at_start_up_without_postgresql(app_factory, backend):
    from learnhub.search.backends import SearchConfigurationError

    with pytest.raises(SearchConfigurationError, match="must be one of 'whoosh', 'postgresql'"):
        app_factory(SEARCH_BACKEND="elastic")
    if backend == "sqlite":
        with pytest.raises(SearchConfigurationError, match="needs the site's database on Postgre"):
            app_factory(SEARCH_BACKEND="postgresql")


def test_postgresql_entries_lost_are_rebuilt_and_stale_ones_removed(app_factory, backend):
    from sqlalchemy import text as sql

    app = app_with_search_backend("postgresql", app_factory, backend)
    client = app.test_client()
    with app.app_context():
        kept = add_course("书法练习", "", module="reading").id
        gone = add_course("书法欣赏", "", module="reading").id
        db.session.execute(sql("DELETE FROM search_entry"))  # the entries are lost
        db.session.commit()
    assert client.get("/healthz").json["checks"]["search"] == "missing"
    data = client.get("/api/v1/search?q=书法").json
    assert data["from_database"] is True  # searched the database meanwhile
    assert data["total"] == 2
    run_pending(app)  # the rebuild the search asked for
    assert client.get("/healthz").json["checks"]["search"] == "ok"
    data = client.get("/api/v1/search?q=shufa").json
    assert data["from_database"] is False
    assert {r["id"] for r in data["results"]} == {kept, gone}
    with app.app_context():
        # A bulk statement the session never sees: the entry stays until a rebuild.
        db.session.execute(sql("UPDATE course SET status = 'draft' WHERE id = :id"),
                           {"id": gone})  # fmt: skip
        db.session.commit()
    assert client.get("/api/v1/search?q=书法").json["total"] == 2
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 1 documents" in result.output
    data = client.get("/api/v1/search?q=书法").json
    assert data["total"] == 1 and [r["id"] for r in data["results"]] == [kept]


def test_two_edits_of_one_course_at_once_both_reach_its_entries(app_factory, backend):
    """Two editors each add an audience to one course at the same moment: both commit, and
    the course is found by both audiences' words (whoever wrote last read the other's)."""
    from learnhub.catalogue.models import Audience, CourseAudience
    from tests.helpers import race

    app = app_with_search_backend("postgresql", app_factory, backend)
    with app.app_context():
        course_id = add_course("插花入门", "", [("花材", "<p>选花材</p>")], module="reading").id

    def add(audience):
        def run():
            with app.app_context():
                db.session.add(CourseAudience(course_id=course_id, audience=audience))
                db.session.commit()
                return True

        return run

    assert race([add(Audience.PARENT), add(Audience.WORKER)]) == [True, True]
    with app.app_context():
        assert indexed_keys("插花 parents") == [("course", course_id)]
        assert indexed_keys("插花 workers") == [("course", course_id)]
