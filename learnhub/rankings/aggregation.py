"""From raw events to daily aggregates: the live path, the rebuild, and pruning.

The live aggregator and the rebuild command call the same functions on different sets of
events (an id range, a day), so they give the same numbers. A view counts when:

1. the request could count at all (``ViewEvent.status == "ok"``: no bot, prefetch, HEAD,
   staff account, cookieless client; see counting.py);
2. its visitor made at most ``RANKINGS_RATE_LIMIT`` such views in the last
   ``RANKINGS_RATE_WINDOW_MINUTES`` (else it is filtered as "rate");
3. the visitor's previous view of the same resource that passed 1 and 2 is
   ``RANKINGS_DEDUPE_MINUTES`` or more older (else it is a repeat: neither counted nor filtered).

Rules 2 and 3 look back at most rate window + dedupe window, so any set of events can be
classified exactly from the events of that much earlier time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain

from flask import current_app
from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from learnhub.accounts.models import Role, User
from learnhub.accounts.services import user_registered
from learnhub.clock import local_today
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning.services import course_completed

from . import counting
from .board_cache import clear_cache
from .models import (
    UNKNOWN,
    AggregationCursor,
    CityDay,
    CompletionEvent,
    CourseDay,
    DistrictDay,
    LearnerDay,
    RegistrationEvent,
    ViewEvent,
)

CLICKS = "clicks"
FILTERED = "filtered"
REGISTRATIONS = "registrations"
COMPLETIONS = "completions"
CREDITS = "credits"  # stored in hundredths of a credit
ACTIVE_LEARNERS = "active_learners"  # not summed: distinct learners from LearnerDay
LEARNING_KINDS = ("lesson", "media")
VIEW_CURSOR = "views"
BATCH_SIZE = 20_000

COUNTED = "counted"
REPEAT = "repeat"
RATE = "rate"


class RebuildError(ValueError):
    """A rebuild that would lose numbers (its range reaches past the pruned raw events)."""


# ---- adding to aggregates --------------------------------------------------------------


def _insert(model):
    # On the table, not the mapped class: a plain executemany, without the ORM's bulk
    # insert machinery (which costs more than the statement itself for a few rows).
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)


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


def add_learner_days(rows: set[tuple]) -> None:
    """Mark learners active on days: {(day, user_id, city, district)}; repeats are ignored."""
    if not rows:
        return
    statement = _insert(LearnerDay).on_conflict_do_nothing(index_elements=["day", "user_id"])
    values = [{"day": d, "user_id": u, "city_code": c, "district_code": k} for d, u, c, k in rows]
    for start in range(0, len(values), 5000):
        db.session.execute(statement, values[start : start + 5000])


# ---- views -----------------------------------------------------------------------------


def _lookback_ms() -> int:
    config = current_app.config
    return (config["RANKINGS_DEDUPE_MINUTES"] + config["RANKINGS_RATE_WINDOW_MINUTES"]) * 60_000


def classified_views(selected: Callable, lo_ms: int, hi_ms: int):
    """Rows (day, city, district, course, user, kind, status, recent, previous_ms, time, id).

    ``selected(columns)`` picks the events to return; ``lo_ms``..``hi_ms`` must cover their
    times. Earlier events that the rules look back at are read but not returned. One scan
    and two window passes, no self-join, so its cost is linear in the events read.
    """
    # Plain rows through the session's connection: the ORM's result machinery would cost
    # more than the query for these hundreds of thousands of tuples.
    return db.session.connection().execute(
        classified_views_query(selected, lo_ms, hi_ms), execution_options={"yield_per": 10_000}
    )


def classified_views_query(selected: Callable, lo_ms: int, hi_ms: int):
    """The SELECT behind :func:`classified_views`."""
    config = current_app.config
    rate_window = config["RANKINGS_RATE_WINDOW_MINUTES"] * 60_000
    e = ViewEvent
    eligible = case((e.status == counting.OK, 1), else_=0)
    counted_recently = (
        select(
            e.id,
            e.day,
            e.city_code,
            e.district_code,
            e.course_id,
            e.user_id,
            e.resource_kind,
            e.resource_id,
            e.visitor_key,
            e.status,
            e.occurred_ms,
            func.sum(eligible)
            .over(
                partition_by=e.visitor_key, order_by=e.occurred_ms, range_=(-(rate_window - 1), 0)
            )
            .label("recent"),
        )
        .where(e.occurred_ms.between(lo_ms - _lookback_ms(), hi_ms))
        .subquery("counted_recently")
    )
    c = counted_recently.c
    passed = case(
        (and_(c.status == counting.OK, c.recent <= config["RANKINGS_RATE_LIMIT"]), 1), else_=0
    )
    with_previous = select(
        c.id, c.day, c.city_code, c.district_code, c.course_id, c.user_id, c.resource_kind,
        c.status, c.recent, c.occurred_ms,
        func.lag(c.occurred_ms)
        .over(partition_by=(c.visitor_key, c.resource_kind, c.resource_id, passed),
              order_by=(c.occurred_ms, c.id))
        .label("previous_ms"),
    ).subquery("with_previous")  # fmt: skip
    w = with_previous.c
    return select(
        w.day,
        w.city_code,
        w.district_code,
        w.course_id,
        w.user_id,
        w.resource_kind,
        w.status,
        w.recent,
        w.previous_ms,
        w.occurred_ms,
        w.id,
    ).where(selected(w), w.occurred_ms.between(lo_ms, hi_ms))


def outcome(
    status: str, recent, previous_ms, occurred_ms: int, rate_limit: int, dedupe_ms: int
) -> str:
    """COUNTED, REPEAT, or the reason it was filtered."""
    if status != counting.OK:
        return status
    if recent > rate_limit:
        return RATE
    if previous_ms is None:
        return COUNTED
    return COUNTED if occurred_ms - previous_ms >= dedupe_ms else REPEAT


def aggregate_views(selected: Callable, lo_ms: int, hi_ms: int) -> int:
    """Classify the selected view events and add them to the aggregates; returns how many."""
    rate_limit = current_app.config["RANKINGS_RATE_LIMIT"]
    dedupe_ms = current_app.config["RANKINGS_DEDUPE_MINUTES"] * 60_000
    clicks: Counter = Counter()
    filtered: Counter = Counter()
    course_clicks: Counter = Counter()
    # A learner's day counts for the city of their first learning view that day (lowest id:
    # the live path's earlier batches are written first, so it agrees with the rebuild).
    learners: dict[tuple, tuple] = {}
    seen = 0
    for (
        day,
        city,
        district,
        course_id,
        user_id,
        kind,
        status,
        recent,
        previous,
        at,
        event_id,
    ) in chain.from_iterable(classified_views(selected, lo_ms, hi_ms).partitions()):
        seen += 1
        result = outcome(status, recent, previous, at, rate_limit, dedupe_ms)
        if result == COUNTED:
            clicks[(day, city, district)] += 1
            if course_id is not None:
                course_clicks[(CLICKS, day, course_id, city)] += 1
        elif result != REPEAT:
            filtered[(day, city, district)] += 1
        if result in (COUNTED, REPEAT) and user_id is not None and kind in LEARNING_KINDS:
            first = learners.get((day, user_id))
            if first is None or event_id < first[0]:
                learners[(day, user_id)] = (event_id, city, district)
    add_region_amounts(CLICKS, clicks)
    add_region_amounts(FILTERED, filtered)
    add_to(CourseDay, ("metric", "day", "course_id", "city_code"), course_clicks)
    add_learner_days({(d, u, c, k) for (d, u), (_id, c, k) in learners.items()})
    return seen


def _locked_cursor(name: str) -> AggregationCursor:
    """The cursor row, locked: one aggregator at a time (SQLite: the write lock)."""
    db.session.execute(
        _insert(AggregationCursor).on_conflict_do_nothing(index_elements=["name"]),
        [{"name": name, "last_id": 0}],
    )
    return db.session.scalars(
        select(AggregationCursor).where(AggregationCursor.name == name).with_for_update()
    ).one()


def _safe_last_view_id() -> int:
    """The highest view id below which every insert has committed.

    PostgreSQL hands out ids before commit, so id 7 may become visible after id 8: a short
    SHARE lock waits for inserts in flight. SQLite commits writes one at a time, in order.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.scalar(select(func.coalesce(func.max(ViewEvent.id), 0)))
    with db.engine.begin() as connection:
        connection.exec_driver_sql("LOCK TABLE view_event IN SHARE MODE")
        return connection.scalar(select(func.coalesce(func.max(ViewEvent.id), 0)))


