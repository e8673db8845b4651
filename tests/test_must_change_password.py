"""Accounts opened for someone: the person chooses their own password before anything else."""

from __future__ import annotations

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in, submit

OPENED = "login,name,city,district,password\nzhang_wei,张伟,210100,210103,secret password 1\n"


def _open_one(runner, tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text(OPENED, encoding="utf-8")
    # Agreed to the privacy notice on paper, so only the password is asked first here
    # (an opening without it asks for consent next: tests/test_privacy_consent.py).
    version = runner.app.config["PRIVACY_NOTICE_VERSION"]
    result = runner.invoke(args=["ledger", "open-accounts", "--notice-agreed", version, str(path)])
    assert result.exit_code == 0, result.output


def _flag(app, username: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(User.must_change_password).where(User.username == username))


def test_a_bulk_opened_account_must_choose_a_password_first(app, client, runner, tmp_path):
    _open_one(runner, tmp_path)
    assert _flag(app, "zhang_wei")
    response = sign_in(client, "zhang_wei", "secret password 1")
    assert response.status_code == 302
    for page in ("/me/account", "/me", "/me/credits", "/"):
        answer = client.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/me/password")
    client.set_cookie("learnhub_locale", "en")
    page = client.get("/me/password").get_data(as_text=True)
    assert "Choose your own password now" in page


def test_choosing_a_password_opens_the_site_again(app, client, runner, tmp_path):
    _open_one(runner, tmp_path)
    sign_in(client, "zhang_wei", "secret password 1")
    response = submit(client, "/me/password", {
        "current_password": "secret password 1", "new_password": "my own quiet garden 7",
        "confirm": "my own quiet garden 7",
    })  # fmt: skip
    assert response.status_code == 302
    assert not _flag(app, "zhang_wei")
    assert client.get("/me/account").status_code == 200


def test_a_refused_new_password_keeps_the_person_on_the_page(app, client, runner, tmp_path):
    _open_one(runner, tmp_path)
    sign_in(client, "zhang_wei", "secret password 1")
    response = submit(client, "/me/password", {
        "current_password": "secret password 1", "new_password": "12345678",
        "confirm": "12345678",
    })  # fmt: skip
    assert response.status_code == 400
    assert _flag(app, "zhang_wei")
    assert client.get("/me/account").status_code == 302


def test_signing_out_still_works_while_a_password_must_be_chosen(app, client, runner, tmp_path):
    _open_one(runner, tmp_path)
    sign_in(client, "zhang_wei", "secret password 1")
    token = csrf_token_from(client.get("/me/password").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and not response.headers["Location"].endswith("/me/password")
    assert client.get("/me/account").headers["Location"].startswith("/login")


def test_people_who_registered_themselves_are_not_asked(app, client, make_user):
    make_user()
    sign_in(client, "learner1")
    assert client.get("/me/account").status_code == 200
