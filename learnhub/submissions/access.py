"""Who may do what with a task: its owner (the staff of the region that set it) and the
units that must submit (each unit's own staff, acting only for it)."""

from __future__ import annotations

from flask import current_app

from learnhub.accounts.models import Role

from .models import SubmissionTask

# The staff who act for a unit of each level: city staff for a city, county staff for a
# district.
UNIT_ROLES = (Role.CITY_STAFF, Role.COUNTY_STAFF)
OWNER_ROLES = (Role.PROVINCE_STAFF, Role.CITY_STAFF)


def unit_of(user) -> str | None:
    """The unit (a city's or a district's region code) the user submits for, if any."""
    if not (user and user.is_authenticated) or user.role not in UNIT_ROLES:
        return None
    return user.managed_region_code


def owner_region_of(user) -> str | None:
    """The region whose tasks the user sets and reviews: the province for province staff,
    their city for city staff; None for everyone else."""
    if not (user and user.is_authenticated) or user.role not in OWNER_ROLES:
        return None
    if user.role is Role.PROVINCE_STAFF:
        return current_app.config["HOME_PROVINCE"]
    return user.managed_region_code


def may_set_tasks(user) -> bool:
    """Province staff set tasks for cities (and districts), city staff for their districts."""
    return owner_region_of(user) is not None


def owns(user, task: SubmissionTask) -> bool:
    """Whether the user is staff of the level that set the task (its board, its reviews)."""
    return owner_region_of(user) == task.owner_region_code


def must_submit(task: SubmissionTask, region_code: str | None) -> bool:
    return region_code is not None and any(u.region_code == region_code for u in task.units)


def acts_for(user, task: SubmissionTask, region_code: str) -> bool:
    """Whether the user is the staff of this unit, and the unit must submit for the task."""
    return unit_of(user) == region_code and must_submit(task, region_code)


def may_see(user, task: SubmissionTask, region_code: str) -> bool:
    """The unit's own staff and the task's owner see a unit's submission; nobody else."""
    return acts_for(user, task, region_code) or (
        owns(user, task) and must_submit(task, region_code)
    )
