"""Demo selections: this year's 百姓学习之星 in expert review (nominees of several cities,
experts' scores) and last year's with its winners published. Loading twice adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import EVERYTHING, Scope
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.pools.models import PoolKind, PoolMember

from . import kinds, review, services
from .models import Selection, SelectionKind

CITIES = ("210100", "210200", "210300", "210400")
STORIES = (
    "退休后坚持在社区学院学习十年，带动邻里组建读书会，累计服务居民三百余人次。",
    "从零开始学习智能手机和摄影，如今在社区当志愿讲师，教老年人用手机挂号、视频通话。",
    "下岗后通过社区教育学习面点技能，创办小店，又免费为社区居民开设技能课程。",
)
CRITERIA = [
    services.CriterionDraft("学习事迹", Decimal(40), 10),
    services.CriterionDraft("学习成效", Decimal(30), 10),
    services.CriterionDraft("示范带动", Decimal(30), 10),
]


def _learners(city: str, count: int) -> list[User]:
    demo_learner = User.username.like(f"demo\\_{city}\\_%", escape="\\")
    query = select(User).where(User.city_code == city, User.role == Role.LEARNER, demo_learner)
    return list(db.session.scalars(query.order_by(User.id).limit(count)))


def _open(kind: SelectionKind, year: int, start, province: User) -> Selection:
    return services.open_selection(
        EVERYTHING, province, kind, year, f"{year}年辽宁省百姓学习之星",
        dict.fromkeys(CITIES, 2), CRITERIA, "主要学习经历\n带动他人学习的情况",
        (start, start + timedelta(days=20), start + timedelta(days=40)),
    )  # fmt: skip


def _nominate(selection: Selection, now, province: User) -> list:
    made = []
    for city in CITIES:
        staff = db.session.scalar(select(User).where(
            User.managed_region_code == city, User.role == Role.CITY_STAFF))  # fmt: skip
        # A city without a demo centre is nominated for by the province's.
        scope = Scope(city_code=city) if staff else EVERYTHING
        staff = staff or province
        for number, learner in enumerate(_learners(city, 2)):
            nomination = services.nominate(
                scope, staff, selection, city, learner.display_name,
                STORIES[(number + len(made)) % len(STORIES)], {"主要学习经历": "社区学院"},
                nominee=learner, now=now,
            )  # fmt: skip
            services.answer_consent(learner, nomination, True, ["name", "story", "record"])
            made.append(nomination)
    return made


def _score_all(selection: Selection, now) -> None:
    experts = db.session.scalars(select(PoolMember).where(
        PoolMember.kind == PoolKind.EXPERT, PoolMember.user_id.is_not(None)))  # fmt: skip
    for expert in experts:
        review.assign_reviewer(EVERYTHING, selection, expert)
    review.start_review(EVERYTHING, selection)
    for expert in db.session.scalars(select(PoolMember).where(
            PoolMember.kind == PoolKind.EXPERT, PoolMember.user_id.is_not(None))):  # fmt: skip
        for position, nomination in enumerate(review.reviewable(expert, selection)):
            if position % 3 == 2:
                continue  # some left to score
            scores = {c.id: 6 + (position + c.position + expert.id) % 5 for c in selection.criteria}
            review.score(expert, nomination, scores, "事迹突出，示范作用明显。", now=now)


def load_demo_selections(progress: Callable) -> None:
    kinds.ensure_standard_kinds()
    province = db.session.scalar(select(User).where(User.username == "province_admin"))
    star = db.session.scalar(select(SelectionKind).where(SelectionKind.name == "百姓学习之星"))
    this_year = utcnow().year
    for year in progress([this_year - 1, this_year]):
        if db.session.scalar(select(Selection.id).where(
                Selection.kind_id == star.id, Selection.year == year)):  # fmt: skip
            continue
        start = (
            (utcnow() - timedelta(days=365 + 30))
            if year < this_year
            else utcnow() - timedelta(days=25)
        )
        selection = _open(star, year, start, province)
        _nominate(selection, start + timedelta(days=1), province)
        if year == this_year:
            _score_all(selection, utcnow())
            continue
        _score_all(selection, start + timedelta(days=25))
        ranked = review.ranking(EVERYTHING, selection)
        review.confirm_winners(EVERYTHING, selection, {r.nomination.id for r in ranked[:3]})
        review.publish(EVERYTHING, selection)
    db.session.flush()
