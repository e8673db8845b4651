"""Registration, sign-in, sign-out, remember me, password change."""

import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from learnhub.accounts.models import User
from learnhub.extensions import db
from tests.helpers import sign_in, submit

GOOD = {
    "login": "13812345678",
    "display_name": "李淑珍",
    "password": "correct horse battery",
    "confirm": "correct horse battery",
    "city": "210100",
    "district": "210102",
    "birth_year": "1956",
    "agree": "y",
}


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def get_user(app, **where) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(**where))
        db.session.expunge_all()
        return user


def test_register_with_mobile_signs_in_and_shows_account(client, app):
    response = submit(client, "/register", GOOD, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "欢迎您，李淑珍！账号已经注册好了。" in page
    assert "13812345678" in page  # "signed in as" on the account page
    user = get_user(app, mobile="13812345678")
    assert (user.city_code, user.district_code, user.birth_year) == ("210100", "210102", 1956)
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_register_forgives_full_width_digits_country_code_and_year_suffix(client, app):
    data = {**GOOD, "login": "+86 １３９ ８７６５ ４３２１", "birth_year": "１９５２年"}
    response = submit(client, "/register", data)
    assert response.status_code == 302
    user = get_user(app, mobile="13987654321")
    assert user.birth_year == 1952


def test_register_with_username_is_case_insensitive(client, app):
    assert submit(client, "/register", {**GOOD, "login": "Wang_Lan"}).status_code == 302
    other = app.test_client()
    response = submit(other, "/register", {**GOOD, "login": "wang_lan"})
    assert response.status_code == 400
    assert "这个手机号或用户名已经注册过了" in response.get_data(as_text=True)
    assert count_users(app) == 1


def test_duplicate_mobile_is_a_form_error_and_keeps_the_first_account(client, app, make_user):
    make_user(login="13812345678", name="第一个人")
    response = submit(client, "/register", GOOD)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "这个手机号或用户名已经注册过了" in page
    assert 'value="李淑珍"' in page  # what was typed is kept
    assert count_users(app) == 1
    assert get_user(app, mobile="13812345678").display_name == "第一个人"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"login": "12"}, "请填写 11 位手机号，或以字母开头的用户名。"),
        ({"login": ""}, "请填写手机号或用户名。"),
        ({"password": "short", "confirm": "short"}, "密码需要 8 到 128 个字符。"),
        ({"confirm": "something else"}, "两次填写的密码不一样。"),
        ({"district": "210202"}, "请选择您所在城市的区或县。"),  # a Dalian district
        ({"city": "999999"}, "请从列表中选择。"),
        ({"birth_year": "1850"}, "请填写 1900 年到今年之间的年份。"),
        ({"birth_year": "abc"}, "请填写数字，例如 1958。"),
        ({"birth_year": "9" * 400}, "请填写数字，例如 1958。"),  # found by the form fuzzer
        ({"display_name": "  "}, "请填写您的名字。"),
        ({"display_name": "\u200b\u200d\ufeff"}, "请填写您的名字。"),  # zero-width only
        ({"display_name": "\u202e\x00\x1b"}, "请填写您的名字。"),  # controls only
    ],
)
def test_bad_registration_is_refused_with_a_message_and_writes_nothing(
    client, app, change, message
):
    response = submit(client, "/register", {**GOOD, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert count_users(app) == 0


def test_registration_errors_are_tied_to_their_fields(client):
    page = submit(client, "/register", {**GOOD, "confirm": "nope nope"}).get_data(as_text=True)
    assert 'aria-describedby="confirm-error"' in page
    assert 'id="confirm-error"' in page
    assert 'href="#confirm"' in page  # the summary links to the field


def test_sign_in_with_mobile_or_username(client, make_user):
    make_user(login="13900001111")
    response = sign_in(client, "139 0000 1111")
    assert response.status_code == 302
    assert "13900001111" in client.get("/me/account").get_data(as_text=True)


def test_wrong_password_and_unknown_account_get_the_same_message(client, app, make_user):
    make_user(login="zhanglan")
    wrong = sign_in(client, "zhanglan", "not the password").get_data(as_text=True)
    unknown = sign_in(client, "nobody_here", "not the password").get_data(as_text=True)
    message = "手机号、用户名或密码不正确。"
    assert message in wrong and message in unknown
    assert client.get("/me/account").status_code == 302  # still signed out


def test_deactivated_account_cannot_sign_in(client, app, make_user):
    user_id = make_user(login="gone_user")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert sign_in(client, "gone_user").status_code == 400


def test_sign_out_needs_a_post_with_token(client, make_user):
    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    assert client.get("/logout").status_code == 405
    assert client.get("/me/account").status_code == 200
    submit(client, "/logout", {}, page="/me/account")
    assert client.get("/me/account").status_code == 302


def test_remember_me_keeps_the_user_signed_in_after_the_session_ends(client, app, make_user):
    make_user(login="zhanglan")
    submit(client, "/login", {"login": "zhanglan", "password": "correct horse battery",
                              "remember": "y"})  # fmt: skip
    remember = client.get_cookie("learnhub_remember")
    assert remember is not None and remember.http_only
    fresh = app.test_client()  # a new browser session with only the remember cookie
    fresh.set_cookie("learnhub_remember", remember.value)
    assert fresh.get("/me/account").status_code == 200


def test_without_remember_me_no_lasting_cookie(client, make_user):
    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    assert client.get_cookie("learnhub_remember") is None


def test_password_change_signs_out_other_devices(client, app, make_user):
    make_user(login="zhanglan")
    other_device = app.test_client()
    sign_in(client, "zhanglan")
    sign_in(other_device, "zhanglan")
    response = submit(
        client,
        "/me/password",
        {"current_password": "correct horse battery", "new_password": "new secret words",
         "confirm": "new secret words"},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get("/me/account").status_code == 200  # this device stays signed in
    assert other_device.get("/me/account").status_code == 302
    assert sign_in(app.test_client(), "zhanglan", "new secret words").status_code == 302
    assert sign_in(app.test_client(), "zhanglan").status_code == 400


def test_password_change_with_wrong_current_password_changes_nothing(client, app, make_user):
    user_id = make_user(login="zhanglan")
    with app.app_context():
        before = db.session.get(User, user_id).password_hash
    sign_in(client, "zhanglan")
    response = submit(
        client,
        "/me/password",
        {"current_password": "wrong wrong", "new_password": "new secret words",
         "confirm": "new secret words"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "当前密码不正确。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == before


def test_legacy_hash_is_upgraded_to_argon2id_on_sign_in(client, app, make_user):
    user_id = make_user(login="oldtimer")
    with app.app_context():
        db.session.get(User, user_id).password_hash = generate_password_hash(
            "correct horse battery", method="pbkdf2:sha256"
        )
        db.session.commit()
    assert sign_in(client, "oldtimer").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).password_hash.startswith("$argon2id$")


def test_weaker_argon2_parameters_are_upgraded_on_sign_in(client, app, make_user):
    user_id = make_user(login="oldtimer")
    app.config["PASSWORD_HASH_TIME_COST"] = 2
    sign_in(client, "oldtimer")
    with app.app_context():
        assert ",t=2," in db.session.get(User, user_id).password_hash


def test_profile_change_with_district_of_another_city_is_refused(client, app, make_user):
    user_id = make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    response = submit(client, "/me/account", {"display_name": "新名字", "city": "210100",
                                              "district": "210202", "birth_year": ""})  # fmt: skip
    assert response.status_code == 400
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.display_name, user.district_code) == ("测试学员", "210102")
    moved = {"display_name": "新名字", "city": "210200", "district": "210202", "birth_year": "1960"}
    response = submit(client, "/me/account", moved)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.display_name, user.city_code, user.birth_year) == ("新名字", "210200", 1960)


def test_database_refuses_a_district_outside_the_city(app, backend):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        db.session.add(User(username="direct", display_name="x", password_hash="x",
                            city_code="210100", district_code="210202"))  # fmt: skip
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user(login="zhanglan")
    response = submit(client, f"/login?next={target}",
                      {"login": "zhanglan", "password": "correct horse battery"})  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/account"


def test_sign_in_returns_to_the_page_asked_for(client, make_user):
    make_user(login="zhanglan")
    response = client.get("/me/password")
    assert response.status_code == 302 and "next=%2Fme%2Fpassword" in response.headers["Location"]
    response = submit(client, "/login?next=/me/password",
                      {"login": "zhanglan", "password": "correct horse battery"})  # fmt: skip
    assert response.headers["Location"] == "/me/password"


def test_account_page_shows_the_learners_own_city_and_district_chosen(client, app, make_user):
    make_user("dalian_wang", city="210200", district="210202")
    sign_in(client, "dalian_wang")
    page = client.get("/me/account").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>", page)
    selected = [re.search(r'value="(\d*)"', o).group(1) for o in options if "selected" in o]
    assert selected == ["210200", "210202"]  # 大连市, 中山区


def test_register_error_summary_lists_problems_in_the_order_of_the_form(client):
    response = submit(client, "/register", {**GOOD, "login": "", "district": "", "birth_year": "x"})
    summary = response.get_data(as_text=True).split('id="error-summary"')[1].split("</ul>")[0]
    links = re.findall(r'href="#([a-z_]+)"', summary)
    assert links == ["login", "district", "birth_year"]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\u202e英秀王", "英秀王"),  # a right-to-left override would show the name reversed
        ("王\x00秀英", "王秀英"),  # NUL: PostgreSQL cannot store it
        ("王\u200b秀\u2066英\u2069", "王秀英"),
        ("王秀英\n\t", "王秀英"),  # a name is one line
    ],
)
def test_names_are_kept_without_invisible_or_control_characters(client, app, typed, kept):
    response = submit(client, "/register", {**GOOD, "display_name": typed})
    assert response.status_code == 302
    assert get_user(app, mobile=GOOD["login"]).display_name == kept
