"""City staff create an activity at a learning place, add a session and publish it, in a
browser, in normal and elder mode; each page of the way passes axe."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.activities.models import Activity, ActivityStatus
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places.models import Place, PlaceKind
from tests.activity_staff_steps import CHINA

from .checks import axe_problems, report
from .pages import BOTH_MODES

pytestmark = pytest.mark.browser

SUBMIT = "main form.form [type=submit]"


def _local(days: int, hour: int) -> str:
    day = (utcnow().astimezone(CHINA) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


def _accessible(page, where: str) -> None:
    problems = axe_problems(page)
    assert not problems, report(where, problems)


@pytest.mark.parametrize("mode", BOTH_MODES, ids=str)
def test_city_staff_create_and_publish_an_activity(visitor, app, mode):
    with app.app_context():
        place = Place(name="沈阳市图书馆", kind=PlaceKind.LIBRARY, city_code="210100",
                      district_code="210102", address="和平区", published=True)  # fmt: skip
        db.session.add(place)
        db.session.commit()
        place_id = place.id
    page = visitor.start(mode=mode)
    visitor.sign_in(visitor.accounts.city_staff)
    page.goto("/staff/activities")
    _accessible(page, "the list")
    with page.expect_navigation():
        page.click("a[href='/staff/activities/new']")
    assert ("mode-elder" in page.get_attribute("html", "class")) is mode.elder
    _accessible(page, "the new activity form")
    page.fill("#title", "好书诵读：朗读《红楼梦》")
    page.select_option(
        "#kind", label="好书诵读" if mode.locale == "zh_CN" else "Reading good books aloud"
    )
    page.fill("#organiser", "沈阳市社区教育学院")
    page.select_option("#region", "210100")
    page.select_option("#where", "place")
    page.select_option("#place", str(place_id))
    page.check("input[name=audience][value=elders]")
    page.check("#elder_friendly")
    page.select_option("#credit_rule", "fixed")
    page.fill("#fixed_credits", "0.5")
    page.fill("#description_html", "<p>一起朗读经典。</p>")
    with page.expect_navigation():
        page.click(SUBMIT)
    assert "/staff/activities/" in page.url
    _accessible(page, "the draft")

    with page.expect_navigation():
        page.click("a[href$='/sessions/new']")
    _accessible(page, "the session form")
    page.fill("#starts_at", _local(5, 9))
    page.fill("#ends_at", _local(5, 11))
    page.fill("#capacity", "40")
    with page.expect_navigation():
        page.click(SUBMIT)
    with page.expect_navigation():
        page.click("form[action$='/publish'] button")
    _accessible(page, "the published activity")
    assert page.locator(".status strong").inner_text() in ("已发布", "Published")
    with app.app_context():
        activity = db.session.scalar(select(Activity))
        assert activity.status is ActivityStatus.PUBLISHED and activity.credit_cents == 50
        assert activity.sessions[0].capacity == 40
        assert activity.sessions[0].starts_at.astimezone(CHINA).hour == 9
