"""An activity's life: draft → published → cancelled or finished, each move exactly once,
and the people signed up told of a cancellation or a change, exactly once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.activities.lifecycle import finish_ended_activities
from learnhub.activities.lifecycle_jobs import finish_ended_activities_job
from learnhub.activities.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    SignUp,
    SignUpStatus,
)
from learnhub.activities.signals import activity_cancelled, activity_published
from learnhub.audit import AuditAction, AuditEntry
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import Message
from tests.activity_staff_steps import (
    activity_fields,
    add_session,
    count,
    get_activity,
    local,
    make_staff,
    new_activity_id,
    session_ids,
    sign_in_en,
    sign_up,
)
from tests.helpers import csrf_token_from, submit


@pytest.fixture
def staff(app, make_user):
    return make_staff(app, make_user)


def published_activity(client, app, staff, sessions=1) -> int:
    if client.get_cookie("learnhub_session") is None:
        sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    for day in range(sessions):
        assert (
            add_session(client, activity_id, local(3 + day, 14), local(3 + day, 16)).status_code
            == 302
        )
    page = f"/staff/activities/{activity_id}"
    assert submit(client, f"{page}/publish", {}, page=page).status_code == 302
    return activity_id


def press(client, url, page, **data):
    return submit(client, url, data, page=page)


def test_publishing_needs_a_session_in_the_future(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    page = f"/staff/activities/{activity_id}"
    refused = press(client, f"{page}/publish", page)
    assert refused.status_code == 400
    assert "Add a session that starts in the future before publishing." in refused.get_data(
        as_text=True
    )
    assert get_activity(app, activity_id).status is ActivityStatus.DRAFT
    with app.app_context():  # a session that already began does not count
        activity = db.session.get(Activity, activity_id)
        activity.sessions.append(ActivitySession(
            starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(hours=1),
            capacity=5))  # fmt: skip
        db.session.commit()
    assert press(client, f"{page}/publish", page).status_code == 400
    add_session(client, activity_id)
    published = press(client, f"{page}/publish", page)
    assert published.status_code == 302
    activity = get_activity(app, activity_id)
    assert activity.status is ActivityStatus.PUBLISHED and activity.published_at is not None
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.details_json).where(
            AuditEntry.action == AuditAction.ACTIVITY_STATUS_CHANGED))  # fmt: skip
        assert ['"published"' in a for a in actions] == [True]


def test_publish_sends_the_signal_the_search_listens_to(client, app, staff):
    heard = []
    on_publish = lambda a: heard.append(("published", a.id))  # noqa: E731
    on_cancel = lambda a: heard.append(("cancelled", a.id))  # noqa: E731
    with activity_published.connected_to(on_publish), activity_cancelled.connected_to(on_cancel):
        activity_id = published_activity(client, app, staff)
        page = f"/staff/activities/{activity_id}/cancel"
        press(client, page, page, reason="场地维修")
    assert heard == [("published", activity_id), ("cancelled", activity_id)]


def test_cancelling_cancels_every_sign_up_and_tells_each_person_once(client, app, staff):
    activity_id = published_activity(client, app, staff, sessions=2)
    first, second = session_ids(app, activity_id)
    sign_up(app, first, staff["learner_a"])
    sign_up(app, second, staff["learner_a"])  # one person, two sessions: one message
    sign_up(app, first, staff["learner_b"], SignUpStatus.WAITING)
    with app.app_context():  # an earlier cancelled sign-up is not told again
        db.session.add(SignUp(session_id=second, user_id=staff["learner_c"],
                              status=SignUpStatus.CANCELLED))  # fmt: skip
        db.session.commit()
    page = f"/staff/activities/{activity_id}/cancel"
    empty = press(client, page, page, reason="  ")
    assert empty.status_code == 400 and "Say why the activity is cancelled" in empty.get_data(
        as_text=True
    )
    assert get_activity(app, activity_id).status is ActivityStatus.PUBLISHED
    done = press(client, page, page, reason="场地维修")
    assert done.status_code == 302
    again = press(client, page, page, reason="场地维修")
    assert again.status_code == 400
    assert "Someone has just changed this activity" in again.get_data(as_text=True)
    activity = get_activity(app, activity_id)
    assert activity.status is ActivityStatus.CANCELLED and activity.cancel_reason == "场地维修"
    with app.app_context():
        messages = db.session.scalars(select(Message).order_by(Message.recipient_id)).all()
        assert [m.recipient_id for m in messages] == sorted(
            [staff["learner_a"], staff["learner_b"]]
        )
        assert all("场地维修" in m.body and m.topic == f"activity:{activity_id}" for m in messages)
        assert all(m.link == f"/activities/{activity_id}" for m in messages)
        live = db.session.scalar(select(SignUp.id).where(SignUp.status != SignUpStatus.CANCELLED))
        assert live is None
        assert [s.taken for s in db.session.scalars(select(ActivitySession))] == [0, 0]


def test_cancel_pressed_by_two_staff_at_once_tells_everyone_once(client, app, staff):
    activity_id = published_activity(client, app, staff)
    (session_id,) = session_ids(app, activity_id)
    for learner in ("learner_a", "learner_b", "learner_c"):
        sign_up(app, session_id, staff[learner])
    presses = []
    for login in ("heping", "sy_staff"):
        twin = app.test_client()
        sign_in_en(twin, login)
        page = f"/staff/activities/{activity_id}/cancel"
        token = csrf_token_from(twin.get(page).get_data(as_text=True))
        presses.append((twin, page, token))
    start = threading.Barrier(2)
    statuses = []

    def cancel(twin, page, token):
        start.wait()
        statuses.append(
            twin.post(page, data={"csrf_token": token, "reason": "天气原因"}).status_code
        )

    threads = [threading.Thread(target=cancel, args=press_) for press_ in presses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400]
    assert count(app, Message) == 3
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry.details_json).where(
            AuditEntry.action == AuditAction.ACTIVITY_STATUS_CHANGED))  # fmt: skip
        assert sum('"cancelled"' in e for e in entries) == 1


def test_publish_pressed_twice_at_once_publishes_once(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    add_session(client, activity_id)
    page = f"/staff/activities/{activity_id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    cookie = client.get_cookie("learnhub_session").value
    start = threading.Barrier(2)
    statuses = []

    def publish():
        twin = app.test_client()
        twin.set_cookie("learnhub_session", cookie)
        start.wait()
        statuses.append(twin.post(f"{page}/publish", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry.details_json).where(
            AuditEntry.action == AuditAction.ACTIVITY_STATUS_CHANGED))  # fmt: skip
        assert sum('"published"' in e for e in entries) == 1


def test_a_cancelled_or_finished_activity_is_not_edited(client, app, staff):
    activity_id = published_activity(client, app, staff)
    page = f"/staff/activities/{activity_id}/cancel"
    press(client, page, page, reason="场地维修")
    edit = submit(
        client, f"/staff/activities/{activity_id}/edit", activity_fields(staff, title="新标题")
    )
    assert edit.status_code == 400
    assert "can no longer be changed" in edit.get_data(as_text=True)
    assert get_activity(app, activity_id).title == "社区大讲堂：健康养生"
    more = submit(client, f"/staff/activities/{activity_id}/sessions/new",
                  {"starts_at": local(9, 9), "ends_at": local(9, 10), "capacity": "9"})  # fmt: skip
    assert more.status_code == 400
    assert count(app, ActivitySession) == 1


def test_changing_a_session_time_tells_those_signed_up_once(client, app, staff):
    activity_id = published_activity(client, app, staff, sessions=2)
    first, second = session_ids(app, activity_id)
    sign_up(app, first, staff["learner_a"])
    sign_up(app, first, staff["learner_b"], SignUpStatus.WAITING)
    sign_up(app, second, staff["learner_c"])
    url = f"/staff/activities/sessions/{first}/edit"
    moved = {"starts_at": local(3, 15), "ends_at": local(3, 17), "capacity": "30"}
    assert submit(client, url, moved).status_code == 302
    assert submit(client, url, moved).status_code == 302  # the same change again: no new message
    with app.app_context():
        told = sorted(db.session.scalars(select(Message.recipient_id)))
        assert told == sorted([staff["learner_a"], staff["learner_b"]])
        assert "15:00" in db.session.scalar(select(Message.body).limit(1))
    capacity_only = {**moved, "capacity": "40"}
    assert submit(client, url, capacity_only).status_code == 302
    assert count(app, Message) == 2


def test_changing_the_place_tells_everyone_signed_up(client, app, staff):
    activity_id = published_activity(client, app, staff)
    (session_id,) = session_ids(app, activity_id)
    sign_up(app, session_id, staff["learner_a"])
    client = app.test_client()
    sign_in_en(client, "sy_staff")
    fields = activity_fields(staff, region="210103", place=staff["shenhe_place"])
    assert submit(client, f"/staff/activities/{activity_id}/edit", fields).status_code == 302
    with app.app_context():
        message = db.session.scalar(select(Message))
        assert message.recipient_id == staff["learner_a"] and "shenhe_place" in message.body


def test_cancelling_a_session_cancels_its_sign_ups_and_tells_them(client, app, staff):
    activity_id = published_activity(client, app, staff, sessions=2)
    first, second = session_ids(app, activity_id)
    sign_up(app, first, staff["learner_a"])
    sign_up(app, second, staff["learner_b"])
    page = f"/staff/activities/{activity_id}"
    assert press(client, f"/staff/activities/sessions/{first}/cancel", page).status_code == 302
    assert press(client, f"/staff/activities/sessions/{first}/cancel", page).status_code == 400
    last = press(client, f"/staff/activities/sessions/{second}/cancel", page)
    assert last.status_code == 400 and "cancel the activity instead" in last.get_data(as_text=True)
    with app.app_context():
        assert list(db.session.scalars(select(Message.recipient_id))) == [staff["learner_a"]]
        statuses = dict(db.session.execute(select(SignUp.user_id, SignUp.status)).all())
        assert statuses == {staff["learner_a"]: SignUpStatus.CANCELLED,
                            staff["learner_b"]: SignUpStatus.CONFIRMED}  # fmt: skip


def test_finish_by_hand_and_by_the_periodic_job(client, app, staff):
    early = published_activity(client, app, staff)
    page = f"/staff/activities/{early}"
    refused = press(client, f"{page}/finish", page)
    assert refused.status_code == 400 and "No session has begun yet" in refused.get_data(
        as_text=True
    )
    with app.app_context():  # time passes: the session is over
        session = db.session.scalar(
            select(ActivitySession).where(ActivitySession.activity_id == early)
        )
        session.starts_at = utcnow() - timedelta(hours=3)
        session.ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        still_running = db.session.get(Activity, published_activity(client, app, staff))
        running_id = still_running.id
    finish_ended_activities_job.call_local()
    assert get_activity(app, early).status is ActivityStatus.FINISHED
    assert get_activity(app, running_id).status is ActivityStatus.PUBLISHED
    with app.app_context():
        assert finish_ended_activities() == 0  # nothing finished twice
    hand = published_activity(client, app, staff)
    with app.app_context():
        session = db.session.scalar(
            select(ActivitySession).where(ActivitySession.activity_id == hand)
        )
        session.starts_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
    page = f"/staff/activities/{hand}"
    assert press(client, f"{page}/finish", page).status_code == 302
    assert get_activity(app, hand).status is ActivityStatus.FINISHED
    assert press(client, f"{page}/finish", page).status_code == 400
