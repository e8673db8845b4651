"""Opening a year's week, registering a city's week inside its window, linking activities,
and what the public sees: each refusal reached with a valid form by the right role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learnhub.activities.models import Activity, ActivityStatus
from learnhub.audit import AuditAction, AuditEntry
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.week import services
from learnhub.week.demo import demo_terms
from learnhub.week.models import CityWeek, LearningWeek, WeekActivity
from tests.helpers import sign_in, submit

from .conftest import DALIAN, HEPING, SHENHE, SHENYANG

pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


def open_this_year(app, staff) -> LearningWeek:
    """This year's week, its window containing today (as the demo opens it)."""
    from learnhub.accounts.models import User

    with app.app_context():
        year, terms = demo_terms(local_today())
        week = services.open_week(db.session.get(User, staff["province"]), year, terms)
        db.session.commit()
        return week.year


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_province_opens_a_week_with_the_notices_window(app, client, staff):
    sign_in(client, "province")
    response = submit(client, "/staff/week/new", {
        "year": "2030", "theme": "全民智学", "national_opening": "2030-11-01",
        "ceremony_on": "2030-11-03",
    })  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        week = db.session.get(LearningWeek, 2030)
        assert (week.window_start, week.window_end) == (date(2030, 11, 1), date(2030, 12, 1))
        assert week.theme == "全民智学"
    assert audit_actions(app) == [AuditAction.WEEK_OPENED]
    # a second week of the same year is refused, with the reason beside the year
    again = submit(client, "/staff/week/new", {
        "year": "2030", "theme": "再来", "national_opening": "2030-11-02",
    })  # fmt: skip
    assert again.status_code == 400 and "already open" in again.get_data(as_text=True)
    # the province edits it; a window that does not contain the opening is refused
    bad = submit(client, "/staff/week/2030/edit", {
        "year": "2030", "theme": "全民智学", "national_opening": "2030-11-01",
        "window_start": "2030-11-05", "window_end": "2030-12-01",
    })  # fmt: skip
    assert bad.status_code == 400 and "must contain the national opening" in bad.get_data(True)
    with app.app_context():
        assert db.session.get(LearningWeek, 2030).window_start == date(2030, 11, 1)


def test_only_province_staff_open_or_change_a_week(app, client, staff):
    year = open_this_year(app, staff)
    sign_in(client, "shenyang")
    assert client.get("/staff/week/new").status_code == 403
    assert client.get(f"/staff/week/{year}/edit").status_code == 403


def test_a_citys_week_inside_the_window_is_saved_and_outside_refused(app, client, staff):
    year = open_this_year(app, staff)
    with app.app_context():
        week = db.session.get(LearningWeek, year)
        start, end = week.window_start, week.window_end
    sign_in(client, "shenyang")
    page = f"/staff/week/{year}/cities/{SHENYANG}"
    url = f"{page}/dates"
    outside = submit(client, url, {"starts_on": str(end), "ends_on": str(end + timedelta(1))},
                     page=page)  # fmt: skip
    assert outside.status_code == 400
    assert "must lie inside the province" in outside.get_data(as_text=True)
    before = submit(client, url, {"starts_on": str(start - timedelta(1)), "ends_on": str(start)},
                    page=page)  # fmt: skip
    assert before.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(CityWeek)) is None
    inside = submit(client, url, {"starts_on": str(start), "ends_on": str(start + timedelta(6))},
                    page=page)  # fmt: skip
    assert inside.status_code == 302
    with app.app_context():
        (city_week,) = db.session.scalars(select(CityWeek))
        assert (city_week.city_code, city_week.starts_on) == (SHENYANG, start)
    assert audit_actions(app)[-1] == AuditAction.CITY_WEEK_REGISTERED


def test_another_citys_or_a_countys_staff_cannot_register_a_citys_week(app, client, staff):
    year = open_this_year(app, staff)
    with app.app_context():
        start = db.session.get(LearningWeek, year).window_start
    dates = {"starts_on": str(start), "ends_on": str(start)}
    sign_in(client, "dalian")
    assert client.get(f"/staff/week/{year}/cities/{SHENYANG}").status_code == 403
    own = f"/staff/week/{year}/cities/{DALIAN}"
    # a valid form from Dalian's own page, posted at Shenyang's address
    response = submit(client, f"/staff/week/{year}/cities/{SHENYANG}/dates", dates, page=own)
    assert response.status_code == 403
    county = app.test_client()
    sign_in(county, "heping")
    mine = f"/staff/week/{year}/cities/{SHENYANG}"
    assert county.get(mine).status_code == 200  # sees the city's week, to link to it
    assert submit(county, f"{mine}/dates", dates, page=mine).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(CityWeek)) is None


