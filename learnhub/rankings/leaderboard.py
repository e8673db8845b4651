"""Leaderboards: cities (or a city's districts) ranked by a metric over a window.

Boards read only the daily aggregate tables, so their cost depends on the window's length,
never on how much raw history there is. Results are plain data, cached briefly per process.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnhub.catalogue.models import Course
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel
from learnhub.translation_domain import current_locale

from .active_bits import active_learners
from .aggregates import (
    ACTIVE_LEARNERS,
    ACTIVITIES_HELD,
    ATTENDANCES,
    CLICKS,
    COMPLETIONS,
    CREDITS,
    FILTERED,
    REGISTRATIONS,
    STAFF_OPENED,
)
from .board_cache import cached_board
from .learner_periods import DAY_METRIC, summed_metric
from .models import UNKNOWN, CityDay, CourseDay, DistrictDay

METRICS = {
    CLICKS: _l("Clicks"),
    REGISTRATIONS: _l("Registrations"),
    ACTIVE_LEARNERS: _l("Active learners"),
    COMPLETIONS: _l("Course completions"),
    CREDITS: _l("Credits earned"),
    ACTIVITIES_HELD: _l("Activities held"),
    ATTENDANCES: _l("Attendances"),
}
STAFF_METRICS = {
    **METRICS,
    FILTERED: _l("Filtered views"),
    STAFF_OPENED: _l("Accounts opened by staff"),
}
WINDOWS = {
    "today": _l("Today"),
    "week": _l("This week"),
    "month": _l("This month"),
    "year": _l("This year"),
    "last7": _l("Last 7 days"),
    "last30": _l("Last 30 days"),
    "custom": _l("Date range"),
}
PER_CAPITA_UNIT = 10_000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RankingsInputError(ValueError):
    """A bad parameter; ``field`` names it (metric, window, start, end, city)."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class BoardQuery:
    metric: str = CLICKS
    window: str = "month"
    period: Period | None = None
    previous: Period | None = None
    per_capita: bool = False
    city_code: str | None = None  # None: the province's cities; else that city's districts


