"""Enrolment, lesson progress of every kind, quizzes and course completion."""

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, CourseStatus
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services
from learnhub.learning.models import CourseCompletion, Enrolment, LessonProgress, QuizAttempt
from learnhub.rankings.models import ViewEvent
from tests.helpers import csrf_token_from, read_text_lesson, sign_in, submit
from tests.learning_steps import count, enrol, lesson_ids, quiz_answers, read_lesson, report


def test_course_page_shows_lessons_hours_credits_and_enrol_button(client, make_course, learner):
    course_id = make_course(title="扫码支付很简单")
    page = client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "扫码支付很简单" in page and "第1课" in page and "第3课" in page
    assert "学时" in page and "0.5" in page
    assert "报名学习" in page


def test_enrol_then_my_learning_shows_progress(client, app, make_course, learner):
    course_id = make_course()
    response = enrol(client, course_id)
    assert response.status_code == 302
    page = client.get("/me").get_data(as_text=True)
    assert "智能手机入门" in page and "已完成 0 课，共 3 课" in page
    with app.app_context():
        assert db.session.get(Course, course_id).enrolment_count == 1


def test_my_learning_shows_new_progress_on_the_next_visit(client, app, make_course, learner):
    """The page is kept by the rows it shows: a lesson done is a new page at once."""
    course_id = make_course()
    enrol(client, course_id)
    client.get("/me")  # the enrolment's note shown
    assert "已完成 0 课，共 3 课" in client.get("/me").get_data(as_text=True)  # and now kept
    read_lesson(client, app, lesson_ids(app, course_id)[0])
    client.get("/")  # the "lesson done" note shown
    assert "已完成 1 课，共 3 课" in client.get("/me").get_data(as_text=True)


def test_double_enrol_creates_one_enrolment(client, app, make_course, learner):
    course_id = make_course()
    html = client.get(f"/courses/{course_id}").get_data(as_text=True)
    token = csrf_token_from(html)
    client.post(f"/courses/{course_id}/enrol", data={"csrf_token": token})
    client.post(f"/courses/{course_id}/enrol", data={"csrf_token": token})
    assert count(app, Enrolment, course_id=course_id) == 1
    with app.app_context():
        assert db.session.get(Course, course_id).enrolment_count == 1


def test_leaving_in_the_first_ten_minutes_undoes_everything(client, app, make_course, learner):
    course_id = make_course()
    enrol(client, course_id)
    text_lesson, _video, quiz = lesson_ids(app, course_id)
    read_lesson(client, app, text_lesson)
    client.get(f"/lessons/{quiz}")  # an answer sheet issued, never handed in
    assert count(app, LessonProgress) == 1 and count(app, QuizAttempt) == 1
    response = submit(client, f"/courses/{course_id}/leave", {}, page=f"/courses/{course_id}")
    assert response.status_code == 302
    assert count(app, Enrolment) == 0 and count(app, LessonProgress) == 0
    assert count(app, QuizAttempt) == 0
    with app.app_context():
        assert db.session.get(Course, course_id).enrolment_count == 0


def test_leaving_later_keeps_progress_for_a_return(client, app, make_course, learner):
    course_id = make_course()
    enrol(client, course_id)
    text_lesson = lesson_ids(app, course_id)[0]
    read_lesson(client, app, text_lesson)
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        enrolment.enrolled_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    submit(client, f"/courses/{course_id}/leave", {}, page=f"/courses/{course_id}")
    assert count(app, LessonProgress) == 1
    assert f'href="/courses/{course_id}"' not in client.get("/me").get_data(as_text=True)
    lesson_page = client.get(f"/lessons/{text_lesson}").get_data(as_text=True)
    assert "报名这门课程后会记录学习进度" in lesson_page  # left: asked to enrol again
    assert "您已经学完这一课" not in lesson_page and "我已读完这一课" not in lesson_page
    enrol(client, course_id)
    assert "已完成 1 课，共 3 课" in client.get("/me").get_data(as_text=True)


def test_opening_a_lesson_without_enrolment_starts_no_reading(app, make_course, make_user):
    """The opening's write checks the enrolment again (the learner may have left since the
    page's read): nothing is noted for someone not enrolled."""
    course_id = make_course(lessons=("text",))
    user_id = make_user("not_enrolled")
    with app.test_request_context():
        lesson = db.session.get(Course, course_id).lessons[0]
        visit = services.visit_lesson(db.session.get(User, user_id), lesson)
        db.session.commit()
    assert visit.enrolled is False and count(app, LessonProgress) == 0


def test_drafts_are_hidden_and_cannot_be_enrolled(client, app, make_course, learner):
    course_id = make_course(status=CourseStatus.DRAFT)
    assert client.get(f"/courses/{course_id}").status_code == 404
    lesson = lesson_ids(app, course_id)[0]
    assert client.get(f"/lessons/{lesson}").status_code == 404
    assert count(app, ViewEvent) == 0  # a hidden page counts no view
    html = client.get("/").get_data(as_text=True)
    client.post(f"/courses/{course_id}/enrol", data={"csrf_token": csrf_token_from(html)})
    assert count(app, Enrolment) == 0


