"""What a person does across pages: the display switches, and registering by keyboard."""

import shutil
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db

from .pages import DESKTOP, PHONE
from .site import SIGN_OUT_FORM

pytestmark = pytest.mark.browser


def html_classes(page) -> set[str]:
    return set(page.get_attribute("html", "class").split())


def body_text_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


def pressed(page, selector: str) -> str:
    return page.get_attribute(selector, "aria-pressed")


def account_elder_mode(app, login: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(User.elder_mode).where(User.username == login))


# The test course's text (先打开手机，再点设置。): 5 s + 9 characters at 600 a minute.
SHORT_TEXT_READING_SECONDS = 6
SWITCH = ".mode-switch"
LARGER = ".text-size-switch button[value=large]"
STANDARD = ".text-size-switch button[value=standard]"
MENU = "summary.menu-button"


def open_menu(page) -> None:
    """On a phone in elder mode everything but the elder mode switch is in the menu."""
    if page.locator(MENU).is_visible() and not page.locator(LARGER).is_visible():
        page.click(MENU)


def test_switches_work_without_javascript_and_persist_across_reload_and_sign_in(visitor, app):
    learner = visitor.accounts.learner  # an account with elder mode off
    page = visitor.start(viewport=PHONE, javascript=False)
    page.goto("/login")
    assert html_classes(page) == {"mode-normal"} and pressed(page, SWITCH) == "false"
    assert body_text_px(page) == 16
    switch = page.locator(SWITCH).bounding_box()
    assert switch["y"] + switch["height"] <= PHONE["height"], "the switch is below the first screen"

    with page.expect_navigation() as navigation:
        page.click(SWITCH)
    # The page arrives already in elder mode: the class is in the HTML the server sent.
    assert 'class="mode-elder"' in navigation.value.text()
    assert page.url.endswith("/login") and pressed(page, SWITCH) == "true"
    assert body_text_px(page) == 20
    page.reload()
    assert "mode-elder" in html_classes(page)

    open_menu(page)
    with page.expect_navigation():
        page.click(LARGER)  # A+
    assert html_classes(page) == {"mode-elder", "text-large"} and body_text_px(page) == 30
    assert pressed(page, LARGER) == "true" and pressed(page, STANDARD) == "false"

    visitor.sign_in(learner)
    assert page.url.endswith("/me/account")
    assert html_classes(page) == {"mode-elder", "text-large"}, "signing in lost the display"

    open_menu(page)
    with page.expect_navigation():
        page.click(STANDARD)  # A−
    assert body_text_px(page) == 20
    with page.expect_navigation():
        page.click(SWITCH)  # off, on the account and on this device
    assert html_classes(page) == {"mode-normal"} and not account_elder_mode(app, learner)
    with page.expect_navigation():
        page.click(SWITCH)  # on again: now saved on the account
    assert "mode-elder" in html_classes(page) and account_elder_mode(app, learner)
    open_menu(page)
    with page.expect_navigation():
        page.click(f"{SIGN_OUT_FORM} button")
    assert "mode-elder" in html_classes(page) and page.locator(SIGN_OUT_FORM).count() == 0

    other_device = visitor.start(viewport=DESKTOP, javascript=False)
    visitor.sign_in(learner)
    assert "mode-elder" in html_classes(other_device), "elder mode is kept on the account"
    assert "text-large" not in html_classes(other_device), "A+ is a setting of one device"


