"""The regions staff accounts are given for: their codes, names and the pickers' choices."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from learnhub.accounts.access import grantable_roles, may_grant
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import districts_by_city, get_region


def region_codes(region: Region | None) -> tuple[str | None, str | None]:
    """(city, district) of a region for the audit log: a province is neither."""
    if region is None or region.level is RegionLevel.PROVINCE:
        return None, None
    if region.level is RegionLevel.CITY:
        return region.code, None
    return region.parent_code, region.code


def region_label(region: Region | None) -> str:
    """A region's name with its city's: 沈阳市 · 和平区."""
    if region is None:
        return ""
    if region.level is RegionLevel.DISTRICT and region.parent is not None:
        return f"{region.parent.display_name} · {region.display_name}"
    return region.display_name


def grantable_regions(user) -> list[Region]:
    """The regions the user may give at least one role for, province first, then by city."""
    province = get_region(current_app.config["HOME_PROVINCE"])
    roles = grantable_roles(user)
    candidates = [province] if province is not None else []
    for city, districts in districts_by_city(current_app.config["HOME_PROVINCE"]).items():
        candidates += [city, *districts]
    return [r for r in candidates if any(may_grant(user, role, r) for role in roles)]


def region_choices(user) -> list[tuple[str, str]]:
    """The region picker's choices for this user (the rules are checked again on saving)."""
    return [("", _("Choose…"))] + [(r.code, region_label(r)) for r in grantable_regions(user)]
