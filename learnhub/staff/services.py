"""What staff see of learners: counts and masked lists, always within their scope."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.accounts.scopes import Scope
from learnhub.catalogue.models import Course, Module
from learnhub.extensions import db
from learnhub.rankings.models import CourseDay
from learnhub.regions.models import Region


def learner_counts(scope: Scope, province_code: str) -> list[tuple]:
    """(region, registered accounts) for each region in scope: every city of the province,
    one city, or a county centre's one district."""
    if scope.district_code is not None:
        return district_counts(scope.city_code, only=scope.district_code)
    query = (
        select(Region, func.count(User.id))
        .outerjoin(User, User.city_code == Region.code)
        .where(Region.parent_code == province_code, Region.level == "city")
        .where(scope.where(Region.code))
        .group_by(Region.code)
        .order_by(Region.code)
    )
    return [tuple(row) for row in db.session.execute(query)]


def district_counts(city_code: str, only: str | None = None) -> list[tuple]:
    """(district, registered accounts) for each district of a city (or only one)."""
    query = (
        select(Region, func.count(User.id))
        .outerjoin(User, User.district_code == Region.code)
        .where(Region.parent_code == city_code)
        .group_by(Region.code)
        .order_by(Region.code)
    )
    if only is not None:
        query = query.where(Region.code == only)
    return [tuple(row) for row in db.session.execute(query)]


def learners_of(scope: Scope, page: int, per_page: int = 50):
    """A page of the accounts of a city or a district, newest first."""
    query = select(User).where(scope.where(User.city_code, User.district_code))
    return db.paginate(query.order_by(User.id.desc()), page=page, per_page=per_page,
                       error_out=False)  # fmt: skip


def module_clicks(city_code: str, period) -> list[tuple]:
    """(module, clicks on its courses by the city's visitors) over the period, most first."""
    total = func.sum(CourseDay.value).label("total")
    query = (
        select(Module, total)
        .join(Course, Course.module_id == Module.id)
        .join(CourseDay, CourseDay.course_id == Course.id)
        .where(
            CourseDay.metric == "clicks",
            CourseDay.city_code == city_code,
            CourseDay.day.between(period.start, period.end),
        )
        .group_by(Module.id)
        .order_by(total.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]
