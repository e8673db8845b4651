"""A year of plausible activity for the demo site, through the live counting path.

Views are written as raw events (the rows pages write), in bulk, and then aggregated once by
the live aggregator, so the dedupe, rate-limit and day rules apply to them (anonymous
visits count for no city, as on the live site); registrations (a tenth opened by staff),
completions and the credits they earned go through the batch forms of the functions the
registration, completion and ledger signals call. The shapes: city size (population)
times each city's own engagement, trend over the year and a campaign fortnight or two (so
cities overtake each other and per-capita boards differ from plain ones), a weekday rhythm,
evening and morning peaks, visits of a few pages with the odd reload (a repeat, not
counted) and a few crawlers (filtered), and the lifelong-learning week
(全民终身学习活动周, here the third week of October) at three times the usual level.
The year ends now: today has the views of its hours so far, so "today" and "this week"
boards are never empty.
Synthetic demo learners have negative ids, so they never collide with real accounts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from learnhub.accounts.models import RegistrationSource
from learnhub.catalogue.models import Course, CourseStatus
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.services import districts_by_city

from . import counting
from .aggregation import aggregate_pending
from .credits import record_credit_events
from .events import record_completions, record_registrations, registration_row
from .models import AggregationCursor, ViewEvent
from .services import view_row

DEMO_MARKER = "demo-activity"
DAYS = 365
VISITS_PER_MILLION_RESIDENTS_PER_DAY = 3.5  # about 2.2 page views per visit
REGISTRATIONS_PER_MILLION_PER_DAY = 0.3
COMPLETIONS_PER_MILLION_PER_DAY = 0.25
WEEKDAY_FACTOR = (1.1, 1.15, 1.2, 1.15, 1.0, 0.7, 0.65)  # Monday first
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 6, 6, 7, 7, 7, 7, 9, 12, 13, 11, 6, 3]
LEARNERS_PER_DISTRICT = 200
BATCH = 10_000


@dataclass
class CityProfile:
    """How one demo city behaves: its size, keenness, trend and campaigns."""

    code: str
    districts: list[str]
    learners: list[tuple[int, str]]  # (demo user id, district)
    millions: float
    engagement: float  # activity per resident, relative to the province
    trend: float  # change over the year (-0.3: a third fewer by the end)
    campaigns: list[tuple[date, date, float]]

    def factor(self, day: date, first_day: date) -> float:
        progress = (day - first_day).days / DAYS
        boost = max([f for start, end, f in self.campaigns if start <= day <= end], default=1)
        return self.millions * self.engagement * (1 + self.trend * (progress - 0.5)) * boost


def learning_week(year: int) -> tuple[date, date]:
    """The demo's lifelong-learning week: Monday to Sunday of the third week of October."""
    first = date(year, 10, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7 + 14)
    return monday, monday + timedelta(days=6)


def day_factor(day: date, first_day: date) -> float:
    """The province-wide rhythm: weekdays, the learning week, slow growth over the year."""
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
    now_ms = counting.epoch_ms(utcnow())
    today = counting.local_day(now_ms)
    first_day = today - timedelta(days=DAYS - 1)
    profiles = _city_profiles(rng, cities, first_day, today)
    views, registrations, completions, credits = [], [], [], []
    for day in progress([first_day + timedelta(days=i) for i in range(DAYS)]):
        # Today only as far as it has gone: a share of the day's activity, none in the future.
        share = min(1.0, (now_ms - counting.day_start_ms(day)) / 86_400_000)
        rhythm = day_factor(day, first_day) * share
        for city in profiles:
            factor = city.factor(day, first_day) * rhythm
            views += _visits(rng, day, factor, city, courses, now_ms)
            registrations += _registrations(rng, day, factor, city, len(registrations), now_ms)
            made = _completions(rng, day, factor, city, courses, len(completions))
            completions += [completion for completion, _credit in made]
            credits += [credit for _completion, credit in made]
    _write_views(views)
    record_registrations(registrations)
    record_completions(completions)
    record_credit_events(credits)
    db.session.add(AggregationCursor(name=DEMO_MARKER, last_id=0))
    db.session.flush()


