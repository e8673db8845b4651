"""Who may see and change what: the one place staff roles and city scope are checked."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Protocol

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .models import Role, User


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


def managed_city_codes(user: User) -> frozenset[str] | None:
    """The cities whose data the user may see; None means every city."""
    if user.role is Role.PROVINCE_STAFF:
        return None
    if user.role is Role.CITY_STAFF and user.managed_region_code:
        return frozenset({user.managed_region_code})
    return frozenset()


def may_manage_city(user: User, city_code: str) -> bool:
    """Whether the user may see and change this city's data."""
    cities = managed_city_codes(user)
    return cities is None or city_code in cities


def ensure_may_manage_city(user: User, city_code: str) -> None:
    """Abort with 403 unless the user may manage this city."""
    if not may_manage_city(user, city_code):
        abort(403)


# Course editing (the studio). Editors and city staff edit the courses of their region;
# an editor of the province, like province staff, edits every course.
COURSE_EDITING_ROLES = (Role.EDITOR, Role.CITY_STAFF, Role.PROVINCE_STAFF)


def may_use_studio(user) -> bool:
    """Whether the visitor (signed in or not) may open the studio at all."""
    return bool(user and user.is_authenticated and user.role in COURSE_EDITING_ROLES)


def editable_region_codes(user: User) -> frozenset[str] | None:
    """The regions whose courses the user may create and edit; None means every region."""
    if user.role is Role.PROVINCE_STAFF:
        return None
    if user.role not in COURSE_EDITING_ROLES or not user.managed_region_code:
        return frozenset()
    if user.managed_region_code == current_app.config["HOME_PROVINCE"]:
        return None
    return frozenset({user.managed_region_code})


def may_edit_region_courses(user: User, region_code: str) -> bool:
    """Whether the user may create and edit courses offered by this region."""
    regions = editable_region_codes(user)
    return regions is None or region_code in regions


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


def may_see_rankings_detail(user) -> bool:
    """Whether the user sees the staff side of the rankings (filtered views, trends)."""
    return bool(user and user.is_authenticated and managed_city_codes(user) != frozenset())


def may_review_registrations(user, city_code: str) -> bool:
    """Whether the user may exclude this city's registration bursts from the ranking (or
    count them again): the city's staff and province staff."""
    return bool(
        user
        and user.is_authenticated
        and user.role in (Role.CITY_STAFF, Role.PROVINCE_STAFF)
        and may_manage_city(user, city_code)
    )


# Credit bank staff work. City staff act on their own city's learners and applications;
# province staff on every city; editors and learners never.
CREDIT_STAFF_ROLES = (Role.CITY_STAFF, Role.PROVINCE_STAFF)


def may_do_credit_work(user) -> bool:
    """Whether the user may open the credit-bank staff pages at all."""
    return bool(user and user.is_authenticated and user.role in CREDIT_STAFF_ROLES)


def may_act_for_city(user, city_code: str | None) -> bool:
    """Whether the user may review, freeze, reverse or open accounts for this city's learners."""
    return may_do_credit_work(user) and city_code is not None and may_manage_city(user, city_code)


def ensure_may_act_for_city(user, city_code: str | None) -> None:
    """Abort with 403 unless the user may do credit-bank work for this city."""
    if not may_act_for_city(user, city_code):
        abort(403)


# Levels of responsibility, highest first: province > city > (editor, learner). Staff act on
# the credit accounts of people at their own level or below, never above (city staff do not
# adjust a province colleague's account). A county level fits in between city and learner.
ROLE_LEVELS = {
    Role.PROVINCE_STAFF: 30,
    Role.CITY_STAFF: 20,
    Role.EDITOR: 0,
    Role.LEARNER: 0,
}


def role_level(user: User) -> int:
    """How high the user's role stands in the order province > city > editor/learner."""
    return ROLE_LEVELS[user.role]


def credit_account_refusal(staff: User, account_city: str | None, holder: User):
    """Why this staff member may not act on the credit account kept by ``account_city`` for
    ``holder`` (a lazy message), or None when they may.

    Separation of duties: never one's own account, never an account of someone of a higher
    level, only accounts kept by a city the staff member works for.
    """
    if not may_act_for_city(staff, account_city):
        return _l("This credit account is kept by another city's center.")
    if holder.id == staff.id:
        return _l("You cannot act on your own credit account; another staff member must.")
    if role_level(holder) > role_level(staff):
        return _l("This account belongs to staff of a higher level; they must act on it.")
    return None


def may_see_credit_account(staff, account_city: str | None, holder: User) -> bool:
    """Whether the staff member may open this credit account's staff page (their own too)."""
    return may_act_for_city(staff, account_city) and role_level(holder) <= role_level(staff)


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
