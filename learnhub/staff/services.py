"""What staff see of learners: counts and masked lists, always within their scope."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, Module
from learnhub.extensions import db
from learnhub.rankings.models import CourseDay
from learnhub.regions.models import Region


def learner_counts(city_codes: frozenset[str] | None, province_code: str) -> list[tuple]:
    """(city, registered accounts) for each city in scope (None: every city of the province)."""
    query = (
        select(Region, func.count(User.id))
        .outerjoin(User, User.city_code == Region.code)
        .where(Region.parent_code == province_code, Region.level == "city")
        .group_by(Region.code)
        .order_by(Region.code)
    )
    if city_codes is not None:
        query = query.where(Region.code.in_(city_codes))
    return [tuple(row) for row in db.session.execute(query)]


def district_counts(city_code: str) -> list[tuple]:
    """(district, registered accounts) for each district of a city."""
    query = (
        select(Region, func.count(User.id))
        .outerjoin(User, User.district_code == Region.code)
        .where(Region.parent_code == city_code)
        .group_by(Region.code)
        .order_by(Region.code)
    )
    return [tuple(row) for row in db.session.execute(query)]


def learners_of_city(city_code: str, page: int, per_page: int = 50):
    """A page of the city's accounts, newest first."""
    query = select(User).where(User.city_code == city_code).order_by(User.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


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
