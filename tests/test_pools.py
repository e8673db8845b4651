"""Pools: registration and approval by region, experts by staff, search, volunteers' hours."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learnhub.accounts.access import staff_scope
from learnhub.activities.kinds import ensure_activity_kinds
from learnhub.activities.models import Activity, ActivityKind
from learnhub.extensions import db
from learnhub.pools import services as pools
from learnhub.pools.models import MemberStatus, PoolKind
from learnhub.pools.services import PoolError
from tests.activity_staff_steps import sign_in_en
from tests.selection_steps import DALIAN, SHENYANG, expert_details, people, user

pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def ids(app, make_user):
    return people(make_user)


def activity_of(city: str) -> Activity:
    ensure_activity_kinds()
    kind = db.session.query(ActivityKind).first()
    activity = Activity(title=f"{city}讲座", kind_id=kind.id, city_code=city, is_online=True,
                        online_url="https://meeting.example.cn/1")  # fmt: skip
    db.session.add(activity)
    db.session.flush()
    return activity


def volunteer(ids, login="sy_star", city=SHENYANG):
    member = pools.register(user(ids[login]), PoolKind.VOLUNTEER, expert_details("志愿者", city))
    pools.decide(staff_scope(user(ids["province"])), member, True, user(ids["province"]))
    return member


def test_registration_is_decided_by_staff_of_its_region_once(app, ids):
    with app.app_context():
        member = pools.register(user(ids["sy_star"]), PoolKind.TEACHER,
                                expert_details("老师", SHENYANG))  # fmt: skip
        assert member.status is MemberStatus.PENDING
        with pytest.raises(PoolError, match="another region"):
            pools.decide(staff_scope(user(ids["dl_city"])), member, True, user(ids["dl_city"]))
        assert member.status is MemberStatus.PENDING
        pools.decide(staff_scope(user(ids["sy_city"])), member, False, user(ids["sy_city"]))
        assert member.status is MemberStatus.DECLINED
        with pytest.raises(PoolError, match="already decided"):
            pools.decide(staff_scope(user(ids["sy_city"])), member, True, user(ids["sy_city"]))
        with pytest.raises(PoolError, match="already registered"):
            pools.register(user(ids["sy_star"]), PoolKind.TEACHER, expert_details("老师", SHENYANG))
        with pytest.raises(PoolError, match="added by staff"):
            pools.register(user(ids["sy_star"]), PoolKind.EXPERT, expert_details("x", SHENYANG))


def test_search_by_specialty_stays_in_the_staff_region(app, ids):
    with app.app_context():
        volunteer(ids)
        volunteer(ids, "dl_star", DALIAN)
        found = db.session.scalars(pools.search(staff_scope(user(ids["sy_city"])),
                                                PoolKind.VOLUNTEER, "社区")).all()  # fmt: skip
        assert [m.city_code for m in found] == [SHENYANG]
        everywhere = db.session.scalars(pools.search(staff_scope(user(ids["province"])),
                                                     PoolKind.VOLUNTEER, "社区")).all()  # fmt: skip
        assert len(everywhere) == 2
        assert not db.session.scalars(pools.search(staff_scope(user(ids["province"])),
                                                   PoolKind.VOLUNTEER, "园艺")).all()  # fmt: skip


@pytest.mark.parametrize("hours", ["0", "-1", "1000", "1.25", "abc", "NaN", "Infinity"])
def test_hours_are_decimal_tenths_within_range(app, ids, hours):
    with app.app_context():
        member = volunteer(ids)
        activity = activity_of(SHENYANG)
        with pytest.raises(PoolError, match=r"Hours must be|as a number"):
            pools.record_service(staff_scope(user(ids["sy_city"])), member, activity, hours,
                                 user(ids["sy_city"]))  # fmt: skip
        assert pools.hours_of(member) == Decimal(0)


def test_volunteer_hours_are_recorded_once_per_activity_and_totalled(app, ids, client):
    with app.app_context():
        member = volunteer(ids)
        staff = user(ids["sy_city"])
        first, second = activity_of(SHENYANG), activity_of(SHENYANG)
        pools.record_service(staff_scope(staff), member, first, "2.5", staff)
        pools.record_service(staff_scope(staff), member, second, " 1.5 ", staff)
        with pytest.raises(PoolError, match="already recorded"):
            pools.record_service(staff_scope(staff), member, first, "1", staff)
        with pytest.raises(PoolError, match="another region"):
            pools.record_service(staff_scope(user(ids["dl_city"])), member, activity_of(SHENYANG),
                                 "1", user(ids["dl_city"]))  # fmt: skip
        assert pools.hours_of(member) == Decimal("4.0")
        assert isinstance(pools.hours_of(member), Decimal)
        totals = pools.hours_by_volunteer(staff_scope(staff))
        assert [(m.id, str(h)) for m, h in totals] == [(member.id, "4.0")]
        assert pools.hours_by_volunteer(staff_scope(user(ids["dl_city"]))) == []
        db.session.commit()
    sign_in_en(client, "sy_star")
    page = client.get("/pools/mine").get_data(as_text=True)
    assert "In all: 4.0 hours" in page and "210100讲座" in page


def test_a_pending_volunteer_is_not_recorded_and_experts_are_added_in_scope(app, ids):
    with app.app_context():
        member = pools.register(user(ids["sy_star"]), PoolKind.VOLUNTEER,
                                expert_details("志愿者", SHENYANG))  # fmt: skip
        staff = user(ids["sy_city"])
        with pytest.raises(PoolError, match="Only approved volunteers"):
            pools.record_service(staff_scope(staff), member, activity_of(SHENYANG), "1", staff)
        with pytest.raises(PoolError, match="own city only"):
            pools.add_expert(staff_scope(staff), staff, expert_details("x", DALIAN), None)
        with pytest.raises(PoolError, match="yourself"):
            pools.add_expert(staff_scope(staff), staff, expert_details("x", SHENYANG), staff)
        expert = pools.add_expert(staff_scope(staff), staff, expert_details("x", SHENYANG),
                                  user(ids["sy_expert"]))  # fmt: skip
        with pytest.raises(PoolError, match="already linked"):
            pools.add_expert(staff_scope(staff), staff, expert_details("y", SHENYANG),
                             user(ids["sy_expert"]))  # fmt: skip
        assert expert.status is MemberStatus.APPROVED
