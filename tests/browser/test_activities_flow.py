"""An elder on a phone finds an activity and signs up (报名): the button is on the first
screen of the activity's page, in elder mode, on a 390 × 844 phone."""

import pytest
from sqlalchemy import select

from learnhub.activities.models import SignUp, SignUpStatus
from learnhub.extensions import db
from tests.activity_steps import make_activity

from .pages import ELDER

pytestmark = pytest.mark.browser

TALL_PHONE = {"width": 390, "height": 844}


def test_an_elder_on_a_phone_finds_an_activity_and_signs_up(visitor, app):
    activity_id, (session_id,) = make_activity(app, title="老年人智能手机课", sessions=((50, 5),))
    page = visitor.start(viewport=TALL_PHONE, mode=ELDER)
    visitor.sign_in(visitor.accounts.learner)
    page.goto("/activities")
    assert "mode-elder" in page.get_attribute("html", "class")
    with page.expect_navigation():
        page.get_by_role("link", name="老年人智能手机课").click()
    assert page.url.endswith(f"/activities/{activity_id}")
    button = page.locator(f"#session-{session_id} button[type=submit]")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= TALL_PHONE["height"], (
        f"the sign-up button is below the first screen (at {box})"
    )
    assert box["height"] >= 44  # a target an elder's finger hits
    with page.expect_navigation():
        button.click()
    assert page.locator(".flash").count() == 1
    assert page.locator(f"#session-{session_id} .signup-state").is_visible()
    with app.app_context():
        statuses = db.session.scalars(
            select(SignUp.status).where(SignUp.session_id == session_id)
        ).all()
    assert statuses == [SignUpStatus.CONFIRMED]
