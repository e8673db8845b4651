"""What the public sees of activities: the filtered list of upcoming ones, the week and
month calendar (in China time), and a place's upcoming sessions.

Only published activities show, and of them only sessions that are not cancelled and have
not begun. The filters come from the address (?city=…&kind=…); a value that is not one of
the offered ones is ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from learnhub.clock import local_midnight, local_today, site_timezone
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places.models import Place
from learnhub.regions.models import Region, RegionLevel

from .models import Activity, ActivityKind, ActivitySession, ActivityStatus

PER_PAGE = 20
MODES = ("online", "offline")
VIEWS = ("list", "week", "month")
MONTH_DAY_LIMIT = 5  # sessions a month's day shows; "N more" opens that day's week


@dataclass(frozen=True)
class Filters:
    """The list's filters, each None (or False) when not chosen."""

    city: str | None = None
    district: str | None = None
    kind: str | None = None
    mode: str | None = None  # "online" or "offline"
    elder: bool = False
    free: bool = False
    chosen: dict[str, str] = field(default_factory=dict)  # for links that keep them

    @property
    def any(self) -> bool:
        return bool(self.chosen)


def kinds() -> list[ActivityKind]:
    return list(
        db.session.scalars(
            select(ActivityKind)
            .where(ActivityKind.retired.is_(False))
            .order_by(ActivityKind.position, ActivityKind.id)
        )
    )


def read_filters(args: Mapping[str, str], province_code: str) -> Filters:
    """The filters in the address, keeping only values that exist."""
    chosen: dict[str, str] = {}
    city = db.session.get(Region, args.get("city", "")[:6]) if args.get("city") else None
    if city is not None and city.level is RegionLevel.CITY and city.parent_code == province_code:
        chosen["city"] = city.code
        district = (
            db.session.get(Region, args.get("district", "")[:6]) if args.get("district") else None
        )
        if district is not None and district.parent_code == city.code:
            chosen["district"] = district.code
    kind = args.get("kind", "")[:32]
    if kind and kind in {k.code for k in kinds()}:
        chosen["kind"] = kind
    if args.get("mode") in MODES:
        chosen["mode"] = args["mode"]
    for flag in ("elder", "free"):
        if args.get(flag) == "1":
            chosen[flag] = "1"
    return Filters(
        city=chosen.get("city"), district=chosen.get("district"), kind=chosen.get("kind"),
        mode=chosen.get("mode"), elder="elder" in chosen, free="free" in chosen, chosen=chosen,
    )  # fmt: skip


def _open_sessions(filters: Filters, now: datetime):
    """Conditions on ActivitySession for the sessions the public may still join or attend."""
    conditions = [ActivitySession.starts_at > now, ActivitySession.cancelled_at.is_(None)]
    if filters.free:
        conditions.append(ActivitySession.taken < ActivitySession.capacity)
    return conditions


def _activity_conditions(filters: Filters) -> list:
    conditions = [Activity.status == ActivityStatus.PUBLISHED]
    if filters.city:
        # An activity of the city, or one of the province held at a place in the city.
        conditions.append(or_(Activity.city_code == filters.city, Place.city_code == filters.city))
    if filters.district:
        conditions.append(
            or_(Activity.district_code == filters.district, Place.district_code == filters.district)
        )
    if filters.kind:
        conditions.append(ActivityKind.code == filters.kind)
    if filters.mode == "online":
        conditions.append(Activity.is_online.is_(True))
    elif filters.mode == "offline":
        conditions.append(Activity.is_online.is_(False))
    if filters.elder:
        conditions.append(Activity.elder_friendly.is_(True))
    return conditions


def upcoming_activities(filters: Filters) -> Select:
    """Published activities with a session still to come (matching the filters), the
    soonest first."""
    now = utcnow()
    next_start = (
        select(
            ActivitySession.activity_id.label("activity_id"),
            func.min(ActivitySession.starts_at).label("next_start"),
        )
        .where(*_open_sessions(filters, now))
        .group_by(ActivitySession.activity_id)
        .subquery()
    )
    return (
        select(Activity)
        .join(next_start, next_start.c.activity_id == Activity.id)
        .join(ActivityKind, ActivityKind.id == Activity.kind_id)
        .outerjoin(Place, Place.id == Activity.place_id)
        .where(*_activity_conditions(filters))
        .options(selectinload(Activity.kind), selectinload(Activity.place))
        .order_by(next_start.c.next_start, Activity.id)
    )


