"""A learner's learnhub record, attached to a nomination from the ledger and activity data."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.activities.models import Activity, ActivitySession, Attendance
from learnhub.creditbank import services as creditbank
from learnhub.extensions import db
from learnhub.learning.models import CourseCompletion


def learner_record(user: User) -> dict:
    """Courses completed, the credit balance, and activities attended (live attendances)."""
    account = creditbank.account_of(user)
    balance = creditbank.balance_of(account) if account is not None else 0
    courses = db.session.scalar(
        select(func.count(CourseCompletion.id)).where(CourseCompletion.user_id == user.id)
    )
    activities = db.session.scalar(
        select(func.count(func.distinct(ActivitySession.activity_id)))
        .select_from(Attendance)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(Attendance.user_id == user.id, Attendance.undone_at.is_(None))
    )
    return {
        "courses_completed": courses or 0,
        "credits": str(balance),
        "activities_attended": activities or 0,
    }
