"""The public activity pages: the list and its filters, the calendar in China time, the .ics
files, "my activities" with the private feed, the reminders job, and the place's sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.activities import reminders
from learnhub.activities.feed_models import CalendarFeed
from learnhub.activities.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
)
from learnhub.activities.signups import sign_up
from learnhub.clock import local_today
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.models import Message
from learnhub.jobs.queue import schedule
from tests.activity_steps import make_activity
from tests.helpers import sign_in, submit


@pytest.fixture
def learner(app, make_user, client):
    user_id = make_user(login="zhanglan", locale="en")
    sign_in(client, "zhanglan")
    return user_id


def titles(client, url: str) -> list[str]:
    page = client.get(url).get_data(as_text=True)
    return [t for t in ("甲讲座", "乙线上课", "丙大连课", "丁满员课", "戊过去课") if t in page]


def test_the_list_shows_upcoming_published_activities_and_filters_them(app, client):
    make_activity(app, title="甲讲座", sessions=((30, 5),), kind_code="lecture")
    make_activity(app, title="乙线上课", sessions=((40, 5),), online=True, kind_code="online",
                  elder_friendly=False)  # fmt: skip
    make_activity(app, title="丙大连课", sessions=((50, 5),), city="210200", district=None,
                  place_city="210200", place_district="210202")  # fmt: skip
    _full_id, (full,) = make_activity(app, title="丁满员课", sessions=((60, 1),))
    make_activity(app, title="戊过去课", sessions=((-5, 5),))
    make_activity(app, title="己草稿", status=ActivityStatus.DRAFT)
    with app.app_context():
        db.session.get(ActivitySession, full).taken = 1
        db.session.commit()
    assert titles(client, "/activities") == ["甲讲座", "乙线上课", "丙大连课", "丁满员课"]
    assert "己草稿" not in client.get("/activities").get_data(as_text=True)
    assert titles(client, "/activities?city=210200") == ["丙大连课"]
    assert titles(client, "/activities?city=210100&district=210102") == [
        "甲讲座", "乙线上课", "丁满员课",
    ]  # fmt: skip
    assert titles(client, "/activities?kind=online") == ["乙线上课"]
    assert titles(client, "/activities?mode=online") == ["乙线上课"]
    assert titles(client, "/activities?mode=offline") == ["甲讲座", "丙大连课", "丁满员课"]
    assert titles(client, "/activities?elder=1") == ["甲讲座", "丙大连课", "丁满员课"]
    assert titles(client, "/activities?free=1") == ["甲讲座", "乙线上课", "丙大连课"]
    # Nonsense in the address is ignored, never an error.
    for junk in ("city=999999", "kind=%00", "mode=x", "page=-1", "view=year", "day=2026-13-45",
                 "district=210202", "page=99999999999"):  # fmt: skip
        assert client.get(f"/activities?{junk}").status_code == 200


def test_the_calendar_puts_a_session_on_its_china_day(app, client):
    _activity_id, (session_id,) = make_activity(app, title="甲讲座")
    # 16:30 UTC is 00:30 the next day in China.
    with app.app_context():
        day = local_today() + timedelta(days=10)
    starts = datetime(day.year, day.month, day.day, 16, 30, tzinfo=UTC)
    with app.app_context():
        session = db.session.get(ActivitySession, session_id)
        session.starts_at, session.ends_at = starts, starts + timedelta(hours=1)
        db.session.commit()
    china_day = (day + timedelta(days=1)).isoformat()
    for view in ("week", "month"):
        page = client.get(f"/activities?view={view}&day={china_day}").get_data(as_text=True)
        assert "00:30 甲讲座" in page
    week = client.get(f"/activities?view=week&day={day.isoformat()}").get_data(as_text=True)
    if (day + timedelta(days=1)).weekday() != 0:  # the next day is in the same week
        assert "00:30 甲讲座" in week


def test_an_activitys_ics_is_valid_rfc5545(app, client):
    activity_id, sessions = make_activity(
        app, title="读书会; 好书推荐, 第一期\\特别版", sessions=((30, 5), (54, 5))
    )
    response = client.get(f"/activities/{activity_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.get_data()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    parsed = icalendar.Calendar.from_ical(raw)
    events = list(parsed.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["读书会; 好书推荐, 第一期\\特别版"] * 2
    assert len({str(e["UID"]) for e in events}) == 2
    with app.app_context():
        starts = [db.session.get(ActivitySession, s).starts_at for s in sessions]
    assert [e.decoded("DTSTART") for e in events] == [s.replace(microsecond=0) for s in starts]
    assert "三好街" in str(events[0]["LOCATION"])


def test_my_activities_and_the_private_feed(app, client, learner):
    _activity_id, (soon, later) = make_activity(app, title="甲讲座", sessions=((30, 1), (60, 5)))
    _past_id, (past,) = make_activity(app, title="戊过去课", sessions=((72, 5),))
    with app.app_context():
        user = db.session.get(User, learner)
        other = User(display_name="别人", password_hash="x", city_code="210100",
                     username="someoneelse")  # fmt: skip
        db.session.add(other)
        db.session.flush()
        sign_up(other, db.session.get(ActivitySession, soon))
        sign_up(user, db.session.get(ActivitySession, soon))  # waiting, number 1
        sign_up(user, db.session.get(ActivitySession, later))
        sign_up(user, db.session.get(ActivitySession, past))
        moved = db.session.get(ActivitySession, past)
        moved.starts_at, moved.ends_at = (
            utcnow() - timedelta(days=2),
            utcnow() - timedelta(days=2, hours=-1),
        )
        db.session.add(Attendance(session_id=past, user_id=learner, method=AttendanceMethod.ROSTER))
        db.session.commit()
    page = client.get("/me/activities").get_data(as_text=True)
    assert "You are number 1 on the waiting list." in page and "You have a place." in page
    assert "戊过去课" in page and "Attended" in page
    # The feed: made, read, replaced, revoked.
    response = submit(client, "/me/activities/feed", {}, page="/me/activities")
    url = response.get_data(as_text=True).split('id="feed-url" type="text" readonly value="')[1]
    url = url.split('"')[0]
    path = url.removeprefix("http://localhost")
    token = path.removeprefix("/activities/feed/").removesuffix(".ics")
    with app.app_context():
        stored = db.session.scalars(select(CalendarFeed.token_hash)).all()
        assert token not in stored and len(stored) == 1  # only the hash
    feed = app.test_client().get(path)  # a calendar app: no cookies
    assert feed.status_code == 200
    events = list(icalendar.Calendar.from_ical(feed.get_data()).walk("VEVENT"))
    assert sorted(str(e["SUMMARY"]) for e in events) == [
        "戊过去课",
        "甲讲座",
    ]  # not the waiting one
    assert app.test_client().get(path.replace(token[:4], "AAAA")).status_code == 404
    submit(client, "/me/activities/feed", {}, page="/me/activities")  # a new address
    assert app.test_client().get(path).status_code == 404  # the old one is dead
    submit(client, "/me/activities/feed/revoke", {}, page="/me/activities")
    with app.app_context():
        assert db.session.scalars(select(CalendarFeed)).all() == []
    assert app.test_client().get("/activities/feed/x.ics").status_code == 404


def test_cancelling_from_my_activities_comes_back_there(app, client, learner):
    activity_id, (session_id,) = make_activity(app, title="甲讲座")
    submit(
        client, f"/activities/sessions/{session_id}/sign-up", {}, page=f"/activities/{activity_id}"
    )
    response = submit(client, f"/activities/sessions/{session_id}/cancel",
                      {"next": "/me/activities"}, page="/me/activities")  # fmt: skip
    assert response.headers["Location"] == "/me/activities"
    assert "Your sign-up is cancelled." in client.get("/me/activities").get_data(as_text=True)


def test_reminders_the_day_before_are_sent_once(app, make_user):
    users = [make_user(login=f"remind{i}", locale="en") for i in range(3)]
    with app.app_context():
        tomorrow = local_today() + timedelta(days=1)
    _activity_id, (session_id, far) = make_activity(
        app, title="甲讲座", sessions=((30, 2), (200, 5))
    )
    with app.app_context():
        session = db.session.get(ActivitySession, session_id)
        noon = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 2, tzinfo=UTC)  # 10:00
        session.starts_at, session.ends_at = noon, noon + timedelta(hours=2)
        for user_id in users:  # two confirmed, one waiting
            sign_up(db.session.get(User, user_id), session)
        sign_up(db.session.get(User, users[0]), db.session.get(ActivitySession, far))
        db.session.commit()
    assert "learnhub.activities.reminders.remind_of_tomorrows_sessions" in schedule()
    reminders.remind_of_tomorrows_sessions.call_local()
    reminders.remind_of_tomorrows_sessions.call_local()  # run twice: nothing more
    with app.app_context():
        sent = db.session.execute(select(Message.recipient_id, Message.subject)).all()
    assert sorted(sent) == sorted((u, "Tomorrow: 甲讲座") for u in users[:2])


def test_a_places_page_lists_its_upcoming_activities(app, client):
    activity_id, (_session_id,) = make_activity(app, title="甲讲座")
    with app.app_context():
        place_id = db.session.get(Activity, activity_id).place_id
    page = client.get(f"/places/{place_id}").get_data(as_text=True)
    assert f'<a href="/activities/{activity_id}">甲讲座</a>' in page


def test_a_busy_day_in_the_month_shows_five_and_links_to_its_week(app, client):
    day = None
    ids = []
    for n in range(7):
        _activity, (session_id,) = make_activity(app, title=f"讲座{n}")
        ids.append(session_id)
    with app.app_context():
        day = local_today() + timedelta(days=3)
        for n, session_id in enumerate(ids):
            starts = datetime(day.year, day.month, day.day, 1 + n, tzinfo=UTC)  # 09:00 on
            session = db.session.get(ActivitySession, session_id)
            session.starts_at, session.ends_at = starts, starts + timedelta(minutes=30)
        db.session.commit()
    month = client.get(f"/activities?view=month&day={day.isoformat()}").get_data(as_text=True)
    assert sum(f"讲座{n}<" in month for n in range(7)) == 5
    assert "2 more this day" in month or "当天还有 2 场" in month
    week = client.get(f"/activities?view=week&day={day.isoformat()}").get_data(as_text=True)
    assert sum(f"讲座{n}<" in week for n in range(7)) == 7


def test_raising_a_full_sessions_capacity_moves_the_waiting_up_in_order(app, make_user):
    """fill_from_waiting_list, for the staff page that changes a session's capacity."""
    from learnhub.activities.signups import fill_from_waiting_list

    users = [make_user(login=f"queue{i}", locale="en") for i in range(4)]
    _activity, (session_id,) = make_activity(app, sessions=((48, 1),))
    with app.app_context():
        session = db.session.get(ActivitySession, session_id)
        for user_id in users:
            sign_up(db.session.get(User, user_id), session)
        db.session.commit()
        session.capacity = 3
        db.session.flush()
        moved = fill_from_waiting_list(session)
        db.session.commit()
        assert [s.user_id for s in moved] == users[1:3]
        assert session.taken == 3
        told = db.session.scalars(select(Message.recipient_id).order_by(Message.id)).all()
        assert told == users[1:3]
