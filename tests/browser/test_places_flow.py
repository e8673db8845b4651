"""The learning map in a browser: on an elder's phone, without JavaScript, and "near me"
from the browser's own position, which never leaves the page."""

import pytest

from .pages import ELDER, NORMAL
from .site import new_context

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
# A visitor standing in 沈阳's 沈河区, near the city's library.
HERE = {"latitude": 41.8012, "longitude": 123.4587}


def test_the_map_on_an_elders_phone(visitor, site_content):
    page = visitor.start(viewport=PHONE_390, mode=ELDER)
    page.goto("/map")
    assert "mode-elder" in page.get_attribute("html", "class")
    assert page.locator("svg.learning-map[role=img]").is_visible()
    assert page.locator("svg.learning-map a").count() == 0  # the list holds the links
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_390["width"], "the map page scrolls sideways on a phone"
    # Near me by district: a plain form, big enough for a finger.
    page.select_option("#near-district", "210103")
    box = page.locator(".near-form [type=submit]").bounding_box()
    assert box["height"] >= 60
    with page.expect_navigation():
        page.click(".near-form [type=submit]")
    first = page.locator(".near-list .place-card-title a").first
    assert first.inner_text() == "沈河区城市书屋"
    with page.expect_navigation():
        page.click("a:has-text('大连市老年大学')")
    assert page.locator("h1").inner_text() == "大连市老年大学"
    assert page.locator("a[href^='tel:']").count() == 1


def test_the_map_works_without_javascript(visitor, site_content):
    page = visitor.start(mode=NORMAL, javascript=False)
    page.goto("/map")
    assert page.locator("#near-me-located").is_hidden()  # the position button needs a script
    points = page.locator("svg.learning-map a.map-point")
    assert points.count() == 3
    with page.expect_navigation():
        points.last.click()  # 大连: the 沈阳 points lie close together at this size
    assert page.url.split("/")[-2] == "places"


def test_near_me_uses_the_position_in_the_page_and_sends_it_nowhere(
    browser, live_server, site_content
):
    context = new_context(browser, live_server)
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation(HERE)
    requests = []
    try:
        page = context.new_page()
        page.goto("/map")
        page.wait_for_selector("#near-me-button")
        page.on("request", lambda request: requests.append(request))
        page.click("#near-me-button")
        page.wait_for_selector("#near-me-results li")
        names = page.locator("#near-me-results li a").all_inner_texts()
        assert names[0] == "沈河区城市书屋" and names[-1] == "大连市老年大学"
        assert "距您 0.2 公里" in page.locator("#near-me-results li").first.inner_text()
        page.wait_for_timeout(300)  # anything the click might still send
    finally:
        context.close()
    coordinates = ("41.80", "123.45", "41.8012", "123.4587")
    sent = [r.url + (r.post_data or "") for r in requests]
    assert not [s for s in sent if any(c in s for c in coordinates)], sent
    assert not [r for r in requests if r.method != "GET"], "the page posted something"
