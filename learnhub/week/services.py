"""The week's rules: opening a year's week, registering a city's week inside its window,
and linking a city's (and its districts') activities to it. Every write is audited and
every check of region goes through accounts.access (a city's staff never touch another's)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnhub.accounts.access import may_manage, may_manage_city, staff_scope
from learnhub.accounts.models import Role, User
from learnhub.activities.models import Activity, ActivitySession, ActivityStatus
from learnhub.audit import AuditAction, record
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel

from .models import CityWeek, LearningWeek, WeekActivity

# Activities a programme may show: published ones, and those already held (finished).
SHOWN_STATUSES = (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)


class WeekError(Exception):
    """A refusal with a message for the user; ``field`` names the form field it is about,
    ``forbidden`` marks a refusal of role or region (answered with 403)."""

    def __init__(self, message, field: str | None = None, forbidden: bool = False):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.forbidden = forbidden


@dataclass(frozen=True)
class WeekTerms:
    """What the province decides about a year's week."""

    theme: str
    national_opening: date
    window_start: date
    window_end: date
    ceremony_on: date | None = None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_window(national_opening: date) -> tuple[date, date]:
    """From the national opening to a month after it (the province's 2020 notice: the cities
    hold their weeks within a month of the national opening)."""
    return national_opening, add_months(national_opening, 1)


def get_week(year: int) -> LearningWeek | None:
    return db.session.get(LearningWeek, year)


def all_weeks() -> list[LearningWeek]:
    return list(db.session.scalars(select(LearningWeek).order_by(LearningWeek.year.desc())))


def _check_terms(year: int, terms: WeekTerms) -> None:
    if terms.national_opening.year != year:
        raise WeekError(_l("The national opening must be in %(year)s.", year=year),
                        "national_opening")  # fmt: skip
    if terms.window_end < terms.window_start:
        raise WeekError(_l("The window must not end before it starts."), "window_end")
    if not terms.window_start <= terms.national_opening <= terms.window_end:
        raise WeekError(_l("The window must contain the national opening."), "window_start")
    if terms.ceremony_on and not terms.window_start <= terms.ceremony_on <= terms.window_end:
        raise WeekError(_l("The opening ceremony must lie inside the window."), "ceremony_on")


def _ensure_province(staff: User) -> None:
    if staff.role is not Role.PROVINCE_STAFF:
        raise WeekError(_l("Only the province's centre opens the week."), forbidden=True)


def open_week(staff: User, year: int, terms: WeekTerms) -> LearningWeek:
    """Open a year's week (province staff); a year has one week."""
    _ensure_province(staff)
    if get_week(year) is not None:
        raise WeekError(_l("The week of %(year)s is already open.", year=year), "year")
    _check_terms(year, terms)
    week = LearningWeek(year=year, opened_by_id=staff.id, **terms.__dict__)
    db.session.add(week)
    db.session.flush()
    record(AuditAction.WEEK_OPENED, actor=staff, details={"year": year, "theme": terms.theme})
    return week


def change_week(staff: User, week: LearningWeek, terms: WeekTerms) -> None:
    """Change a week's terms; the window may not shut out a city week already registered."""
    _ensure_province(staff)
    _check_terms(week.year, terms)
    outside = [cw for cw in week.city_weeks
               if cw.starts_on < terms.window_start or cw.ends_on > terms.window_end]  # fmt: skip
    if outside:
        names = "、".join(cw.city.display_name for cw in outside)
        raise WeekError(
            _l("These cities' weeks would fall outside the window: %(cities)s.", cities=names),
            "window_start",
        )
    before = {k: str(getattr(week, k)) for k in terms.__dict__}
    for key, value in terms.__dict__.items():
        setattr(week, key, value)
    after = {k: str(v) for k, v in terms.__dict__.items()}
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    record(AuditAction.WEEK_CHANGED, actor=staff, details={"year": week.year, **changed})


# ---- a city's week ---------------------------------------------------------------------------


def city_week_of(year: int, city_code: str) -> CityWeek | None:
    return db.session.scalar(
        select(CityWeek).where(CityWeek.year == year, CityWeek.city_code == city_code)
    )


def register_city_week(
    staff: User, week: LearningWeek, city: Region, starts_on: date, ends_on: date
) -> CityWeek:
    """Register (or move) a city's week: the city's staff or the province's, dates inside the
    province's window."""
    if city.level is not RegionLevel.CITY or not may_manage_city(staff, city.code):
        raise WeekError(_l("Only this city's centre registers its week."), forbidden=True)
    if ends_on < starts_on:
        raise WeekError(_l("The week must not end before it starts."), "ends_on")
    if starts_on < week.window_start or ends_on > week.window_end:
        raise WeekError(
            _l("The city's week must lie inside the province's window, %(start)s to %(end)s.",
               start=format_date(week.window_start), end=format_date(week.window_end)),
            "starts_on" if starts_on < week.window_start else "ends_on",
        )  # fmt: skip
    city_week = city_week_of(week.year, city.code)
    before = None
    if city_week is None:
        city_week = CityWeek(year=week.year, city_code=city.code, registered_by_id=staff.id,
                             starts_on=starts_on, ends_on=ends_on)  # fmt: skip
        db.session.add(city_week)
    else:
        before = [str(city_week.starts_on), str(city_week.ends_on)]
        city_week.starts_on, city_week.ends_on = starts_on, ends_on
    db.session.flush()
    record(
        AuditAction.CITY_WEEK_REGISTERED, actor=staff, city_code=city.code,
        details={"year": week.year, "dates": [str(starts_on), str(ends_on)], "before": before},
    )  # fmt: skip
    return city_week


