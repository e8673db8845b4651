"""The daily aggregate tables: their metrics, and adding amounts to them.

Every path that counts (live aggregation of views, registrations, completions, the
rebuild) adds through these functions, so they write the same rows the same way.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from learnhub.extensions import db

from .board_cache import clear_cache
from .models import AggregationCursor, CityDay, DistrictDay, LearnerDay

CLICKS = "clicks"
FILTERED = "filtered"
REGISTRATIONS = "registrations"  # self-registrations that staff did not exclude
STAFF_OPENED = "staff_opened"  # accounts opened by staff (bulk opening): staff boards only
COMPLETIONS = "completions"
CREDITS = "credits"  # stored in hundredths of a credit
ACTIVITIES_HELD = "activities_held"  # sessions with at least one attendance (场次)
ATTENDANCES = "attendances"  # live attendances at activity sessions (人次)
ACTIVE_LEARNERS = "active_learners"  # not summed: distinct learners from LearnerDay
VIEW_CURSOR = "views"


def insert_statement(model):
    # On the table, not the mapped class: a plain executemany, without the ORM's bulk
    # insert machinery (which costs more than the statement itself for a few rows).
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)


def insert_new(model, key: str, rows: list[dict]) -> list:
    """Insert event rows, skipping those whose unique ``key`` is stored already (a signal
    sent twice); returns the keys of the rows inserted."""
    statement = _inserting_new_statement(model, key, db.session.get_bind().dialect.name)
    new = []
    for start in range(0, len(rows), 5000):
        new += db.session.execute(statement, rows[start : start + 5000]).scalars().all()
    return new


@lru_cache
def _inserting_new_statement(model, key: str, dialect: str):
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)
    return insert.on_conflict_do_nothing(index_elements=[key]).returning(model.__table__.c[key])


@lru_cache
def _adding_statement(model, dialect: str):
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)
    pk = [column.name for column in model.__table__.primary_key]
    return insert.on_conflict_do_update(
        index_elements=pk, set_={"value": model.__table__.c.value + insert.excluded.value}
    )


def add_to(model, keys: tuple[str, ...], amounts: Counter) -> None:
    """Add amounts ({key values: amount}) to a daily aggregate table, creating rows."""
    rows = [dict(zip(keys, key, strict=True), value=amount) for key, amount in amounts.items()]
    if not rows:
        return
    statement = _adding_statement(model, db.session.get_bind().dialect.name)
    for start in range(0, len(rows), 5000):
        db.session.execute(statement, rows[start : start + 5000])


def add_region_amounts(metric: str, amounts: Counter) -> None:
    """amounts: {(day, city, district): n} → the city and district tables."""
    cities: Counter = Counter()
    for (day, city, _district), amount in amounts.items():
        cities[(metric, day, city)] += amount
    add_to(CityDay, ("metric", "day", "city_code"), cities)
    add_to(
        DistrictDay,
        ("metric", "day", "city_code", "district_code"),
        Counter({(metric, *key): n for key, n in amounts.items()}),
    )


def add_learner_days(rows: set[tuple]) -> list[tuple]:
    """Mark learners active on days: {(day, user_id, city, district)}; repeats are ignored.
    Returns the rows that were new."""
    if not rows:
        return []
    table = LearnerDay.__table__
    statement = (
        insert_statement(LearnerDay)
        .on_conflict_do_nothing(index_elements=["day", "user_id"])
        .returning(table.c.day, table.c.user_id, table.c.city_code, table.c.district_code)
    )
    values = [{"day": d, "user_id": u, "city_code": c, "district_code": k} for d, u, c, k in rows]
    new = []
    for start in range(0, len(values), 5000):
        new += [tuple(row) for row in db.session.execute(statement, values[start : start + 5000])]
    return new


def locked_cursor(name: str) -> AggregationCursor:
    """The cursor row, locked: one aggregator at a time (SQLite: the write lock)."""
    db.session.execute(
        insert_statement(AggregationCursor).on_conflict_do_nothing(index_elements=["name"]),
        [{"name": name, "last_id": 0}],
    )
    return db.session.scalars(
        select(AggregationCursor).where(AggregationCursor.name == name).with_for_update()
    ).one()


def forget_cached_boards() -> None:
    """Boards computed before this change must not be shown again."""
    clear_cache()