def upcoming_page(filters: Filters, page: int):
    """A page of upcoming activities; each item's ``next_session`` is its next session
    matching the filters."""
    pagination = db.paginate(upcoming_activities(filters), page=page, per_page=PER_PAGE,
                             error_out=False, count=True)  # fmt: skip
    ids = [activity.id for activity in pagination.items]
    if ids:
        first: dict[int, ActivitySession] = {}
        for session in db.session.scalars(
            select(ActivitySession)
            .where(ActivitySession.activity_id.in_(ids), *_open_sessions(filters, utcnow()))
            .order_by(ActivitySession.starts_at, ActivitySession.id)
        ):
            first.setdefault(session.activity_id, session)
        for activity in pagination.items:
            activity.next_session = first.get(activity.id)
    return pagination


# ---- the calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_range: bool  # False for the days of the neighbouring months that fill a month's grid
    sessions: list[CalendarEntry]


@dataclass(frozen=True)
class CalendarEntry:
    """One session on the calendar: only what the calendar shows (a month holds hundreds)."""

    id: int
    activity_id: int
    starts_at: datetime
    clock: str  # the start, HH:MM in China time
    title: str
    free_places: int


def read_day(text: str | None) -> date:
    """The day named in the address (YYYY-MM-DD), or today in China time."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return local_today()
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        return local_today()
    return day


def calendar_range(view: str, day: date) -> tuple[date, date, date, date]:
    """(first shown day, day after the last, previous period's day, next period's day)."""
    if view == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7), first - timedelta(days=7), first + timedelta(7)
    month_start = day.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    previous_month = (month_start - timedelta(days=1)).replace(day=1)
    first = month_start - timedelta(days=month_start.weekday())
    last = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
    return first, last, previous_month, next_month


def calendar_days(filters: Filters, view: str, day: date) -> list[CalendarDay]:
    """Each day of the week (or of the month's grid, Monday first) with the published,
    not cancelled sessions that start on it in China time. A month's grid shows the days
    of the neighbouring months empty (the page lists only the month's own)."""
    first, after, *_ = calendar_range(view, day)
    month = day.month
    if view == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=31)).replace(day=1)
    else:
        start, end = first, after
    rows = db.session.execute(
        select(
            ActivitySession.id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            ActivitySession.capacity - ActivitySession.taken,
            Activity.title,
        )
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .join(ActivityKind, ActivityKind.id == Activity.kind_id)
        .outerjoin(Place, Place.id == Activity.place_id)
        .where(
            ActivitySession.starts_at >= local_midnight(start),
            ActivitySession.starts_at < local_midnight(end),
            ActivitySession.cancelled_at.is_(None),
            *([ActivitySession.taken < ActivitySession.capacity] if filters.free else []),
            *_activity_conditions(filters),
        )
        .order_by(ActivitySession.starts_at, ActivitySession.id)
    )
    zone = site_timezone()
    by_day: dict[date, list[CalendarEntry]] = {}
    for session_id, activity_id, starts_at, free, title in rows:
        local = starts_at.astimezone(zone)
        entry = CalendarEntry(
            session_id, activity_id, starts_at, local.strftime("%H:%M"), title, max(free, 0)
        )
        by_day.setdefault(local.date(), []).append(entry)
    days = []
    current = first
    while current < after:
        in_range = view == "week" or current.month == month
        days.append(CalendarDay(current, in_range, by_day.get(current, [])))
        current += timedelta(days=1)
    return days


# ---- a place's upcoming sessions (for the place's page) -------------------------------------


def upcoming_sessions_at(place_id: int, limit: int = 20) -> list[ActivitySession]:
    """The next published, not cancelled sessions of activities held at the place."""
    return list(
        db.session.scalars(
            select(ActivitySession)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(
                and_(
                    Activity.place_id == place_id,
                    Activity.status == ActivityStatus.PUBLISHED,
                    ActivitySession.starts_at > utcnow(),
                    ActivitySession.cancelled_at.is_(None),
                )
            )
            .options(selectinload(ActivitySession.activity))
            .order_by(ActivitySession.starts_at, ActivitySession.id)
            .limit(limit)
        )
    )


def published_activity(activity_id: int) -> Activity | None:
    """The activity if the public may see it (published, cancelled or finished: a link in
    someone's inbox or calendar keeps working); None for drafts and unknown ids."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.status is ActivityStatus.DRAFT:
        return None
    return activity
