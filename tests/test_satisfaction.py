"""Satisfaction: who may rate, once each (the database decides), changeable, shown from the
threshold, and the staff's figures by region with a CSV export."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import EVERYTHING, Scope
from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
)
from learnhub.catalogue.models import Course
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services as learning
from learnhub.satisfaction import Rating, services
from learnhub.satisfaction.demo import load_demo_ratings
from tests.helpers import read_text_lesson, sign_in, submit

pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def finished(app, make_course, make_user):
    """A learner ("student") who completed a one-lesson course of 沈阳, and three who did not
    ("notdone", "second", "lazy"); returns the course's id. (No app context is kept: the
    HTTP tests' requests would share its ``g`` and its CSRF token.)"""
    course_id, user_id = make_course(lessons=("text",)), make_user(login="student")
    for login in ("notdone", "second", "lazy"):
        make_user(login=login)
    with app.app_context():
        user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        db.session.commit()
    return course_id


def user_named(login) -> User:
    return db.session.scalar(select(User).where(User.username == login))


def attended_activity(user_ids, city="210100", attended=True) -> Activity:
    kind_id = db.session.scalar(select(ActivityKind.id))
    activity = Activity(title="社区书法讲座", kind_id=kind_id, city_code=city, is_online=True,
                        online_url="https://meeting.example.cn/1")  # fmt: skip
    start = utcnow() - timedelta(days=2)
    session = ActivitySession(starts_at=start, ends_at=start + timedelta(hours=2), capacity=50)
    activity.sessions.append(session)
    db.session.add(activity)
    db.session.flush()
    for user_id in user_ids:
        db.session.add(Attendance(session_id=session.id, user_id=user_id,
                                  method=AttendanceMethod.ROSTER,
                                  undone_at=None if attended else utcnow()))  # fmt: skip
    db.session.commit()
    return activity


def test_only_a_learner_who_completed_the_course_may_rate_it(app, finished):
    with app.app_context():
        course = db.session.get(Course, finished)
        with pytest.raises(services.RatingError):
            services.rate(user_named("notdone"), 5, course=course)
        services.rate(user_named("student"), 4, "讲得清楚", course=course)
        db.session.commit()
        assert db.session.scalar(select(func.count(Rating.id))) == 1


def test_only_a_live_attendance_lets_a_learner_rate_an_activity(app, make_user):
    came, undone = make_user(login="came"), make_user(login="undone")
    with app.app_context():
        activity = attended_activity([came])
        other = attended_activity([undone], attended=False)
        services.rate(db.session.get(User, came), 5, activity=activity)
        with pytest.raises(services.RatingError):
            services.rate(db.session.get(User, undone), 5, activity=other)


def test_a_rating_is_changed_not_added_and_scores_are_checked(app, finished):
    with app.app_context():
        user, course = user_named("student"), db.session.get(Course, finished)
        services.rate(user, 2, "太快", course=course)
        services.rate(user, 5, "第二遍看懂了", course=course)
        db.session.commit()
        (rating,) = db.session.scalars(select(Rating))
        assert (rating.score, rating.comment) == (5, "第二遍看懂了")
        for score in (0, 6):
            with pytest.raises(services.RatingError):
                services.rate(user, score, course=course)
        with pytest.raises(services.RatingError):
            services.rate(user, 3, "长" * 501, course=course)


def test_parallel_ratings_make_one_row(app, finished):
    def rate(score):
        with app.app_context():
            course = db.session.get(Course, finished)
            services.rate(user_named("student"), score, course=course)
            db.session.commit()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(rate, [1, 2, 3, 4]))
    with app.app_context():
        assert db.session.scalar(select(func.count(Rating.id))) == 1


def test_the_course_page_offers_the_form_and_shows_ratings_from_the_threshold(
    app, client, finished
):
    app.config["SATISFACTION_MIN_RATINGS"] = 2
    sign_in(client, "student")
    page = client.get(f"/courses/{finished}").get_data(as_text=True)
    assert f'action="/courses/{finished}/rating"' in page
    response = submit(client, f"/courses/{finished}/rating", {"score": "4", "comment": "好"},
                      page=f"/courses/{finished}")  # fmt: skip
    assert response.status_code == 302
    public = app.test_client()
    assert "4.0" not in public.get(f"/courses/{finished}").get_data(as_text=True)
    with app.app_context():  # a second rating (how it was earned is not the point here)
        db.session.add(Rating(user_id=user_named("second").id, course_id=finished, score=5))
        db.session.commit()
    assert "4.5" in public.get(f"/courses/{finished}").get_data(as_text=True)
    # Changed, not added.
    submit(client, f"/courses/{finished}/rating", {"score": "2"}, page=f"/courses/{finished}")
    assert "3.5" in public.get(f"/courses/{finished}").get_data(as_text=True)


def test_a_learner_who_did_not_finish_is_refused_over_http(app, client, finished):
    sign_in(client, "lazy")
    page = client.get(f"/courses/{finished}").get_data(as_text=True)
    assert "/rating" not in page
    response = submit(client, f"/courses/{finished}/rating", {"score": "5"}, page="/me")
    assert response.status_code == 400
    assert "once you have completed it" in response.get_data(as_text=True) or "完成" in (
        response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Rating.id))) == 0


def test_staff_see_figures_of_their_region_only_and_export_them(app, client, make_user):
    with app.app_context():
        sy, dl = make_user(login="sy_learner"), make_user(login="dl_learner")
        services.rate(db.session.get(User, sy), 4, activity=attended_activity([sy]))
        dalian = attended_activity([dl], city="210200")
        dalian.title = "大连合唱活动"
        services.rate(db.session.get(User, dl), 2, activity=dalian)
        db.session.commit()
        names = {f.name for f in services.staff_figures(Scope(city_code="210100"))}
        assert "社区书法讲座" in names and "大连合唱活动" not in names
        assert "大连合唱活动" in {f.name for f in services.staff_figures(EVERYTHING)}
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    sign_in(client, "sy_staff")
    page = client.get("/staff/satisfaction").get_data(as_text=True)
    assert "社区书法讲座" in page and "大连合唱活动" not in page
    export = client.get("/staff/satisfaction.csv")
    assert export.data.startswith("\ufeff".encode())
    text = export.data.decode("utf-8-sig")
    assert "社区书法讲座" in text and "大连合唱活动" not in text


def test_demo_ratings_rate_each_completion_once(app, finished):
    with app.app_context():
        load_demo_ratings()
        load_demo_ratings()
        db.session.commit()
        (rating,) = db.session.scalars(select(Rating))
        assert rating.course_id == finished and 3 <= rating.score <= 5


def test_an_attendee_rates_an_activity_from_its_page(app, client, make_user):
    with app.app_context():
        came = make_user(login="came")
        make_user(login="stayed_home")
        activity = attended_activity([came])
        activity.status = ActivityStatus.PUBLISHED
        db.session.commit()
        activity_id = activity.id
    form_action = f'action="/activities/{activity_id}/rating"'
    sign_in(client, "stayed_home")
    assert form_action not in client.get(f"/activities/{activity_id}").get_data(as_text=True)
    attendee = app.test_client()
    sign_in(attendee, "came")
    assert form_action in attendee.get(f"/activities/{activity_id}").get_data(as_text=True)
    response = submit(attendee, f"/activities/{activity_id}/rating", {"score": "4"},
                      page=f"/activities/{activity_id}")  # fmt: skip
    assert response.status_code in (302, 303)
    with app.app_context():
        (rating,) = db.session.scalars(select(Rating)).all()
        assert rating.score == 4 and rating.activity_id == activity_id
