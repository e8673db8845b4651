"""Quizzes: attempts issued by the server, a rest after failed ones, no answers before a pass."""

import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services
from learnhub.learning.models import CourseCompletion, LessonProgress, QuizAttempt
from tests.helpers import csrf_token_from, form_token_from, sign_in, submit
from tests.learning_steps import count, enrol, lesson_ids, quiz_answers, time_passes

NO_PER_QUESTION_FEEDBACK = ("答对了", "还不对", "question-right", "question-wrong")


@pytest.fixture
def quiz(client, app, make_course, learner):
    """The quiz lesson's id, in a course the signed-in learner is enrolled in."""
    course_id = make_course(lessons=("quiz",))
    enrol(client, course_id)
    return lesson_ids(app, course_id)[0]


def hand_in(client, quiz_id, answers, form_token=None, follow_redirects=False):
    """Open the quiz, hand in ``answers``, with the page's own token unless one is given."""
    html = client.get(f"/lessons/{quiz_id}").get_data(as_text=True)
    data = {**answers, "csrf_token": csrf_token_from(html)}
    data["form_token"] = form_token if form_token is not None else form_token_from(html)
    return client.post(f"/lessons/{quiz_id}/quiz", data=data, follow_redirects=follow_redirects)


def handed_in(app):
    with app.app_context():
        return db.session.scalar(
            select(func.count(QuizAttempt.id)).where(QuizAttempt.submitted_at.is_not(None))
        )


def every_answer_sheet(app, quiz_id):
    """Every way to fill in the fixture quiz: what a script trying answers goes through."""
    with app.app_context():
        lesson = db.session.get(Lesson, quiz_id)
        options = []
        for question in lesson.questions:
            ids = [str(c.id) for c in question.choices]
            sizes = range(1, len(ids) + 1) if question.multiple else (1,)
            picks = [list(p) for n in sizes for p in itertools.combinations(ids, n)]
            options.append([(f"q{question.id}", pick) for pick in picks])
        return [dict(sheet) for sheet in itertools.product(*options)]


