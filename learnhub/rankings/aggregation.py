"""From raw view events to daily aggregates: which views count, and the live aggregator.

The live aggregator and the rebuild command call the same functions on different sets of
events (an id range, a day), so they give the same numbers. A view counts when:

1. the request could count at all (``ViewEvent.status == "ok"``: no bot, prefetch, HEAD,
   staff account, cookieless client or visitor cookie we did not issue; see counting.py);
2. in the last ``RANKINGS_RATE_WINDOW_MINUTES`` (itself included) there were at most
   ``RANKINGS_RATE_LIMIT`` such views by its visitor, at most ``RANKINGS_ADDRESS_RATE_LIMIT``
   from its client address and at most ``RANKINGS_NETWORK_RATE_LIMIT`` from its network
   (/24, /64); else it is filtered as "rate". Views of every visitor count towards the caps
   of their address and network, so many visitor ids from one place share one budget;
3. the visitor's previous view of the same resource that passed 1 and 2 is
   ``RANKINGS_DEDUPE_MINUTES`` or more older (else it is a repeat: neither counted nor filtered).

Rules 2 and 3 look back at most rate window + dedupe window, so any set of events can be
classified exactly from the events of that much earlier time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import chain

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.metrics import CLICK_OUTCOMES, count_on_commit

from . import counting
from .aggregates import (
    CLICKS,
    FILTERED,
    VIEW_CURSOR,
    add_learner_days,
    add_region_amounts,
    add_to,
    forget_cached_boards,
    locked_cursor,
)
from .learner_periods import count_learner_days
from .models import CourseDay, ViewEvent

LEARNING_KINDS = ("lesson", "media")
BATCH_SIZE = 20_000

COUNTED = "counted"
REPEAT = "repeat"
RATE = counting.RATE


def _lookback_ms() -> int:
    config = current_app.config
    return (config["RANKINGS_DEDUPE_MINUTES"] + config["RANKINGS_RATE_WINDOW_MINUTES"]) * 60_000


def classified_views(selected: Callable, lo_ms: int, hi_ms: int):
    """Rows (day, city, district, course, user, kind, status, within_caps, previous_ms, time,
    id).

    ``selected(columns)`` picks the events to return; ``lo_ms``..``hi_ms`` must cover their
    times. Earlier events that the rules look back at are read but not returned. One scan
    and four window passes (visitor, address, network, dedupe), no self-join.
    """
    # Plain rows through the session's connection: the ORM's result machinery would cost
    # more than the query for these hundreds of thousands of tuples.
    return db.session.connection().execute(
        classified_views_query(selected, lo_ms, hi_ms), execution_options={"yield_per": 10_000}
    )


def classified_views_query(selected: Callable, lo_ms: int, hi_ms: int):
    """The SELECT behind :func:`classified_views`.

    ``within_caps`` is 1 when the view is within every cap of rule 2, else 0 (a view without
    an address or network, written outside a request, has no cap for it).
    """
    config = current_app.config
    rate_window = config["RANKINGS_RATE_WINDOW_MINUTES"] * 60_000
    e = ViewEvent
    eligible = case((e.status == counting.OK, 1), else_=0)

    def in_window(partition):
        return func.sum(eligible).over(
            partition_by=partition, order_by=e.occurred_ms, range_=(-(rate_window - 1), 0)
        )

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
            in_window(e.visitor_key).label("by_visitor"),
            e.address_key,
            in_window(e.address_key).label("by_address"),
            e.network_key,
            in_window(e.network_key).label("by_network"),
        )
        .where(e.occurred_ms.between(lo_ms - _lookback_ms(), hi_ms))
        .subquery("counted_recently")
    )
    c = counted_recently.c
    within_caps = and_(
        c.by_visitor <= config["RANKINGS_RATE_LIMIT"],
        or_(c.address_key.is_(None), c.by_address <= config["RANKINGS_ADDRESS_RATE_LIMIT"]),
        or_(c.network_key.is_(None), c.by_network <= config["RANKINGS_NETWORK_RATE_LIMIT"]),
    )
    passed = case((and_(c.status == counting.OK, within_caps), 1), else_=0)
    with_previous = select(
        c.id, c.day, c.city_code, c.district_code, c.course_id, c.user_id, c.resource_kind,
        c.status, case((within_caps, 1), else_=0).label("within_caps"), c.occurred_ms,
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
        w.within_caps,
        w.previous_ms,
        w.occurred_ms,
        w.id,
    ).where(selected(w), w.occurred_ms.between(lo_ms, hi_ms))


def outcome(status: str, within_caps, previous_ms, occurred_ms: int, dedupe_ms: int) -> str:
    """COUNTED, REPEAT, or the reason it was filtered."""
    if status != counting.OK:
        return status
    if not within_caps:
        return RATE
    if previous_ms is None:
        return COUNTED
    return COUNTED if occurred_ms - previous_ms >= dedupe_ms else REPEAT


def aggregate_views(
    selected: Callable, lo_ms: int, hi_ms: int, learner_periods: bool = True
) -> int:
    """Classify the selected view events and add them to the aggregates; returns how many.

    ``learner_periods``: also count the new learner-days for the active-learners boards (the
    rebuild recounts whole periods once at its end instead)."""
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
        within_caps,
        previous,
        at,
        event_id,
    ) in chain.from_iterable(classified_views(selected, lo_ms, hi_ms).partitions()):
        seen += 1
        result = outcome(status, within_caps, previous, at, dedupe_ms)
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
    count_on_commit(CLICK_OUTCOMES, sum(clicks.values()), outcome="counted")
    count_on_commit(CLICK_OUTCOMES, sum(filtered.values()), outcome="filtered")
    add_to(CourseDay, ("metric", "day", "course_id", "city_code"), course_clicks)
    new_learner_days = add_learner_days({(d, u, c, k) for (d, u), (_id, c, k) in learners.items()})
    if learner_periods:
        count_learner_days(new_learner_days)
    return seen


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


# Beyond the flush interval: slow requests, the queue's wait before the worker writes a batch.
SETTLE_MARGIN_SECONDS = 30


def settle_ms() -> int:
    """How recent views the live aggregator leaves for its next round: a buffered view may
    be written the flush interval and a queue wait after it happened (see view_buffer.py)."""
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
    cursor = locked_cursor(VIEW_CURSOR)
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
        forget_cached_boards()
    return total
