"""Rating a completed course or an attended activity (POST), the rating panel the course
page shows (a template global: learning lies below this feature and cannot ask it), and
the staff's figures with a CSV export."""

from __future__ import annotations

import csv
import io

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnhub.accounts.access import CENTRE_ROLES, role_required, staff_scope
from learnhub.activities.models import Activity
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.forms import form_status

from . import services
from .blueprint import bp
from .forms import RatingForm

KIND_LABELS = {
    "course": _l("Course"),
    "activity": _l("Activity"),
    "place": _l("Learning place"),
    "city": _l("City"),
}


@bp.app_template_global()
def rating_panel(course=None, activity=None):
    """What the course (or activity) page shows: the summary once there are enough ratings,
    and, for a learner who may rate, the form with their present rating."""
    return {
        "summary": rating_summary(course=course, activity=activity),
        **(rating_form(course=course, activity=activity) or {"form": None}),
    }


@bp.app_template_global()
def rating_summary(course=None, activity=None) -> services.Summary:
    """The public half of the panel: the same for every visitor (the course page keeps it)."""
    return services.summary(course=course, activity=activity)


@bp.app_template_global()
def rating_form(course=None, activity=None, completed: bool | None = None) -> dict | None:
    """The personal half: the form with the learner's present rating, if they may rate.
    ``completed``: whether the learner completed the course, when the page has read it
    already (the rule stays here: a course is rated once completed)."""
    if course is not None:
        may = current_user.is_authenticated and (
            completed if completed is not None else services.may_rate_course(current_user, course)
        )
    else:
        may = services.may_rate_activity(current_user, activity)
    if not may:
        return None
    form = RatingForm()
    mine = services.rating_of(current_user, course, activity)
    if mine is not None and not form.is_submitted():
        form.score.data, form.comment.data = str(mine.score), mine.comment
    action = (
        url_for("satisfaction.rate_course", course_id=course.id)
        if course is not None
        else url_for("satisfaction.rate_activity", activity_id=activity.id)
    )
    return {"form": form, "action": action}


def _rate(form: RatingForm, back: str, **subject):
    if form.validate_on_submit():
        try:
            services.rate(current_user, int(form.score.data), form.comment.data or "", **subject)
        except services.RatingError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("Thank you: your rating is saved. You can change it at any time."))
            return redirect(back)
    return render_template("satisfaction/rate.html", form=form, back=back), form_status(form) or 400


@bp.post("/courses/<int:course_id>/rating")
def rate_course(course_id: int):
    course = db.get_or_404(Course, course_id)
    return _rate(RatingForm(), url_for("learning.course", course_id=course.id), course=course)


@bp.post("/activities/<int:activity_id>/rating")
def rate_activity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    return _rate(RatingForm(), url_for("main.home"), activity=activity)


@bp.get("/staff/satisfaction")
@role_required(*CENTRE_ROLES)
def staff_figures():
    figures = services.staff_figures(staff_scope(current_user))
    return render_template(
        "satisfaction/staff.html",
        figures=figures,
        minimum=current_app.config["SATISFACTION_MIN_RATINGS"],
    )


@bp.get("/staff/satisfaction.csv")
@role_required(*CENTRE_ROLES)
def staff_export():
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the Chinese right only with a BOM
    writer = csv.writer(out)
    writer.writerow([_("Kind"), _("Name"), _("Region"), _("Ratings"), _("Mean score")])
    for f in services.staff_figures(staff_scope(current_user)):
        writer.writerow([str(KIND_LABELS[f.kind]), _safe(f.name), f.region, f.count, f.mean])
    response = current_app.response_class(
        out.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="satisfaction.csv"'},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