def test_made_up_and_borrowed_tokens_are_refused(client, app, make_user, quiz):
    """The attack: hand in answers with a token the script made up, one issued to another
    learner, or one of another quiz. Nothing is graded or recorded."""
    make_user(login="other")
    other = app.test_client()
    sign_in(other, "other")
    with app.app_context():
        course = db.session.get(Lesson, quiz).course
        services.enrol(db.session.scalar(select(User).filter_by(username="other")), course)
        db.session.commit()
    borrowed = form_token_from(other.get(f"/lessons/{quiz}").get_data(as_text=True))
    assert borrowed
    for token in ("x" * 32, borrowed):
        response = hand_in(client, quiz, quiz_answers(app, quiz), token, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "这份答卷已经失效" in page and "您的得分" not in page
    assert handed_in(app) == 0 and count(app, CourseCompletion) == 0


def test_a_token_of_another_quiz_is_refused(client, app, make_course, learner):
    course_id = make_course(lessons=("quiz", "quiz"))
    first, second = lesson_ids(app, course_id)
    enrol(client, course_id)
    token_of_second = form_token_from(client.get(f"/lessons/{second}").get_data(as_text=True))
    response = hand_in(client, first, quiz_answers(app, first), token_of_second)
    assert response.status_code == 302 and handed_in(app) == 0


def test_a_failed_attempt_tells_the_score_and_pass_mark_only(client, app, quiz):
    """The attack: read per-question feedback to find the answers. Before a pass the page
    says the score and the pass mark, never which questions or choices were right."""
    with app.app_context():
        lesson = db.session.get(Lesson, quiz)
        first, second = lesson.questions
        right_first = next(str(c.id) for c in first.choices if c.correct)
        wrong_second = next(str(c.id) for c in second.choices if not c.correct)
    page = hand_in(client, quiz, {f"q{first.id}": right_first, f"q{second.id}": wrong_second})
    html = page.get_data(as_text=True)
    assert "您的得分：50%" in html and "及格分：60%" in html and "还没有通过" in html
    for feedback in NO_PER_QUESTION_FEEDBACK:
        assert feedback not in html
    passed = hand_in(client, quiz, quiz_answers(app, quiz)).get_data(as_text=True)
    assert "通过了" in passed and "答对了" in passed and "question-right" in passed


def test_a_script_trying_every_answer_sheet_is_stopped(client, app, learner, quiz):
    """Three failed attempts, then a rest: the page shows no answer sheet but the time the
    rest ends; a made-up token or the last one again gets nothing new."""
    sheets = [s for s in every_answer_sheet(app, quiz) if s != quiz_answers(app, quiz)]
    for sheet in sheets[:3]:
        assert "您的得分" in hand_in(client, quiz, sheet).get_data(as_text=True)
    page = client.get(f"/lessons/{quiz}").get_data(as_text=True)
    assert form_token_from(page) is None and "请先休息一会儿" in page
    with app.app_context():
        last = db.session.scalar(select(func.max(QuizAttempt.submitted_at)))
        ends = services.retry_at(db.session.get(User, learner), db.session.get(Lesson, quiz))
        assert ends == last + timedelta(minutes=10)
    shown = (ends + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # China time
    assert f"从 {shown} 起，您可以再答这份测验" in page
    for sheet in sheets[3:6]:
        response = hand_in(client, quiz, sheet, "y" * 32, follow_redirects=True)
        assert "您的得分" not in response.get_data(as_text=True)
    assert handed_in(app) == 3 and count(app, CourseCompletion) == 0


def test_the_rest_ends_and_grows_with_each_round(enrolled_learner):
    user, (lesson,) = enrolled_learner(("quiz",))
    now = utcnow()
    wrong = {q.id: set() for q in lesson.questions}

    def fail_round(at):
        for n in range(3):
            token = services.open_attempt(user, lesson, at + timedelta(seconds=n)).form_token
            services.submit_quiz(user, lesson, wrong, token, at + timedelta(seconds=n))
        return at + timedelta(seconds=2)

    last = fail_round(now)
    assert services.retry_at(user, lesson, last) == last + timedelta(minutes=10)
    with pytest.raises(services.QuizResting):
        services.open_attempt(user, lesson, last + timedelta(minutes=9))
    last = fail_round(last + timedelta(minutes=10))
    assert services.retry_at(user, lesson, last) == last + timedelta(minutes=20)
    last = fail_round(last + timedelta(minutes=20))
    assert services.retry_at(user, lesson, last) == last + timedelta(minutes=40)
    right = {q.id: {c.id for c in q.choices if c.correct} for q in lesson.questions}
    token = services.open_attempt(user, lesson, last + timedelta(minutes=40)).form_token
    result = services.submit_quiz(user, lesson, right, token, last + timedelta(minutes=40))
    assert result.passed and services.progress_of(user, lesson).completed_at is not None


def test_a_sheet_issued_before_a_rest_is_not_graded_during_it(enrolled_learner):
    """Failed attempts recorded meanwhile (e.g. by an older version of the site) start a
    rest: an answer sheet still open from before waits for its end."""
    user, (lesson,) = enrolled_learner(("quiz",))
    now = utcnow()
    token = services.open_attempt(user, lesson, now).form_token
    db.session.add_all(
        QuizAttempt(user_id=user.id, lesson_id=lesson.id, form_token=f"old-{n}",
                    issued_at=now, submitted_at=now, score=0, passed=False)
        for n in range(3)
    )  # fmt: skip
    right = {q.id: {c.id for c in q.choices if c.correct} for q in lesson.questions}
    with pytest.raises(services.QuizResting):
        services.submit_quiz(user, lesson, right, token, now + timedelta(minutes=9))
    result = services.submit_quiz(user, lesson, right, token, now + timedelta(minutes=10))
    assert result.passed


def test_the_rest_is_over_when_its_time_has_passed(client, app, quiz):
    for _ in range(3):
        hand_in(client, quiz, quiz_answers(app, quiz, right=False))
    assert form_token_from(client.get(f"/lessons/{quiz}").get_data(as_text=True)) is None
    time_passes(app, 10 * 60)
    page = hand_in(client, quiz, quiz_answers(app, quiz)).get_data(as_text=True)
    assert "您的得分：100%" in page and count(app, CourseCompletion) == 1


def test_leaving_and_enrolling_again_does_not_reset_the_limit(client, app, quiz):
    for _ in range(3):
        hand_in(client, quiz, quiz_answers(app, quiz, right=False))
    with app.app_context():
        course_id = db.session.get(Lesson, quiz).course_id
    submit(client, f"/courses/{course_id}/leave", {}, page=f"/courses/{course_id}")
    enrol(client, course_id)
    page = client.get(f"/lessons/{quiz}").get_data(as_text=True)
    assert form_token_from(page) is None and "请先休息一会儿" in page


def test_one_attempt_is_open_at_a_time_and_every_page_shows_it(client, app, quiz):
    tokens = {form_token_from(client.get(f"/lessons/{quiz}").get_data(as_text=True))
              for _ in range(5)}  # fmt: skip
    assert len(tokens) == 1 and None not in tokens
    assert count(app, QuizAttempt) == 1
    with app.app_context():
        assert db.session.scalar(select(LessonProgress)) is None  # opening records no progress


def test_quiz_pages_opened_at_once_issue_one_attempt(client, app, quiz):
    """Four tabs open the quiz at the same moment: one open attempt, the same on every page
    (the database allows one open attempt per learner and quiz)."""
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        sign_in(tab, "zhanglan")
    barrier, tokens = threading.Barrier(len(tabs)), []

    def open_quiz(tab):
        barrier.wait()
        tokens.append(form_token_from(tab.get(f"/lessons/{quiz}").get_data(as_text=True)))

    threads = [threading.Thread(target=open_quiz, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 4 and len(set(tokens)) == 1 and None not in tokens
    assert count(app, QuizAttempt) == 1
