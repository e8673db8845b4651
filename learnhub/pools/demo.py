"""Demo pools: experts of four cities (two can sign in and score), teachers — named on a
few courses and activities — and volunteers, one still waiting for approval. Loading
twice adds nothing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import EVERYTHING
from learnhub.accounts.services import register
from learnhub.activities.authoring import CLOSED_STATUSES
from learnhub.activities.models import Activity
from learnhub.catalogue.models import Course, CourseStatus
from learnhub.extensions import db

from . import services, teachers
from .models import MemberStatus, PoolKind, PoolMember

DEMO_PASSWORD = "learnhub-demo"  # noqa: S105 - the demo accounts' documented password

# (login or None, name, employer, specialty, city)
EXPERTS = [
    ("demo_expert_sy", "李文华", "辽宁大学教育学院", "社区教育", "210100"),
    ("demo_expert_dl", "孙立新", "大连广播电视大学", "老年教育", "210200"),
    (None, "赵明凤", "鞍山市社区学院", "职业技能", "210300"),
    (None, "周德胜", "抚顺市图书馆", "阅读推广", "210400"),
]
TEACHERS = [
    ("learner", "王秀英", "和平区老年大学", "书法", "210100", MemberStatus.APPROVED),
    ("dalian_learner", "刘建国", "中山区文化馆", "摄影", "210200", MemberStatus.APPROVED),
]
VOLUNTEERS = [
    ("elder", "张桂兰", "沈河区社区", "手机使用辅导", "210100", MemberStatus.APPROVED),
    ("dalian_learner", "刘建国", "中山区社区", "活动组织", "210200", MemberStatus.APPROVED),
    ("learner", "王秀英", "和平区社区", "读书会带领", "210100", MemberStatus.PENDING),
]


def _account(login: str | None, name: str, city: str) -> User | None:
    if login is None:
        return None
    user = db.session.scalar(select(User).where(User.username == login))
    if user is None:
        district = db.session.scalar(select(User.district_code).where(User.city_code == city))
        user = register(login, DEMO_PASSWORD, name, city, district, role=Role.LEARNER)
    return user


def _details(name, employer, specialty, city) -> services.MemberDetails:
    return services.MemberDetails(name, employer, specialty, city, None, "0240000000", "工作日")


def load_demo_pools(progress: Callable) -> None:
    province = db.session.scalar(select(User).where(User.username == "province_admin"))
    for login, name, employer, specialty, city in progress(EXPERTS):
        if db.session.scalar(select(PoolMember.id).where(PoolMember.name == name)):
            continue
        services.add_expert(EVERYTHING, province, _details(name, employer, specialty, city),
                            _account(login, name, city))  # fmt: skip
    for pool, people in ((PoolKind.TEACHER, TEACHERS), (PoolKind.VOLUNTEER, VOLUNTEERS)):
        for login, name, employer, specialty, city, status in people:
            user = db.session.scalar(select(User).where(User.username == login))
            if user is None or services.membership(user, pool) is not None:
                continue
            member = services.register(user, pool, _details(name, employer, specialty, city))
            if status is MemberStatus.APPROVED:
                services.decide(EVERYTHING, member, True, province)
            if pool is PoolKind.VOLUNTEER and status is MemberStatus.APPROVED:
                activity = db.session.scalar(
                    select(Activity).where(Activity.city_code == city).order_by(Activity.id)
                )
                if activity is not None:
                    services.record_service(EVERYTHING, member, activity, "3.5", province)
    db.session.flush()
    _name_demo_teachers(province)


def _name_demo_teachers(province: User) -> None:
    """The approved demo teachers on the first published courses and on an activity of
    their city each (a course or activity that already has teachers is left alone)."""
    approved = db.session.scalars(
        select(PoolMember)
        .where(PoolMember.kind == PoolKind.TEACHER, PoolMember.status == MemberStatus.APPROVED)
        .order_by(PoolMember.id)
    ).all()
    if not approved:
        return
    courses = db.session.scalars(
        select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.id).limit(3)
    ).all()
    ids = [m.id for m in approved]
    for course, chosen in zip(courses, (ids[:1], ids[1:2] or ids[:1], ids[:2]), strict=False):
        if not teachers.teachers_of(course=course):
            teachers.name_teachers(province, chosen, course=course)
    for member in approved:
        activity = db.session.scalar(
            select(Activity)
            .where(Activity.city_code == member.city_code, Activity.status.not_in(CLOSED_STATUSES))
            .order_by(Activity.id)
        )
        if activity is not None and not teachers.teachers_of(activity=activity):
            teachers.name_teachers(province, [member.id], activity=activity)
    db.session.flush()
