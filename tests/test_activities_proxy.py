"""代报名: staff sign a resident up at their request, recorded as such; staff of another
city or district (than the resident's or the activity's) are refused, and nobody signs
their own account up this way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.accounts.models import Role
from learnhub.activities.models import SignUp, SignUpStatus
from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.extensions import db
from tests.activity_steps import make_activity, signups_of
from tests.helpers import csrf_token_from, sign_in

STAFF = {
    "heping": {"role": Role.COUNTY_STAFF, "managed": "210102"},
    "shenhe": {"role": Role.COUNTY_STAFF, "managed": "210103", "district": "210103"},
    "shenyang": {"role": Role.CITY_STAFF, "managed": "210100"},
    "dalian": {"role": Role.CITY_STAFF, "managed": "210200", "city": "210200",
               "district": "210202"},
}  # fmt: skip


@pytest.fixture
def people(app, make_user):
    """The resident (of 和平区, Shenyang, mobile 13800001111) and the staff, by login."""
    ids = {"resident": make_user(login="13800001111", name="王大爷")}
    for login, fields in STAFF.items():
        ids[login] = make_user(login=login, locale="en", name=f"{login}人", **fields)
    return ids


def staff_client(app, login: str):
    client = app.test_client()
    sign_in(client, login)
    return client


def find(client, activity_id: int, text: str):
    return client.get(f"/staff/activities/{activity_id}/sign-up-for", query_string={"q": text})


def sign_up_for(client, activity_id: int, person_id: int, session_id: int):
    page = client.get(f"/staff/activities/{activity_id}/sign-up-for").get_data(as_text=True)
    return client.post(
        f"/staff/activities/{activity_id}/sign-up-for",
        data={"csrf_token": csrf_token_from(page), "person": person_id, "session": session_id},
    )


def audit(app):
    with app.app_context():
        return [
            (e.action, e.actor_id, e.subject_id, e.refused)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_county_staff_sign_up_a_resident_of_their_district(app, people):
    activity_id, (session_id,) = make_activity(app, sessions=((48, 1),))
    client = staff_client(app, "heping")
    found = find(client, activity_id, "138 0000 1111")
    assert found.status_code == 200 and "王大爷" in found.get_data(as_text=True)
    assert "138****1111" in found.get_data(as_text=True)
    response = sign_up_for(client, activity_id, people["resident"], session_id)
    assert response.status_code == 302
    assert "王大爷 has a confirmed place." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        signup = db.session.scalar(select(SignUp))
        assert (signup.user_id, signup.status, signup.signed_up_by_id) == (
            people["resident"], SignUpStatus.CONFIRMED, people["heping"],
        )  # fmt: skip
    assert audit(app) == [
        (AuditAction.ACTIVITY_SIGNED_UP_FOR, people["heping"], people["resident"], False)
    ]
    # Twice: refused, recorded, nothing changed.
    again = sign_up_for(client, activity_id, people["resident"], session_id)
    assert again.status_code == 400
    assert "already signed up" in again.get_data(as_text=True)
    assert signups_of(app, session_id) == [(people["resident"], SignUpStatus.CONFIRMED)]
    assert audit(app)[-1][-1] is True


def test_a_full_session_puts_the_resident_on_the_waiting_list(app, people, make_user):
    activity_id, (session_id,) = make_activity(app, sessions=((48, 1),))
    other = make_user(login="lidama", name="李大妈")
    client = staff_client(app, "shenyang")
    sign_up_for(client, activity_id, other, session_id)
    response = sign_up_for(client, activity_id, people["resident"], session_id)
    assert response.status_code == 302
    assert signups_of(app, session_id) == [
        (other, SignUpStatus.CONFIRMED), (people["resident"], SignUpStatus.WAITING),
    ]  # fmt: skip


def test_staff_of_another_city_or_district_cannot_find_or_sign_up_the_resident(app, people):
    activity_id, (session_id,) = make_activity(app)
    for login in ("dalian", "shenhe"):
        client = staff_client(app, login)
        found = find(client, activity_id, "13800001111")
        assert found.status_code == 400
        assert "No resident of your region found" in found.get_data(as_text=True)
        assert sign_up_for(client, activity_id, people["resident"], session_id).status_code == 404
    assert signups_of(app, session_id) == []


def test_staff_cannot_sign_up_for_another_citys_activity_nor_themselves(app, people):
    dalian_activity, (dalian_session,) = make_activity(
        app, city="210200", district=None, place_city="210200", place_district="210202"
    )
    client = staff_client(app, "shenyang")
    response = sign_up_for(client, dalian_activity, people["resident"], dalian_session)
    assert response.status_code == 403
    assert "run by another centre" in response.get_data(as_text=True)
    activity_id, (session_id,) = make_activity(app)
    own = sign_up_for(client, activity_id, people["shenyang"], session_id)
    assert own.status_code == 403 and "your own account" in own.get_data(as_text=True)
    assert signups_of(app, dalian_session) == [] and signups_of(app, session_id) == []
    assert [(a, refused) for a, _actor, _subject, refused in audit(app)] == [
        (AuditAction.ACTIVITY_SIGNED_UP_FOR, True), (AuditAction.ACTIVITY_SIGNED_UP_FOR, True),
    ]  # fmt: skip


def test_a_province_activity_is_open_to_every_centre(app, people):
    activity_id, (session_id,) = make_activity(app, city=None, district=None)
    client = staff_client(app, "heping")
    assert sign_up_for(client, activity_id, people["resident"], session_id).status_code == 302
    assert signups_of(app, session_id) == [(people["resident"], SignUpStatus.CONFIRMED)]


def test_learners_cannot_open_the_page(app, people, make_user):
    activity_id, _sessions = make_activity(app)
    make_user(login="learner9")
    client = staff_client(app, "learner9")
    assert client.get(f"/staff/activities/{activity_id}/sign-up-for").status_code == 403