SETTLE_MARGIN_SECONDS = 10  # beyond the flush interval: slow requests, slow batch writes


def settle_ms() -> int:
    """How recent views the live aggregator leaves for its next round: a buffered view may
    be written up to the flush interval after it happened (see services.ViewBuffer)."""
    flush_seconds = current_app.config["RANKINGS_VIEW_FLUSH_SECONDS"]
    return round((flush_seconds + SETTLE_MARGIN_SECONDS) * 1000)


def settled_bound(after: int, bound: int, settle: int) -> int:
    """The highest id up to ``bound`` whose events can be classified now, for good.

    Each process writes its views in batches, so ids do not follow time across processes:
    a batch written late holds views older than ids already written. The rules read each
    view's past, so the ids up to the returned bound all happened ``settle`` ms or more ago
    and before every view with a higher id (written or still to come). Then the live path
    sees every view in time order, as the rebuild does.
    """
    e = ViewEvent
    limit = counting.epoch_ms(utcnow()) - settle
    safe = bound
    while bound > after:
        first_recent = db.session.scalar(
            select(func.min(e.id)).where(e.id > after, e.id <= bound, e.occurred_ms > limit)
        )
        if first_recent is None:
            return bound
        bound = first_recent - 1
        earliest_held = db.session.scalar(
            select(func.min(e.occurred_ms)).where(e.id > bound, e.id <= safe)
        )
        if earliest_held > limit:
            return bound
        limit = earliest_held - 1  # a late batch: hold back what happened after it too
    return bound