@dataclass
class Entry:
    code: str
    name: str
    name_en: str
    population: int | None
    value: Decimal  # in the metric's unit (credits, not hundredths)
    per_capita: Decimal | None
    rank: int | None = None
    previous_rank: int | None = None

    @property
    def display_name(self) -> str:
        locale = current_locale()
        return self.name if locale is None or locale.language == "zh" else self.name_en

    @property
    def change(self) -> int | None:
        """Places climbed since the previous period (negative: fell)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass
class Board:
    query: BoardQuery
    entries: list[Entry] = field(default_factory=list)
    # Counted for the province but no city: views of visitors without an account.
    unattributed: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum((e.value for e in self.entries), Decimal(0))

    def shown_value(self, entry: Entry) -> Decimal | None:
        return entry.per_capita if self.query.per_capita else entry.value


# ---- reading the parameters ------------------------------------------------------------


def parse_day(text: str | None, name: str) -> date:
    if not text or not DATE_RE.fullmatch(text.strip()):
        raise RankingsInputError(name, _l("Enter the date as YYYY-MM-DD, for example 2024-05-01."))
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RankingsInputError(name, _l("This date does not exist.")) from None


def board_query(args: Mapping, today: date, metrics: Mapping = METRICS) -> BoardQuery:
    """A validated query from request-style arguments; raises RankingsInputError."""
    metric = args.get("metric") or CLICKS
    if metric not in metrics:
        raise RankingsInputError("metric", _l("Unknown metric. Choose one from the list."))
    window = args.get("window") or "month"
    if window not in WINDOWS:
        raise RankingsInputError("window", _l("Unknown time window. Choose one from the list."))
    start = end = None
    if window == "custom":
        start = parse_day(args.get("start"), "start")
        end = parse_day(args.get("end"), "end")
    period, previous = resolve_window(window, today, start, end)
    per_capita = str(args.get("per_capita", "")).lower() in ("1", "true", "on", "yes")
    return BoardQuery(metric, window, period, previous, per_capita)


def _clamp_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def resolve_window(
    window: str, today: date, start: date | None = None, end: date | None = None
) -> tuple[Period, Period]:
    """The window's days and the previous period's days it is compared with.

    Calendar windows (week from Monday, month, year) are compared with the same stretch of
    the previous week, month or year; the others with as many days just before.
    """
    if window == "today":
        return Period(today, today), Period(today - timedelta(1), today - timedelta(1))
    if window == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday, today), Period(monday - timedelta(7), today - timedelta(7))
    if window == "month":
        first = today.replace(day=1)
        last_month = first - timedelta(days=1)
        return Period(first, today), Period(
            last_month.replace(day=1), _clamp_day(last_month.year, last_month.month, today.day)
        )
    if window == "year":
        return Period(today.replace(month=1, day=1), today), Period(
            date(today.year - 1, 1, 1), _clamp_day(today.year - 1, today.month, today.day)
        )
    if window in ("last7", "last30"):
        days = 7 if window == "last7" else 30
        return _with_previous(Period(today - timedelta(days - 1), today))
    if window == "custom" and start and end:
        if start > end:
            raise RankingsInputError("end", _l("The end date must not be before the start date."))
        longest = current_app.config["RANKINGS_MAX_RANGE_DAYS"]
        if (end - start).days + 1 > longest:
            raise RankingsInputError(
                "end", _l("Choose a range of at most %(days)d days.", days=longest)
            )
        if start.year < 2000:
            raise RankingsInputError("start", _l("Choose a start date in 2000 or later."))
        return _with_previous(Period(start, end))
    raise RankingsInputError("window", _l("Unknown time window. Choose one from the list."))


def _with_previous(period: Period) -> tuple[Period, Period]:
    before = period.start - timedelta(days=1)
    return period, Period(before - timedelta(days=period.days - 1), before)


# ---- the numbers -------------------------------------------------------------------------


def totals(metric: str, period: Period, city_code: str | None = None) -> dict[str, int]:
    """{city code (or district code inside a city): total} over the period."""
    return cached_board(
        ("totals", metric, period, city_code), lambda: _totals(metric, period, city_code)
    )


def _totals(metric: str, period: Period, city_code: str | None) -> dict[str, int]:
    if metric == ACTIVE_LEARNERS:
        # Exact from one row per city and day when the window starts its calendar period
        # (see learner_periods.py); else the union of the learners' bitmaps (active_bits.py).
        metric = summed_metric(period.start, period.end)
    if metric is None:
        return active_learners(period.start, period.end, city_code)
    if city_code is None:
        query = (
            select(CityDay.city_code, func.sum(CityDay.value))
            .where(CityDay.metric == metric, CityDay.day.between(period.start, period.end))
            .group_by(CityDay.city_code)
        )
    else:
        query = (
            select(DistrictDay.district_code, func.sum(DistrictDay.value))
            .where(
                DistrictDay.metric == metric,
                DistrictDay.city_code == city_code,
                DistrictDay.day.between(period.start, period.end),
            )
            .group_by(DistrictDay.district_code)
        )
    return {code: int(n) for code, n in db.session.execute(query)}


def _regions(parent_code: str, level: RegionLevel) -> list[tuple]:
    def load():
        rows = db.session.execute(
            select(Region.code, Region.name, Region.name_en, Region.population)
            .where(Region.parent_code == parent_code, Region.level == level)
            .order_by(Region.code)
        )
        return [tuple(row) for row in rows]

    return cached_board(("regions", parent_code, level), load)


def in_unit(metric: str, amount: int) -> Decimal:
    """A stored amount in the metric's unit (credits are stored in hundredths)."""
    return Decimal(amount) / 100 if metric == CREDITS else Decimal(amount)


