"""The staff list of a region: its filters, its query and its CSV export."""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import aliased

from learnhub.accounts.masking import mask_mobile
from learnhub.accounts.models import ROLE_LABELS, STAFF_ROLES, Role, User
from learnhub.accounts.scopes import Scope
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import get_region

from .models import NO_PASSWORD_YET
from .places import region_label

EXPORT_MAX_ROWS = 10_000
TEXT_MAX_LENGTH = 40


class StaffStatus(enum.StrEnum):
    ACTIVE = "active"
    WAITING = "waiting"
    DISABLED = "disabled"


STATUS_LABELS = {
    StaffStatus.ACTIVE: _l("Active"),
    StaffStatus.WAITING: _l("Waiting for activation"),
    StaffStatus.DISABLED: _l("Disabled"),
}


def status_of(user: User) -> StaffStatus:
    if not user.active:
        return StaffStatus.DISABLED
    return StaffStatus.WAITING if user.password_hash == NO_PASSWORD_YET else StaffStatus.ACTIVE


@dataclass(frozen=True)
class PeopleFilter:
    role: Role | None = None
    region: Region | None = None
    status: StaffStatus | None = None
    text: str = ""


def read_filter(args: Mapping[str, str]) -> tuple[PeopleFilter, str | None]:
    """The list's filters from the query string, and what was wrong with them (or None)."""
    role_text, status_text = args.get("role", ""), args.get("status", "")
    region_code, text = args.get("region", ""), args.get("q", "").strip()
    if role_text and role_text not in {str(role) for role in STAFF_ROLES}:
        return PeopleFilter(), _("Choose a role from the list.")
    if status_text and status_text not in set(StaffStatus):
        return PeopleFilter(), _("Choose a status from the list.")
    region = get_region(region_code) if region_code else None
    if region_code and region is None:
        return PeopleFilter(), _("Choose a region from the list.")
    if len(text) > TEXT_MAX_LENGTH:
        return PeopleFilter(), _("Search for at most %(count)d characters.", count=TEXT_MAX_LENGTH)
    return PeopleFilter(
        role=Role(role_text) if role_text else None, region=region,
        status=StaffStatus(status_text) if status_text else None, text=text,
    ), None  # fmt: skip


def staff_query(scope: Scope, wanted: PeopleFilter) -> Select:
    """Staff accounts whose region lies in the scope and that match the filter."""
    region = aliased(Region)
    is_district = region.level == RegionLevel.DISTRICT
    city = case((is_district, region.parent_code), else_=region.code)
    district = case((is_district, region.code), else_=None)
    query = (
        select(User)
        .join(region, User.managed_region_code == region.code)
        .where(User.role.in_(STAFF_ROLES), scope.where(city, district))
        .order_by(User.created_at.desc(), User.id.desc())
    )
    if wanted.role is not None:
        query = query.where(User.role == wanted.role)
    if wanted.region is not None:
        code = wanted.region.code
        query = query.where(or_(region.code == code, region.parent_code == code))
    if wanted.status is StaffStatus.DISABLED:
        query = query.where(User.active.is_(False))
    elif wanted.status is StaffStatus.WAITING:
        query = query.where(User.active.is_(True), User.password_hash == NO_PASSWORD_YET)
    elif wanted.status is StaffStatus.ACTIVE:
        query = query.where(User.active.is_(True), User.password_hash != NO_PASSWORD_YET)
    if wanted.text:
        query = query.where(
            or_(
                User.display_name.icontains(wanted.text, autoescape=True),
                User.username.icontains(wanted.text.lower(), autoescape=True),
                User.mobile.icontains(wanted.text, autoescape=True),
            )
        )
    return query


def shown_login(user: User) -> str:
    """The login as staff lists show it: a username, or a masked mobile number."""
    return user.username or mask_mobile(user.mobile)


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(users: Iterable[User]) -> bytes:
    """The list as CSV, UTF-8 with a BOM so Excel shows Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("Login"), _("Role"), _("Region"), _("Status"),
                     _("Last sign-in"), _("Created")])  # fmt: skip
    for user in users:
        last = user.last_login_at
        writer.writerow([
            _cell(user.display_name), _cell(shown_login(user)), str(ROLE_LABELS[user.role]),
            region_label(user.managed_region), str(STATUS_LABELS[status_of(user)]),
            format_datetime(last, "yyyy-MM-dd HH:mm") if last else "",
            format_datetime(user.created_at, "yyyy-MM-dd HH:mm"),
        ])  # fmt: skip
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
