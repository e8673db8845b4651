"""The activity report's pages: on screen (charts and table), CSV and XLSX.

Province staff get every city, a city's staff their city by district, a county's staff their
district: the scope is the staff member's own, never one asked for in the address."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learnhub.accounts.access import staff_scope
from learnhub.accounts.scopes import Scope
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.rankings.charts import bar_chart, line_chart
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import get_region

from . import exports, services
from .blueprint import bp
from .forms import PeriodForm
from .report import Report, build_report

DEFAULT_DAYS = 30  # the period when no week is open


def default_period(scope: Scope, today: date) -> tuple[date, date]:
    """The week: the city's own week when the staff member looks after one city and it has
    registered one, else the province's window; the last 30 days when no week is open."""
    week = services.get_week(today.year) or next(iter(services.all_weeks()), None)
    if week is None:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if scope.city_code is not None:
        city_week = services.city_week_of(week.year, scope.city_code)
        if city_week is not None:
            return city_week.starts_on, city_week.ends_on
    return week.window_start, week.window_end


def region_choices(scope: Scope) -> list[tuple[str, str]]:
    """The regions a staff member may narrow the report to: a province's cities, a city's
    districts (the empty choice is the whole of their own region)."""
    if scope.everything:
        parent = current_app.config["HOME_PROVINCE"]
    elif scope.whole_city:
        parent = scope.city_code
    else:
        return [("", get_region(scope.district_code).display_name)]
    children = db.session.scalars(
        select(Region).where(Region.parent_code == parent).order_by(Region.code)
    )
    return [("", get_region(parent).display_name)] + [(r.code, r.display_name) for r in children]


def narrowed(scope: Scope, code: str | None) -> Scope:
    """The staff member's scope, narrowed to one of their cities or districts."""
    region = get_region(code) if code else None
    if region is None or not scope.covers_region(region.code, region.level, region.parent_code):
        return scope
    if region.level is RegionLevel.CITY:
        return Scope(city_code=region.code)
    return Scope(city_code=region.parent_code, district_code=region.code)


def _report_of_request() -> tuple[Report | None, PeriodForm]:
    form = PeriodForm(request.args)
    own = staff_scope(current_user)
    form.region.choices = region_choices(own)
    if request.args and not form.validate():
        return None, form
    scope = narrowed(own, form.region.data)
    start, end = default_period(scope, local_today())
    start = form.start.data or start
    end = form.end.data or max(end, start)
    if (end - start).days > 366:
        form.end.errors = [_("Choose a period of at most a year.")]
        return None, form
    form.start.data, form.end.data = start, end
    return build_report(scope, start, end), form


@bp.get("/staff/week/report")
def report():
    found, form = _report_of_request()
    if found is None:
        return render_template("week/report.html", report=None, form=form), 400
    bars = [(row.name, row.figures.attendances) for row in found.rows]
    chart = bar_chart(
        bars, _("Attendances by region"),
        _("Attendances at activities, %(start)s to %(end)s", start=format_date(found.start),
          end=format_date(found.end)),
    )  # fmt: skip
    trend = line_chart(
        [(format_date(day), value) for day, value in found.daily.items()],
        _("Attendances per day"), _("Attendances per day of the period"),
    )  # fmt: skip
    return render_template(
        "week/report.html", report=found, form=form, chart=chart, trend=trend,
        header=exports.report_header(), rows=exports.report_rows(found),
        query={"start": found.start.isoformat(), "end": found.end.isoformat(),
               "region": form.region.data or ""},
    )  # fmt: skip


def _download(content: bytes, mimetype: str, extension: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="activity-report.{extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/staff/week/report.csv")
def report_csv():
    found, form = _report_of_request()
    if found is None:
        return render_template("week/report.html", report=None, form=form), 400
    return _download(exports.to_csv(found), "text/csv; charset=utf-8", "csv")


@bp.get("/staff/week/report.xlsx")
def report_xlsx():
    found, form = _report_of_request()
    if found is None:
        return render_template("week/report.html", report=None, form=form), 400
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(exports.to_xlsx(found), xlsx, "xlsx")