def aggregate_pending(
    batch_size: int = BATCH_SIZE, bound: int | None = None, settle: int = 0
) -> int:
    """Aggregate the view events recorded since the last run; the caller commits.

    ``bound``: aggregate up to this id (a caller that inserted the events itself, in this
    transaction, knows it); by default the highest id below which all inserts committed.
    ``settle``: leave views of the last that many ms, and any written after them, for a
    later run (the live aggregator passes :func:`settle_ms`; see :func:`settled_bound`).
    """
    bound = _safe_last_view_id() if bound is None else bound
    cursor = _locked_cursor(VIEW_CURSOR)
    if settle:
        bound = settled_bound(cursor.last_id, bound, settle)
    total = 0
    while cursor.last_id < bound:
        last_id = db.session.scalar(
            select(func.max(ViewEvent.id)).where(
                ViewEvent.id.in_(
                    select(ViewEvent.id)
                    .where(ViewEvent.id > cursor.last_id, ViewEvent.id <= bound)
                    .order_by(ViewEvent.id)
                    .limit(batch_size)
                )
            )
        )
        after = cursor.last_id
        lo, hi = db.session.execute(
            select(func.min(ViewEvent.occurred_ms), func.max(ViewEvent.occurred_ms)).where(
                ViewEvent.id > after, ViewEvent.id <= last_id
            )
        ).one()
        total += aggregate_views(
            lambda c, after=after, upto=last_id: and_(c.id > after, c.id <= upto), lo, hi
        )
        cursor.last_id = last_id
        db.session.flush()
    if total:
        _forget_cached_boards()
    return total


def _forget_cached_boards() -> None:
    clear_cache()


# ---- registrations and completions -----------------------------------------------------


def record_registration(user_id: int, city_code: str, district_code: str | None, day: date):
    """Count a new learner account for its city (in the registering transaction)."""
    record_registrations([(user_id, city_code, district_code, day)])


def record_registrations(rows: list[tuple]) -> None:
    """Count new learner accounts: rows (user id, city, district or None, day)."""
    events = [
        {"user_id": u, "day": d, "city_code": c, "district_code": k or UNKNOWN}
        for u, c, k, d in rows
    ]
    for start in range(0, len(events), 5000):
        db.session.execute(_insert(RegistrationEvent), events[start : start + 5000])
    add_region_amounts(
        REGISTRATIONS, Counter((e["day"], e["city_code"], e["district_code"]) for e in events)
    )
    _forget_cached_boards()


def credits_earned_cents(completion) -> int:
    """Credits a completion earned, in hundredths (later: read from the credit bank ledger)."""
    return round(completion.course.credits * 100)


def record_completion(
    completion_id: int, user_id: int, course_id: int, city_code: str, district_code: str | None,
    credit_cents: int, day: date,
) -> None:  # fmt: skip
    """Count a course completion and its credits (in the completing transaction)."""
    record_completions(
        [(completion_id, user_id, course_id, city_code, district_code, credit_cents, day)]
    )


