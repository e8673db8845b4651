"""New passwords: long enough, not the person's own name or number, not easy to guess."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.extensions import db
from tests.helpers import sign_in, submit


def register(client, password: str, login: str = "wang_lan", name: str = "王兰"):
    return submit(client, "/register", {
        "login": login, "display_name": name, "password": password, "confirm": password,
        "city": "210100", "district": "210102", "agree": "y",
    })  # fmt: skip


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "最常见的密码"),
        ("12345678", "最常见的密码"),
        ("woaini1314", "最常见的密码"),  # common in China, not in English lists
        ("88888888", "最常见的密码"),
        ("qwertyuiop", "最常见的密码"),
        ("wang_lan2024", "不能包含您的用户名"),
        ("short", "8 到 128 个字符"),
    ],
)
def test_registration_refuses_weak_passwords_and_says_why(app, client, password, reason):
    response = register(client, password)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert reason in page
    assert "三四个自己记得住的词" in page or "个字符" in page or "用户名" in page
    assert users(app) == 0


def test_a_mobile_number_cannot_be_its_own_password(app, client):
    response = register(client, "13812345678", login="13812345678")
    assert response.status_code == 400 and "手机号" in response.get_data(as_text=True)
    assert users(app) == 0


@pytest.mark.parametrize(
    "password", ["correct horse battery", "青山绿水常在2024", "Lan-lives-in-Heping"]
)
def test_memorable_strong_passwords_are_accepted(app, client, password):
    assert register(client, password).status_code == 302
    assert users(app) == 1


def test_a_new_password_is_held_to_the_same_rules(app, client, make_user):
    make_user()
    sign_in(client, "learner1")
    response = submit(client, "/me/password", {
        "current_password": "correct horse battery", "new_password": "learner1learner1",
        "confirm": "learner1learner1",
    })  # fmt: skip
    assert response.status_code == 400
    assert "不能包含您的用户名" in response.get_data(as_text=True)
