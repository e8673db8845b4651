"""The pools' rules: registering, approving, adding experts, searching, volunteers' hours.

Services flush, never commit; the route commits with the audit entry. A refusal raises
:class:`PoolError` with a message for the person, before anything is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import Scope
from learnhub.activities.models import Activity
from learnhub.extensions import db

from .models import MemberStatus, PoolKind, PoolMember, VolunteerService

SELF_REGISTERED = (PoolKind.TEACHER, PoolKind.VOLUNTEER)
MAX_HOURS = Decimal("999")


class PoolError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class MemberDetails:
    name: str
    employer: str
    specialty: str
    city_code: str
    district_code: str | None
    contact: str
    availability: str


def _fill(member: PoolMember, details: MemberDetails) -> None:
    if not details.name.strip():
        raise PoolError(_l("Please give a name."), "name")
    member.name = details.name.strip()[:40]
    member.employer = details.employer.strip()[:100]
    member.specialty = details.specialty.strip()[:60]
    member.city_code = details.city_code
    member.district_code = details.district_code or None
    member.contact = details.contact.strip()[:100]
    member.availability = details.availability.strip()[:200]


def membership(user: User, kind: PoolKind) -> PoolMember | None:
    return db.session.scalar(
        select(PoolMember).where(PoolMember.kind == kind, PoolMember.user_id == user.id)
    )


def register(user: User, kind: PoolKind, details: MemberDetails) -> PoolMember:
    """A signed-in learner offers to teach or volunteer; their region's staff decide."""
    if kind not in SELF_REGISTERED:
        raise PoolError(_l("Experts are added by staff."))
    if membership(user, kind) is not None:
        raise PoolError(_l("You have already registered for this pool."))
    member = PoolMember(kind=kind, status=MemberStatus.PENDING, user_id=user.id)
    _fill(member, details)
    db.session.add(member)
    db.session.flush()
    return member


def decide(scope: Scope, member: PoolMember, approve: bool, staff: User) -> None:
    """Staff of the member's region approve or decline a registration."""
    if not scope.covers(member.city_code, member.district_code):
        raise PoolError(_l("This registration belongs to another region."))
    if member.user_id == staff.id:
        raise PoolError(_l("You cannot decide on your own registration."))
    if member.status is not MemberStatus.PENDING:
        raise PoolError(_l("This registration was already decided."))
    member.status = MemberStatus.APPROVED if approve else MemberStatus.DECLINED
    member.decided_by_id = staff.id
    db.session.flush()


def add_expert(
    scope: Scope, staff: User, details: MemberDetails, account: User | None
) -> PoolMember:
    """Province staff add to the province's pool, city staff to their own city's."""
    if scope.district_code is not None or scope.nothing:
        raise PoolError(_l("Experts are added by province or city staff."))
    if not scope.covers(details.city_code):
        raise PoolError(_l("You may add experts of your own city only."), "city_code")
    if account is not None:
        if account.id == staff.id:
            raise PoolError(_l("You cannot add yourself as an expert."), "account")
        if account.role is not Role.LEARNER:
            raise PoolError(_l("Link an expert to a learner account."), "account")
        if membership(account, PoolKind.EXPERT) is not None:
            raise PoolError(_l("This account is already linked to an expert."), "account")
    member = PoolMember(
        kind=PoolKind.EXPERT,
        status=MemberStatus.APPROVED,
        user_id=account.id if account else None,
        added_by_id=staff.id,
        decided_by_id=staff.id,
    )
    _fill(member, details)
    db.session.add(member)
    db.session.flush()
    return member


def search(scope: Scope, kind: PoolKind, specialty: str = "", city_code: str = "") -> Select:
    """Members of a pool in the staff member's scope, by specialty and region."""
    query = select(PoolMember).where(
        PoolMember.kind == kind, scope.where(PoolMember.city_code, PoolMember.district_code)
    )
    if specialty.strip():
        query = query.where(PoolMember.specialty.contains(specialty.strip()[:60]))
    if city_code:
        query = query.where(PoolMember.city_code == city_code)
    return query.order_by(PoolMember.status, PoolMember.name, PoolMember.id)


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PoolError(_l("Give the hours as a number, e.g. 2.5."), "hours") from None
    if (
        not hours.is_finite()
        or hours <= 0
        or hours > MAX_HOURS
        or hours != hours.quantize(Decimal("0.1"))
    ):
        raise PoolError(_l("Hours must be more than 0 and at most 999, in tenths."), "hours")
    return hours


def record_service(
    scope: Scope, member: PoolMember, activity: Activity, hours, staff: User
) -> VolunteerService:
    """Staff record that an approved volunteer served on an activity of their region."""
    if member.kind is not PoolKind.VOLUNTEER or member.status is not MemberStatus.APPROVED:
        raise PoolError(_l("Only approved volunteers can be recorded on activities."))
    if not scope.covers(activity.city_code, activity.district_code):
        raise PoolError(_l("This activity belongs to another region."))
    if member.user_id == staff.id:
        raise PoolError(_l("You cannot record your own service."))
    amount = parse_hours(hours)
    existing = db.session.scalar(
        select(VolunteerService).where(
            VolunteerService.member_id == member.id, VolunteerService.activity_id == activity.id
        )
    )
    if existing is not None:
        raise PoolError(_l("This volunteer is already recorded on this activity."))
    service = VolunteerService(
        member_id=member.id, activity_id=activity.id, hours=amount, recorded_by_id=staff.id
    )
    db.session.add(service)
    db.session.flush()
    return service


def hours_of(member: PoolMember) -> Decimal:
    total = db.session.scalar(
        select(func.sum(VolunteerService.hours)).where(VolunteerService.member_id == member.id)
    )
    return Decimal(total or 0)


def services_of(member: PoolMember) -> list[VolunteerService]:
    return list(
        db.session.scalars(
            select(VolunteerService)
            .where(VolunteerService.member_id == member.id)
            .order_by(VolunteerService.recorded_at.desc())
        )
    )


def hours_by_volunteer(scope: Scope) -> list[tuple[PoolMember, Decimal]]:
    """Staff's totals: each volunteer of the scope with their hours."""
    rows = db.session.execute(
        select(PoolMember, func.coalesce(func.sum(VolunteerService.hours), 0))
        .outerjoin(VolunteerService, VolunteerService.member_id == PoolMember.id)
        .where(
            PoolMember.kind == PoolKind.VOLUNTEER,
            PoolMember.status == MemberStatus.APPROVED,
            scope.where(PoolMember.city_code, PoolMember.district_code),
        )
        .group_by(PoolMember.id)
        .order_by(PoolMember.name)
    )
    return [(member, Decimal(total)) for member, total in rows]