def test_an_elder_registers_with_the_keyboard_only(visitor):
    """Tab, typing and Enter (arrow keys in the drop-down lists), no mouse: signed in."""
    page = visitor.start(viewport=DESKTOP)
    visitor.context.add_cookies(
        [{"name": "learnhub_elder_mode", "value": "on", "url": visitor.origin}]
    )
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/register")
    keys = page.keyboard

    def focused(attribute: str = "id") -> str:
        return page.evaluate(f"document.activeElement.getAttribute('{attribute}') || ''")

    def tab_to(field_id: str) -> None:
        for _ in range(6):
            keys.press("Tab")
            if focused() == field_id:
                return
        raise AssertionError(f"Tab never reached #{field_id}; it stopped at {focused('outerHTML')}")

    keys.press("Tab")
    assert "skip-link" in focused("class")
    keys.press("Enter")  # skip to the main content
    tab_to("login")
    keys.type("1380013800")  # one digit short: a mistake the site must explain
    tab_to("display_name")
    keys.type("张桂兰")
    tab_to("password")
    # A password manager's password, pasted: the field takes it.
    page.evaluate("navigator.clipboard.writeText('长辈 password 2024')")
    keys.press("Control+V")
    assert page.input_value("#password") == "长辈 password 2024"
    keys.press("Tab")  # the show-password button
    assert "password-toggle" in focused("class")
    assert page.evaluate("document.activeElement.textContent") == page.evaluate(
        "document.body.dataset.labelShowPassword"
    )
    keys.press("Enter")
    assert page.get_attribute("#password", "type") == "text" and focused("aria-pressed") == "true"
    tab_to("confirm")
    keys.type("长辈 password 2024")
    tab_to("city")
    keys.press("ArrowDown")  # the first city: 沈阳市
    assert page.input_value("#city") == "210100"
    tab_to("district")
    keys.press("ArrowDown")  # the first district the list offers for that city
    assert page.input_value("#district").startswith("2101")
    tab_to("birth_year")
    keys.type("1951")
    with page.expect_navigation() as navigation:
        keys.press("Enter")
    assert navigation.value.status == 400

    # The error is said in words, and focus is on the summary, so it is read out first.
    assert focused() == "error-summary" and focused("role") == "alert"
    summary = page.inner_text("#error-summary")
    assert "手机号" in summary or "mobile" in summary.lower()
    assert page.get_attribute("#login", "aria-invalid") == "true"
    error_id = page.get_attribute("#login", "aria-describedby").split()[-1]
    assert page.inner_text(f"#{error_id}").strip("! \n"), "the error is not in words"
    keys.press("Tab")  # the summary's link to the field
    keys.press("Enter")
    assert focused() == "login"
    keys.press("End")
    keys.type("0")  # the missing digit
    tab_to("password")  # name, city, district and year were kept; passwords never are
    keys.type("长辈 password 2024")
    tab_to("confirm")
    keys.type("长辈 password 2024")
    tab_to("agree")  # the privacy notice, agreed with the space bar
    keys.press("Space")
    keys.press("Tab")  # the submit button
    with page.expect_navigation() as navigation:
        keys.press("Enter")

    assert navigation.value.ok and page.url.endswith("/me/account")
    assert page.locator(SIGN_OUT_FORM).count() == 1, "not signed in"
    assert "张桂兰" in page.inner_text("main")
    assert "mode-elder" in html_classes(page), "registered in elder mode, it stays on"


def press_tab_until(page, condition: str, what: str, limit: int = 80) -> None:
    """Press Tab until ``condition`` (a script about ``el``, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"Tab never reached {what}")


def test_an_elder_enrols_and_finishes_a_lesson_with_the_keyboard_only(visitor, site_content):
    """From the catalogue to the course, enrol, open the first lesson, mark it read: Tab
    and Enter only, in elder mode. Pressed too soon, the page says how long to read on and
    offers the button again; after that time the same button finishes the lesson."""
    page = visitor.start(viewport=DESKTOP)
    visitor.sign_in_directly(visitor.accounts.learner)
    visitor.context.add_cookies(
        [{"name": "learnhub_elder_mode", "value": "on", "url": visitor.origin}]
    )
    page.goto("/courses")
    title = site_content["other_course_title"]
    course_url = f"/courses/{site_content['other_course']}"
    press_tab_until(page, f"el.getAttribute('href') === '{course_url}'", f"the link to {title}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(course_url)

    press_tab_until(page, "el.closest('form[action$=\"/enrol\"]') !== null", "the enrol button")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.ok
    page.wait_for_selector("form[action$='/leave'] button")  # enrolled: it can be left now
    assert title in page.inner_text(".flashes")

    press_tab_until(page, "el.matches('.lesson-list a')", "the first lesson")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/lessons/" in page.url
    opened = time.monotonic()
    press_tab_until(page, "el.closest('form[action$=\"/read\"]') !== null", "“I have read this”")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "请再读一会儿" in page.inner_text(".flashes"), "no word of how long to read on"
    assert "mode-elder" in html_classes(page)
    # The text's minimum reading time (6 s), counted from the first opening.
    time.sleep(max(0.0, SHORT_TEXT_READING_SECONDS + 0.5 - (time.monotonic() - opened)))
    press_tab_until(page, "el.closest('form[action$=\"/read\"]') !== null", "“I have read this”")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "mode-elder" in html_classes(page)
    assert "这一课学完了" in page.inner_text(".flashes"), "no word that the lesson is done"


def test_read_aloud_speaks_the_lesson_or_plays_audio_made_on_the_server(visitor, site_content):
    """The read-aloud button: the browser's Chinese voice speaks, or (no such voice, as in
    headless Chromium) the server's espeak-ng audio of the lesson is fetched and played."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    page = visitor.start(viewport=DESKTOP)
    visitor.sign_in_directly(visitor.accounts.learner)
    page.goto(f"/lessons/{site_content['text_lesson']}")
    button = page.locator(".read-aloud-button")
    button.wait_for(state="visible")  # shown by the script, once it runs
    speech = f"/lessons/{site_content['text_lesson']}/speech.wav"
    box = page.locator("[data-read-aloud]")
    has_voice = page.evaluate(
        "() => 'speechSynthesis' in window && speechSynthesis.getVoices()"
        ".some(v => v.lang.toLowerCase().startsWith('zh'))"
    )
    if has_voice:
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => speechSynthesis.speaking")
        assert box.get_attribute("data-engine") == "browser"
    else:
        with page.expect_response(lambda r: r.url.endswith(speech)) as answer:
            button.focus()
            page.keyboard.press("Enter")
        response = answer.value
        assert response.ok and response.headers["content-type"] == "audio/wav"
        assert response.body()[:4] == b"RIFF" and len(response.body()) > 10_000, "no speech"
        assert box.get_attribute("data-engine") == "server"
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".read-aloud-status")).not_to_be_empty()  # “正在朗读…” is said
    page.keyboard.press("Enter")  # stop
    expect(button).to_have_attribute("aria-pressed", "false")


