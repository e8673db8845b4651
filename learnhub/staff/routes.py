"""Staff dashboard and learner lists, scoped to the staff member's city."""

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnhub import audit  # noqa: F401  (its table, read on /staff/audit)
from learnhub.accounts import masking
from learnhub.accounts.access import (
    CENTRE_ROLES,
    Scope,
    ensure_may_manage,
    ensure_may_manage_city,
    role_required,
    staff_scope,
)
from learnhub.accounts.models import Role
from learnhub.rankings import leaderboard
from learnhub.rankings.charts import line_chart
from learnhub.rankings.leaderboard import STAFF_METRICS, WINDOWS
from learnhub.rankings.routes import chart_of, read_query
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import get_region
from learnhub.ui import page_number

from . import services
from .blueprint import bp

# The dashboard's work list: (endpoint, label, province staff only). A tool appears once
# its feature registers the endpoint; each page checks access again itself.
STAFF_TOOLS = (
    ("helpdesk.search", _l("Help desk: find a learner, reset a password"), False),
    ("submissions.index", _l("Submissions: tasks, materials and who is late"), False),
    ("creditbank.staff_search", _l("Credit accounts: find, freeze, reverse, adjust"), False),
    ("creditbank.staff_open_accounts", _l("Open credit accounts in bulk"), False),
    ("recognition.queue", _l("Recognition applications to review"), False),
    ("conversion.review", _l("Conversion applications to decide"), False),
    ("recognition.outcomes", _l("Outcome catalogue"), False),
    ("conversion.rules", _l("Conversion rules"), True),
    ("staff.rankings", _l("Province rankings"), False),
    ("week.staff_index", _l("Lifelong-learning week: dates and programme"), False),
    ("week.report", _l("Activity report"), False),
    ("search.terms", _l("What people search for"), False),
    ("studio.index", _l("Studio: courses and lessons"), False),
    ("activities.staff_activities", _l("Activities: create, publish, cancel"), False),
    ("activities.staff_kinds", _l("Activity kinds"), True),
    ("places.staff_list", _l("Learning places: add, change, hide"), False),
    ("news.staff_list", _l("News: notices, work news, stories"), False),
    ("topics.staff_list", _l("Topics: special pages beside the modules"), True),
    ("satisfaction.staff_figures", _l("Satisfaction of courses, activities and places"), False),
    ("pools.staff_pools", _l("Experts, teachers and volunteers"), False),
    ("selections.staff_selections", _l("Selections: nominations and expert review"), False),
    ("staff.jobs", _l("Background jobs and failures"), True),
    ("people.people", _l("Staff accounts: create, change, disable"), False),
    ("people.audit_log", _l("Audit log"), True),
)


@bp.get("/")
@role_required(*CENTRE_ROLES)
def dashboard():
    counts = services.learner_counts(staff_scope(current_user), current_app.config["HOME_PROVINCE"])
    province_staff = current_user.role is Role.PROVINCE_STAFF
    tools = [
        (endpoint, label)
        for endpoint, label, province_only in STAFF_TOOLS
        if endpoint in current_app.view_functions and (province_staff or not province_only)
    ]
    return render_template("staff/dashboard.html", counts=counts, tools=tools)


@bp.get("/rankings")
@role_required(*CENTRE_ROLES)
def rankings():
    """The province table (city staff see it too), with the staff-only metrics."""
    query, error = read_query(request.args, metrics=STAFF_METRICS)
    board = leaderboard.leaderboard(query)
    return render_template(
        "staff/rankings.html",
        board=board,
        chart=chart_of(board),
        error=error,
        metrics=STAFF_METRICS,
        windows=WINDOWS,
    ), 400 if error else 200


@bp.get("/cities/<code>")
@role_required(*CENTRE_ROLES)
def city(code: str):
    region = get_region(code)
    if region is None or region.level is not RegionLevel.CITY:
        abort(404)
    ensure_may_manage_city(current_user, region.code)
    page = page_number()
    query, error = read_query(request.args, region.code, STAFF_METRICS)
    board = leaderboard.leaderboard(query)
    trend = leaderboard.daily_trend(query.metric, query.period, region.code)
    return render_template(
        "staff/city.html",
        board=board,
        chart=chart_of(board),
        trend=trend,
        trend_chart=line_chart(
            [(day.isoformat(), value) for day, value in trend],
            _("%(metric)s per day", metric=STAFF_METRICS[query.metric]),
            _("Daily trend of %(city)s", city=region.display_name),
        ),
        modules=services.module_clicks(region.code, query.period),
        courses=leaderboard.top_courses(query.period, region.code),
        error=error,
        metrics=STAFF_METRICS,
        windows=WINDOWS,
        city=region,
        districts=services.district_counts(region.code),
        learners=services.learners_of(Scope(city_code=region.code), page),
        mask_name=masking.mask_name,
        mask_mobile=masking.mask_mobile,
    ), 400 if error else 200


@bp.get("/districts/<code>")
@role_required(*CENTRE_ROLES)
def district(code: str):
    """One district's learners: for its county centre, its city's centre and the province."""
    region = get_region(code)
    if region is None or region.level is not RegionLevel.DISTRICT:
        abort(404)
    ensure_may_manage(current_user, region.parent_code, region.code)
    scope = Scope(city_code=region.parent_code, district_code=region.code)
    return render_template(
        "staff/district.html",
        district=region,
        city=get_region(region.parent_code),
        learners=services.learners_of(scope, page_number()),
        mask_name=masking.mask_name,
        mask_mobile=masking.mask_mobile,
    )
