"""Naming a course's or an activity's teachers from the teacher pool (师资库), and showing them.

Learners see a named teacher's name, 工作单位 and 服务专业 — never the contact, and only
while the teacher stays approved. Staff name approved teachers of the region they look
after, on a course they may edit (the studio's rule) or an activity of their region (the
activities' rule). Services flush, never commit; a refusal raises :class:`PoolError`
before anything is changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from learnhub.accounts.access import content_scope, may_edit_course
from learnhub.accounts.models import User
from learnhub.accounts.scopes import NOTHING, Scope, staff_scope
from learnhub.activities.access import may_manage_activity
from learnhub.activities.authoring import CLOSED_STATUSES
from learnhub.activities.models import Activity
from learnhub.catalogue.models import Course
from learnhub.extensions import db

from .models import ActivityTeacher, CourseTeacher, MemberStatus, PoolKind, PoolMember
from .services import PoolError

MAX_TEACHERS = 10  # a course or an activity names at most this many
LARGEST_ID = 2**31 - 1  # a member number beyond an INTEGER column is no member


@dataclass(frozen=True)
class ShownTeacher:
    """What learners see of a teacher: no contact, no availability, no account."""

    name: str
    employer: str
    specialty: str


def _links(course: Course | None, activity: Activity | None):
    """The link table, its subject column and the subject's id, for a course or an activity."""
    if (course is None) == (activity is None):
        raise TypeError("name either a course or an activity")
    if course is not None:
        return CourseTeacher, CourseTeacher.course_id, course.id
    return ActivityTeacher, ActivityTeacher.activity_id, activity.id


def teachers_of(course: Course | None = None, activity: Activity | None = None) -> list[PoolMember]:
    """The named teachers still approved in the teacher pool, in their order."""
    link, subject_column, subject_id = _links(course, activity)
    return list(
        db.session.scalars(
            select(PoolMember)
            .join(link, link.member_id == PoolMember.id)
            .where(
                subject_column == subject_id,
                PoolMember.kind == PoolKind.TEACHER,
                PoolMember.status == MemberStatus.APPROVED,
            )
            .order_by(link.position)
        )
    )


def shown_teachers(
    course: Course | None = None, activity: Activity | None = None
) -> list[ShownTeacher]:
    """What a course or activity page shows of its teachers."""
    return [
        ShownTeacher(m.name, m.employer, m.specialty)
        for m in teachers_of(course=course, activity=activity)
    ]


def naming_refusal(staff: User, course: Course | None = None, activity: Activity | None = None):
    """Why this person may not name the teachers of this course or activity (a lazy
    message), or None when they may."""
    _links(course, activity)
    if course is not None:
        if not may_edit_course(staff, course):
            return _l("This course belongs to another region.")
        return None
    if not may_manage_activity(staff, activity):
        return _l("This activity belongs to another region.")
    if activity.status in CLOSED_STATUSES:
        return _l("This activity is cancelled or finished; its teachers can no longer be changed.")
    return None


def naming_scope(staff: User, course: Course | None = None, activity: Activity | None = None):
    """The region whose teachers the person may name here: the courses' writers name those
    of the region they write for, centres those of the region they look after."""
    if naming_refusal(staff, course=course, activity=activity) is not None:
        return NOTHING
    return content_scope(staff) if course is not None else staff_scope(staff)


def candidates(scope: Scope, search: str = "", limit: int = 50) -> list[PoolMember]:
    """Approved teachers of the scope, by name, matching a name or specialty if given."""
    query = select(PoolMember).where(
        PoolMember.kind == PoolKind.TEACHER,
        PoolMember.status == MemberStatus.APPROVED,
        scope.where(PoolMember.city_code, PoolMember.district_code),
    )
    if search.strip():
        words = search.strip()[:40]
        query = query.where(
            or_(PoolMember.name.contains(words), PoolMember.specialty.contains(words))
        )
    return list(db.session.scalars(query.order_by(PoolMember.name, PoolMember.id).limit(limit)))


def _nameable(scope: Scope, member_id: int) -> PoolMember:
    member = db.session.get(PoolMember, member_id) if 0 < member_id <= LARGEST_ID else None
    if member is None:
        raise PoolError(_l("There is no teacher with number %(number)s.", number=member_id))
    # The region first: a number of another region tells nothing of who it is.
    if not scope.covers(member.city_code, member.district_code):
        raise PoolError(_l("Number %(number)s is a teacher of another region.", number=member_id))
    if member.kind is not PoolKind.TEACHER:
        raise PoolError(_l("“%(name)s” is not in the teacher pool.", name=member.name))
    if member.status is not MemberStatus.APPROVED:
        raise PoolError(_l("“%(name)s” is not an approved teacher.", name=member.name))
    return member


def name_teachers(
    staff: User,
    member_ids: list[int],
    *,
    course: Course | None = None,
    activity: Activity | None = None,
) -> tuple[list[int], list[int]]:
    """Make these pool members, in this order, the teachers of the course or activity.

    Returns the member ids named before and after; both equal when nothing changed.
    """
    refusal = naming_refusal(staff, course=course, activity=activity)
    if refusal is not None:
        raise PoolError(refusal)
    wanted = list(dict.fromkeys(member_ids))
    if len(wanted) > MAX_TEACHERS:
        raise PoolError(_l("Name at most %(count)d teachers.", count=MAX_TEACHERS))
    scope = naming_scope(staff, course=course, activity=activity)
    members = [_nameable(scope, member_id) for member_id in wanted]
    link, subject_column, subject_id = _links(course, activity)
    existing = list(
        db.session.scalars(select(link).where(subject_column == subject_id).order_by(link.position))
    )
    before = [row.member_id for row in existing]
    after = [member.id for member in members]
    if before == after:
        return before, after
    for row in existing:
        db.session.delete(row)  # one by one, so the cached course page hears of it
    db.session.flush()
    subject_key = subject_column.key
    for position, member in enumerate(members, start=1):
        db.session.add(
            link(
                **{subject_key: subject_id},
                member_id=member.id,
                position=position,
                named_by_id=staff.id,
            )
        )
    db.session.flush()
    return before, after