def _register(app, staff, year, city):
    from learnhub.accounts.models import User
    from learnhub.regions.models import Region

    with app.app_context():
        week = db.session.get(LearningWeek, year)
        city_week = services.register_city_week(
            db.session.get(User, staff["province"]), week, db.session.get(Region, city),
            week.window_start, week.window_start + timedelta(days=6),
        )  # fmt: skip
        db.session.commit()
        return city_week.id


def test_staff_link_their_own_activities_and_are_refused_others(app, staff, make_activity):
    year = open_this_year(app, staff)
    _register(app, staff, year, SHENYANG)
    heping_id, _ = make_activity("和平区讲座", SHENYANG, HEPING)
    shenhe_id, _ = make_activity("沈河区讲座", SHENYANG, SHENHE)
    dalian_id, _ = make_activity("大连讲座", DALIAN)
    draft_id, _ = make_activity("草稿", SHENYANG, status=ActivityStatus.DRAFT)
    page = f"/staff/week/{year}/cities/{SHENYANG}"
    county = app.test_client()
    sign_in(county, "heping")
    html = county.get(page).get_data(as_text=True)
    assert "和平区讲座" in html and "沈河区讲座" not in html  # only their district's offered
    assert submit(county, f"{page}/link", {"activity": heping_id}).status_code == 302
    # another district's activity, posted by hand with a valid token: refused by the rule
    assert submit(county, f"{page}/link", {"activity": shenhe_id}).status_code == 403
    city = app.test_client()
    sign_in(city, "shenyang")
    assert submit(city, f"{page}/link", {"activity": dalian_id}).status_code == 403
    draft = submit(city, f"{page}/link", {"activity": draft_id})
    assert draft.status_code == 400 and "Only published activities" in draft.get_data(True)
    twice = submit(city, f"{page}/link", {"activity": heping_id})
    assert twice.status_code == 400 and "already part of the week" in twice.get_data(True)
    assert submit(city, f"{page}/link", {"activity": "x" * 30}).status_code == 400
    with app.app_context():
        linked = set(db.session.scalars(select(WeekActivity.activity_id)))
    assert linked == {heping_id}
    # Dalian's staff cannot link to Shenyang's week at all, nor remove its links
    other = app.test_client()
    sign_in(other, "dalian")
    assert submit(other, f"{page}/link", {"activity": dalian_id},
                  page=f"/staff/week/{year}/cities/{DALIAN}").status_code == 403  # fmt: skip
    with app.app_context():
        link_id = db.session.scalar(select(WeekActivity.id))
    removal = f"/staff/week/links/{link_id}/remove"
    assert submit(other, removal, {}, page=f"/staff/week/{year}/cities/{DALIAN}").status_code == 403
    shenhe = app.test_client()
    sign_in(shenhe, "shenhe")
    assert submit(shenhe, removal, {}, page=page).status_code == 403  # 和平区's activity
    assert submit(county, removal, {}, page=page).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(WeekActivity)) is None
    actions = audit_actions(app)
    assert actions.count(AuditAction.WEEK_ACTIVITY_LINKED) == 1
    assert actions[-1] == AuditAction.WEEK_ACTIVITY_UNLINKED


def test_the_public_programme_and_the_banners_during_a_citys_week(app, staff, make_activity):
    year = open_this_year(app, staff)
    city_week_id = _register(app, staff, year, SHENYANG)
    activity_id, _ = make_activity("智能手机讲座", SHENYANG, HEPING, days=(1, 2))
    with app.app_context():
        db.session.add(WeekActivity(city_week_id=city_week_id, activity_id=activity_id))
        city_week = db.session.get(CityWeek, city_week_id)
        # the week of Shenyang covers today
        city_week.starts_on, city_week.ends_on = local_today(), local_today() + timedelta(3)
        db.session.commit()
        theme = db.session.get(LearningWeek, year).theme
    client = app.test_client()
    client.set_cookie("learnhub_locale", "en")
    html = client.get(f"/week/{year}").get_data(as_text=True)
    assert "智能手机讲座" in html and theme in html and 'id="city-210100"' in html
    assert client.get("/week/1999").status_code == 404
    assert theme in client.get("/").get_data(as_text=True)
    assert theme in client.get(f"/c/{SHENYANG}").get_data(as_text=True)
    assert theme not in client.get(f"/c/{DALIAN}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Activity, activity_id).status = ActivityStatus.DRAFT
        db.session.get(CityWeek, city_week_id).starts_on = local_today() + timedelta(1)
        db.session.commit()
    fresh = app.test_client()
    assert "智能手机讲座" not in fresh.get(f"/week/{year}").get_data(as_text=True)
    city_page = fresh.get(f"/c/{SHENYANG}")
    assert city_page.status_code == 200 and theme not in city_page.get_data(as_text=True)
