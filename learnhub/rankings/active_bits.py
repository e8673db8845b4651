"""Active learners of any window of days, exact, from bitmaps of learner ids.

Distinct learners do not add up over days. learner_periods.py answers the windows that
start a calendar period from one row per city and day; every other window (the last 7 and
30 days, a chosen date range, and the stretch before each that the boards compare with) is
the union of the sets of learners active on its days. Those sets are kept here as roaring
bitmaps of user ids (pyroaring): for each city (district ``"*"``) and each district of it,
one per day and one per calendar month. A window reads the bitmaps of the months it covers
whole and of its other days — for a year at most 13 months and 60 days a region, not the
year's learner-days — and counts their union (at 10 million views a year, the cities' board
of a 365-day range and the range before it: 13 ms on SQLite and 15 ms on PostgreSQL, against
360 and 450 ms counting the learner-days; bench/README.md, "Session 15").

The live path (:func:`add_active_bits`, for the learner-days a batch added; the aggregator
holds its cursor's lock, so two batches never rewrite a bitmap at once) ORs the new learners
into the bitmaps of their day and month; the rebuild (:func:`recount_active_bits`) writes
the days and months touching its range again from ``rank_learner_day``. Both give the sets
the stored learner-days define.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from pyroaring import BitMap
from sqlalchemy import and_, delete, or_, select

from learnhub.extensions import db

from .aggregates import insert_statement
from .models import ActiveBits, LearnerDay

CITY_WIDE = "*"  # district_code of what counts for the whole city
# Bitmaps hold unsigned 32-bit numbers; an id is any 32-bit integer (the demo's made-up
# learners are negative): taken modulo 2**32, distinct ids stay distinct.
_ID_SPACE = 2**32
DAY, MONTH = "day", "month"
_CHUNK = 500


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _cover(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The months start..end covers whole (first and last month start, or None) and the
    stretches of days outside them."""
    first = start if start.day == 1 else _next_month(start)
    last = _month_start(end + timedelta(days=1)) - timedelta(days=1)  # the last whole month's end
    if first > last:
        return None, [(start, end)]
    edges = [(start, first - timedelta(days=1)), (last + timedelta(days=1), end)]
    return (first, _month_start(last)), [(a, b) for a, b in edges if a <= b]


def active_learners(start: date, end: date, city_code: str | None = None) -> dict[str, int]:
    """{city code (or district code inside ``city_code``): learners active in start..end}."""
    b = ActiveBits
    if city_code is None:
        key, scope = b.city_code, b.district_code == CITY_WIDE
    else:
        key, scope = b.district_code, and_(b.city_code == city_code, b.district_code != CITY_WIDE)
    months, days = _cover(start, end)
    spans = [and_(b.span == DAY, b.start.between(a, z)) for a, z in days]
    if months is not None:
        spans.append(and_(b.span == MONTH, b.start.between(*months)))
    maps: dict[str, list[BitMap]] = defaultdict(list)
    for code, bits in db.session.execute(select(key, b.bits).where(scope, or_(*spans))):
        maps[code].append(BitMap.deserialize(bytes(bits)))
    return {code: len(BitMap.union(*found)) for code, found in maps.items()}


def add_active_bits(rows: Iterable[tuple]) -> None:
    """Add new learner-days {(day, user_id, city, district)} to their day's and month's
    bitmaps, for the city and for the district."""
    added: dict[tuple, BitMap] = defaultdict(BitMap)
    for day, user, city, district in rows:
        for span, begins in ((DAY, day), (MONTH, _month_start(day))):
            for scope in (CITY_WIDE, district):
                added[(span, begins, city, scope)].add(_bit(user))
    if not added:
        return
    stored = _stored(added)
    values = []
    for key, users in added.items():
        before = stored.get(key)
        if before is None or not users.issubset(before):
            values.append(_row(key, users if before is None else before | users))
    upsert = insert_statement(ActiveBits)
    upsert = upsert.on_conflict_do_update(
        index_elements=["span", "start", "city_code", "district_code"],
        set_={"bits": upsert.excluded.bits},
    )
    _write(upsert, values)


def _bit(user_id: int) -> int:
    return user_id % _ID_SPACE


def _write(statement, values: list[dict]) -> None:
    for at in range(0, len(values), 1000):
        db.session.execute(statement, values[at : at + 1000])


def _row(key: tuple, users: BitMap) -> dict:
    span, start, city, district = key
    return {"span": span, "start": start, "city_code": city, "district_code": district,
            "bits": users.serialize()}  # fmt: skip


def _stored(keys: Iterable[tuple]) -> dict[tuple, BitMap]:
    """The stored bitmaps of these keys, read through the primary key (span, start, city)."""
    b = ActiveBits
    keys = set(keys)
    cities = sorted({key[2] for key in keys})
    stored = {}
    for span in (DAY, MONTH):
        starts = sorted({key[1] for key in keys if key[0] == span})
        for at in range(0, len(starts), _CHUNK):
            rows = db.session.execute(
                select(b.start, b.city_code, b.district_code, b.bits).where(
                    b.span == span, b.start.in_(starts[at : at + _CHUNK]), b.city_code.in_(cities)
                )
            )
            for start, city, district, bits in rows:
                if (span, start, city, district) in keys:
                    stored[(span, start, city, district)] = BitMap.deserialize(bytes(bits))
    return stored


def recount_active_bits(start: date, end: date) -> None:
    """Write the bitmaps of the days start..end and of the months touching them again from
    ``rank_learner_day``; the caller commits."""
    first, last = _month_start(start), _next_month(end) - timedelta(days=1)
    b, l = ActiveBits, LearnerDay  # noqa: E741
    db.session.execute(delete(b).where(b.span == DAY, b.start.between(start, end)))
    db.session.execute(delete(b).where(b.span == MONTH, b.start.between(first, last)))
    rows = db.session.execute(
        select(l.day, l.user_id, l.city_code, l.district_code).where(l.day.between(first, last)),
        execution_options={"yield_per": 20_000},
    )
    sets: dict[tuple, BitMap] = defaultdict(BitMap)
    for day, user, city, district in rows:
        for scope in (CITY_WIDE, district):
            sets[(MONTH, _month_start(day), city, scope)].add(_bit(user))
            if start <= day <= end:
                sets[(DAY, day, city, scope)].add(_bit(user))
    _write(insert_statement(ActiveBits), [_row(key, users) for key, users in sets.items()])
