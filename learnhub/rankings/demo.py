"""A year of plausible activity for the demo site, through the live counting path.

Views are written as raw events (the rows pages write) and then aggregated by the live
aggregator, so the dedupe, rate-limit and day rules apply to them; registrations and
completions go through the same functions the registration and completion signals call.
The shapes: city size (population), a weekday rhythm (weekdays busier, weekends quieter),
evening and morning peaks in the day, slow growth over the year, and the lifelong-learning
week (全民终身学习活动周, here the third week of October) at three times the usual level.
Synthetic demo learners have negative ids, so they never collide with real accounts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from learnhub.catalogue.models import Course, CourseStatus
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.services import districts_by_city

from . import counting
from .aggregation import aggregate_pending, record_completion, record_registration
from .models import AggregationCursor, ViewEvent
from .services import view_row

DEMO_MARKER = "demo-activity"
DAYS = 365
VIEWS_PER_MILLION_RESIDENTS_PER_DAY = 7
WEEKDAY_FACTOR = (1.1, 1.15, 1.2, 1.15, 1.0, 0.7, 0.65)  # Monday first
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 6, 6, 7, 7, 7, 7, 9, 12, 13, 11, 6, 3]


def learning_week(year: int) -> tuple[date, date]:
    """The demo's lifelong-learning week: Monday to Sunday of the third week of October."""
    first = date(year, 10, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7 + 14)
    return monday, monday + timedelta(days=6)


def day_factor(day: date, first_day: date) -> float:
    start, end = learning_week(day.year)
    peak = 3.0 if start <= day <= end else 1.0
    growth = 0.7 + 0.6 * (day - first_day).days / DAYS
    return WEEKDAY_FACTOR[day.weekday()] * peak * growth


def load_demo_activity(progress: Callable[[Iterable], Iterable] = iter) -> None:
    """Add a year of views, registrations and completions (once; adds and flushes)."""
    if db.session.get(AggregationCursor, DEMO_MARKER) is not None:
        return
    courses = list(
        db.session.execute(
            select(Course.id, Course.credits).where(Course.status == CourseStatus.PUBLISHED)
        )
    )
    cities = districts_by_city(current_app.config["HOME_PROVINCE"])
    if not courses or not cities:
        return
    rng = random.Random(2024)  # noqa: S311 - demo data, not secrets
    today = counting.today_in_china(utcnow())
    first_day = today - timedelta(days=DAYS)
    days = [first_day + timedelta(days=i) for i in range(DAYS)]
    for day in progress(days):
        _one_day(rng, day, day_factor(day, first_day), cities, courses)
    # Everything is in this transaction: its own highest id is the safe bound.
    aggregate_pending(bound=db.session.scalar(select(func.max(ViewEvent.id))) or 0)
    db.session.add(AggregationCursor(name=DEMO_MARKER, last_id=0))
    db.session.flush()


def _moment_ms(rng: random.Random, day: date) -> int:
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    start = datetime.combine(day, time(hour), counting.CHINA)
    return counting.epoch_ms(start) + rng.randrange(3_600_000)


def _one_day(rng, day: date, factor: float, cities, courses) -> None:
    rows = []
    for city, districts in cities.items():
        population = city.population or 1_000_000
        views = int(population / 1e6 * VIEWS_PER_MILLION_RESIDENTS_PER_DAY * factor)
        views = max(0, int(rng.gauss(views, views**0.5 + 1)))
        for _ in range(views):
            district = rng.choice(districts).code if districts else None
            course_id, _credits = rng.choice(courses)
            learner = rng.random() < 0.4
            user_id = -rng.randrange(1, 200 * len(districts) + 2) if learner else None
            visitor = f"u{user_id}" if learner else f"vdemo{city.code}{rng.randrange(10**6):07d}"
            rows.append(view_row(
                rng.choice(("course", "lesson", "lesson", "media")), course_id, course_id,
                user_id, visitor, city.code, district, occurred_ms=_moment_ms(rng, day),
            ))  # fmt: skip
        _registrations_and_completions(rng, day, factor, city, districts, courses, population)
    if rows:
        db.session.execute(insert(ViewEvent), rows)


def _registrations_and_completions(rng, day, factor, city, districts, courses, population):
    for _ in range(int(rng.random() + population / 1e6 * 0.3 * factor)):
        district = rng.choice(districts).code if districts else None
        user_id = -rng.randrange(10**8, 10**9)
        try:
            with db.session.begin_nested():
                record_registration(user_id, city.code, district, day)
        except Exception:  # noqa: S112 - the rare repeated random id is simply skipped
            continue
    for _ in range(int(rng.random() + population / 1e6 * 0.25 * factor)):
        course_id, credits = rng.choice(courses)
        district = rng.choice(districts).code if districts else None
        record_completion(
            -rng.randrange(10**8, 10**9), -rng.randrange(1, 10**6), course_id, city.code,
            district, int(credits * 100), day,
        )  # fmt: skip
