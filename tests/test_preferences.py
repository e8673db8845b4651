"""Display mode switch: saved for visitors in a cookie and for learners on the account."""

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db
from tests.helpers import sign_in, submit


def is_elder(page: str) -> bool:
    return '<html lang="zh-CN" class="mode-elder">' in page


def test_visitor_turns_elder_mode_on_and_off(client):
    page = client.get("/").get_data(as_text=True)
    assert not is_elder(page) and 'aria-pressed="false"' in page
    submit(client, "/preferences/elder-mode", {"elder_mode": "on", "next": "/login"}, page="/")
    page = client.get("/login").get_data(as_text=True)
    assert is_elder(page) and 'aria-pressed="true"' in page
    submit(client, "/preferences/elder-mode", {"elder_mode": "off"}, page="/")
    assert not is_elder(client.get("/").get_data(as_text=True))


def test_elder_mode_is_kept_on_the_account_across_devices(client, app, make_user):
    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    submit(client, "/preferences/elder-mode", {"elder_mode": "on"}, page="/")
    with app.app_context():
        stored = db.session.scalar(select(User.elder_mode).where(User.username == "zhanglan"))
        assert stored is True
    other_device = app.test_client()
    sign_in(other_device, "zhanglan")
    assert is_elder(other_device.get("/me/account").get_data(as_text=True))


def test_a_visitor_in_elder_mode_registers_with_elder_mode_on(client, app):
    submit(client, "/preferences/elder-mode", {"elder_mode": "on"}, page="/")
    submit(client, "/register", {"login": "laoren", "display_name": "老人",
                                 "password": "correct horse battery",
                                 "confirm": "correct horse battery",
                                 "city": "210100", "district": "210102"})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(User.elder_mode).where(User.username == "laoren"))


def test_switching_returns_to_the_same_page_but_never_off_site(client):
    response = submit(client, "/preferences/elder-mode",
                      {"elder_mode": "on", "next": "https://evil.example/"}, page="/")  # fmt: skip
    assert response.headers["Location"] == "/"
    response = submit(client, "/preferences/elder-mode",
                      {"elder_mode": "on", "next": "/help?x=1"}, page="/")  # fmt: skip
    assert response.headers["Location"] == "/help?x=1"
