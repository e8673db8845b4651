"""Staff administration in a browser, in elder mode: province staff make a city editor's
account, and the new editor opens the one-time link in a browser of their own, chooses a
password and signs in."""

import pytest
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db

from .pages import ELDER
from .site import SIGN_OUT_FORM, new_context

pytestmark = pytest.mark.browser

SUBMIT = "main form:not(.inline-form) [type=submit]"
PASSWORD = "plum blossom river 1958"


def elder_cookies(origin: str) -> list[dict]:
    host = origin.split("//", 1)[1].split(":", 1)[0]
    return [{"name": k, "value": v, "domain": host, "path": "/"} for k, v in ELDER.cookies.items()]


def test_a_new_city_editor_activates_their_account_in_elder_mode(visitor, browser, app):
    page = visitor.start(mode=ELDER)
    visitor.sign_in(visitor.accounts.province_staff)
    page.goto("/staff/")
    with page.expect_navigation():
        page.click("a[href='/staff/people']")
    with page.expect_navigation():
        page.click("a[href='/staff/people/new']")
    assert "mode-elder" in page.get_attribute("html", "class")
    page.fill("#login", "sy_city_editor")
    page.fill("#display_name", "沈阳课程编辑")
    page.select_option("#role", "editor")
    page.select_option("#region", "210100")
    with page.expect_navigation():
        page.click(SUBMIT)
    link = page.input_value("#activation-link")
    assert "/activate/" in link

    # The new editor, on a computer of their own (no cookies of the staff member's).
    own = new_context(browser, visitor.origin)
    try:
        own.add_cookies(elder_cookies(visitor.origin))
        theirs = own.new_page()
        theirs.goto(link)
        assert "mode-elder" in theirs.get_attribute("html", "class")
        assert theirs.locator("h1").count() == 1
        theirs.fill("#password", PASSWORD)
        theirs.fill("#confirm", PASSWORD)
        with theirs.expect_navigation():
            theirs.click(SUBMIT)
        assert theirs.url.endswith("/login")
        theirs.fill("#login", "sy_city_editor")
        theirs.fill("#password", PASSWORD)
        with theirs.expect_navigation():
            theirs.click(SUBMIT)
        assert theirs.locator(SIGN_OUT_FORM).count() == 1, "the new editor is not signed in"
        with app.app_context():
            editor = db.session.scalar(select(User).where(User.username == "sy_city_editor"))
            assert editor.role == "editor" and editor.managed_region_code == "210100"
        theirs.goto(link)  # the link is used up
        assert theirs.locator(".error-summary").count() == 1
    finally:
        own.close()
