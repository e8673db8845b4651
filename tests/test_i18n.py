"""Translations: complete catalogues, up to date with the source, used on every page."""

import re
from datetime import UTC, datetime

import flask_babel
import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db
from learnhub.i18n import TRANSLATIONS_DIR, extract_messages, format_datetime
from tests.helpers import sign_in, submit

LOCALES = ["zh_CN", "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(locale):
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def messages(cat):
    return [m for m in cat if m.id]


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    extract_messages(pot)
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_not_fuzzy(locale):
    problems = []
    for message in messages(catalogue(locale)):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            problems.append(message.id)
    assert problems == [], f"untranslated or fuzzy in {locale}: {problems}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_matches_the_source(locale, source_ids):
    in_catalogue = {m.id for m in messages(catalogue(locale))}
    missing = source_ids - in_catalogue
    stale = in_catalogue - source_ids
    hint = "run `flask --app learnhub translations update`, translate, commit"
    assert not missing, f"strings not in {locale} ({hint}): {sorted(missing, key=str)}"
    assert not stale, f"strings no longer in the source ({hint}): {sorted(stale, key=str)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale):
    for message in messages(catalogue(locale)):
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(source)), (
                f"{locale}: {source!r} → {string!r}"
            )


def test_zh_cn_is_the_default_language(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert "辽宁省终身学习网" in page and "首页" in page
    assert "Home" not in page


def test_visitor_switches_to_english_and_it_sticks(client):
    response = submit(client, "/preferences/language", {"locale": "en", "next": "/help"},
                      page="/help")  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/help"
    page = client.get("/help").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Liaoning Lifelong Learning Network" in page and "How to use elder mode" in page
    assert "长辈模式" not in page


def test_unknown_language_is_ignored(client):
    submit(client, "/preferences/language", {"locale": "fr"}, page="/")
    assert '<html lang="zh-CN"' in client.get("/").get_data(as_text=True)


def test_signed_in_users_language_is_saved_on_the_account(client, app, make_user):
    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    submit(client, "/preferences/language", {"locale": "en"}, page="/")
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "zhanglan")) == "en"
    other_device = app.test_client()
    sign_in(other_device, "zhanglan")
    assert '<html lang="en"' in other_device.get("/me/account").get_data(as_text=True)


def test_region_names_follow_the_language(client):
    zh = client.get("/register").get_data(as_text=True)
    assert "沈阳市" in zh and "和平区" in zh
    submit(client, "/preferences/language", {"locale": "en"}, page="/")
    en = client.get("/register").get_data(as_text=True)
    assert "Shenyang" in en and "Heping District" in en and "沈阳市" not in en


def test_dates_are_shown_in_china_time_and_the_pages_language(client, app, make_user):
    user_id = make_user(login="zhanglan")
    with app.app_context():
        # 17:30 UTC on 1 January is already 2 January in China.
        db.session.get(User, user_id).created_at = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
        db.session.commit()
    sign_in(client, "zhanglan")
    assert "2026年1月2日" in client.get("/me/account").get_data(as_text=True)
    submit(client, "/preferences/language", {"locale": "en"}, page="/")
    assert "January 2, 2026" in client.get("/me/account").get_data(as_text=True)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_numeric_dates_read_as_babel_writes_them(app, locale):
    """Templates' numeric patterns are written without Babel (a statement's page spent a
    tenth of its time there): the same text as Babel's, in China time, in both languages."""
    moments = [
        datetime(2026, 1, 1, 17, 30, tzinfo=UTC),  # already 2 January in China
        datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC),
        datetime(2026, 6, 5, 3, 4, 5),  # naive: UTC, as the database gives it
    ]
    with app.test_request_context(headers={"Cookie": f"learnhub_locale={locale}"}):
        _assert_written_as_babel_writes(moments)
        assert format_datetime(moments[0], "yyyy-MM-dd HH:mm") == "2026-01-02 01:30"
        assert format_datetime(moments[0], "long") == flask_babel.format_datetime(
            moments[0], "long"
        )


def test_numeric_dates_follow_a_zone_with_summer_time(app_factory):
    """A site set to a zone with summer time writes each moment at its offset of that day,
    as Babel (pytz) does, across both changes of the clock."""
    app = app_factory(BABEL_DEFAULT_TIMEZONE="Europe/Berlin")
    moments = [
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # 01:59 CET, a minute before the change
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the hour again
    ]
    with app.test_request_context():
        _assert_written_as_babel_writes(moments)
        assert format_datetime(moments[1], "HH:mm") == "03:00"


def _assert_written_as_babel_writes(moments) -> None:
    for moment in moments:
        for pattern in ("yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd", "HH:mm"):
            expected = flask_babel.format_datetime(moment, pattern)
            assert format_datetime(moment, pattern) == expected, (moment, pattern)


def test_a_forced_language_holds_inside_and_the_page_language_comes_back(app):
    """Messages in the recipient's language (force_locale) and templates translate through
    learnhub's own locale look-up: it must follow Flask-Babel's state both ways."""
    template = "{{ _('My credits') }}"
    with app.test_request_context(headers={"Cookie": "learnhub_locale=zh_CN"}):
        assert flask_babel.gettext("My credits") == "我的学分"
        assert render_template_string(template) == "我的学分"
        with flask_babel.force_locale("en"):
            assert flask_babel.gettext("My credits") == "My credits"
            assert render_template_string(template) == "My credits"
        assert flask_babel.gettext("My credits") == "我的学分"
        assert render_template_string(template) == "我的学分"
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        assert render_template_string(template) == "My credits"
