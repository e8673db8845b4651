"""The part of the province a staff member looks after: everything, one city, or one district.

Province centres (省级指导中心) look after everything, city centres (市级) one city and all
its districts, county centres (区县) one district of one city. Editors write the courses of
their own region at any of those levels. Every check of "may this person see or change this
thing of that place" goes through a :class:`Scope` (see access.py), and every staff list is
filtered with :meth:`Scope.where`, so a district's staff never see another district's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, true

from learnhub.regions.models import RegionLevel

from .models import Role, User


@dataclass(frozen=True)
class Scope:
    """A region: the whole province (``everything``), a city, or a district of a city."""

    everything: bool = False
    city_code: str | None = None
    district_code: str | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.city_code is None

    @property
    def whole_city(self) -> bool:
        """One city with all its districts."""
        return self.city_code is not None and self.district_code is None

    def covers(self, city_code: str | None, district_code: str | None = None) -> bool:
        """Whether a thing of this city (and district) lies in the scope.

        A district scope covers only things of its district; a thing known only by its city
        (no district) lies in a district scope only if… it does not: the city's staff see it.
        """
        if self.everything:
            return True
        if self.city_code is None or city_code != self.city_code:
            return False
        return self.district_code is None or district_code == self.district_code

    def covers_region(self, code: str, level: RegionLevel, parent_code: str | None) -> bool:
        """Whether a region itself (a province, city or district code) lies in the scope."""
        if self.everything:
            return True
        if level is RegionLevel.CITY:
            return self.whole_city and code == self.city_code
        if level is RegionLevel.DISTRICT:
            return self.covers(parent_code, code)
        return False

    def where(self, city_column, district_column=None) -> ColumnElement[bool]:
        """A filter for queries: rows whose city (and district) lie in the scope."""
        if self.everything:
            return true()
        if self.city_code is None:
            return false()
        if self.district_code is None or district_column is None:
            clause = city_column == self.city_code
            return clause if self.district_code is None else false()
        return and_(city_column == self.city_code, district_column == self.district_code)


EVERYTHING = Scope(everything=True)
NOTHING = Scope()

# The roles whose work is a region's staff work (learners, reviews, credit accounts).
CENTRE_ROLES = frozenset({Role.PROVINCE_STAFF, Role.CITY_STAFF, Role.COUNTY_STAFF})


def region_scope(user: User) -> Scope:
    """The scope of the user's own region (managed_region_code), whatever their role."""
    region = user.managed_region
    if region is None:
        return NOTHING
    if region.level is RegionLevel.PROVINCE:
        return EVERYTHING
    if region.level is RegionLevel.CITY:
        return Scope(city_code=region.code)
    return Scope(city_code=region.parent_code, district_code=region.code)


def staff_scope(user) -> Scope:
    """What a centre's staff member looks after; nothing for editors and learners."""
    if not (user and user.is_authenticated) or user.role not in CENTRE_ROLES:
        return NOTHING
    if user.role is Role.PROVINCE_STAFF:
        return EVERYTHING
    return region_scope(user)
