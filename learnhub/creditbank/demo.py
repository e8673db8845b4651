"""Demo credit histories, made through the services (repeatable: keys make postings once)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, CourseStatus
from learnhub.extensions import db
from learnhub.learning.models import CourseCompletion

from .models import EntryKind
from .services.accounts import account_of, open_account
from .services.awards import award_course_completion
from .services.ledger import post_entry, reverse_entry

DEMO_USERS = ("learner", "elder", "dalian_learner", "shenyang_staff", "province_admin")


def load_demo_credits(progress) -> None:
    """Accounts for every user; completions, attendance and a reversal.

    Conversions are made by learnhub.conversion's own demo, through real applications.
    """
    users = db.session.scalars(select(User).order_by(User.id)).all()
    for user in progress(users):
        open_account(user)
    named = {u.username: u for u in users if u.username in DEMO_USERS}
    admin = named.get("province_admin")
    courses = db.session.scalars(
        select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.id).limit(3)
    ).all()
    for username in ("learner", "elder", "dalian_learner"):
        user = named.get(username)
        if user is None:
            continue
        for course in courses:
            _complete(user, course)
        account = account_of(user)
        post_entry(
            account,
            Decimal("0.50"),
            EntryKind.ATTENDANCE,
            "demo_activity:learning-week-2026",
            memo="全民终身学习活动周讲座",
        )
    learner = named.get("learner")
    if learner is None or admin is None:
        return
    account = account_of(learner)
    mistake = post_entry(
        account,
        Decimal("1.00"),
        EntryKind.ATTENDANCE,
        "demo_activity:duplicate",
        memo="社区大讲堂（重复登记）",
    )
    reverse_entry(mistake, admin, "重复登记，冲正")
    db.session.flush()


def _complete(user: User, course: Course) -> None:
    completion = db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )
    if completion is None:
        completion = CourseCompletion(user_id=user.id, course_id=course.id)
        db.session.add(completion)
        db.session.flush()
    award_course_completion(completion)
