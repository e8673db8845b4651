"""Active learners of calendar periods, exact, read from one row per city and day.

Distinct learners do not add up over days, so a year's board would have to count the
learner-days of the year (``rank_learner_day``: one row per learner and day, about 800,000
at 10 million events a year). Instead, for each learner-day written, the learner's first
active day in its calendar week, month and year is kept in ``rank_learner_period``, for the
city (district ``"*"``) and for the district; the daily tables then hold, per day:

- ``learners_day``: learners active that day (a learner has one city and district a day);
- ``learners_week`` / ``learners_month`` / ``learners_year``: learners whose first active day
  in that week, month or year was this day.

A window that starts where its calendar period starts and ends inside it (this week, month
or year so far, and the same stretch of the previous one, which the boards compare with)
counts each learner once, on their first day in it: its distinct learners are the sum of the
``learners_<period>`` rows of its days, exactly. A single day sums ``learners_day``. Other
windows (last 7 and 30 days, date ranges) union bitmaps of learners (active_bits.py), kept
here with the rest.

The live path (:func:`count_learner_days`, for the learner-days a batch added) keeps each
first day the earliest seen, moving the count when an earlier day arrives later; the rebuild
recomputes whole periods from ``rank_learner_day`` (:func:`recount_learner_periods`). Both
give exactly what the definition gives for the stored learner-days.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import bindparam, delete, func, select

from learnhub.extensions import db

from .active_bits import CITY_WIDE, add_active_bits, recount_active_bits
from .aggregates import add_region_amounts, add_to, insert_statement
from .models import CityDay, DistrictDay, LearnerDay, LearnerPeriod

PERIODS = ("week", "month", "year")
DAY_METRIC = "learners_day"
_CHUNK = 500


def metric_of(period: str) -> str:
    return f"learners_{period}"


def period_start(period: str, day: date) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def period_end(period: str, day: date) -> date:
    if period == "week":
        return period_start(period, day) + timedelta(days=6)
    if period == "month":
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day.replace(month=12, day=31)


def summed_metric(start: date, end: date) -> str | None:
    """The daily metric whose sum over start..end is the distinct active learners, or None
    when no such metric exists (the window is not the start of a calendar period)."""
    if start == end:
        return DAY_METRIC
    for period in PERIODS:
        if period_start(period, end) == start:
            return metric_of(period)
    return None


# ---- the live path ------------------------------------------------------------------------


def count_learner_days(rows: Iterable[tuple]) -> None:
    """Count new learner-days {(day, user_id, city, district)} (rows just inserted)."""
    rows = list(rows)
    if not rows:
        return
    add_region_amounts(DAY_METRIC, Counter((d, c, k) for d, _u, c, k in rows))
    for period in PERIODS:
        _count_first_days(period, rows)
    add_active_bits(rows)


def _count_first_days(period: str, rows: list[tuple]) -> None:
    first: dict[tuple, date] = {}  # (period start, city, district or "*", user): first day
    for day, user, city, district in rows:
        start = period_start(period, day)
        for scope in (CITY_WIDE, district):
            key = (start, city, scope, user)
            if key not in first or day < first[key]:
                first[key] = day
    stored = _stored_first_days(period, first)
    counts: Counter = Counter()
    new, moved = [], []
    for key, day in first.items():
        before = stored.get(key)
        if before is None:
            new.append((*key, day))
        elif day < before:
            moved.append((*key, day))
            counts[(*key[1:3], before)] -= 1
        else:
            continue
        counts[(*key[1:3], day)] += 1
    table = LearnerPeriod.__table__
    columns = ("period_start", "city_code", "district_code", "user_id", "first_day")
    values = [dict(zip(columns, row, strict=True), period=period) for row in new]
    for start in range(0, len(values), 5000):
        db.session.execute(insert_statement(LearnerPeriod), values[start : start + 5000])
    if moved:
        db.session.execute(
            table.update()
            .where(
                table.c.period == period,
                table.c.period_start == bindparam("b_start"),
                table.c.city_code == bindparam("b_city"),
                table.c.district_code == bindparam("b_district"),
                table.c.user_id == bindparam("b_user"),
            )
            .values(first_day=bindparam("b_first")),
            [
                dict(
                    zip(("b_start", "b_city", "b_district", "b_user", "b_first"), row, strict=True)
                )
                for row in moved
            ],
        )
    _add_counts(metric_of(period), counts)


def _stored_first_days(period: str, first: dict[tuple, date]) -> dict[tuple, date]:
    p = LearnerPeriod
    users = sorted({key[3] for key in first})
    starts = sorted({key[0] for key in first})
    stored = {}
    for at in range(0, len(users), _CHUNK):
        rows = db.session.execute(
            select(p.period_start, p.city_code, p.district_code, p.user_id, p.first_day).where(
                p.period == period,
                p.period_start.in_(starts),
                p.user_id.in_(users[at : at + _CHUNK]),
            )
        )
        for start, city, district, user, day in rows:
            stored[(start, city, district, user)] = day
    return stored


def _add_counts(metric: str, counts: Counter) -> None:
    """counts: {(city, district or "*", day): n} → the city and district tables."""
    cities, districts = Counter(), Counter()
    for (city, scope, day), n in counts.items():
        if scope == CITY_WIDE:
            cities[(metric, day, city)] += n
        else:
            districts[(metric, day, city, scope)] += n
    add_to(CityDay, ("metric", "day", "city_code"), cities)
    add_to(DistrictDay, ("metric", "day", "city_code", "district_code"), districts)


# ---- the rebuild -------------------------------------------------------------------------


def recount_learner_periods(start: date, end: date) -> None:
    """Recompute ``learners_day`` of start..end, the ``learners_<period>`` rows of every
    week, month and year touching it and the learners' bitmaps from ``rank_learner_day``;
    the caller commits."""
    recount_active_bits(start, end)
    l = LearnerDay  # noqa: E741
    _delete_metric(DAY_METRIC, start, end)
    rows = db.session.execute(
        select(l.day, l.city_code, l.district_code, func.count())
        .where(l.day.between(start, end))
        .group_by(l.day, l.city_code, l.district_code)
    )
    add_region_amounts(DAY_METRIC, Counter({(d, c, k): n for d, c, k, n in rows}))
    for period in PERIODS:
        first_start, last_start = period_start(period, start), period_start(period, end)
        span_end = period_end(period, end)
        db.session.execute(
            delete(LearnerPeriod).where(
                LearnerPeriod.period == period,
                LearnerPeriod.period_start.between(first_start, last_start),
            )
        )
        _delete_metric(metric_of(period), first_start, span_end)
        learner_days = db.session.execute(
            select(l.day, l.user_id, l.city_code, l.district_code).where(
                l.day.between(first_start, span_end)
            ),
            execution_options={"yield_per": 20_000},
        )
        first: dict[tuple, date] = {}
        for day, user, city, district in learner_days:
            begins = period_start(period, day)
            for scope in (CITY_WIDE, district):
                key = (begins, city, scope, user)
                if key not in first or day < first[key]:
                    first[key] = day
        values = [
            {"period": period, "period_start": s, "city_code": c, "district_code": k,
             "user_id": u, "first_day": d}
            for (s, c, k, u), d in first.items()
        ]  # fmt: skip
        for at in range(0, len(values), 5000):
            db.session.execute(insert_statement(LearnerPeriod), values[at : at + 5000])
        _add_counts(metric_of(period), Counter((c, k, d) for (_s, c, k, _u), d in first.items()))


def _delete_metric(metric: str, start: date, end: date) -> None:
    for model in (CityDay, DistrictDay):
        db.session.execute(
            delete(model).where(model.metric == metric, model.day.between(start, end))
        )