def record_completions(rows: list[tuple]) -> None:
    """Count course completions: rows (completion id, user id, course id, city, district or
    None, credit cents, day). A completion already counted is not counted again."""
    events = {
        completion_id: {"completion_id": completion_id, "user_id": u, "course_id": course,
                        "day": d, "city_code": c, "district_code": k or UNKNOWN,
                        "credit_cents": cents}
        for completion_id, u, course, c, k, cents, d in rows
    }  # fmt: skip
    statement = (
        _insert(CompletionEvent)
        .on_conflict_do_nothing(index_elements=["completion_id"])
        .returning(CompletionEvent.__table__.c.completion_id)
    )
    new = []
    values = list(events.values())
    for start in range(0, len(values), 5000):
        new += db.session.execute(statement, values[start : start + 5000]).scalars().all()
    _add_completions(
        (e["day"], e["city_code"], e["district_code"], e["course_id"], e["credit_cents"])
        for e in map(events.__getitem__, new)
    )
    _forget_cached_boards()


def _add_completions(rows) -> None:
    completions, credits, courses = Counter(), Counter(), Counter()
    for day, city, district, course_id, cents in rows:
        completions[(day, city, district)] += 1
        credits[(day, city, district)] += cents
        courses[(COMPLETIONS, day, course_id, city)] += 1
    add_region_amounts(COMPLETIONS, completions)
    add_region_amounts(CREDITS, credits)
    add_to(CourseDay, ("metric", "day", "course_id", "city_code"), courses)


def on_user_registered(_sender, user, **_extra) -> None:
    if user.role is not Role.LEARNER:
        return
    moment = user.created_at or utcnow()
    record_registration(
        user.id, user.city_code, user.district_code,
        counting.local_day(counting.epoch_ms(moment)),
    )  # fmt: skip


def on_course_completed(_sender, completion, **_extra) -> None:
    user = db.session.get(User, completion.user_id)
    moment = completion.completed_at or utcnow()
    record_completion(
        completion.id, user.id, completion.course_id, user.city_code, user.district_code,
        credits_earned_cents(completion), counting.local_day(counting.epoch_ms(moment)),
    )  # fmt: skip


# ---- rebuild and pruning ---------------------------------------------------------------


def retention_horizon(today: date) -> date:
    """The first day whose raw view events are kept."""
    return today - timedelta(days=current_app.config["RANKINGS_RETENTION_DAYS"])


def rebuild(start: date, end: date, today: date | None = None, progress=None) -> None:
    """Recompute every aggregate of the days start..end from the raw events; caller commits."""
    today = today or local_today()
    if start > end:
        raise RebuildError("the start day is after the end day")
    if start < retention_horizon(today):
        raise RebuildError(
            f"raw views before {retention_horizon(today)} are pruned; rebuilding earlier days "
            "would lose their numbers"
        )
    cursor = _locked_cursor(VIEW_CURSOR)  # holds off the live aggregator meanwhile
    for model in (CityDay, DistrictDay, CourseDay, LearnerDay):
        db.session.execute(delete(model).where(model.day.between(start, end)))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    for day in progress(days) if progress else days:
        aggregate_views(
            lambda c, day=day: and_(c.day == day, c.id <= cursor.last_id),
            counting.day_start_ms(day),
            counting.day_end_ms(day) - 1,
        )
    _rebuild_registrations(start, end)
    _rebuild_completions(start, end)
    db.session.flush()
    _forget_cached_boards()


def _rebuild_registrations(start: date, end: date) -> None:
    r = RegistrationEvent
    rows = db.session.execute(
        select(r.day, r.city_code, r.district_code, func.count())
        .where(r.day.between(start, end))
        .group_by(r.day, r.city_code, r.district_code)
    )
    add_region_amounts(REGISTRATIONS, Counter({(d, c, k): n for d, c, k, n in rows}))


def _rebuild_completions(start: date, end: date) -> None:
    c = CompletionEvent
    rows = db.session.execute(
        select(c.day, c.city_code, c.district_code, c.course_id, c.credit_cents).where(
            c.day.between(start, end)
        )
    )
    _add_completions(rows)


def prune_raw_events(today: date) -> int:
    """Delete aggregated raw view events older than the retention; returns how many."""
    cursor = _locked_cursor(VIEW_CURSOR)
    result = db.session.execute(
        delete(ViewEvent).where(
            ViewEvent.day < retention_horizon(today), ViewEvent.id <= cursor.last_id
        )
    )
    return result.rowcount


def connect_signals() -> None:
    """Count registrations and completions inside the transactions that make them."""
    user_registered.connect(on_user_registered)
    course_completed.connect(on_course_completed)
