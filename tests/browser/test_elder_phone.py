"""Elder mode on a phone (390 × 844): the header stays small and each page's main action
is on the first screen, without scrolling; the menu opens without a script.

A page marks its main action with ``data-main-action`` (报名, 签到, 开始学习, 登录, a form's
submit button, or a long form itself, which must begin on the first screen): every page of
pages.py that has one is checked, so a new page joins by marking its action.
"""

import pytest

from .checks import report
from .pages import ELDER, PAGE_TYPES

pytestmark = pytest.mark.browser

ELDER_PHONE = {"width": 390, "height": 844}
HEADER_SHARE = 0.25  # the header may take at most a quarter of the first screen
SHOWN_PX = 60  # a long form (or anything taller) shows at least a control's height of itself
# Pages whose main action must be marked (so deleting a mark fails the test, too).
MUST_MARK = {
    "login", "register", "reset", "forgot", "password", "course", "course-enrolled",
    "lesson-quiz", "recognition-new", "verify", "search", "search-empty",
}  # fmt: skip

FIRST_SCREEN = """() => {
  const header = document.querySelector('.site-header').getBoundingClientRect();
  const marked = [...document.querySelectorAll('[data-main-action]')].map(el => {
    const r = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), top: r.top, bottom: r.bottom,
            shown: el.checkVisibility() && r.width > 0 && r.height > 0};
  });
  return {header: header.bottom, scrolled: window.scrollY, marked};
}"""


@pytest.mark.layout
@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=str)
def test_the_main_action_is_on_an_elder_phones_first_screen(request, visitor, page_type):
    content = request.getfixturevalue("site_content") if page_type.needs_content else None
    page = visitor.open(page_type, ELDER, viewport=ELDER_PHONE, content=content)
    page.evaluate("window.scrollTo(0, 0)")
    found = page.evaluate(FIRST_SCREEN)
    problems = []
    limit = HEADER_SHARE * ELDER_PHONE["height"]
    if found["header"] > limit:
        problems.append(f"the header is {found['header']:.0f}px high, more than {limit:.0f}px")
    marked = found["marked"]
    if page_type.name in MUST_MARK and not marked:
        problems.append("no element marks the main action (data-main-action)")
    shown = [m for m in marked if m["shown"]]
    if marked and not shown:
        problems.append(f"the main action is hidden: {marked[0]['what']}")
    for action in shown[:1]:  # the first marked action that shows
        visible_to = min(action["bottom"], action["top"] + SHOWN_PX)
        if visible_to > ELDER_PHONE["height"]:
            problems.append(
                f"the main action is at {action['top']:.0f}px, below the first screen "
                f"({ELDER_PHONE['height']}px): {action['what']}"
            )
    assert not problems, report(f"{page_type} in elder mode on a phone", problems)


def test_the_menu_opens_without_a_script_and_keeps_every_link(visitor):
    """On the phone the menu is a button; pressed, it shows the navigation and the tools."""
    page = visitor.start(viewport=ELDER_PHONE, mode=ELDER, javascript=False)
    page.goto("/login")
    menu = page.locator("summary.menu-button")
    assert menu.is_visible() and page.locator(".mode-switch").is_visible()
    assert not page.locator(".main-nav").is_visible()
    box = menu.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, "the menu button is too small to press"
    menu.click()
    in_menu = (
        ".main-nav a[href='/courses']", ".search-box input",
        ".text-size-switch button[value=large]", ".main-nav a[href='/register']",
    )  # fmt: skip
    for selector in in_menu:
        assert page.locator(selector).is_visible(), selector
    with page.expect_navigation():
        page.click(".main-nav a[href='/courses']")
    assert page.url.endswith("/courses")


def test_a_wide_window_shows_the_elder_menu_open(visitor):
    page = visitor.start(viewport={"width": 1280, "height": 800}, mode=ELDER)
    page.goto("/")
    assert not page.locator("summary.menu-button").is_visible()
    assert page.locator(".main-nav a[href='/courses']").is_visible()
    assert page.locator(".search-box input").is_visible()
