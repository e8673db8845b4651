"""The studio: editors and staff create, edit, order and publish the courses of their region."""

import io
import re

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role
from learnhub.catalogue.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonKind,
    Module,
    QuizChoice,
    QuizQuestion,
)
from learnhub.extensions import db
from learnhub.media import media_root
from tests.helpers import csrf_token_from, race, sign_in, submit, twin
from tests.test_media import GIF, MP3_TAGGED, MP4, PNG, fetch

PROVINCE, SHENYANG, DALIAN = "210000", "210100", "210200"


@pytest.fixture
def people(make_user):
    make_user(login="learner_a")
    make_user(login="sy_editor", role=Role.EDITOR, managed=SHENYANG)
    make_user(login="dl_editor", role=Role.EDITOR, managed=DALIAN, city=DALIAN,
              district="210202")  # fmt: skip
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG)
    make_user(login="prov_editor", role=Role.EDITOR, managed=PROVINCE)
    make_user(login="province", role=Role.PROVINCE_STAFF, managed=PROVINCE)


def sign_in_en(client, login):
    """Sign in with English pages, so messages are checked by their source text."""
    client.set_cookie("learnhub_locale", "en")
    return sign_in(client, login)


def module_id(app, slug="reading") -> int:
    with app.app_context():
        return db.session.scalar(select(Module.id).where(Module.slug == slug))


def course_fields(app, **changes) -> dict:
    return {
        "title": "好书推荐：《平凡的世界》",
        "module": module_id(app),
        "region": PROVINCE,
        "summary": "一起读路遥的名著。",
        "level": "beginner",
        "audiences": ["elder", "adult"],
        "study_hours": "2.5",
        "credits": "0.5",
        **changes,
    }


FORM_TOKEN_RE = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
ALREADY_SENT = "This form was already sent; nothing new was added."


def opened_form(client, url) -> dict:
    """Open a form that adds something: its CSRF token and its one-time form token."""
    html = client.get(url).get_data(as_text=True)
    token = FORM_TOKEN_RE.search(html)
    assert token, f"the form at {url} has no one-time token"
    return {"csrf_token": csrf_token_from(html), "form_token": token.group(1)}


def send(client, url, data, **kwargs):
    """Open the form at ``url`` and post it once, as a browser does."""
    return client.post(url, data={**data, **opened_form(client, url)}, **kwargs)


def new_course(client, app, **changes) -> int:
    response = send(client, "/studio/courses/new", course_fields(app, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return course_id_from(response)


def course_id_from(response) -> int:
    return int(re.search(r"/studio/courses/(\d+)$", response.headers["Location"]).group(1))


def lesson_fields(kind="text", **fields) -> dict:
    return {"title": f"{kind} lesson", "body_html": "<p>先打开手机。</p>", **fields}


def add_lesson(client, course_id, kind="text", **fields):
    url = f"/studio/courses/{course_id}/lessons/new/{kind}"
    return send(client, url, lesson_fields(kind, **fields), content_type="multipart/form-data")


def get_course(app, course_id) -> Course:
    with app.app_context():
        course = db.session.get(Course, course_id)
        if course:
            course.lessons  # noqa: B018 - load before the session closes
            course.audience_values  # noqa: B018
        db.session.expunge_all()
        return course


def count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def lesson_order(app, course_id) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Lesson.position, Lesson.title)
            .where(Lesson.course_id == course_id)
            .order_by(Lesson.position)
        )
        return [tuple(row) for row in rows]


def stored_media(app) -> list:
    with app.app_context():
        root = media_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# ---- who may use the studio -----------------------------------------------------------


