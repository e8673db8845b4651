"""Signing up for activity sessions (报名), the waiting list, cancelling, and 代报名: every
rule through the real endpoints, and hundreds of parallel presses on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.activities.models import Activity, ActivitySession, ActivityStatus, SignUp
from learnhub.activities.models import SignUpStatus as S
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.models import Message
from tests.activity_steps import confirmed_count, make_activity, signups_of, taken
from tests.helpers import csrf_token_from, race, sign_in, submit


def press(client, activity_id: int, session_id: int, action: str = "sign-up"):
    """Open the activity's page and press its button, as a browser would."""
    return submit(client, f"/activities/sessions/{session_id}/{action}", {},
                  page=f"/activities/{activity_id}", follow_redirects=True)  # fmt: skip


def person(app, make_user, login: str, **fields):
    """A new signed-in person (their pages in English); returns (user id, their client)."""
    user_id = make_user(login=login, locale="en", **fields)
    client = app.test_client()
    sign_in(client, login)
    return user_id, client


@pytest.fixture
def learner(app, make_user, client):
    """A learner of 和平区, Shenyang, signed in on ``client``, reading English."""
    user_id = make_user(login="zhanglan", locale="en")
    sign_in(client, "zhanglan")
    return user_id


def test_a_free_place_is_confirmed_and_a_second_press_changes_nothing(app, client, learner):
    activity_id, (session_id,) = make_activity(app, sessions=((48, 2),))
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert "2 of 2 places free" in page and ">Sign up</button>" in page
    response = press(client, activity_id, session_id)
    assert "You are signed up" in response.get_data(as_text=True)
    assert signups_of(app, session_id) == [(learner, S.CONFIRMED)]
    assert taken(app, session_id) == 1
    again = press(client, activity_id, session_id)
    assert signups_of(app, session_id) == [(learner, S.CONFIRMED)]
    assert taken(app, session_id) == 1
    assert "You are already signed up for this session." in again.get_data(as_text=True)


def test_a_full_session_puts_people_on_the_waiting_list_in_order(app, make_user):
    activity_id, (session_id,) = make_activity(app, sessions=((48, 1),))
    people = [person(app, make_user, f"people{i}") for i in range(4)]
    for _user, client in people:
        press(client, activity_id, session_id)
    ids = [user for user, _client in people]
    assert signups_of(app, session_id) == [
        (ids[0], S.CONFIRMED), (ids[1], S.WAITING), (ids[2], S.WAITING), (ids[3], S.WAITING),
    ]  # fmt: skip
    page = people[2][1].get(f"/activities/{activity_id}").get_data(as_text=True)
    assert "You are number 2 on the waiting list." in page and "3 waiting" in page
    # The confirmed person cancels: the first waiting moves up and is told in their inbox.
    press(people[0][1], activity_id, session_id, "cancel")
    assert signups_of(app, session_id)[1:] == [
        (ids[1], S.CONFIRMED), (ids[2], S.WAITING), (ids[3], S.WAITING),
    ]  # fmt: skip
    assert taken(app, session_id) == 1
    with app.app_context():
        told = db.session.scalars(select(Message.recipient_id)).all()
        assert told == [ids[1]]
    # Someone waiting leaves: nobody moves, the order of the others stays.
    press(people[2][1], activity_id, session_id, "cancel")
    press(people[1][1], activity_id, session_id, "cancel")
    assert [s for s in signups_of(app, session_id) if s[1] is not S.CANCELLED] == [
        (ids[3], S.CONFIRMED)
    ]
    assert taken(app, session_id) == 1


def test_cancelling_with_nobody_waiting_frees_the_place(app, client, learner):
    activity_id, (session_id,) = make_activity(app, sessions=((48, 1),))
    press(client, activity_id, session_id)
    press(client, activity_id, session_id, "cancel")
    assert taken(app, session_id) == 0
    assert signups_of(app, session_id) == [(learner, S.CANCELLED)]
    # and they may sign up again (a cancelled sign-up is not live)
    press(client, activity_id, session_id)
    assert taken(app, session_id) == 1


def _refused(app, client, activity_id, session_id, message):
    before = signups_of(app, session_id), taken(app, session_id)
    response = press(client, activity_id, session_id)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (signups_of(app, session_id), taken(app, session_id)) == before


def test_refusals_change_nothing(app, client, learner):
    past_id, (past,) = make_activity(app, sessions=((-1, 5),))
    _refused(app, client, past_id, past, "already begun or is over")
    late_id, (late,) = make_activity(app, sessions=((48, 5),), deadline_in_hours=-1)
    _refused(app, client, late_id, late, "deadline of this activity has passed")
    open_id, (open_session,) = make_activity(app, sessions=((48, 5),), signup_required=False)
    _refused(app, client, open_id, open_session, "needs no sign-up")
    gone_id, (gone,) = make_activity(app, sessions=((48, 5),))
    page = client.get(f"/activities/{gone_id}").get_data(as_text=True)
    with app.app_context():
        db.session.get(ActivitySession, gone).cancelled_at = utcnow()
        db.session.commit()
    token = csrf_token_from(page)
    response = client.post(f"/activities/sessions/{gone}/sign-up", data={"csrf_token": token},
                           follow_redirects=True)  # fmt: skip
    assert "This session has been cancelled." in response.get_data(as_text=True)
    assert signups_of(app, gone) == []
    for status, message in ((ActivityStatus.CANCELLED, "activity has been cancelled"),
                            (ActivityStatus.FINISHED, "activity has finished")):  # fmt: skip
        activity_id, (session_id,) = make_activity(app, sessions=((48, 5),))
        page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
        with app.app_context():
            db.session.get(Activity, activity_id).status = status
            db.session.commit()
        response = client.post(f"/activities/sessions/{session_id}/sign-up",
                               data={"csrf_token": csrf_token_from(page)},
                               follow_redirects=True)  # fmt: skip
        assert message in response.get_data(as_text=True)
        assert signups_of(app, session_id) == []


