"""Account recovery in the browser: staff give an elder a reset code at the help desk, and
the elder, on a browser of their own in elder mode, sets a new password and signs in."""

from urllib.parse import urlsplit

import pytest

from .site import SIGN_OUT_FORM, new_context

pytestmark = pytest.mark.browser

NEW_PASSWORD = "river lantern morning tea"


def test_staff_give_a_code_and_the_elder_resets_in_elder_mode(visitor, browser):
    accounts = visitor.accounts
    desk = visitor.start()
    visitor.sign_in(accounts.city_staff)
    desk.goto("/staff/")
    with desk.expect_navigation():
        desk.click("a[href='/staff/help-desk/']")
    desk.fill("#q", accounts.learner)
    with desk.expect_navigation():
        desk.locator("main form [type=submit]").click()
    assert "/staff/help-desk/learners/" in desk.url
    with desk.expect_navigation():
        desk.locator("form[action$='/reset-code'] [type=submit]").click()
    shown = desk.locator("#reset-code").inner_text()
    assert len(shown) == 9 and shown[4] == " " and shown.replace(" ", "").isdigit()

    elder_browser = new_context(browser, visitor.origin)
    try:
        host = urlsplit(visitor.origin).hostname
        elder_browser.add_cookies([
            {"name": "learnhub_elder_mode", "value": "on", "domain": host, "path": "/"}
        ])  # fmt: skip
        elder = elder_browser.new_page()
        elder.goto("/login")
        assert "mode-elder" in elder.get_attribute("html", "class")
        with elder.expect_navigation():
            elder.click("a[href='/forgot']")
        with elder.expect_navigation():
            elder.click("main a[href='/reset']")
        assert "mode-elder" in elder.get_attribute("html", "class")
        elder.fill("#login", accounts.learner)
        elder.fill("#code", shown)  # typed as read aloud, with the space
        elder.fill("#new_password", NEW_PASSWORD)
        elder.fill("#confirm", NEW_PASSWORD)
        with elder.expect_navigation():
            elder.locator("main form [type=submit]").click()
        assert urlsplit(elder.url).path == "/login"
        elder.fill("#login", accounts.learner)
        elder.fill("#password", NEW_PASSWORD)
        with elder.expect_navigation():
            elder.locator("main form:not(.inline-form) [type=submit]").click()
        assert elder.locator(SIGN_OUT_FORM).count() == 1
        assert "mode-elder" in elder.get_attribute("html", "class")
    finally:
        elder_browser.close()
