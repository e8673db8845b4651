"""The week's browser-test content: this year's week (today in its window), Shenyang's week
going on now with an activity linked, held yesterday (attended) and again tomorrow."""

from __future__ import annotations

from datetime import timedelta


def week_content(accounts) -> dict[str, object]:
    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.activities.models import (
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        Attendance,
        AttendanceMethod,
    )
    from learnhub.clock import local_midnight, local_today
    from learnhub.extensions import db
    from learnhub.regions.models import Region
    from learnhub.week import services
    from learnhub.week.demo import demo_terms

    def user(login):
        return db.session.scalar(select(User).where(User.username == login))

    province, learner = user(accounts.province_staff), user(accounts.learner)
    today = local_today()
    year, terms = demo_terms(today)
    week = services.open_week(province, year, terms)
    city_week = services.register_city_week(
        province, week, db.session.get(Region, "210100"), today, today + timedelta(days=3)
    )
    kind = db.session.scalar(select(ActivityKind).where(ActivityKind.code == "lecture"))
    kind = kind or ActivityKind(code="lecture", name="专题讲座", name_en="Lecture")
    activity = Activity(
        title="智能手机防诈骗讲座", kind=kind, city_code="210100", district_code="210102",
        is_online=True, online_url="https://example.org/live", status=ActivityStatus.PUBLISHED,
    )  # fmt: skip
    for offset in (-1, 1):
        starts = local_midnight(today + timedelta(days=offset)) + timedelta(hours=9)
        activity.sessions.append(
            ActivitySession(starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=30)
        )
    db.session.add(activity)
    db.session.flush()
    services.link_activity(province, city_week, activity)
    db.session.add(
        Attendance(session=activity.sessions[0], user_id=learner.id,
                   method=AttendanceMethod.ROSTER)
    )  # fmt: skip
    return {"week_year": year}
