"""The week's pages: the public programme (/week/<year>) and the staff pages (/staff/week)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import ensure_may_manage_city, may_manage_city, staff_scope
from learnhub.accounts.models import Role
from learnhub.activities.models import Activity
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import cities_of, get_region
from learnhub.ui import has_endpoint

from . import services
from .blueprint import bp
from .forms import CityWeekForm, LinkForm, WeekForm
from .models import CityWeek, WeekActivity
from .services import WeekError, WeekTerms


def activity_url(activity_id: int) -> str | None:
    """The public page of an activity, once the activities feature has one (else None)."""
    if not has_endpoint("activities.detail"):
        return None
    return url_for("activities.detail", activity_id=activity_id)


@bp.app_context_processor
def week_helpers():
    return {"week_activity_url": activity_url, "week_sessions": services.live_sessions}


def _refused(error: WeekError):
    db.session.rollback()
    return render_template("week/refused.html", message=error.message), 403


# ---- public ---------------------------------------------------------------------------------


@bp.get("/week/<int:year>")
def programme(year: int):
    """Every city's programme of the year's week."""
    week = services.get_week(year)
    if week is None:
        abort(404)
    city_weeks = services.programme(year)
    return render_template(
        "week/programme.html", week=week, city_weeks=city_weeks, shown_links=services.shown_links
    )


# ---- staff: the province's week ----------------------------------------------------------------


@bp.get("/staff/week")
def staff_index():
    """The weeks, and for each the cities' weeks the staff member looks after."""
    scope = staff_scope(current_user)
    cities = [c for c in cities_of(current_app.config["HOME_PROVINCE"])
              if scope.everything or c.code == scope.city_code]  # fmt: skip
    return render_template(
        "week/staff_index.html", weeks=services.all_weeks(), cities=cities,
        registered={(cw.year, cw.city_code): cw for w in services.all_weeks()
                    for cw in w.city_weeks},
        province=current_user.role is Role.PROVINCE_STAFF,
    )  # fmt: skip


def _terms(form: WeekForm) -> WeekTerms:
    start, end = services.default_window(form.national_opening.data)
    return WeekTerms(
        theme=form.theme.data, national_opening=form.national_opening.data,
        window_start=form.window_start.data or start, window_end=form.window_end.data or end,
        ceremony_on=form.ceremony_on.data,
    )  # fmt: skip


@bp.route("/staff/week/new", methods=["GET", "POST"])
def open_week():
    form = WeekForm()
    if form.validate_on_submit():
        try:
            week = services.open_week(current_user, form.year.data, _terms(form))
        except WeekError as error:
            if error.forbidden:
                return _refused(error)
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("The week of %(year)s is open.", year=week.year), "success")
            return redirect(url_for("week.staff_index"))
    return render_template("week/week_form.html", form=form, week=None), form_status(form)


@bp.route("/staff/week/<int:year>/edit", methods=["GET", "POST"])
def edit_week(year: int):
    week = services.get_week(year)
    if week is None:
        abort(404)
    form = WeekForm(obj=week)
    form.year.data = week.year  # the year is the week's key: it does not change
    if form.validate_on_submit():
        try:
            services.change_week(current_user, week, _terms(form))
        except WeekError as error:
            if error.forbidden:
                return _refused(error)
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("The week of %(year)s is saved.", year=week.year), "success")
            return redirect(url_for("week.staff_index"))
    return render_template("week/week_form.html", form=form, week=week), form_status(form)


# ---- staff: a city's week ----------------------------------------------------------------------


def _week_and_city(year: int, city_code: str):
    week = services.get_week(year)
    city = get_region(city_code)
    if week is None or city is None or city.level is not RegionLevel.CITY:
        abort(404)
    scope = staff_scope(current_user)
    if not (scope.everything or scope.city_code == city.code):
        abort(403)  # another city's week
    return week, city


def _city_page(week, city, dates_form=None, link_form=None, status=200):
    city_week = services.city_week_of(week.year, city.code)
    may_set_dates = may_manage_city(current_user, city.code)
    if dates_form is None:
        dates_form = CityWeekForm(obj=city_week)
    if link_form is None:
        link_form = LinkForm()
    linkable = services.linkable_activities(current_user, city_week) if city_week else []
    links = sorted(city_week.links, key=lambda link: link.id) if city_week else []
    scope = staff_scope(current_user)
    return render_template(
        "week/city_week.html", week=week, city=city, city_week=city_week,
        dates_form=dates_form, link_form=link_form, linkable=linkable,
        may_set_dates=may_set_dates, links=links,
        may_unlink=lambda a: scope.covers(a.city_code, a.district_code),
        district_names={d.code: d.display_name for d in city.children},
    ), status  # fmt: skip


@bp.get("/staff/week/<int:year>/cities/<city_code>")
def city_week(year: int, city_code: str):
    week, city = _week_and_city(year, city_code)
    return _city_page(week, city)


@bp.post("/staff/week/<int:year>/cities/<city_code>/dates")
def register_city_week(year: int, city_code: str):
    week, city = _week_and_city(year, city_code)
    ensure_may_manage_city(current_user, city.code)
    form = CityWeekForm()
    if form.validate_on_submit():
        try:
            services.register_city_week(
                current_user, week, city, form.starts_on.data, form.ends_on.data
            )
        except WeekError as error:
            if error.forbidden:
                return _refused(error)
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("%(city)s's week is saved.", city=city.display_name), "success")
            return redirect(url_for("week.city_week", year=year, city_code=city.code))
    return _city_page(week, city, dates_form=form, status=400)


@bp.post("/staff/week/<int:year>/cities/<city_code>/link")
def link_activity(year: int, city_code: str):
    week, city = _week_and_city(year, city_code)
    city_week = services.city_week_of(week.year, city.code)
    if city_week is None:
        abort(404)
    form = LinkForm()
    if form.validate_on_submit():
        activity = _activity_or_none(form.activity.data)
        try:
            if activity is None:
                raise WeekError(_("Choose an activity."), "activity")
            services.link_activity(current_user, city_week, activity)
        except WeekError as error:
            if error.forbidden:
                return _refused(error)
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("Added to the week: %(title)s", title=activity.title), "success")
            return redirect(url_for("week.city_week", year=year, city_code=city.code))
    return _city_page(week, city, link_form=form, status=400)


def _activity_or_none(value: str | None) -> Activity | None:
    text = (value or "").strip()
    return db.session.get(Activity, int(text)) if text.isdigit() and len(text) < 10 else None


@bp.post("/staff/week/links/<int:link_id>/remove")
def unlink_activity(link_id: int):
    link = db.get_or_404(WeekActivity, link_id)
    city_week: CityWeek = link.city_week
    week, city = _week_and_city(city_week.year, city_week.city_code)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("week.city_week", year=week.year, city_code=city.code))
    try:
        services.unlink_activity(current_user, link)
    except WeekError as error:
        return _refused(error)
    db.session.commit()
    flash(_("Removed from the week."), "success")
    return redirect(url_for("week.city_week", year=week.year, city_code=city.code))