def test_text_lesson_done_when_read_to_the_end(client, app, make_course, learner):
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    page = client.get(f"/lessons/{lesson}").get_data(as_text=True)
    assert "先打开手机" in page and "我已读完这一课" in page
    read_lesson(client, app, lesson)
    assert "您已经学完这一课" in client.get(f"/lessons/{lesson}").get_data(as_text=True)


def test_progress_needs_enrolment(client, app, make_course, learner):
    course_id = make_course(lessons=("text", "quiz"))
    text, quiz = lesson_ids(app, course_id)
    response = read_lesson(client, app, text, follow_redirects=True)
    assert "请先报名这门课程" in response.get_data(as_text=True)
    html = client.get(f"/lessons/{quiz}").get_data(as_text=True)
    assert '<form method="post" action="/lessons' not in html  # no quiz form offered
    client.post(f"/lessons/{quiz}/quiz", data={**quiz_answers(app, quiz),
                "csrf_token": csrf_token_from(html), "form_token": "x" * 20})  # fmt: skip
    assert count(app, QuizAttempt) == 0 and count(app, LessonProgress) == 0


def test_seeking_to_the_end_of_a_video_does_not_finish_it(client, app, make_course, learner):
    course_id = make_course(lessons=("video",))
    video = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    assert report(client, video, 0, "start").status_code == 200
    response = report(client, video, 300)  # jumped to the end a moment later
    assert response.json["completed"] is False
    assert response.json["credited_seconds"] < 10
    assert count(app, CourseCompletion) == 0


def test_media_played_for_real_finishes_the_lesson_and_the_course(app, make_course, make_user):
    """Reports every 15 s over the media's real length: done at 90 %, course completed."""
    course_id = make_course(lessons=("audio",))
    user_id = make_user(login="listener")
    with app.app_context():
        user, lesson = db.session.get(User, user_id), db.session.get(Course, course_id).lessons[0]
        services.enrol(user, lesson.course)
        start = utcnow()
        for second in range(0, 271, 15):
            progress = services.report_media_position(
                user, lesson, second, now=start + timedelta(seconds=second)
            )
            assert (progress.completed_at is not None) == (second >= 270)
        db.session.commit()
        assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1


def test_bad_media_reports_are_refused(client, app, make_course, learner):
    course_id = make_course(lessons=("video", "text"))
    video, text = lesson_ids(app, course_id)
    enrol(client, course_id)
    assert report(client, video, -5).status_code == 400
    assert report(client, video, "300").status_code == 400
    assert report(client, text, 10, player_page=video).status_code == 400
    html = client.get(f"/lessons/{video}").get_data(as_text=True)
    assert client.post(f"/lessons/{video}/media", json={"position": 1}).status_code == 400
    assert "data-progress-url" in html


def test_quiz_passed_completes_lesson_wrong_answers_do_not(client, app, make_course, learner):
    course_id = make_course(lessons=("quiz",))
    quiz = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    wrong = submit(client, f"/lessons/{quiz}/quiz", quiz_answers(app, quiz, right=False),
                   page=f"/lessons/{quiz}")  # fmt: skip
    assert "您的得分：0%" in wrong.get_data(as_text=True)
    assert count(app, CourseCompletion) == 0
    right = submit(client, f"/lessons/{quiz}/quiz", quiz_answers(app, quiz),
                   page=f"/lessons/{quiz}")  # fmt: skip
    page = right.get_data(as_text=True)
    assert "您的得分：100%" in page and "通过了" in page
    assert count(app, CourseCompletion) == 1


def test_multiple_choice_needs_exactly_the_right_set(app, make_course):
    course_id = make_course(lessons=("quiz",))
    with app.app_context():
        lesson = db.session.get(Course, course_id).lessons[0]
        single, multiple = lesson.questions
        right_single = {c.id for c in single.choices if c.correct}
        right_multi = {c.id for c in multiple.choices if c.correct}
        all_multi = {c.id for c in multiple.choices}
        assert services.grade_quiz(lesson, {single.id: right_single,
                                            multiple.id: right_multi}).score == 100  # fmt: skip
        half = services.grade_quiz(lesson, {single.id: right_single, multiple.id: all_multi})
        assert (half.score, half.passed) == (50, False)
        assert half.correct_question_ids == frozenset()  # which one was right: not before a pass


