"""Shared set-up of the selections and pools tests: staff, learners, experts, a selection."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from learnhub.accounts.access import staff_scope
from learnhub.accounts.models import Role, User
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.pools import services as pools
from learnhub.selections import kinds, services
from learnhub.selections.models import Selection, SelectionKind

SHENYANG, DALIAN, PROVINCE = "210100", "210200", "210000"


def people(make_user) -> dict[str, int]:
    return {
        "province": make_user(login="province", role=Role.PROVINCE_STAFF, managed=PROVINCE,
                              name="省中心"),
        "sy_city": make_user(login="sy_city", role=Role.CITY_STAFF, managed=SHENYANG,
                             name="沈阳中心"),
        "dl_city": make_user(login="dl_city", role=Role.CITY_STAFF, managed=DALIAN,
                             city=DALIAN, district="210202", name="大连中心"),
        "sy_star": make_user(login="sy_star", name="沈阳学员"),
        "sy_star2": make_user(login="sy_star2", name="沈阳学员二"),
        "dl_star": make_user(login="dl_star", city=DALIAN, district="210202", name="大连学员"),
        "sy_expert": make_user(login="sy_expert", name="沈阳专家"),
        "dl_expert": make_user(login="dl_expert", city=DALIAN, district="210202",
                               name="大连专家"),
    }  # fmt: skip


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


def expert_details(name: str, city: str) -> pools.MemberDetails:
    return pools.MemberDetails(name, "辽宁大学", "社区教育", city, None, "13800000000", "周末")


def open_star_selection(ids: dict, quota: int = 1, opened_ago: timedelta = timedelta(days=1)):
    """A 百姓学习之星 selection taking nominations, with two criteria (weights 2 and 1)."""
    kinds.ensure_standard_kinds()
    star = db.session.query(SelectionKind).filter_by(name="百姓学习之星").one()
    start = utcnow() - opened_ago
    selection = services.open_selection(
        staff_scope(user(ids["province"])),
        user(ids["province"]),
        star,
        start.year,
        "2026年百姓学习之星",
        {SHENYANG: quota, DALIAN: quota},
        [services.CriterionDraft("学习事迹", Decimal(2), 10),
         services.CriterionDraft("示范作用", Decimal(1), 5)],
        "学习经历\n带动他人",
        (start, start + timedelta(days=10), start + timedelta(days=20)),
    )  # fmt: skip
    db.session.commit()
    return selection.id


def selection(selection_id: int) -> Selection:
    return db.session.get(Selection, selection_id)
