"""Text lessons: a minimum reading time from the text's length, on the learner's one clock."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, Lesson
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services
from learnhub.learning.models import CourseCompletion, LessonProgress
from learnhub.learning.services.reading import reading_units
from tests.helpers import read_text_lesson, submit
from tests.learning_steps import count, enrol, lesson_ids, time_passes

# The fixture course's text, 先打开手机，再点设置。: 9 characters → 5 s + 9/600 min → 6 s.
SHORT_TEXT_SECONDS = 6
# 1,200 characters at 600 a minute: 2 minutes, plus the 5-second floor.
LONG_TEXT = "<p>" + "学" * 1200 + "</p>"
LONG_TEXT_SECONDS = 125


def press_read(client, lesson_id, **kwargs):
    return submit(client, f"/lessons/{lesson_id}/read", {}, page=f"/lessons/{lesson_id}", **kwargs)


def test_one_post_without_reading_does_not_finish_a_text_lesson(client, app, make_course, learner):
    """The attack: open the lesson and press "done" at once (or never open it at all)."""
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    never_opened = submit(client, f"/lessons/{lesson}/read", {}, page=f"/courses/{course_id}")
    assert never_opened.status_code == 302
    response = press_read(client, lesson, follow_redirects=True)  # opens it, then presses
    page = response.get_data(as_text=True)
    assert "请再读一会儿：大约还要" in page and "秒" in page
    assert "我已读完这一课" in page, "the button is offered again"
    assert count(app, CourseCompletion) == 0
    with app.app_context():
        assert db.session.scalar(select(LessonProgress.completed_at)) is None


def test_after_the_reading_time_the_same_button_finishes_it(client, app, make_course, learner):
    """A refused "done" loses nothing: the reading goes on from the first opening."""
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    page = client.get(f"/lessons/{lesson}").get_data(as_text=True)
    assert f"这一课至少要读 {SHORT_TEXT_SECONDS} 秒" in page  # said before anyone presses
    press_read(client, lesson)  # too early: refused
    time_passes(app, 3600)
    response = press_read(client, lesson, follow_redirects=True)
    assert "这一课学完了" in response.get_data(as_text=True)
    assert count(app, CourseCompletion) == 1


def test_the_reading_time_follows_the_length_of_the_text(enrolled_learner):
    user, (lesson,) = enrolled_learner(body=LONG_TEXT)
    assert services.reading_seconds(lesson) == LONG_TEXT_SECONDS
    opened = utcnow()
    services.visit_lesson(user, lesson, now=opened)
    with pytest.raises(services.ReadOnFirst) as refused:
        services.mark_text_read(user, lesson, now=opened + timedelta(seconds=30))
    assert refused.value.seconds == LONG_TEXT_SECONDS - 30
    assert str(refused.value.message) == (
        "请再读一会儿：大约还要 2 分钟。读完后，再点一次“我已读完这一课”。"
    )
    just_before = opened + timedelta(seconds=LONG_TEXT_SECONDS - 1)
    with pytest.raises(services.ReadOnFirst):
        services.mark_text_read(user, lesson, now=just_before)
    progress = services.mark_text_read(user, lesson, now=just_before + timedelta(seconds=1))
    assert progress.completed_at is not None


def test_opening_the_lesson_again_does_not_start_the_reading_again(enrolled_learner):
    user, (lesson,) = enrolled_learner(body=LONG_TEXT)
    opened = utcnow()
    services.visit_lesson(user, lesson, now=opened)
    services.visit_lesson(user, lesson, now=opened + timedelta(seconds=100))  # back again
    done = services.mark_text_read(user, lesson, now=opened + timedelta(seconds=LONG_TEXT_SECONDS))
    assert done.completed_at is not None


def test_the_refusal_is_said_in_the_readers_language(client, app, make_course, learner):
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    client.set_cookie("learnhub_locale", "en")
    page = press_read(client, lesson, follow_redirects=True).get_data(as_text=True)
    assert "Please keep reading for about" in page and "more seconds" in page


def test_reading_units_are_chinese_characters_and_words_of_other_scripts():
    assert reading_units("先打开手机，再点设置。") == 9
    assert reading_units("Open the phone, then tap Settings 2 times.") == 8
    assert reading_units("打开 WeChat 扫码") == 5


def test_a_second_done_spends_nothing_of_the_clock(enrolled_learner):
    """Pressing "done" again on a finished lesson is harmless: the next reading still fits."""
    user, (first, second) = enrolled_learner(lessons=("text", "text"))
    opened = utcnow()
    services.visit_lesson(user, first, now=opened)
    services.visit_lesson(user, second, now=opened + timedelta(seconds=SHORT_TEXT_SECONDS))
    services.mark_text_read(user, first, now=opened + timedelta(seconds=SHORT_TEXT_SECONDS))
    services.mark_text_read(user, first, now=opened + timedelta(seconds=SHORT_TEXT_SECONDS + 1))
    done = services.mark_text_read(
        user, second, now=opened + timedelta(seconds=2 * SHORT_TEXT_SECONDS)
    )
    assert done.completed_at is not None


def test_only_an_enrolled_learners_opening_is_noted(client, app, make_course, learner):
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    page = client.get(f"/lessons/{lesson}").get_data(as_text=True)
    assert "先打开手机" in page  # anyone may read it
    assert count(app, LessonProgress) == 0
    with app.app_context():
        assert db.session.get(Lesson, lesson) is not None


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "Please keep reading for about 1 more second."),
        (59, "Please keep reading for about 59 more seconds."),
        (60, "Please keep reading for about 1 more minute."),  # a minute is said in minutes
        (61, "Please keep reading for about 2 more minutes."),  # rounded up, never down
        (125, "Please keep reading for about 3 more minutes."),
    ],
)
def test_how_long_to_read_on_is_said_in_seconds_then_minutes(app, seconds, said):
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        message = str(services.ReadOnFirst(seconds).message)
    assert message == f"{said} Then press “I have read this lesson” again."


def test_only_a_reading_is_marked_read(enrolled_learner, app):
    user, (video,) = enrolled_learner(lessons=("video",))
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        with pytest.raises(services.LearningError) as refused:
            services.mark_text_read(user, video)
        assert str(refused.value.message) == "This lesson is not a reading."


def test_two_learners_of_one_course_keep_their_own_progress(app, make_course, make_user):
    """Another learner's readings never count for me: progress, lesson states and the
    course's completion are each learner's own."""
    course_id = make_course(lessons=("text", "text"))
    first_id, second_id = make_user(login="first_one"), make_user(login="second_one")
    with app.app_context():
        course = db.session.get(Course, course_id)
        first, second = db.session.get(User, first_id), db.session.get(User, second_id)
        for user in (first, second):
            services.enrol(user, course)
        one, two = course.lessons
        read_text_lesson(first, one)
        read_text_lesson(first, two)
        read_text_lesson(second, one)
        db.session.commit()
        assert services.completion_of(first, course) is not None
        assert services.completion_of(second, course) is None
        assert services.course_study(second, course.id).done == {one.id}
        assert services.course_study(first, course.id).completed_at is not None
        assert services.progress_of(second, two) is None
        assert services.progress_of(second, one) is not services.progress_of(first, one)


def test_lessons_of_another_course_never_complete_this_one(app, make_course, make_user):
    """A learner with one of two lessons done here and a whole other course done has not
    finished this course; a lesson is done at the moment the service was told."""
    two_lessons, one_lesson = make_course(lessons=("text", "text")), make_course(lessons=("text",))
    learner_id = make_user(login="two_courses")
    with app.app_context():
        learner = db.session.get(User, learner_id)
        here, there = db.session.get(Course, two_lessons), db.session.get(Course, one_lesson)
        for course in (here, there):
            services.enrol(learner, course)
        opened = utcnow() - timedelta(hours=3)
        services.visit_lesson(learner, there.lessons[0], now=opened)
        moment = opened + timedelta(minutes=30)
        done = services.mark_text_read(learner, there.lessons[0], now=moment)
        assert done.completed_at == moment
        read_text_lesson(learner, here.lessons[0])
        assert services.completion_of(learner, there) is not None
        assert services.completion_of(learner, here) is None  # 2 lessons done, 1 of them here