def test_a_draft_is_not_found(app, client, learner):
    activity_id, (session_id,) = make_activity(app, status=ActivityStatus.DRAFT)
    assert client.get(f"/activities/{activity_id}").status_code == 404
    token = csrf_token_from(client.get("/me/activities").get_data(as_text=True))
    response = client.post(f"/activities/sessions/{session_id}/sign-up",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 404
    assert signups_of(app, session_id) == []


def test_a_full_waiting_list_is_refused(app, make_user):
    app.config["ACTIVITY_WAITING_LIST_LIMIT"] = 1
    activity_id, (session_id,) = make_activity(app, sessions=((48, 1),))
    people = [person(app, make_user, f"waiter{i}") for i in range(3)]
    for _user, client in people[:2]:
        press(client, activity_id, session_id)
    client = people[2][1]
    _refused(app, client, activity_id, session_id, "full and so is its waiting list")


def test_signing_up_needs_a_valid_csrf_token_and_a_signed_in_person(app, client, learner):
    _activity_id, (session_id,) = make_activity(app)
    assert client.post(f"/activities/sessions/{session_id}/sign-up").status_code == 400
    anonymous = app.test_client()
    response = anonymous.post(f"/activities/sessions/{session_id}/sign-up")
    assert response.status_code in (302, 400)
    assert signups_of(app, session_id) == []


# ---- hundreds at once ---------------------------------------------------------------------


@pytest.mark.slow
def test_hundreds_of_parallel_presses_keep_capacity_no_doubles_and_arrival_order(
    app_factory, make_user
):
    """150 people press 报名 at the same moment, 50 of them on two devices: 20 places, a
    waiting list of 100. Never over capacity, one live sign-up per person, every confirmed
    place given before anyone waited, and the waiting list moves up in order of arrival."""
    # 200 sign-ins from one address: the sign-in limits would stop them (tested elsewhere).
    app = app_factory(RATELIMIT_ENABLED=False, ACTIVITY_WAITING_LIST_LIMIT=100)
    try:
        _hundreds_press_then_ten_cancel(app, make_user)
    finally:
        with app.app_context():  # this second app's connections: closed, not left to the GC
            db.session.remove()
            db.engine.dispose()


def _hundreds_press_then_ten_cancel(app, make_user):
    activity_id, (session_id,) = make_activity(app, sessions=((48, 20),))
    clients, by_user = [], {}
    for i in range(150):
        user_id = make_user(login=f"resident{i:03d}", name=f"居民{i}")
        for _ in range(2 if i < 50 else 1):
            device = app.test_client()
            sign_in(device, f"resident{i:03d}")
            clients.append(device)
            by_user[user_id] = device
    tokens = [csrf_token_from(c.get(f"/activities/{activity_id}").get_data(as_text=True))
              for c in clients]  # fmt: skip
    responses = race([
        lambda c=c, t=t: c.post(f"/activities/sessions/{session_id}/sign-up",
                                data={"csrf_token": t})
        for c, t in zip(clients, tokens, strict=True)
    ])  # fmt: skip
    assert {r.status_code for r in responses} == {302}
    rows = signups_of(app, session_id)
    users = [user for user, _status in rows]
    assert len(users) == len(set(users)), "one person signed up twice"
    assert taken(app, session_id) == confirmed_count(app, session_id) == 20
    waiting = [user for user, status in rows if status is S.WAITING]
    assert len(waiting) == 100 and len(rows) == 120  # 30 refused: the waiting list was full
    with app.app_context():
        ids = db.session.execute(
            select(SignUp.id, SignUp.status).where(SignUp.session_id == session_id)
        ).all()
        assert max(i for i, s in ids if s is S.CONFIRMED) < min(i for i, s in ids if s is S.WAITING)
    # Ten confirmed people cancel at the same moment: the first ten waiting move up, in order.
    confirmed_users = [user for user, status in rows if status is S.CONFIRMED][:10]
    leaving = [c for u, c in by_user.items() if u in confirmed_users]
    assert len(leaving) == 10
    tokens = [csrf_token_from(c.get("/me/activities").get_data(as_text=True)) for c in leaving]
    race([
        lambda c=c, t=t: c.post(f"/activities/sessions/{session_id}/cancel",
                                data={"csrf_token": t})
        for c, t in zip(leaving, tokens, strict=True)
    ])  # fmt: skip
    after = dict(signups_of(app, session_id))
    assert [u for u in waiting[:10] if after[u] is S.CONFIRMED] == waiting[:10]
    assert all(after[u] is S.WAITING for u in waiting[10:])
    assert taken(app, session_id) == confirmed_count(app, session_id) == 20