def test_visitors_sign_in_first_and_learners_are_refused(client, people):
    response = client.get("/studio/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    sign_in_en(client, "learner_a")
    assert client.get("/studio/").status_code == 403
    assert client.get("/studio/courses/new").status_code == 403


def test_editor_creates_a_draft_course(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    course = get_course(app, course_id)
    assert course.title == "好书推荐：《平凡的世界》" and course.status is CourseStatus.DRAFT
    assert str(course.study_hours) == "2.5" and str(course.credits) == "0.50"
    assert {a.value for a in course.audience_values} == {"elder", "adult"}
    assert course.published_at is None and course.created_by_id is not None
    page = client.get(f"/studio/courses/{course_id}").get_data(as_text=True)
    assert "好书推荐" in page and "Draft" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("study_hours", "0", "at most one decimal place"),
        ("study_hours", "2.25", "at most one decimal place"),
        ("credits", "0.125", "at most two decimal places"),
        ("credits", "101", "from 0 to 100"),
        ("credits", "lots", "Enter a number"),
        ("title", "", "Enter a title."),
        ("module", "999", "Choose one of the options in the list."),
    ],
)
def test_bad_course_details_are_refused_with_the_reason(client, app, people, field, value,
                                                        message):  # fmt: skip
    sign_in_en(client, "prov_editor")
    response = submit(client, "/studio/courses/new", course_fields(app, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Course) == 0


def test_full_width_numbers_are_understood(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app, study_hours="１２．５", credits="１")
    assert str(get_course(app, course_id).study_hours) == "12.5"


# ---- double submits -----------------------------------------------------------------


def post_twice(client, url, data, **kwargs):
    """One opened form posted twice, as with the back button and "send again".

    Returns both responses and the page the second one leads to.
    """
    sent = {**data, **opened_form(client, url)}
    first = client.post(url, data=sent, **kwargs)
    client.get(first.headers["Location"])  # shows (and so uses up) the first post's message
    second = client.post(url, data=sent, **kwargs)
    return first, second, client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_course_form_sent_twice_creates_one_course_and_says_so(client, app, people):
    sign_in_en(client, "prov_editor")
    first, second, page = post_twice(client, "/studio/courses/new", course_fields(app))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # back to that course
    assert count(app, Course) == 1
    assert ALREADY_SENT in page and "is saved as a draft" not in page


def test_two_course_forms_with_the_same_content_create_two_courses(client, app, people):
    sign_in_en(client, "prov_editor")
    first, second = new_course(client, app), new_course(client, app)
    assert first != second and count(app, Course) == 2


def test_simultaneous_double_submit_creates_one_course(client, app, people):
    sign_in_en(client, "prov_editor")
    data = {**course_fields(app), **opened_form(client, "/studio/courses/new")}
    tabs = [twin(app, client) for _ in range(2)]
    answers = race([lambda tab=tab: tab.post("/studio/courses/new", data=data) for tab in tabs])
    locations = [answer.headers["Location"] for answer in answers]
    assert locations[0] == locations[1]
    assert count(app, Course) == 1


def test_a_lesson_form_sent_twice_adds_one_lesson_and_says_so(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    url = f"/studio/courses/{course_id}/lessons/new/quiz"
    quiz = lesson_fields("quiz", title="课后练习", pass_mark="60")
    first, second, page = post_twice(client, url, quiz)
    assert first.status_code == second.status_code == 302
    assert count(app, Lesson) == 1
    assert second.headers["Location"].endswith(f"/studio/courses/{course_id}#lessons")
    assert ALREADY_SENT in page and "is added" not in page


def test_two_quizzes_with_the_same_title_are_two_lessons(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    for _form in range(2):
        response = add_lesson(client, course_id, "quiz", title="课后练习", pass_mark="60")
        assert response.status_code == 302
    assert lesson_order(app, course_id) == [(1, "课后练习"), (2, "课后练习")]


def test_a_video_lesson_sent_twice_stores_its_file_once(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    url = f"/studio/courses/{course_id}/lessons/new/video"
    sent = {**lesson_fields("video", duration_seconds="1:00"), **opened_form(client, url)}
    for _twice in range(2):
        client.post(url, data={**sent, "media": (io.BytesIO(MP4), "a.mp4")},
                    content_type="multipart/form-data")  # fmt: skip
    assert count(app, Lesson) == 1 and len(stored_media(app)) == 1


def test_a_question_form_sent_twice_adds_one_question_and_equal_forms_add_two(client, app,
                                                                             people):  # fmt: skip
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id, "quiz", title="测验", pass_mark="60")
    quiz_id = lesson_order_ids(app, course_id)[0]
    url = f"/studio/lessons/{quiz_id}/questions/new"
    question = question_fields("对吗？", [("对", True), ("错", False)])
    first, second, page = post_twice(client, url, question)
    assert first.status_code == second.status_code == 302
    assert count(app, QuizQuestion) == 1
    assert ALREADY_SENT in page and "The question is added." not in page
    assert add_question(client, quiz_id, "对吗？", [("对", True), ("错", False)]).status_code == 302
    assert count(app, QuizQuestion) == 2  # a new form: the same words may be asked twice


def test_a_refused_form_can_be_corrected_and_sent_with_its_token(client, app, people):
    sign_in_en(client, "prov_editor")
    opened = opened_form(client, "/studio/courses/new")
    refused = client.post("/studio/courses/new", data={**course_fields(app, credits="101"),
                                                       **opened})  # fmt: skip
    assert refused.status_code == 400
    assert opened["form_token"] in refused.get_data(as_text=True)  # the page keeps its token
    corrected = client.post("/studio/courses/new", data={**course_fields(app), **opened})
    assert corrected.status_code == 302 and count(app, Course) == 1


def test_a_form_token_stands_only_for_its_own_persons_posts(client, app, people):
    url = "/studio/courses/new"
    sign_in_en(client, "prov_editor")
    mine = opened_form(client, url)
    assert client.post(url, data={**course_fields(app), **mine}).status_code == 302
    other = app.test_client()
    sign_in_en(other, "province")
    theirs = {**opened_form(other, url), "form_token": mine["form_token"]}
    assert other.post(url, data={**course_fields(app), **theirs}).status_code == 302
    assert count(app, Course) == 2


def test_a_post_without_its_form_token_is_refused_and_adds_nothing(client, app, people):
    # Without the token a second post could not be told from a first, so nothing is guessed.
    sign_in_en(client, "prov_editor")
    page = client.get("/studio/courses/new").get_data(as_text=True)
    data = {**course_fields(app), "csrf_token": csrf_token_from(page)}
    for token in (None, "made-up", "x" * 31):
        response = client.post(
            "/studio/courses/new", data=data | ({"form_token": token} if token else {})
        )
        assert response.status_code == 400
        assert "This form is out of date" in response.get_data(as_text=True)
    assert count(app, Course) == 0


def test_edit_forms_carry_no_one_time_token(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id)
    lesson_id = lesson_order_ids(app, course_id)[0]
    for url in (f"/studio/courses/{course_id}/edit", f"/studio/lessons/{lesson_id}/edit"):
        assert 'name="form_token"' not in client.get(url).get_data(as_text=True), url


# ---- city scope ---------------------------------------------------------------------


def test_city_editor_may_only_create_courses_for_their_city(client, app, people):
    sign_in_en(client, "dl_editor")
    form = client.get("/studio/courses/new").get_data(as_text=True)
    assert 'value="210200"' in form
    assert 'value="210100"' not in form and 'value="210000"' not in form
    response = submit(client, "/studio/courses/new", course_fields(app, region=SHENYANG))
    assert response.status_code == 400 and count(app, Course) == 0
    new_course(client, app, region=DALIAN)
    assert count(app, Course, region_code=DALIAN) == 1


def test_dalian_editor_cannot_edit_or_publish_a_shenyang_course(client, app, people,
                                                               make_course):  # fmt: skip
    course_id = make_course(title="沈阳课程", region=SHENYANG, status=CourseStatus.DRAFT,
                            lessons=("text",))  # fmt: skip
    lesson_id = lesson_order_ids(app, course_id)[0]
    before = get_course(app, course_id)
    sign_in_en(client, "dl_editor")
    token = csrf_token_from(client.get("/studio/courses/new").get_data(as_text=True))
    for url in (f"/studio/courses/{course_id}", f"/studio/courses/{course_id}/edit",
                f"/studio/lessons/{lesson_id}/edit", f"/studio/lessons/{lesson_id}/delete",
                f"/studio/courses/{course_id}/lessons/new/text"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    posts = {
        f"/studio/courses/{course_id}/edit": course_fields(app, title="改掉", region=DALIAN),
        f"/studio/courses/{course_id}/publish": {},
        f"/studio/courses/{course_id}/archive": {},
        f"/studio/courses/{course_id}/lessons/new/text": {"title": "x", "body_html": "x"},
        f"/studio/lessons/{lesson_id}/edit": {"title": "改掉", "body_html": "x"},
        f"/studio/lessons/{lesson_id}/move": {"direction": "down"},
        f"/studio/lessons/{lesson_id}/delete": {},
    }
    for url, data in posts.items():
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    after = get_course(app, course_id)
    assert (after.title, after.status, after.region_code) == ("沈阳课程", CourseStatus.DRAFT,
                                                             SHENYANG)  # fmt: skip
    assert after.updated_at == before.updated_at
    assert lesson_order(app, course_id) == [(1, "第1课")]


def lesson_order_ids(app, course_id) -> list[int]:
    with app.app_context():
        query = select(Lesson.id).where(Lesson.course_id == course_id).order_by(Lesson.position)
        return list(db.session.scalars(query))


def test_lists_show_only_the_courses_in_scope_and_filter_by_status(client, app, people,
                                                                  make_course):  # fmt: skip
    make_course(title="沈阳草稿课", region=SHENYANG, status=CourseStatus.DRAFT)
    make_course(title="沈阳已发布课", region=SHENYANG)
    make_course(title="大连课程", region=DALIAN)
    make_course(title="全省课程", region=PROVINCE)
    sign_in_en(client, "sy_staff")
    page = client.get("/studio/").get_data(as_text=True)
    assert "沈阳草稿课" in page and "沈阳已发布课" in page
    assert "大连课程" not in page and "全省课程" not in page
    drafts = client.get("/studio/?status=draft").get_data(as_text=True)
    assert "沈阳草稿课" in drafts and "沈阳已发布课" not in drafts
    assert client.get("/studio/?status=nonsense").status_code == 200
    province = app.test_client()
    sign_in_en(province, "prov_editor")
    everything = province.get("/studio/").get_data(as_text=True)
    assert all(t in everything for t in ("沈阳草稿课", "大连课程", "全省课程"))


def test_only_province_staff_may_feature_a_course(client, app, people):
    sign_in_en(client, "sy_staff")
    assert 'name="featured"' not in client.get("/studio/courses/new").get_data(as_text=True)
    course_id = new_course(client, app, region=SHENYANG, featured="y")
    assert get_course(app, course_id).featured is False
    province = app.test_client()
    sign_in_en(province, "province")
    response = submit(province, f"/studio/courses/{course_id}/edit",
                      course_fields(app, region=SHENYANG, featured="y"))  # fmt: skip
    assert response.status_code == 302 and get_course(app, course_id).featured is True


# ---- publishing ---------------------------------------------------------------------


def publish(client, course_id):
    return submit(client, f"/studio/courses/{course_id}/publish", {},
                  page=f"/studio/courses/{course_id}")  # fmt: skip


def test_a_course_without_lessons_cannot_be_published(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    response = publish(client, course_id)
    assert response.status_code == 400
    assert "Add at least one lesson." in response.get_data(as_text=True)
    assert get_course(app, course_id).status is CourseStatus.DRAFT


def test_a_quiz_needs_a_question_with_a_correct_answer_before_publishing(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id, "quiz", title="小测验", pass_mark="60")
    response = publish(client, course_id)
    assert response.status_code == 400
    assert "The quiz “小测验” has no questions yet." in response.get_data(as_text=True)
    quiz_id = lesson_order_ids(app, course_id)[0]
    add_question(client, quiz_id, "路遥是哪里人？", [("陕西", True), ("辽宁", False)])
    assert publish(client, course_id).status_code == 302
    assert get_course(app, course_id).status is CourseStatus.PUBLISHED


def test_publish_sets_the_date_once_and_unpublish_and_archive_work(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id)
    assert publish(client, course_id).status_code == 302
    first = get_course(app, course_id).published_at
    assert first is not None
    page = f"/studio/courses/{course_id}"
    submit(client, f"/studio/courses/{course_id}/unpublish", {}, page=page)
    assert get_course(app, course_id).status is CourseStatus.DRAFT
    assert client.get(f"/courses/{course_id}").status_code == 404
    publish(client, course_id)
    assert get_course(app, course_id).published_at == first
    submit(client, f"/studio/courses/{course_id}/archive", {}, page=page)
    assert get_course(app, course_id).status is CourseStatus.ARCHIVED


def test_a_published_course_keeps_its_last_lesson(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id)
    publish(client, course_id)
    lesson_id = lesson_order_ids(app, course_id)[0]
    response = submit(client, f"/studio/lessons/{lesson_id}/delete", {})
    assert response.status_code == 400
    assert "Move the course back to draft first." in response.get_data(as_text=True)
    assert count(app, Lesson, course_id=course_id) == 1


# ---- lessons ----------------------------------------------------------------------------


def test_scripts_and_event_handlers_never_reach_the_lesson_page(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    body = ('<p onclick="steal()">先打开<strong>设置</strong>。</p><script>alert(1)</script>'
            '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">点这里</a>')  # fmt: skip
    assert add_lesson(client, course_id, body_html=body).status_code == 302
    publish(client, course_id)
    lesson_id = lesson_order_ids(app, course_id)[0]
    with app.app_context():
        stored = db.session.get(Lesson, lesson_id).body_html
    assert "<strong>设置</strong>" in stored
    for bad in ("<script", "alert(1)", "onerror", "onclick", "javascript:"):
        assert bad not in stored
    for url in (f"/lessons/{lesson_id}", f"/courses/{course_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "先打开" in page or url.startswith("/courses")
        for bad in ("alert(1)", "onerror", "onclick", "javascript:alert"):
            assert bad not in page, url


@pytest.mark.parametrize(
    "url",
    ["//evil.example/x.png", "/\\evil.example/x.png", "/\t/evil.example/x.png",
     "https://evil.example/x.png", "data:image/png;base64,AAAA"],
)  # fmt: skip
def test_images_from_other_hosts_are_dropped_from_lessons(client, app, people, url):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    body = f'<p>看图：<img src="{url}" alt="图"><img src="/media/image/ok.png" alt="本站"></p>'
    assert add_lesson(client, course_id, body_html=body).status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(Lesson.body_html).where(Lesson.course_id == course_id))
    assert "evil.example" not in stored and "data:" not in stored
    assert 'src="/media/image/ok.png"' in stored  # a path of this site stays


@pytest.mark.parametrize("url", ["//evil.example/", "/\\evil.example/"])
def test_links_that_look_like_paths_but_lead_elsewhere_are_dropped(client, app, people, url):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    body = f'<p><a href="{url}">课程资料</a> <a href="/courses/1">本站课程</a></p>'
    add_lesson(client, course_id, body_html=body)
    with app.app_context():
        stored = db.session.scalar(select(Lesson.body_html).where(Lesson.course_id == course_id))
    assert "evil.example" not in stored and 'href="/courses/1"' in stored


def test_plain_text_becomes_paragraphs(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id, body_html="第一段 <不是标签>\n第二行\n\n第二段")
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course_id))
        assert lesson.body_html == "<p>第一段 &lt;不是标签&gt;<br>第二行</p><p>第二段</p>"


def test_an_empty_text_lesson_is_refused(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    response = add_lesson(client, course_id, body_html="<p> </p><script>x</script>")
    assert response.status_code == 400
    assert "Write the text of the lesson." in response.get_data(as_text=True)


def test_video_lesson_with_upload_and_length(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    response = add_lesson(client, course_id, "video", duration_seconds="12:30",
                          media=(io.BytesIO(MP4), "讲座.mp4"))  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course_id))
        assert lesson.kind is LessonKind.VIDEO and lesson.duration_seconds == 750
        assert lesson.media_type == "video/mp4" and lesson.media_path.endswith(".mp4")
        path = lesson.media_path
    served = fetch(client, f"/media/{path}")
    assert served.data == MP4 and served.headers["Content-Type"] == "video/mp4"
    edit = client.get(f"/studio/lessons/{lesson.id}/edit").get_data(as_text=True)
    assert 'value="12:30"' in edit and f"/media/{path}" in edit
    publish(client, course_id)
    assert f'src="/media/{path}"' in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)


def test_editing_a_media_lesson_keeps_its_file_unless_a_new_one_comes(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id, "audio", duration_seconds="3", media=(io.BytesIO(MP3_TAGGED),
               "a.mp3"))  # fmt: skip
    lesson_id = lesson_order_ids(app, course_id)[0]
    with app.app_context():
        before = db.session.get(Lesson, lesson_id).media_path
    response = submit(client, f"/studio/lessons/{lesson_id}/edit",
                      {"title": "新标题", "duration_seconds": "4:00", "body_html": ""},
                      content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert (lesson.title, lesson.media_path, lesson.duration_seconds) == ("新标题", before, 240)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PNG, "lecture.mp4", "Choose a video file in MP4 or WebM format."),
        (b"<html><script>alert(1)</script></html>", "lecture.mp4",
         "Choose a video file in MP4 or WebM format."),
        (MP4 + bytes(3000), "lecture.mp4", "The file is too large: at most 0"),
    ],
)  # fmt: skip
def test_wrong_or_too_large_uploads_are_form_errors_and_nothing_is_saved(
    client, app, people, content, name, message
):
    app.config["MEDIA_MAX_VIDEO_BYTES"] = 2048
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    response = add_lesson(client, course_id, "video", title="讲座", duration_seconds="5:00",
                          media=(io.BytesIO(content), name))  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'value="讲座"' in page  # what was typed is kept
    assert count(app, Lesson) == 0 and stored_media(app) == []


def test_upload_errors_are_in_the_users_language(client, app, people):
    sign_in(client, "prov_editor")
    course_id = new_course(client, app)
    submit(client, "/preferences/language", {"locale": "en"}, page="/")
    response = add_lesson(client, course_id, "audio", duration_seconds="1:00",
                          media=(io.BytesIO(MP4), "a.mp3"))  # fmt: skip
    assert response.status_code == 400
    assert "Choose a sound file in MP3, M4A, OGG or WAV format." in response.get_data(as_text=True)


def test_a_media_lesson_needs_its_file_and_length(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    response = add_lesson(client, course_id, "video", duration_seconds="soon")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the file to upload." in page or "Enter the length as minutes:seconds" in page
    response = add_lesson(client, course_id, "video", duration_seconds="0:00")
    assert "Enter the length: more than 0 and at most 12 hours." in response.get_data(as_text=True)
    assert count(app, Lesson) == 0


def test_cover_picture_is_checked_stored_and_removable(client, app, people):
    sign_in_en(client, "prov_editor")
    refused = submit(client, "/studio/courses/new", {**course_fields(app),
                     "cover": (io.BytesIO(GIF), "cover.png")},
                     content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 400
    assert "Choose a picture in JPEG, PNG or WebP format." in refused.get_data(as_text=True)
    assert count(app, Course) == 0 and stored_media(app) == []
    response = submit(client, "/studio/courses/new", {**course_fields(app),
                      "cover": (io.BytesIO(PNG), "cover.gif")},
                      content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course))
        course_id, cover = course.id, course.cover_path
    assert cover.startswith("image/") and cover.endswith(".png")
    assert fetch(client, f"/media/{cover}").headers["Content-Type"] == "image/png"
    submit(client, f"/studio/courses/{course_id}/edit",
           {**course_fields(app), "remove_cover": "y"},
           content_type="multipart/form-data")  # fmt: skip
    assert get_course(app, course_id).cover_path is None


# ---- order ----------------------------------------------------------------------------


def move(client, lesson_id, direction, course_id):
    return submit(client, f"/studio/lessons/{lesson_id}/move", {"direction": direction},
                  page=f"/studio/courses/{course_id}")  # fmt: skip


def test_lessons_move_up_and_down_and_positions_stay_unique(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    for title in ("一", "二", "三"):
        add_lesson(client, course_id, title=title)
    first, second, third = lesson_order_ids(app, course_id)
    assert move(client, third, "up", course_id).status_code == 302
    assert lesson_order(app, course_id) == [(1, "一"), (2, "三"), (3, "二")]
    move(client, first, "down", course_id)
    assert lesson_order(app, course_id) == [(1, "三"), (2, "一"), (3, "二")]
    move(client, third, "up", course_id)  # already first: nothing changes
    move(client, second, "down", course_id)  # already last
    assert lesson_order(app, course_id) == [(1, "三"), (2, "一"), (3, "二")]
    assert submit(client, f"/studio/lessons/{first}/move", {"direction": "sideways"},
                  page=f"/studio/courses/{course_id}").status_code == 400  # fmt: skip


def test_deleting_a_lesson_closes_the_gap(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    for title in ("一", "二", "三"):
        add_lesson(client, course_id, title=title)
    middle = lesson_order_ids(app, course_id)[1]
    confirm = client.get(f"/studio/lessons/{middle}/delete").get_data(as_text=True)
    assert "二" in confirm and "cannot be undone" in confirm
    assert submit(client, f"/studio/lessons/{middle}/delete", {}).status_code == 302
    assert lesson_order(app, course_id) == [(1, "一"), (2, "三")]
    add_lesson(client, course_id, title="四")
    assert lesson_order(app, course_id) == [(1, "一"), (2, "三"), (3, "四")]


# ---- quizzes --------------------------------------------------------------------------


def question_fields(prompt, choices, multiple=False) -> dict:
    data = {"prompt": prompt}
    if multiple:
        data["multiple"] = "y"
    for index, (text, correct) in enumerate(choices):
        data[f"choices-{index}-text"] = text
        if correct:
            data[f"choices-{index}-correct"] = "y"
    return data


def add_question(client, lesson_id, prompt, choices, multiple=False):
    url = f"/studio/lessons/{lesson_id}/questions/new"
    return send(client, url, question_fields(prompt, choices, multiple))


def test_quiz_questions_with_single_and_several_right_answers(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id, "quiz", title="测验", pass_mark="80", body_html="")
    quiz_id = lesson_order_ids(app, course_id)[0]
    refused = add_question(client, quiz_id, "哪些是水果？", [("苹果", True), ("香蕉", True)])
    assert refused.status_code == 400
    assert "Mark only one correct answer" in refused.get_data(as_text=True)
    no_right = add_question(client, quiz_id, "哪个对？", [("甲", False), ("乙", False)])
    assert "Mark the correct answer." in no_right.get_data(as_text=True)
    one = add_question(client, quiz_id, "哪个对？", [("只有一个", False)])
    assert "Give from 2 to 10 answers" in one.get_data(as_text=True)
    assert count(app, QuizQuestion) == 0
    ok = add_question(client, quiz_id, "哪些是水果？", [("苹果", True), ("白菜", False),
                      ("香蕉", True)], multiple=True)  # fmt: skip
    assert ok.status_code == 302
    with app.app_context():
        lesson = db.session.get(Lesson, quiz_id)
        assert lesson.pass_mark == 80
        question = lesson.questions[0]
        assert question.multiple and [(c.text, c.correct) for c in question.choices] == [
            ("苹果", True), ("白菜", False), ("香蕉", True)]  # fmt: skip
        question_id, first_choice = question.id, question.choices[0].id
    response = submit(client, f"/studio/questions/{question_id}/edit",
                      {"prompt": "哪个是水果？", "choices-0-text": "苹果",
                       "choices-0-correct": "y", "choices-1-text": "白菜"})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        question = db.session.get(QuizQuestion, question_id)
        assert not question.multiple and [c.text for c in question.choices] == ["苹果", "白菜"]
        assert question.choices[0].id == first_choice  # answers keep their identity
    assert count(app, QuizChoice) == 2


def test_the_last_question_of_a_published_quiz_stays(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id, "quiz", title="测验", pass_mark="60")
    quiz_id = lesson_order_ids(app, course_id)[0]
    add_question(client, quiz_id, "对吗？", [("对", True), ("错", False)])
    publish(client, course_id)
    with app.app_context():
        question_id = db.session.scalar(select(QuizQuestion.id))
    response = submit(client, f"/studio/questions/{question_id}/delete", {})
    assert response.status_code == 400 and count(app, QuizQuestion) == 1
    submit(client, f"/studio/courses/{course_id}/unpublish", {},
           page=f"/studio/courses/{course_id}")  # fmt: skip
    assert submit(client, f"/studio/questions/{question_id}/delete", {}).status_code == 302
    assert count(app, QuizQuestion) == 0


def test_only_quizzes_have_questions(client, app, people):
    sign_in_en(client, "prov_editor")
    course_id = new_course(client, app)
    add_lesson(client, course_id)
    text_id = lesson_order_ids(app, course_id)[0]
    assert client.get(f"/studio/lessons/{text_id}/questions/new").status_code == 404
    assert client.get(f"/studio/courses/{course_id}/lessons/new/podcast").status_code == 404


def test_the_studio_link_shows_only_to_people_who_may_use_it(app, people):
    for login, sees_it in (("learner_a", False), ("sy_editor", True), ("province", True)):
        client = app.test_client()
        sign_in(client, login)
        page = client.get("/").get_data(as_text=True)
        assert ('href="/studio/"' in page) is sees_it, login
    assert 'href="/studio/"' not in app.test_client().get("/").get_data(as_text=True)
