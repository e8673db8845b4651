"""The privacy notice and consent in the browser, in elder mode: a learner who agreed to an
older notice signs in, is shown the new one before anything else, is told in words when
the box is not ticked, agrees with the keyboard and goes on to the page they asked for."""

from urllib.parse import urlsplit

import pytest

from .site import SIGN_OUT_FORM

pytestmark = pytest.mark.browser


def html_classes(page) -> set[str]:
    return set(page.get_attribute("html", "class").split())


def test_an_elder_is_asked_again_for_a_new_notice_and_agrees_in_elder_mode(visitor, make_user):
    make_user(login="elder_reader", name="张桂兰", notice_version="2025-06")
    page = visitor.start()
    visitor.context.add_cookies(
        [{"name": "learnhub_elder_mode", "value": "on", "url": visitor.origin}]
    )
    page.goto("/login?next=/me/credits")
    page.fill("#login", "elder_reader")
    page.fill("#password", visitor.accounts.password)
    with page.expect_navigation():
        page.locator("main form:not(.inline-form) [type=submit]").click()
    page.wait_for_url("**/privacy/consent**")
    assert "mode-elder" in html_classes(page)
    assert page.locator(SIGN_OUT_FORM).count() >= 1  # signed in, and a way out is offered
    main = page.inner_text("main")
    assert "2026-12" in main  # the new version, named
    assert page.locator("main table").count() == 1  # what is kept, why, who, how long

    # Not ticked: said in words, at the box, and read out first.
    with page.expect_navigation() as navigation:
        page.locator("main form:not(.inline-form) [type=submit]").click()
    assert navigation.value.status == 400
    assert page.get_attribute("#agree", "aria-invalid") == "true"
    assert page.inner_text("#agree-error").strip("! \n")
    assert page.evaluate("document.activeElement.id") == "error-summary"

    # Agreed with the keyboard: on to the page first asked for.
    page.focus("#agree")
    page.keyboard.press("Space")
    assert page.is_checked("#agree")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/me/credits"
    assert "mode-elder" in html_classes(page)
    page.goto("/me/data")
    assert "2026-12" in page.inner_text("main")  # the consent history shows the agreement
