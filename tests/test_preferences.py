"""Display preferences (elder mode, text size) and the parts of the base layout showing them."""

import re
import time

import flask
import flask_babel
from sqlalchemy import select

from learnhub import ui
from learnhub.accounts.models import User
from learnhub.extensions import db
from learnhub.i18n import LOCALE_COOKIE
from tests.helpers import csrf_token_from, sign_in, submit


def is_elder(page: str) -> bool:
    return '<html lang="zh-CN" class="mode-elder">' in page


def html_classes(page: str) -> set[str]:
    return set(re.search(r'<html lang="[^"]+" class="([^"]*)"', page).group(1).split())


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
                                 "city": "210100", "district": "210102",
                                 "agree": "y"})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(User.elder_mode).where(User.username == "laoren"))


def test_switching_returns_to_the_same_page_but_never_off_site(client):
    response = submit(client, "/preferences/elder-mode",
                      {"elder_mode": "on", "next": "https://evil.example/"}, page="/")  # fmt: skip
    assert response.headers["Location"] == "/"
    response = submit(client, "/preferences/elder-mode",
                      {"elder_mode": "on", "next": "/help?x=1"}, page="/")  # fmt: skip
    assert response.headers["Location"] == "/help?x=1"


def pressed_text_size(page: str) -> str:
    """Which of the A−/A+ buttons shows as pressed."""
    buttons = re.findall(r'<button[^>]*name="text_size"[^>]*>', page)
    return "".join(
        re.search(r'value="(\w+)"', b).group(1) for b in buttons if 'pressed="true"' in b
    )


def test_a_visitor_who_turned_elder_mode_on_keeps_it_after_signing_in(client, app, make_user):
    make_user(login="zhanglan")  # the account has elder mode off
    submit(client, "/preferences/elder-mode", {"elder_mode": "on"}, page="/")
    sign_in(client, "zhanglan")
    assert "mode-elder" in html_classes(client.get("/me/account").get_data(as_text=True))
    # Turning it off while signed in turns it off for the account and this device.
    submit(client, "/preferences/elder-mode", {"elder_mode": "off"}, page="/")
    assert "mode-normal" in html_classes(client.get("/me/account").get_data(as_text=True))
    with app.app_context():
        assert not db.session.scalar(select(User.elder_mode).where(User.username == "zhanglan"))


def test_larger_text_is_chosen_with_a_plus_and_undone_with_a_minus(client):
    page = client.get("/help").get_data(as_text=True)
    assert html_classes(page) == {"mode-normal"}
    assert pressed_text_size(page) == "standard"
    response = submit(client, "/preferences/text-size", {"text_size": "large", "next": "/help"},
                      page="/help")  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/help"
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/help").get_data(as_text=True)
    assert (
        html_classes(page) == {"mode-normal", "text-large"} and pressed_text_size(page) == "large"
    )
    submit(client, "/preferences/elder-mode", {"elder_mode": "on"}, page="/")
    assert html_classes(client.get("/").get_data(as_text=True)) == {"mode-elder", "text-large"}
    submit(client, "/preferences/text-size", {"text_size": "standard"}, page="/")
    assert html_classes(client.get("/").get_data(as_text=True)) == {"mode-elder"}


def test_text_size_ignores_unknown_sizes_forged_posts_and_foreign_next(client):
    submit(client, "/preferences/text-size", {"text_size": "huge"}, page="/")
    assert "text-large" not in html_classes(client.get("/").get_data(as_text=True))
    forged = client.post("/preferences/text-size", data={"text_size": "large"})
    assert "learnhub_text_size" not in forged.headers.get("Set-Cookie", "")
    assert "text-large" not in html_classes(client.get("/").get_data(as_text=True))
    response = submit(client, "/preferences/text-size",
                      {"text_size": "large", "next": "//evil.example/"}, page="/")  # fmt: skip
    assert response.headers["Location"] == "/"


def test_text_size_is_kept_on_the_device_not_on_the_account(client, app, make_user):
    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    submit(client, "/preferences/text-size", {"text_size": "large"}, page="/")
    assert "text-large" in html_classes(client.get("/me/account").get_data(as_text=True))
    other_device = app.test_client()
    sign_in(other_device, "zhanglan")
    assert "text-large" not in html_classes(other_device.get("/me/account").get_data(as_text=True))


def test_navigation_shows_only_pages_that_exist(client, app, monkeypatch):
    monkeypatch.setattr(ui, "PRIMARY_NAV", (*ui.PRIMARY_NAV, ("nowhere.page", "Nowhere")))
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('<ul class="nav-primary">') : page.index('<ul class="nav-account">')]
    assert "Nowhere" not in nav
    for endpoint, _label in ui.PRIMARY_NAV[:-1]:
        if endpoint in app.view_functions:
            with app.test_request_context():
                assert f'href="{flask.url_for(endpoint)}"' in nav
    assert 'href="/help"' in nav and "帮助" in nav


def test_elder_navigation_is_the_short_list_of_big_buttons(client):
    submit(client, "/preferences/elder-mode", {"elder_mode": "on"}, page="/")
    page = client.get("/help").get_data(as_text=True)
    nav = page[page.index('<ul class="nav-primary">') : page.index('<ul class="nav-account">')]
    assert "首页" not in nav  # the site's name at the top leads home
    assert '<a href="/help" aria-current="page">帮助</a>' in nav


def test_form_fields_carry_no_stray_attributes(client):
    # WTForms writes None as the text "None": aria-invalid="None", autofocus="None".
    page = client.get("/register").get_data(as_text=True)
    assert '="None"' not in page and "autofocus" not in page
    response = submit(client, "/register", {"login": "x"})
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and '="None"' not in page


def test_a_form_filled_in_slowly_is_still_accepted(client, make_user, monkeypatch):
    make_user(login="zhanglan")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3 * 3600)  # three hours later
    response = client.post("/login", data={"login": "zhanglan", "password": "correct horse battery",
                                           "csrf_token": token})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/me/account"


def test_step_count_names_the_step_and_the_total(app):
    with app.test_request_context(), flask_babel.force_locale("en"):
        html = flask.render_template_string(
            '{% from "macros.html" import step_count %}{{ step_count(2, 3) }}'
        )
    assert html.strip() == '<p class="step-count">Step 2 of 3</p>'


def test_error_summary_lists_the_fields_in_the_order_the_page_shows_them(app):
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class Form(FlaskForm):
        city = StringField("City", validators=[DataRequired()])
        login = StringField("Login", validators=[DataRequired()])

    template = '{% from "macros.html" import form_errors_summary %}{{ form_errors_summary(f, o) }}'
    with app.test_request_context(method="POST", data={}):
        form = Form(meta={"csrf": False})
        form.validate()
        by_form = flask.render_template_string(template, f=form, o=None)
        by_page = flask.render_template_string(template, f=form, o=["login", "city"])
    assert re.findall(r'href="#(\w+)"', by_form) == ["city", "login"]
    assert re.findall(r'href="#(\w+)"', by_page) == ["login", "city"]
    assert 'role="alert"' in by_page


def test_navigation_is_in_each_visitors_own_language(app):
    chinese, english = app.test_client(), app.test_client()
    english.set_cookie(LOCALE_COOKIE, "en")
    for _ in range(2):  # each after the other's page was built
        for visitor, help_label, other in ((chinese, "帮助", ">Help<"), (english, "Help", "帮助")):
            page = visitor.get("/help").get_data(as_text=True)
            nav = page[
                page.index('<ul class="nav-primary">') : page.index('<ul class="nav-account">')
            ]
            assert f'aria-current="page">{help_label}</a>' in nav and other not in nav
