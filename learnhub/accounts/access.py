"""Who may see and change what: the one place roles and regions are checked.

Three levels of centres — province (省), city (市), county (区/县) — each look after their
own region (scopes.py): a county centre one district, a city centre its city and all its
districts, the province everything. Editors write the courses of their region. A staff
member is also a learner with their own account, and never acts on it as staff; nor on the
account of someone at a higher level.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Protocol

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel

from .models import STAFF_ROLES, Role, User
from .scopes import CENTRE_ROLES, EVERYTHING, NOTHING, Scope, region_scope, staff_scope

__all__ = ["CENTRE_ROLES", "Scope", "staff_scope"]


class RegionalThing(Protocol):
    """Anything offered by a region (a course, later a place or an activity)."""

    region_code: str


def role_required(*roles: Role) -> Callable:
    """A view decorator: signed in, and holding one of these roles (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# ---- a centre's region ---------------------------------------------------------------------


def may_manage(user, city_code: str | None, district_code: str | None = None) -> bool:
    """Whether the user's centre looks after things of this city (and district)."""
    return staff_scope(user).covers(city_code, district_code)


def ensure_may_manage(user, city_code: str | None, district_code: str | None = None) -> None:
    """Abort with 403 unless the user's centre looks after this city (and district)."""
    if not may_manage(user, city_code, district_code):
        abort(403)


def may_manage_city(user, city_code: str) -> bool:
    """Whether the user's centre looks after this whole city (city or province staff)."""
    scope = staff_scope(user)
    return scope.everything or (scope.whole_city and scope.city_code == city_code)


def ensure_may_manage_city(user, city_code: str) -> None:
    """Abort with 403 unless the user may see this whole city's pages."""
    if not may_manage_city(user, city_code):
        abort(403)


# ---- courses (the studio) ---------------------------------------------------------------------

# Editors and centre staff write the courses of their region: a county's, a city's (and its
# districts'), or — an editor of the province, and province staff — every course.
COURSE_EDITING_ROLES = (Role.EDITOR, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF)


def may_use_studio(user) -> bool:
    """Whether the visitor (signed in or not) may open the studio at all."""
    return bool(user and user.is_authenticated and user.role in COURSE_EDITING_ROLES)


def content_scope(user) -> Scope:
    """The region whose courses the user writes."""
    if not may_use_studio(user):
        return NOTHING
    if user.role is Role.PROVINCE_STAFF:
        return EVERYTHING
    return region_scope(user)


def editable_region_codes(user: User) -> frozenset[str] | None:
    """The regions whose courses the user may create and edit; None means every region."""
    scope = content_scope(user)
    if scope.everything:
        return None
    if scope.nothing:
        return frozenset()
    if scope.district_code is not None:
        return frozenset({scope.district_code})
    districts = db.session.scalars(select(Region.code).where(Region.parent_code == scope.city_code))
    return frozenset({scope.city_code, *districts})


def may_edit_region_courses(user: User, region_code: str) -> bool:
    """Whether the user may create and edit courses offered by this region."""
    scope = content_scope(user)
    if scope.everything or scope.nothing:
        return scope.everything
    region = db.session.get(Region, region_code)
    return region is not None and scope.covers_region(region.code, region.level, region.parent_code)


def may_edit_course(user: User, course: RegionalThing) -> bool:
    """Whether the user may change this course, its lessons and its status."""
    return may_edit_region_courses(user, course.region_code)


def ensure_may_edit_course(user: User, course: RegionalThing) -> None:
    """Abort with 403 unless the user may change this course."""
    if not may_edit_course(user, course):
        abort(403)


def may_feature_courses(user: User) -> bool:
    """Whether the user may put courses on the home page (province staff only)."""
    return user.role is Role.PROVINCE_STAFF


# ---- rankings ----------------------------------------------------------------------------------


def may_see_rankings_detail(user) -> bool:
    """Whether the user sees the staff side of the rankings (filtered views, trends)."""
    return not staff_scope(user).nothing


def may_review_registrations(user, city_code: str) -> bool:
    """Whether the user may exclude this city's registration bursts from the ranking (or
    count them again): the city's staff and province staff (a city-wide figure)."""
    return may_manage_city(user, city_code)


# ---- credit bank ------------------------------------------------------------------------------


def may_do_credit_work(user) -> bool:
    """Whether the user may open the credit-bank staff pages at all (a centre's staff)."""
    return bool(user and user.is_authenticated and user.role in CENTRE_ROLES)


def may_act_for(user, city_code: str | None, district_code: str | None = None) -> bool:
    """Whether the user may review, freeze, reverse or open accounts for learners of this city
    (and district): the centres whose region it lies in."""
    return (
        may_do_credit_work(user)
        and city_code is not None
        and may_manage(user, city_code, district_code)
    )


# Levels of responsibility, highest first: province > city > county > (editor, learner). Staff
# act on the accounts of people at their own level or below, never above, and grant roles at
# most their own level.
ROLE_LEVELS = {
    Role.PROVINCE_STAFF: 30,
    Role.CITY_STAFF: 20,
    Role.COUNTY_STAFF: 10,
    Role.EDITOR: 0,
    Role.LEARNER: 0,
}


def role_level(user: User) -> int:
    """How high the user's role stands in the order province > city > county > others."""
    return ROLE_LEVELS[user.role]


def credit_account_refusal(staff: User, account_city: str | None, holder: User):
    """Why this staff member may not act on the credit account kept by ``account_city`` for
    ``holder`` (a lazy message), or None when they may.

    Separation of duties: never one's own account, never an account of someone of a higher
    level, only accounts kept in the staff member's region.
    """
    if not may_act_for_holder(staff, account_city, holder):
        return _l("This credit account is kept by another center.")
    if holder.id == staff.id:
        return _l("You cannot act on your own credit account; another staff member must.")
    if role_level(holder) > role_level(staff):
        return _l("This account belongs to staff of a higher level; they must act on it.")
    return None


def _district_in(city_code: str | None, holder: User) -> str | None:
    # The holder's district counts only while they live in the account's city (an account
    # waiting for a transfer stays with the city, not with a district there).
    return holder.district_code if holder.city_code == city_code else None


def may_act_for_holder(user, city_code: str | None, holder: User) -> bool:
    """Whether the user may do credit work on something a learner has with this city's
    centre (their account, an application): by the city, and the learner's district there."""
    return may_act_for(user, city_code, _district_in(city_code, holder))


def ensure_may_act_for_holder(user, city_code: str | None, holder: User) -> None:
    """Abort with 403 unless the user may do credit work on this learner's business."""
    if not may_act_for_holder(user, city_code, holder):
        abort(403)


def may_see_credit_account(staff, account_city: str | None, holder: User) -> bool:
    """Whether the staff member may open this credit account's staff page (their own too)."""
    return may_act_for_holder(staff, account_city, holder) and role_level(holder) <= role_level(
        staff
    )


def ensure_may_see_credit_account(staff, account_city: str | None, holder: User) -> None:
    """Abort with 403 unless the staff member may open this credit account's staff page."""
    if not may_see_credit_account(staff, account_city, holder):
        abort(403)


def may_act_on_credit_account(staff, account_city: str | None, holder: User) -> bool:
    """Whether the staff member may change this credit account (see credit_account_refusal)."""
    return credit_account_refusal(staff, account_city, holder) is None


def may_define_credit_rules(user) -> bool:
    """Province-wide definitions (outcome catalogue, conversion rules): province staff only."""
    return bool(user and user.is_authenticated and user.role is Role.PROVINCE_STAFF)


def may_watch_jobs(user) -> bool:
    """Whether the user sees the background jobs and their failures (province staff only)."""
    return bool(user and user.is_authenticated and user.role is Role.PROVINCE_STAFF)


# ---- staff administration (who may create, change and disable whose account) -------------

# The level of region each role is given for: city staff a city, county staff a district,
# editors the province, a city or a district. Province staff are made only by the command
# ``flask users create-admin``, never on a page.
ROLE_REGION_LEVELS = {
    Role.CITY_STAFF: frozenset({RegionLevel.CITY}),
    Role.COUNTY_STAFF: frozenset({RegionLevel.DISTRICT}),
    Role.EDITOR: frozenset({RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.DISTRICT}),
}


def grantable_roles(user) -> list[Role]:
    """The roles a centre's staff member may give: those below their own level, and editor."""
    if not (user and user.is_authenticated) or user.role not in CENTRE_ROLES:
        return []
    return [
        role
        for role in (Role.CITY_STAFF, Role.COUNTY_STAFF, Role.EDITOR)
        if role is Role.EDITOR or ROLE_LEVELS[role] < ROLE_LEVELS[user.role]
    ]


def _region_in_scope(user: User, region: Region) -> bool:
    return staff_scope(user).covers_region(region.code, region.level, region.parent_code)


def grant_refusal(user, role: Role, region: Region | None):
    """Why the user may not give ``role`` for ``region`` (a lazy message), or None."""
    if role not in grantable_roles(user):
        return _l("You cannot give this role: only roles below your own level, and content editor.")
    if region is None or region.level not in ROLE_REGION_LEVELS[role]:
        return _l("This role is not given for a region of that kind.")
    if not _region_in_scope(user, region):
        return _l("This region is outside the region you look after.")
    return None


def may_grant(user, role: Role, region: Region | None) -> bool:
    """Whether the user may give ``role`` for ``region`` (to a new or an existing account)."""
    return grant_refusal(user, role, region) is None


def administer_refusal(user, target: User):
    """Why the user may not change, disable, enable or send a link to ``target``, or None.

    Never one's own account; only staff accounts below one's own level (editors for
    everyone who may grant them), and only of one's own region.
    """
    if not (user and user.is_authenticated) or user.role not in CENTRE_ROLES:
        return _l("Only a centre's staff administer staff accounts.")
    if target.id == user.id:
        return _l("You cannot change your own account; another staff member must.")
    if target.role not in STAFF_ROLES:
        return _l("This is not a staff account.")
    if target.role not in grantable_roles(user):
        return _l("This account is at or above your own level; you cannot change it.")
    if target.managed_region is None or not _region_in_scope(user, target.managed_region):
        return _l("This account belongs to another region.")
    return None


def may_administer(user, target: User) -> bool:
    """Whether the user may change, disable or enable the target's staff account."""
    return administer_refusal(user, target) is None


def may_read_audit_log(user) -> bool:
    """The audit log of the whole province: province staff only."""
    return bool(user and user.is_authenticated and user.role is Role.PROVINCE_STAFF)


# ---- the help desk ------------------------------------------------------------------------------


def may_help(staff, person: User) -> bool:
    """Whether a centre's staff member may see this person at the help desk: people of their
    region (a county centre: its district; a city centre: its city; the province: all)."""
    return bool(
        staff
        and staff.is_authenticated
        and staff.role in CENTRE_ROLES
        and staff_scope(staff).covers(person.city_code, person.district_code)
    )


def may_look_up(staff, person: User) -> bool:
    """Whether the help desk finds this person for the staff member: of their region, and
    not staff of a higher level (whose pages, like their credit accounts, stay hidden)."""
    return may_help(staff, person) and role_level(person) <= role_level(staff)


def help_refusal(staff, person: User):
    """Why this staff member may not reset this person's password or correct their details
    (a lazy message), or None when they may: only people of their region, never their own
    account, never the account of staff of a higher level."""
    if not may_help(staff, person):
        return _l("This person is looked after by another centre.")
    if person.id == staff.id:
        return _l("You cannot do this for your own account; another staff member must.")
    if role_level(person) > role_level(staff):
        return _l("This account belongs to staff of a higher level; they must help.")
    return None