def rank_fairly(scores: list[Fraction | None]) -> list[int | None]:
    """Competition ranks: equal scores share a rank, the next rank is skipped (1, 2, 2, 4)."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first_place = {}
    for position, score in enumerate(ordered, start=1):
        first_place.setdefault(score, position)
    return [None if s is None else first_place[s] for s in scores]


def _scores(metric: str, amounts: dict[str, int], regions, per_capita: bool) -> list:
    if not per_capita:
        return [Fraction(amounts.get(code, 0)) for code, *_ in regions]
    return [
        Fraction(amounts.get(code, 0) * PER_CAPITA_UNIT, population) if population else None
        for code, _n, _e, population in regions
    ]


def leaderboard(query: BoardQuery) -> Board:
    """Cities of the province (or districts of query.city_code) ranked for the query."""
    if query.city_code is None:
        regions = _regions(current_app.config["HOME_PROVINCE"], RegionLevel.CITY)
    else:
        regions = _regions(query.city_code, RegionLevel.DISTRICT)
    current = totals(query.metric, query.period, query.city_code)
    previous = totals(query.metric, query.previous, query.city_code)
    ranks = rank_fairly(_scores(query.metric, current, regions, query.per_capita))
    had_activity = any(previous.get(code) for code, *_ in regions)
    previous_ranks = (
        rank_fairly(_scores(query.metric, previous, regions, query.per_capita))
        if had_activity
        else [None] * len(regions)
    )
    entries = []
    for (code, name, name_en, population), rank, before in zip(
        regions, ranks, previous_ranks, strict=True
    ):
        value = in_unit(query.metric, current.get(code, 0))
        per = (
            (value * PER_CAPITA_UNIT / population).quantize(Decimal("0.01")) if population else None
        )
        entries.append(Entry(code, name, name_en, population, value, per, rank, before))
    entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.code))
    unattributed = current.get(UNKNOWN, 0) if query.city_code is None else 0
    return Board(query, entries, in_unit(query.metric, unattributed))


def top_cities(metric: str = CLICKS, window: str = "week", limit: int = 3, today=None):
    """The first cities of the province board (for the home page)."""
    period, previous = resolve_window(window, today or local_today())
    board = leaderboard(BoardQuery(metric, window, period, previous))
    return replace(board, entries=board.entries[:limit])


def city_district_board(city_code: str, metric: str = CLICKS, window: str = "month", today=None):
    """A city's districts ranked (for the city page)."""
    period, previous = resolve_window(window, today or local_today())
    return leaderboard(BoardQuery(metric, window, period, previous, city_code=city_code))


def top_courses(
    period: Period, city_code: str | None = None, metric: str = CLICKS, limit: int = 10
) -> list[tuple]:
    """[(course, total)]: the most viewed (or completed) courses over the period."""
    total = func.sum(CourseDay.value).label("total")
    query = (
        select(CourseDay.course_id, total)
        .where(CourseDay.metric == metric, CourseDay.day.between(period.start, period.end))
        .group_by(CourseDay.course_id)
        .order_by(total.desc(), CourseDay.course_id)
        .limit(limit)
    )
    if city_code is not None:
        query = query.where(CourseDay.city_code == city_code)
    rows = db.session.execute(query).all()
    courses = {
        c.id: c
        for c in db.session.scalars(select(Course).where(Course.id.in_([r[0] for r in rows])))
    }
    return [(courses[course_id], int(n)) for course_id, n in rows if course_id in courses]


def daily_trend(metric: str, period: Period, city_code: str | None = None) -> list[tuple]:
    """[(day, value in the metric's unit)] for every day of the period (zeros included)."""
    # A learner is active in one city a day: the day's active learners add up over cities.
    summed = DAY_METRIC if metric == ACTIVE_LEARNERS else metric
    query = select(CityDay.day, func.sum(CityDay.value)).where(
        CityDay.metric == summed, CityDay.day.between(period.start, period.end)
    )
    if city_code:
        query = query.where(CityDay.city_code == city_code)
    query = query.group_by(CityDay.day)
    values = {day: int(n) for day, n in db.session.execute(query)}
    return [
        (period.start + timedelta(i), in_unit(metric, values.get(period.start + timedelta(i), 0)))
        for i in range(period.days)
    ]
