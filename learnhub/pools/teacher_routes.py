"""The teachers of a course or an activity: the panel their pages show (a template global:
learning and activities lie below the pools and cannot ask them), and the staff pages that
name them — /staff/pools/teachers/course/<id> (linked from the studio's course page) and
/staff/pools/teachers/activity/<id> (linked from the activity's staff page)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from learnhub import audit
from learnhub.accounts.access import may_edit_course
from learnhub.activities.access import activity_for_staff
from learnhub.activities.models import Activity
from learnhub.audit import AuditAction
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.forms import form_status, show_problems
from learnhub.regions.models import RegionLevel

from . import teachers
from .blueprint import bp
from .forms import TeachersForm
from .services import PoolError


@bp.app_template_global()
def teachers_panel(course=None, activity=None, staff: bool = False) -> dict:
    """What a course or activity page shows of its teachers (name, 工作单位, 服务专业); for
    the staff pages (``staff``), also where to change them, if the viewer may."""
    panel = {"teachers": teachers.shown_teachers(course=course, activity=activity)}
    if staff:
        may = teachers.naming_refusal(current_user, course=course, activity=activity) is None
        panel["change_url"] = _page_of(course, activity) if may else None
    return panel


def _page_of(course, activity) -> str:
    if course is not None:
        return url_for("pools.course_teachers", course_id=course.id)
    return url_for("pools.activity_teachers", activity_id=activity.id)


@bp.route("/staff/pools/teachers/course/<int:course_id>", methods=["GET", "POST"])
def course_teachers(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not may_edit_course(current_user, course):
        abort(404)  # as for every record outside the staff member's region
    region = course.region
    if region.level is RegionLevel.DISTRICT:
        where = (region.parent_code, region.code)
    else:
        where = (region.code if region.level is RegionLevel.CITY else None, None)
    return _choose(
        {"course": course},
        title=course.title,
        back=url_for("studio.course", course_id=course.id),
        where=where,
    )


@bp.route("/staff/pools/teachers/activity/<int:activity_id>", methods=["GET", "POST"])
def activity_teachers(activity_id: int):
    activity: Activity = activity_for_staff(activity_id, current_user)  # 404 outside the region
    return _choose(
        {"activity": activity},
        title=activity.title,
        back=url_for("activities.staff_activity", activity_id=activity.id),
        where=(activity.city_code, activity.district_code),
    )


def _choose(subject: dict, title: str, back: str, where: tuple):
    form = TeachersForm()
    if form.validate_on_submit():
        try:
            before, after = teachers.name_teachers(current_user, form.teachers.data, **subject)
            if before != after:
                _record(subject, before, after, where)
            db.session.commit()
        except PoolError as error:
            db.session.rollback()
            show_problems(form, {None: error.message})
        except IntegrityError:  # someone else saved this list at the same moment
            db.session.rollback()
            show_problems(form, {None: _("Someone else changed these teachers just now. "
                                         "Look at the list and save again.")})  # fmt: skip
        else:
            flash(_("The teachers are saved.") if before != after else _("Nothing was changed."))
            return redirect(back)
    search = request.args.get("q", "")[:40]
    named = teachers.teachers_of(**subject)
    named_ids = {member.id for member in named}
    others = [
        member
        for member in teachers.candidates(teachers.naming_scope(current_user, **subject), search)
        if member.id not in named_ids
    ]
    return render_template(
        "pools/teachers.html",
        form=form,
        title=title,
        back=back,
        named=named,
        others=others,
        search=search,
        refusal=teachers.naming_refusal(current_user, **subject),
        most=teachers.MAX_TEACHERS,
    ), form_status(form)


def _record(subject: dict, before: list[int], after: list[int], where: tuple) -> None:
    ((kind, thing),) = subject.items()
    audit.record(
        AuditAction.POOL_TEACHERS_NAMED,
        actor=current_user,
        city_code=where[0],
        district_code=where[1],
        details={kind: thing.id, "title": thing.title, "from": before, "to": after},
    )
