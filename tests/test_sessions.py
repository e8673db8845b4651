"""Sessions the server can end: sign-out, other devices, password changes, timeouts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from learnhub.accounts.models import DeviceSession, EndReason, User
from learnhub.database import utcnow
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in, submit

SESSION_COOKIE, REMEMBER_COOKIE = "learnhub_session", "learnhub_remember"
PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) 华为手机浏览器"}


def signed_in(client) -> bool:
    return client.get("/me/account").status_code == 200


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def client_with(app, **cookies):
    """Another browser that holds copies of these cookies (a stolen or leftover copy)."""
    other = app.test_client()
    for name, value in cookies.items():
        if value:
            other.set_cookie(name, value)
    return other


def sign_in_remembered(client, login: str = "learner1", **headers):
    return submit(
        client, "/login",
        {"login": login, "password": "correct horse battery", "remember": "y"},
        headers=headers,
    )  # fmt: skip


def sign_out(client):
    token = csrf_token_from(client.get("/me/account").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def test_a_session_cookie_copied_before_sign_out_opens_nothing_after(app, client, make_user):
    make_user()
    sign_in(client, "learner1")
    copied = cookie(client, SESSION_COOKIE)
    assert signed_in(client_with(app, learnhub_session=copied))  # the copy works... for now
    sign_out(client)
    assert not signed_in(client)
    assert not signed_in(client_with(app, learnhub_session=copied))


def test_keep_me_signed_in_survives_the_browser_but_not_sign_out(app, client, make_user):
    make_user()
    sign_in_remembered(client)
    remembered = cookie(client, REMEMBER_COOKIE)
    assert remembered
    assert signed_in(client_with(app, learnhub_remember=remembered))  # browser closed, reopened
    sign_out(client)
    assert not signed_in(client_with(app, learnhub_remember=remembered))


def test_signing_in_starts_a_new_session_whatever_cookie_came_before(app, client, make_user):
    make_user()
    client.get("/login")
    before = cookie(client, SESSION_COOKIE)
    sign_in(client, "learner1")
    assert cookie(client, SESSION_COOKIE) != before
    assert not signed_in(client_with(app, learnhub_session=before))  # a planted cookie stays out


def test_the_account_page_lists_devices_and_signs_out_another(app, make_user):
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "learner1")
    sign_in_remembered(phone, **PHONE)
    page = laptop.get("/me/account").get_data(as_text=True)
    assert "华为手机浏览器" in page and "本设备" in page
    with app.app_context():
        phone_session = db.session.scalar(
            select(DeviceSession.id).where(DeviceSession.device.contains("华为"))
        )
    response = submit(laptop, f"/me/devices/{phone_session}/end", {}, page="/me/account")
    assert response.status_code == 302
    assert not signed_in(phone) and signed_in(laptop)


def test_nobody_can_sign_out_someone_elses_device(app, make_user):
    make_user()
    make_user("learner2")
    mine, theirs = app.test_client(), app.test_client()
    sign_in(mine, "learner1")
    sign_in(theirs, "learner2")
    with app.app_context():
        their_session = db.session.scalar(
            select(DeviceSession.id).join(User).where(User.username == "learner2")
        )
    response = submit(mine, f"/me/devices/{their_session}/end", {}, page="/me/account")
    assert response.status_code == 404
    assert signed_in(theirs)


def test_sign_out_everywhere_ends_every_device_this_one_too(app, make_user):
    make_user()
    devices = [app.test_client() for _ in range(3)]
    for device in devices:
        sign_in_remembered(device)
    remembered = cookie(devices[1], REMEMBER_COOKIE)
    response = submit(devices[0], "/me/devices/end-all", {}, page="/me/account")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not any(signed_in(device) for device in devices)
    assert not signed_in(client_with(app, learnhub_remember=remembered))


def test_changing_the_password_signs_out_the_other_devices_only(app, make_user):
    make_user()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "learner1")
    sign_in_remembered(elsewhere)
    response = submit(here, "/me/password", {
        "current_password": "correct horse battery",
        "new_password": "a much longer passphrase", "confirm": "a much longer passphrase",
    })  # fmt: skip
    assert response.status_code == 302
    assert signed_in(here) and not signed_in(elsewhere)
    with app.app_context():
        reasons = db.session.scalars(
            select(DeviceSession.end_reason).where(DeviceSession.ended_at.is_not(None))
        ).all()
    assert reasons == [EndReason.PASSWORD_CHANGED]


def _age_sessions(app, **ago) -> None:
    with app.app_context():
        db.session.execute(update(DeviceSession).values(last_seen_at=utcnow() - timedelta(**ago)))
        db.session.commit()


def test_a_session_left_idle_ends_but_keep_me_signed_in_lasts(app, make_user):
    make_user()
    plain, kept = app.test_client(), app.test_client()
    sign_in(plain, "learner1")
    sign_in_remembered(kept)
    _age_sessions(app, minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert not signed_in(plain)
    assert signed_in(kept)
    _age_sessions(app, days=31)
    assert not signed_in(kept)
    with app.app_context():
        assert set(db.session.scalars(select(DeviceSession.end_reason))) == {EndReason.EXPIRED}


def test_an_active_session_is_kept_alive_by_its_use(app, client, make_user):
    make_user()
    sign_in(client, "learner1")
    _age_sessions(app, minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    assert signed_in(client)  # used in time: its last activity moves on
    _age_sessions(app, minutes=2)
    assert signed_in(client)


def test_a_disabled_account_is_signed_out_at_once(app, client, make_user):
    user_id = make_user()
    sign_in(client, "learner1")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert not signed_in(client)
