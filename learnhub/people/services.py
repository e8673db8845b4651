"""Staff administration: create staff accounts, change their role or region, disable and
enable them, send a new activation link. Every rule comes from accounts.access; every
action and every refused attempt is recorded in the audit log.

Services flush but never commit. A :class:`Refused` is recorded by :func:`record_refusal`,
which the caller commits on its own after rolling the attempt back.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from learnhub import audit
from learnhub.accounts.access import administer_refusal, grant_refusal, grantable_roles
from learnhub.accounts.models import EndReason, Role, User
from learnhub.accounts.services import find_user, parse_login_name
from learnhub.accounts.sessions import end_sessions
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import get_region

from .activation import is_waiting, issue_link, void_open_links
from .errors import PeopleError, Refused
from .models import NO_PASSWORD_YET
from .places import region_codes

LOGIN_TAKEN = _l("This mobile number or username already has an account.")


def _role(value: str | Role | None) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise PeopleError("role", _l("Choose one of the roles in the list.")) from None


def _region(code: str | None) -> Region:
    region = get_region(code)
    if region is None:
        raise PeopleError("region", _l("Choose a region from the list."))
    return region


def _check_grant(actor: User, role: Role, region: Region, action: AuditAction, subject=None):
    refusal = grant_refusal(actor, role, region)
    if refusal is not None:
        field = "role" if role not in grantable_roles(actor) else "region"
        raise Refused(field, refusal, action, subject, region_codes(region),
                      {"role": str(role), "region": region.code})  # fmt: skip


def _check_administer(actor: User, target: User, action: AuditAction) -> None:
    refusal = administer_refusal(actor, target)
    if refusal is not None:
        raise Refused(None, refusal, action, target, region_codes(target.managed_region))


def record_refusal(actor: User, refused: Refused) -> None:
    """Record a refused attempt (its own transaction: the caller rolled the attempt back)."""
    city_code, district_code = refused.region_codes
    audit.record(
        refused.action, actor=actor, subject=refused.subject, city_code=city_code,
        district_code=district_code, reason=str(refused.message), details=refused.details,
        refused=True,
    )  # fmt: skip


def _home_of(actor: User, region: Region) -> tuple[str, str | None]:
    """The city (and district) a new staff account lives in: its region's, or for the
    province its creator's city."""
    if region.level is RegionLevel.CITY:
        return region.code, None
    if region.level is RegionLevel.DISTRICT:
        return region.parent_code, region.code
    return actor.city_code, None


def create_staff(
    actor: User, login_text: str, display_name: str, role_value: str, region_code: str
) -> tuple[User, str]:
    """Make a staff account without a password; returns it and its activation link's token."""
    role, region = _role(role_value), _region(region_code)
    _check_grant(actor, role, region, AuditAction.STAFF_CREATED)
    login = parse_login_name(login_text)
    if login is None:
        raise PeopleError("login", _l("Enter a mobile number or a username."))
    if find_user(login) is not None:
        raise PeopleError("login", LOGIN_TAKEN)
    city_code, district_code = _home_of(actor, region)
    user = User(
        username=login.username, mobile=login.mobile, display_name=display_name.strip(),
        password_hash=NO_PASSWORD_YET, role=role, city_code=city_code,
        district_code=district_code, managed_region_code=region.code, active=True,
    )  # fmt: skip
    try:
        with db.session.begin_nested():  # a racing twin is caught by the unique index
            db.session.add(user)
    except IntegrityError:
        raise PeopleError("login", LOGIN_TAKEN) from None
    token = issue_link(actor, user)
    audit.record(
        AuditAction.STAFF_CREATED, actor=actor, subject=user,
        city_code=region_codes(region)[0], district_code=region_codes(region)[1],
        details={"role": str(role), "region": region.code},
    )  # fmt: skip
    return user, token


def change_staff(actor: User, target: User, role_value: str, region_code: str, reason: str):
    """Give the account another role or region; its sessions end (it signs in again)."""
    _check_administer(actor, target, AuditAction.STAFF_CHANGED)
    role, region = _role(role_value), _region(region_code)
    _check_grant(actor, role, region, AuditAction.STAFF_CHANGED, target)
    if role is target.role and region.code == target.managed_region_code:
        raise PeopleError(None, _l("Nothing was changed: choose another role or region."))
    before = {"role": str(target.role), "region": target.managed_region_code}
    target.role, target.managed_region = role, region
    end_sessions(target, EndReason.ACCESS_CHANGED)
    city_code, district_code = region_codes(region)
    audit.record(
        AuditAction.STAFF_CHANGED, actor=actor, subject=target, city_code=city_code,
        district_code=district_code, reason=reason,
        details={"from": before, "to": {"role": str(role), "region": region.code}},
    )  # fmt: skip
    db.session.flush()


def disable_staff(actor: User, target: User, reason: str) -> None:
    """Disable the account: every session of it ends at once, its links stop working."""
    _check_administer(actor, target, AuditAction.STAFF_DISABLED)
    if not target.active:
        raise PeopleError(None, _l("This account is already disabled."))
    target.active = False
    end_sessions(target, EndReason.ACCESS_CHANGED)
    void_open_links(target)
    _record(AuditAction.STAFF_DISABLED, actor, target, reason, {"from": True, "to": False})


def enable_staff(actor: User, target: User, reason: str) -> None:
    """Enable a disabled account again (a waiting one then needs a new link)."""
    _check_administer(actor, target, AuditAction.STAFF_ENABLED)
    if target.active:
        raise PeopleError(None, _l("This account is not disabled."))
    target.active = True
    _record(AuditAction.STAFF_ENABLED, actor, target, reason, {"from": False, "to": True})


def reissue_link(actor: User, target: User) -> str:
    """A new activation link for an account still waiting (the older one stops working)."""
    _check_administer(actor, target, AuditAction.ACTIVATION_REISSUED)
    if not is_waiting(target):
        raise PeopleError(None, _l("This account is already activated: its owner signs in "
                                   "with their own password."))  # fmt: skip
    if not target.active:
        raise PeopleError(None, _l("This account is disabled: enable it first."))
    token = issue_link(actor, target)
    _record(AuditAction.ACTIVATION_REISSUED, actor, target, "", {})
    return token


def _record(action: AuditAction, actor: User, target: User, reason: str, details: dict):
    city_code, district_code = region_codes(target.managed_region)
    audit.record(action, actor=actor, subject=target, city_code=city_code,
                 district_code=district_code, reason=reason, details=details)  # fmt: skip
    db.session.flush()