def _city_profiles(rng, cities, first_day: date, today: date) -> list[CityProfile]:
    profiles = []
    for index, (city, districts) in enumerate(cities.items()):
        codes = [d.code for d in districts] or [None]
        learners = [
            (-(index * 100_000 + n + 1), codes[n % len(codes)])
            for n in range(LEARNERS_PER_DISTRICT * len(codes))
        ]
        campaigns = []
        for _ in range(rng.choice((1, 2, 2, 3))):
            start = first_day + timedelta(days=rng.randrange(DAYS - 14))
            campaigns.append(
                (start, start + timedelta(rng.randrange(7, 15)), rng.uniform(1.5, 2.5))
            )
        if index % 3 == 0:  # a third of the cities campaign in the last two months
            start = today - timedelta(days=rng.randrange(10, 60))
            campaigns.append(
                (start, start + timedelta(rng.randrange(7, 15)), rng.uniform(1.5, 2.5))
            )
        profiles.append(CityProfile(
            city.code, codes, learners, (city.population or 1_000_000) / 1e6,
            engagement=min(2.0, max(0.5, rng.lognormvariate(0, 0.35))),
            trend=rng.uniform(-0.3, 0.6), campaigns=campaigns,
        ))  # fmt: skip
    return profiles


def _moment_ms(rng: random.Random, day: date) -> int:
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    return counting.day_start_ms(day) + hour * 3_600_000 + rng.randrange(3_600_000)


def _count(rng: random.Random, expected: float) -> int:
    """A whole number with the expected value (small ones come out 0 or 1, as in life)."""
    return int(expected) + (rng.random() < expected % 1)


def _visits(rng, day: date, factor: float, city: CityProfile, courses, now_ms: int) -> list:
    """A visit: a course page, a lesson or two, perhaps a video; a reload now and then."""
    rows = []
    for _ in range(_count(rng, VISITS_PER_MILLION_RESIDENTS_PER_DAY * factor)):
        at = _moment_ms(rng, day)
        if rng.random() < 0.4:
            user_id, district = rng.choice(city.learners)
            visitor = f"u{user_id}"
        else:
            user_id, district = None, None
            visitor = f"vdemo{city.code}{rng.randrange(10**9):09d}"
        status = counting.BOT if rng.random() < 0.03 else counting.OK
        course_id, _credits = rng.choice(courses)
        pages = [("course", course_id)] + [
            (rng.choice(("lesson", "lesson", "media")), course_id * 100 + rng.randrange(1, 9))
            for _ in range(rng.choice((0, 1, 1, 2, 3)))
        ]
        if rng.random() < 0.15:
            pages.append(pages[-1])  # a reload inside 30 minutes: a repeat
        for kind, resource_id in pages:
            if at > now_ms:
                break
            rows.append(view_row(kind, resource_id, course_id, user_id, visitor,
                                 city.code if user_id else None, district, status=status,
                                 occurred_ms=at))  # fmt: skip
            at += rng.randrange(20_000, 600_000)
    return rows


def _registrations(rng, day: date, factor: float, city: CityProfile, made: int, now_ms) -> list:
    return [
        registration_row(
            -(10**8 + made + n), city.code, rng.choice(city.districts),
            min(_moment_ms(rng, day), now_ms),
            RegistrationSource.STAFF if rng.random() < 0.1 else RegistrationSource.SELF,
        )
        for n in range(_count(rng, REGISTRATIONS_PER_MILLION_PER_DAY * factor))
    ]  # fmt: skip


def _completions(rng, day: date, factor: float, city: CityProfile, courses, made: int) -> list:
    """[(completion row, credit_event row of the credits it earned)]."""
    rows = []
    for n in range(_count(rng, COMPLETIONS_PER_MILLION_PER_DAY * factor)):
        course_id, credits = rng.choice(courses)
        user_id, district = rng.choice(city.learners)
        completion_id = -(made + n + 1)
        credit = {"entry_id": completion_id, "user_id": user_id, "kind": "completion",
                  "day": day, "city_code": city.code, "district_code": district,
                  "credit_cents": int(credits * 100)}  # fmt: skip
        rows.append(((completion_id, user_id, course_id, city.code, district, day), credit))
    return rows


def _write_views(rows: list[dict]) -> None:
    """Insert the raw events in time order (as pages would have), then aggregate them."""
    rows.sort(key=lambda row: row["occurred_ms"])
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(ViewEvent.__table__), rows[start : start + BATCH])
    # Everything is in this transaction: its own highest id is the safe bound.
    aggregate_pending(bound=db.session.scalar(select(func.max(ViewEvent.id))) or 0)
