"""QR check-in on a phone in elder mode: staff show the code, the learner opens the link it
encodes, signs in, comes back to it and presses 签到 without scrolling."""

import pytest
from sqlalchemy import select

from learnhub.activities.models import Attendance
from learnhub.extensions import db

from . import checks
from .pages import DESKTOP, ELDER, NORMAL

pytestmark = pytest.mark.browser

ELDER_PHONE = {"width": 390, "height": 844}


def test_a_learner_checks_in_with_the_qr_code_on_a_phone_in_elder_mode(app, visitor, site_content):
    session_id = site_content["check_in_session"]
    screen = visitor.start(viewport=DESKTOP, mode=NORMAL)
    visitor.sign_in_directly(visitor.accounts.city_staff)
    screen.goto(f"/staff/activities/sessions/{session_id}/check-in")
    assert screen.locator(".check-in-qr svg").is_visible()  # the QR code itself
    link = screen.get_attribute("#check-in-link", "data-check-in-url")
    assert f"/activities/check-in/{session_id}?code=" in link
    assert checks.axe_problems(screen) == []  # the live screen (the page matrix: an ended one)

    phone = visitor.start(viewport=ELDER_PHONE, mode=ELDER)  # a new window, signed out
    phone.goto(link)
    assert "/login" in phone.url  # signs in first …
    phone.fill("#login", visitor.accounts.learner)
    phone.fill("#password", visitor.accounts.password)
    with phone.expect_navigation():
        phone.locator("main form:not(.inline-form) [type=submit]").click()
    assert phone.url == link  # … and comes back to the link it scanned
    assert "mode-elder" in phone.get_attribute("html", "class")
    button = phone.get_by_role("button", name="签到")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= ELDER_PHONE["height"], "签到 is below the first screen"
    with phone.expect_navigation():
        button.click()
    assert phone.get_by_role("heading", name="已签到").is_visible()
    with app.app_context():
        (attendance,) = db.session.scalars(
            select(Attendance).where(Attendance.session_id == session_id)
        ).all()
        assert attendance.undone_at is None
