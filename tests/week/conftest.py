"""People and activities for the week's tests: 沈阳 (和平区, 沈河区) and 大连 (中山区)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learnhub.accounts.models import Role
from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
)
from learnhub.clock import local_midnight, local_today
from learnhub.extensions import db

SHENYANG, HEPING, SHENHE = "210100", "210102", "210103"
DALIAN, ZHONGSHAN = "210200", "210202"

STAFF = {
    "province": {"role": Role.PROVINCE_STAFF, "managed": "210000"},
    "shenyang": {"role": Role.CITY_STAFF, "managed": SHENYANG},
    "dalian": {"role": Role.CITY_STAFF, "managed": DALIAN, "city": DALIAN, "district": ZHONGSHAN},
    "heping": {"role": Role.COUNTY_STAFF, "managed": HEPING},
    "shenhe": {"role": Role.COUNTY_STAFF, "managed": SHENHE, "district": SHENHE},
}


@pytest.fixture
def staff(make_user):
    return {login: make_user(login=login, name=f"{login}中心", **fields)
            for login, fields in STAFF.items()}  # fmt: skip


def at(days: int, hour: int = 10):
    """A moment ``days`` from today (China time), at ``hour`` o'clock."""
    return local_midnight(local_today() + timedelta(days=days)) + timedelta(hours=hour)


@pytest.fixture
def make_activity(app):
    """A published activity (online) with sessions at the given day offsets; returns ids."""

    def make(title, city, district=None, days=(1,), status=ActivityStatus.PUBLISHED):
        with app.app_context():
            kind = db.session.query(ActivityKind).filter_by(code="lecture").one_or_none()
            if kind is None:
                kind = ActivityKind(code="lecture", name="专题讲座", name_en="Lectures")
                db.session.add(kind)
            activity = Activity(
                title=title, kind=kind, city_code=city, district_code=district, is_online=True,
                online_url="https://example.org/live", status=status,
            )  # fmt: skip
            for offset in days:
                activity.sessions.append(
                    ActivitySession(starts_at=at(offset), ends_at=at(offset, 12), capacity=20)
                )
            db.session.add(activity)
            db.session.commit()
            return activity.id, [s.id for s in activity.sessions]

    return make
