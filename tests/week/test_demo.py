"""The demo's activities and week: relative to today, enough of them, repeatable."""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from learnhub.activities.models import Activity, Attendance, SignUp, SignUpStatus
from learnhub.clock import local_today
from learnhub.creditbank.models import LedgerEntry
from learnhub.creditbank.services import verify_ledger
from learnhub.extensions import db
from learnhub.week.models import CityWeek, LearningWeek, WeekActivity


def _counts():
    return (
        db.session.scalar(select(func.count(Activity.id))),
        db.session.scalar(select(func.count(WeekActivity.id))),
        db.session.scalar(select(func.count(Attendance.id))),
    )


def test_the_demo_has_a_current_week_with_activities_in_eight_cities(runner, app):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        today = local_today()
        week = db.session.get(LearningWeek, today.year)
        assert week.window_start <= today <= week.window_end
        city_weeks = list(db.session.scalars(select(CityWeek)))
        assert len(city_weeks) >= 8
        assert all(cw.links for cw in city_weeks)
        assert any(cw.starts_on <= today <= cw.ends_on for cw in city_weeks)
        assert db.session.scalar(select(func.count(distinct(Activity.city_code)))) >= 8
        first = _counts()
        assert first[0] >= 40 and first[1] == first[0] and first[2] > 0
        waiting = select(func.count()).where(SignUp.status == SignUpStatus.WAITING)
        assert db.session.scalar(waiting.select_from(SignUp)) > 0
        # each attendance is paid once, through the attendance service and the ledger
        paid = select(func.count(LedgerEntry.id)).where(
            LedgerEntry.business_key.like("attendance:%")
        )
        assert db.session.scalar(paid) == first[2]
        assert list(verify_ledger()) == []
        db.session.rollback()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert _counts() == first
    page = app.test_client().get(f"/week/{today.year}").get_data(as_text=True)
    assert "沈阳市·" in page