def test_resubmitting_the_same_quiz_form_counts_once(client, app, make_course, learner):
    course_id = make_course(lessons=("quiz",))
    quiz = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    html = client.get(f"/lessons/{quiz}").get_data(as_text=True)
    form_token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {**quiz_answers(app, quiz), "form_token": form_token}
    data["csrf_token"] = csrf_token_from(html)
    first = client.post(f"/lessons/{quiz}/quiz", data=data).get_data(as_text=True)
    again = client.post(f"/lessons/{quiz}/quiz", data=data).get_data(as_text=True)
    assert "您的得分：100%" in first and "您的得分：100%" in again
    with app.app_context():
        handed_in = select(func.count(QuizAttempt.id)).where(QuizAttempt.submitted_at.is_not(None))
        assert db.session.scalar(handed_in) == 1


def test_course_completion_is_recorded_at_once_and_shown(client, app, make_course, learner):
    course_id = make_course(lessons=("text", "quiz"))
    text, quiz = lesson_ids(app, course_id)
    enrol(client, course_id)
    read_lesson(client, app, text)
    assert count(app, CourseCompletion) == 0
    submit(client, f"/lessons/{quiz}/quiz", quiz_answers(app, quiz), page=f"/lessons/{quiz}")
    assert count(app, CourseCompletion) == 1
    assert "您已于" in client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "完成于" in client.get("/me").get_data(as_text=True)


def test_completion_signal_fires_once(app, make_course, make_user):
    from learnhub.learning.services import course_completed

    received = []
    course_id = make_course(lessons=("text",))
    user_id = make_user(login="signal_user")

    def listener(sender, completion):
        received.append(completion.course_id)

    course_completed.connect(listener)
    try:
        with app.app_context():
            user = db.session.get(User, user_id)
            lesson = db.session.get(Course, course_id).lessons[0]
            services.enrol(user, lesson.course)
            read_text_lesson(user, lesson)
            services.mark_text_read(user, lesson)
            db.session.commit()
    finally:
        course_completed.disconnect(listener)
    assert received == [course_id]


def test_racing_completions_record_exactly_one(app, make_course, make_user):
    """Eight threads finish the last lesson at the same moment: one completion row."""
    course_id = make_course(lessons=("text",))
    user_id = make_user(login="racer")
    with app.app_context():
        user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
        services.enrol(user, course)
        services.visit_lesson(user, course.lessons[0], now=utcnow() - timedelta(hours=1))
        db.session.commit()
    barrier, errors = threading.Barrier(8), []

    def finish():
        with app.app_context():
            try:
                barrier.wait()  # all start together, before any of them holds a lock
                user = db.session.get(User, user_id)
                lesson = db.session.get(Course, course_id).lessons[0]
                services.mark_text_read(user, lesson)
                db.session.commit()
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=finish) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(app, CourseCompletion, course_id=course_id) == 1
    assert count(app, LessonProgress) == 1
    # Losers of the race may fail on the unique constraint, but never leave a second row.
    assert all("unique" in str(e).lower() or "duplicate" in str(e).lower() for e in errors)


def test_every_course_and_lesson_view_is_recorded(client, app, make_course, learner):
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    client.get(f"/courses/{course_id}")
    client.get(f"/lessons/{lesson}")
    with app.app_context():
        kinds = db.session.scalars(select(ViewEvent.resource_kind).order_by(ViewEvent.id)).all()
        assert kinds == ["course", "lesson"]
        assert db.session.scalar(select(ViewEvent.city_code).limit(1)) == "210100"


def test_progress_survives_sign_out_and_another_device(client, app, make_course, learner):
    course_id = make_course(lessons=("text", "text"))
    first = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    read_lesson(client, app, first)
    other = app.test_client()
    sign_in(other, "zhanglan")
    assert "已完成 1 课，共 2 课" in other.get("/me").get_data(as_text=True)


def test_read_aloud_audio_is_made_once_per_text(client, app, make_course):
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (`sh .ci/install` installs it)")
    course_id = make_course(lessons=("text",))
    lesson = lesson_ids(app, course_id)[0]
    page = client.get(f"/lessons/{lesson}").get_data(as_text=True)
    assert f'data-audio-url="/lessons/{lesson}/speech.wav"' in page
    first = client.get(f"/lessons/{lesson}/speech.wav")
    assert first.status_code == 200 and first.mimetype == "audio/wav"
    assert first.data[:4] == b"RIFF" and len(first.data) > 10_000  # real speech, not silence
    files = list((Path(app.instance_path) / "speech").glob("*.wav"))
    assert len(files) == 1
    again = client.get(f"/lessons/{lesson}/speech.wav")
    assert again.data == first.data
    assert list((Path(app.instance_path) / "speech").glob("*.wav")) == files
    course_audio = client.get(f"/courses/{course_id}/speech.wav")
    assert course_audio.status_code == 200 and course_audio.data[:4] == b"RIFF"
    first.close()
    again.close()
    course_audio.close()


def test_read_aloud_text_is_the_lessons_words_without_markup():
    from learnhub.learning.speech import plain_text

    text = plain_text("<p>第一段<strong>重点</strong></p><ul><li>一</li></ul><p>第二段</p>")
    assert text == "第一段重点\n一\n第二段"
