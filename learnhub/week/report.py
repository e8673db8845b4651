"""The activity report (活动统计) of a region over a period: per city (province staff), per
district (a city's staff) or of one district (a county's staff), and the region's total.

What counts, all by the session's start in China time within the period:

- activities held (场次): sessions that have started, were not cancelled, of activities that
  were published (or are finished since);
- attendances (人次): live Attendance rows at those sessions (an undone one does not count);
- participants: distinct people among them; elders: those at least 60 in the session's year
  (the year of the session minus ``User.birth_year``; people without a birth year are not
  counted as elders);
- sign-ups: confirmed sign-ups of those sessions (not the waiting list, not cancelled ones);
- credits: what the credit bank's ledger paid for those attendances (``attendance:<id>``
  entries) net of their reversals — the ledger is the truth, whatever the activity promised;
- per 10,000 residents: attendances and participants over the region's population;
- satisfaction: the ratings (1–5) learners gave the activities held, each activity counted
  once however many of its sessions fell in the period, and their mean.

A region's total counts each person once, so it is not always the sum of its rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.accounts.scopes import Scope
from learnhub.activities.models import (
    Activity,
    ActivitySession,
    Attendance,
    SignUp,
    SignUpStatus,
)
from learnhub.clock import local_date, local_day_range
from learnhub.creditbank.models import EntryKind, LedgerEntry
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region
from learnhub.regions.services import cities_of, get_region
from learnhub.satisfaction.models import Rating

from .services import SHOWN_STATUSES

ELDER_AGE = 60
PER = Decimal(10_000)
CHUNK = 500  # ids per IN (...) list
ATTENDANCE_KEY = "attendance:"
WHOLE = ""  # the row of things without a city (province-wide) or district (city-wide)


@dataclass
class Figures:
    sessions: int = 0
    attendances: int = 0
    signups: int = 0
    credits: Decimal = Decimal("0.00")
    people: set = field(default_factory=set)
    elder_people: set = field(default_factory=set)
    population: int | None = None
    ratings: int = 0
    rating_points: int = 0

    @property
    def mean_rating(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(self.rating_points) / self.ratings).quantize(Decimal("0.1"))

    @property
    def participants(self) -> int:
        return len(self.people)

    @property
    def elders(self) -> int:
        return len(self.elder_people)

    def per_10k(self, value: int) -> Decimal | None:
        if not self.population:
            return None
        return (Decimal(value) * PER / self.population).quantize(Decimal("0.01"))

    @property
    def attendances_per_10k(self) -> Decimal | None:
        return self.per_10k(self.attendances)

    @property
    def participants_per_10k(self) -> Decimal | None:
        return self.per_10k(self.participants)


@dataclass
class ReportRow:
    code: str
    name: str
    figures: Figures


@dataclass
class Report:
    region_name: str
    start: date
    end: date
    rows: list[ReportRow]
    total: Figures
    daily: dict[date, int]


def build_report(scope: Scope, start: date, end: date, now: datetime | None = None) -> Report:
    """The report of ``scope`` for the days ``start``..``end`` (both included)."""
    now = now or utcnow()
    rows, region_name, total_population = _rows_of(scope)
    by_code = {row.code: row for row in rows}
    total = Figures(population=total_population)
    sessions = _held_sessions(scope, start, end, now)
    group_of = {s.id: _group(scope, city, district) for s, city, district in sessions}
    daily: dict[date, int] = defaultdict(int)
    for session, _city, _district in sessions:
        for figures in _targets(by_code, rows, group_of[session.id], total):
            figures.sessions += 1
    session_starts = {s.id: s.starts_at for s, _c, _d in sessions}
    attendances = _attendances(session_starts)
    for _attendance_id, session_id, user_id, birth_year, live in attendances:
        if not live:
            continue
        moment = session_starts[session_id]
        elder = birth_year is not None and local_date(moment).year - birth_year >= ELDER_AGE
        daily[local_date(moment)] += 1
        for figures in _targets(by_code, rows, group_of[session_id], total):
            figures.attendances += 1
            figures.people.add(user_id)
            if elder:
                figures.elder_people.add(user_id)
    for session_id, count in _signups(session_starts):
        for figures in _targets(by_code, rows, group_of[session_id], total):
            figures.signups += count
    session_of = {a[0]: a[1] for a in attendances}
    for attendance_id, amount in _credits(list(session_of)):
        for figures in _targets(by_code, rows, group_of[session_of[attendance_id]], total):
            figures.credits += amount
    group_of_activity = {s.activity_id: group_of[s.id] for s, _c, _d in sessions}
    for activity_id, count, points in _ratings(list(group_of_activity)):
        for figures in _targets(by_code, rows, group_of_activity[activity_id], total):
            figures.ratings += count
            figures.rating_points += points
    rows = [row for row in rows if row.code != WHOLE or row.figures.sessions]
    return Report(region_name, start, end, rows, total, dict(sorted(daily.items())))


def _targets(by_code, rows, code, total) -> Iterable[Figures]:
    row = by_code.get(code)
    if row is None:  # an activity of a district unknown to the tree: counted in the total
        return (total,)
    return (row.figures, total)


def _group(scope: Scope, city: str | None, district: str | None) -> str:
    if scope.everything:
        return city or WHOLE
    return district or WHOLE


def _rows_of(scope: Scope) -> tuple[list[ReportRow], str, int | None]:
    """The rows (zeros for now) of the scope, its name and population."""
    if scope.everything:
        province = get_region(current_app.config["HOME_PROVINCE"])
        cities = cities_of(province.code)
        rows = [ReportRow(c.code, c.display_name, Figures(population=c.population))
                for c in cities]  # fmt: skip
        rows.append(ReportRow(WHOLE, _("Province-wide activities"), Figures()))
        population = province.population or sum(c.population or 0 for c in cities) or None
        return rows, province.display_name, population
    if scope.district_code is not None:
        district = get_region(scope.district_code)
        figures = Figures(population=district.population)
        return [ReportRow(district.code, district.display_name, figures)], \
            district.display_name, district.population  # fmt: skip
    city = get_region(scope.city_code)
    districts = db.session.scalars(
        select(Region).where(Region.parent_code == city.code).order_by(Region.code)
    )
    rows = [ReportRow(d.code, d.display_name, Figures(population=d.population))
            for d in districts]  # fmt: skip
    rows.append(ReportRow(WHOLE, _("City-wide activities"), Figures()))
    return rows, city.display_name, city.population


def _held_sessions(scope: Scope, start: date, end: date, now: datetime):
    begins, ends = local_day_range(start, end)
    return list(
        db.session.execute(
            select(ActivitySession, Activity.city_code, Activity.district_code)
            .join(Activity)
            .where(
                scope.where(Activity.city_code, Activity.district_code),
                Activity.status.in_(SHOWN_STATUSES),
                ActivitySession.cancelled_at.is_(None),
                ActivitySession.starts_at >= begins,
                ActivitySession.starts_at < ends,
                ActivitySession.starts_at <= now,
            )
        )
    )


def _chunks(ids: list) -> Iterable[list]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _attendances(session_starts: dict) -> list[tuple]:
    """(attendance id, session id, person, birth year, live) of every attendance, undone
    ones too (their credits and reversals both count, and cancel out)."""
    found = []
    for ids in _chunks(list(session_starts)):
        found += db.session.execute(
            select(Attendance.id, Attendance.session_id, Attendance.user_id, User.birth_year,
                   Attendance.undone_at.is_(None))
            .join(User, User.id == Attendance.user_id)
            .where(Attendance.session_id.in_(ids))
        ).all()  # fmt: skip
    return found


def _signups(session_starts: dict) -> list[tuple[int, int]]:
    found = []
    for ids in _chunks(list(session_starts)):
        found += db.session.execute(
            select(SignUp.session_id, func.count())
            .where(SignUp.session_id.in_(ids), SignUp.status == SignUpStatus.CONFIRMED)
            .group_by(SignUp.session_id)
        ).all()  # fmt: skip
    return found


def _ratings(activity_ids: list[int]) -> list[tuple[int, int, int]]:
    """(activity id, ratings, sum of their scores) of the activities."""
    found = []
    for ids in _chunks(activity_ids):
        found += db.session.execute(
            select(Rating.activity_id, func.count(), func.sum(Rating.score))
            .where(Rating.activity_id.in_(ids))
            .group_by(Rating.activity_id)
        ).all()  # fmt: skip
    return [(activity_id, count, int(points)) for activity_id, count, points in found]


def _credits(attendance_ids: list[int]) -> list[tuple[int, Decimal]]:
    """(attendance id, credits) paid by the ledger, each deposit net of its reversal."""
    paid = []
    for ids in _chunks(attendance_ids):
        keys = [f"{ATTENDANCE_KEY}{i}" for i in ids]
        deposits = db.session.execute(
            select(LedgerEntry.id, LedgerEntry.business_key, LedgerEntry.amount).where(
                LedgerEntry.kind == EntryKind.ATTENDANCE, LedgerEntry.business_key.in_(keys)
            )
        ).all()  # fmt: skip
        reversed_amounts = dict(
            db.session.execute(
                select(LedgerEntry.reverses_id, LedgerEntry.amount).where(
                    LedgerEntry.reverses_id.in_([d[0] for d in deposits])
                )
            ).all()
        )
        for entry_id, key, amount in deposits:
            net = Decimal(amount) + Decimal(reversed_amounts.get(entry_id, 0))
            paid.append((int(key.removeprefix(ATTENDANCE_KEY)), net))
    return paid
