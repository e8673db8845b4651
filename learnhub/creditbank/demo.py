"""Demo credit histories that obey the same rules as real ones (repeatable).

Credits come from real course completions: the demo learners enrol and finish their lessons
through the learning services, and the credit bank's award receiver pays the completion, so
"my learning" and the statement tell the same story. Staff corrections go through the staff
services: an adjustment posted by city staff and reversed by province staff, and one above
the four-eyes amount left waiting for a second staff member.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, CourseStatus, LessonKind
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services as learning

from .models import EntryKind
from .pending_models import AdjustmentRequest
from .services.accounts import account_of, open_account
from .services.adjustments import adjust
from .services.ledger import find_entry, reversal_of, reverse_entry

DEMO_USERS = ("learner", "elder", "dalian_learner", "shenyang_staff", "province_admin")
COURSES_FINISHED = 3
STUDY_SPAN = timedelta(days=21)
BREAK = timedelta(days=2)  # between two of a demo learner's courses


def load_demo_credits(progress) -> None:
    """Accounts for every user; finished courses, a reversed adjustment, a waiting request.

    Conversions are made by learnhub.conversion's own demo, through real applications.
    """
    users = db.session.scalars(select(User).order_by(User.id)).all()
    for user in progress(users):
        open_account(user)
    named = {u.username: u for u in users if u.username in DEMO_USERS}
    courses = db.session.scalars(
        select(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .order_by(Course.id)
        .limit(COURSES_FINISHED)
    ).all()
    for username in ("learner", "elder", "dalian_learner"):
        if (user := named.get(username)) is not None:
            studied_from = utcnow() - STUDY_SPAN  # the demo learners studied in the past weeks
            for course in courses:
                studied_from = finish_course(user, course, studied_from) + BREAK
    city_staff, admin = named.get("shenyang_staff"), named.get("province_admin")
    if city_staff is None or admin is None:
        return
    if (learner := named.get("learner")) is not None:
        mistake = _adjust_once(
            learner, "1.00", city_staff, "社区大讲堂（重复登记）", "demo-duplicate"
        )
        if mistake is not None and reversal_of(mistake) is None:
            reverse_entry(mistake, admin, "重复登记，冲正")
    if (elder := named.get("elder")) is not None:
        _adjust_once(elder, "12.00", city_staff, "社区志愿服务年度表彰（待复核）", "demo-four-eyes")
    db.session.flush()


def finish_course(user: User, course: Course, start: datetime) -> datetime:
    """Enrol and do every lesson as a learner would, one after another from ``start``: read
    for the reading time, play each video or audio to the end at normal speed, pass the
    quiz. The learning rules (one study clock, reading times, issued quiz attempts) apply as
    to anyone. Returns when the learner was done."""
    if learning.completion_of(user, course) is not None:
        return start
    if not learning.is_enrolled(user, course):
        learning.enrol(user, course)
    now = start
    for lesson in course.lessons:
        visit = learning.visit_lesson(user, lesson, now=now)
        if lesson.kind is LessonKind.TEXT:
            now += timedelta(seconds=visit.reading_seconds + 30)
            learning.mark_text_read(user, lesson, now=now)
        elif lesson.is_media:
            learning.report_media_position(user, lesson, 0, now=now, event="start")
            now += timedelta(seconds=lesson.duration_seconds)
            learning.report_media_position(user, lesson, lesson.duration_seconds, now=now)
        elif lesson.kind is LessonKind.QUIZ:
            now += timedelta(minutes=2)
            right = {q.id: {c.id for c in q.choices if c.correct} for q in lesson.questions}
            learning.submit_quiz(user, lesson, right, visit.quiz_token, now=now)
        now += timedelta(seconds=10)
    return now


def _adjust_once(user: User, amount: str, staff: User, memo: str, key: str):
    """An adjustment through the staff service, once (a rerun finds the first one)."""
    account = account_of(user)
    posted = find_entry(account, EntryKind.ADJUSTMENT, f"adjustment:{key}")
    asked = db.session.scalar(select(AdjustmentRequest).where(AdjustmentRequest.form_key == key))
    if posted is not None or asked is not None:
        return posted
    return adjust(account, amount, staff, memo, key).entry