def test_the_big_player_buttons_play_pause_and_go_back(visitor, site_content):
    """Elder mode's own 播放/暂停 and 后退 10 秒 buttons drive the player, and are big."""
    page = visitor.start(viewport=DESKTOP)
    visitor.sign_in_directly(visitor.accounts.learner)
    visitor.context.add_cookies(
        [{"name": "learnhub_elder_mode", "value": "on", "url": visitor.origin}]
    )
    page.goto(f"/lessons/{site_content['audio_lesson']}")
    toggle = page.locator("[data-player-action=toggle]")
    toggle.wait_for(state="visible")  # shown by player.js
    box = toggle.bounding_box()
    assert box["width"] >= 60 and box["height"] >= 60
    page.evaluate("document.querySelector('.player audio, .player video').muted = true")
    toggle.click()
    page.wait_for_function("() => !document.querySelector('.player audio, .player video').paused")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("暂停")
    page.evaluate("document.querySelector('.player audio, .player video').currentTime = 30")
    page.locator("[data-player-action=back]").click()
    position = page.evaluate("document.querySelector('.player audio, .player video').currentTime")
    assert 19 <= position < 25
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_have_text("播放")


def test_the_player_reports_only_what_was_really_played(visitor, site_content, app):
    """Play a few seconds, pause, play on, jump ahead, play a little more: the server
    credits the two stretches played, never the part jumped over or the pause."""
    from learnhub.learning.models import LessonProgress

    page = visitor.start(viewport=DESKTOP)
    visitor.sign_in_directly(visitor.accounts.learner)
    page.goto(f"/lessons/{site_content['audio_lesson']}")
    toggle = page.locator("[data-player-action=toggle]")
    toggle.wait_for(state="visible")  # player.js is running
    media = "document.querySelector('.player audio')"
    page.evaluate(f"{media}.muted = true")

    def pause_report(response) -> bool:
        return response.url.endswith("/media") and '"pause"' in (response.request.post_data or "")

    toggle.click()
    page.wait_for_function(f"() => {media}.currentTime >= 4")
    with page.expect_response(pause_report) as paused:
        toggle.click()
    first = paused.value.json()["credited_seconds"]
    assert 3 <= first <= 6, "the seconds played before the pause"
    page.wait_for_timeout(3000)  # paused: earns nothing
    toggle.click()
    page.wait_for_function(f"() => !{media}.paused && {media}.currentTime >= 5")
    page.evaluate(f"{media}.currentTime = 20")  # a jump while playing
    page.wait_for_function(f"() => {media}.currentTime >= 23")
    with page.expect_response(pause_report) as paused:
        toggle.click()
    total = paused.value.json()["credited_seconds"]
    with app.app_context():
        ranges = db.session.scalar(
            select(LessonProgress.played_ranges).where(
                LessonProgress.lesson_id == site_content["audio_lesson"]
            )
        )
    assert len(ranges) == 2 and ranges[0][0] == 0 and ranges[1][0] >= 19, ranges
    assert ranges[0][1] < 10, "the jump from about 5 s to 20 s was not credited"
    assert total == sum(end - start for start, end in ranges) < 12