# ---- the activities of a city's week ------------------------------------------------------------


def may_link_to(staff: User, city_week: CityWeek) -> bool:
    """Whether the staff member may link anything to this city's week: its city's centres,
    the centres of its districts, and the province's."""
    scope = staff_scope(staff)
    return scope.everything or scope.city_code == city_week.city_code


def linkable_activities(staff: User, city_week: CityWeek) -> list[Activity]:
    """Shown activities of the city that the staff member looks after, not linked yet."""
    linked = select(WeekActivity.activity_id).where(WeekActivity.city_week_id == city_week.id)
    scope = staff_scope(staff)
    return list(
        db.session.scalars(
            select(Activity)
            .where(
                Activity.city_code == city_week.city_code,
                scope.where(Activity.city_code, Activity.district_code),
                Activity.status.in_(SHOWN_STATUSES),
                Activity.id.not_in(linked),
            )
            .order_by(Activity.id)
        )
    )


def link_activity(staff: User, city_week: CityWeek, activity: Activity) -> WeekActivity:
    """Put an activity of the city (or of a district the staff member looks after) in the
    city's week."""
    if activity.city_code != city_week.city_code:
        raise WeekError(_l("Only activities of this city can be part of its week."),
                        forbidden=True)  # fmt: skip
    if not may_manage(staff, activity.city_code, activity.district_code):
        raise WeekError(_l("This activity is run by another centre."), forbidden=True)
    if activity.status not in SHOWN_STATUSES:
        raise WeekError(_l("Only published activities can be part of the week."), "activity")
    existing = db.session.scalar(
        select(WeekActivity).where(
            WeekActivity.city_week_id == city_week.id, WeekActivity.activity_id == activity.id
        )
    )
    if existing is not None:
        raise WeekError(_l("This activity is already part of the week."), "activity")
    link = WeekActivity(city_week=city_week, activity_id=activity.id, linked_by_id=staff.id)
    db.session.add(link)
    db.session.flush()
    _record_link(AuditAction.WEEK_ACTIVITY_LINKED, staff, city_week, activity)
    return link


def unlink_activity(staff: User, link: WeekActivity) -> None:
    activity = link.activity
    if not may_manage(staff, activity.city_code, activity.district_code):
        raise WeekError(_l("This activity is run by another centre."), forbidden=True)
    city_week = link.city_week
    db.session.delete(link)
    db.session.flush()
    _record_link(AuditAction.WEEK_ACTIVITY_UNLINKED, staff, city_week, activity)


def _record_link(action: AuditAction, staff: User, city_week: CityWeek, activity: Activity):
    record(
        action, actor=staff, city_code=activity.city_code, district_code=activity.district_code,
        details={"year": city_week.year, "activity": activity.id, "title": activity.title},
    )  # fmt: skip


# ---- what the public sees -----------------------------------------------------------------------


def programme(year: int) -> list[CityWeek]:
    """Every city's week of the year with its shown activities and their sessions."""
    return list(
        db.session.scalars(
            select(CityWeek)
            .where(CityWeek.year == year)
            .options(
                selectinload(CityWeek.city),
                selectinload(CityWeek.links).selectinload(WeekActivity.activity)
                .selectinload(Activity.sessions),
            )
            .order_by(CityWeek.starts_on, CityWeek.city_code)
        )
    )  # fmt: skip


def shown_links(city_week: CityWeek) -> list[WeekActivity]:
    """The links the public sees (published or held activities), by first session."""
    shown = [link for link in city_week.links if link.activity.status in SHOWN_STATUSES]
    return sorted(shown, key=lambda link: _first_start(link.activity))


def _first_start(activity: Activity):
    starts = [s.starts_at for s in activity.sessions if s.cancelled_at is None]
    return (0, min(starts)) if starts else (1, activity.id)


def live_sessions(activity: Activity) -> list[ActivitySession]:
    return [s for s in activity.sessions if s.cancelled_at is None]


def ongoing_city_weeks(day: date | None = None) -> list[CityWeek]:
    """The cities' weeks going on today (home page banner)."""
    day = day or local_today()
    return list(
        db.session.scalars(
            select(CityWeek)
            .join(LearningWeek)
            .where(CityWeek.starts_on <= day, CityWeek.ends_on >= day)
            .options(selectinload(CityWeek.city), selectinload(CityWeek.week))
            .order_by(CityWeek.city_code)
        )
    )


def ongoing_city_week(city_code: str, day: date | None = None) -> CityWeek | None:
    """The city's week, if it is going on today (the city page's banner)."""
    return next((cw for cw in ongoing_city_weeks(day) if cw.city_code == city_code), None)
