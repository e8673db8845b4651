"""Staff pages of activities: /staff/activities — list, create, edit, publish, cancel,
finish, and the sessions (场次). Every page loads its activity through access.py, so
staff only ever see and change the activities of their own region (others: 404)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from learnhub import audit
from learnhub.accounts.access import CENTRE_ROLES, role_required, staff_scope
from learnhub.audit import AuditAction
from learnhub.catalogue.authoring import AuthoringError
from learnhub.creditbank.amounts import format_credits
from learnhub.database import AlreadySent
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status, show_problems
from learnhub.media import MediaKind, max_bytes
from learnhub.places.models import Place
from learnhub.regions.services import get_region, regions_by_code
from learnhub.ui import page_number

from . import authoring, lifecycle, session_authoring
from .access import activity_for_staff, manageable_activities, session_for_staff
from .authoring_forms import ActivityForm, CancelForm, SessionForm, StatusFilterForm
from .blueprint import bp
from .credit_rules import credits_for_session
from .kinds import kind_name, kinds_for_choosing
from .models import ACTIVITY_STATUS_LABELS, Activity, ActivitySession, ActivityStatus

centre_staff = role_required(*CENTRE_ROLES)
PER_PAGE = 30
UPLOAD_ENDPOINTS = ("activities.staff_new_activity", "activities.staff_edit_activity")


@bp.url_value_preprocessor
def allow_cover_uploads(endpoint: str | None, _values) -> None:
    # Only centre staff get the larger limit, and only on the pages that take a picture.
    if (
        endpoint in UPLOAD_ENDPOINTS
        and request.method == "POST"
        and (current_user.is_authenticated and current_user.role in CENTRE_ROLES)
    ):
        allow_upload_of(max_bytes(MediaKind.IMAGE))


@bp.app_template_global()
def activity_status_label(status) -> str:
    return str(ACTIVITY_STATUS_LABELS[status])


@bp.app_template_global()
def activity_level_name(activity: Activity, regions: dict | None = None) -> str:
    """The province, city or district whose activity it is, in the page's language
    (``regions``: those of a whole list, by code, loaded at once)."""
    code = activity.district_code or activity.city_code
    region = regions.get(code) if regions is not None else get_region(code)
    return region.display_name if region else _("The whole province")


@bp.app_template_global("activity_kind_name")
def _activity_kind_name(kind) -> str:
    return kind_name(kind)


def _record(action: AuditAction, activity: Activity, **details) -> None:
    audit.record(
        action,
        actor=current_user,
        city_code=activity.city_code,
        district_code=activity.district_code,
        details={"activity": activity.id, "title": activity.title, **details},
    )


def _refused(form, error: AuthoringError) -> None:
    """Undo the change; put each refusal next to its field, or above the form."""
    db.session.rollback()
    show_problems(form, error.problems)


def _places_for(user) -> list[Place]:
    scope = staff_scope(user)
    return list(
        db.session.scalars(
            select(Place)
            .where(Place.published, scope.where(Place.city_code, Place.district_code))
            .order_by(Place.city_code, Place.district_code, Place.name)
        )
    )


def _activity_form(activity: Activity | None = None) -> ActivityForm:
    return ActivityForm(
        kinds=kinds_for_choosing(activity.kind_id if activity else None),
        regions=authoring.allowed_regions(current_user),
        places=_places_for(current_user),
        has_cover=bool(activity and activity.cover_name),
        adds=activity is None,
    )


# ---- the list and one activity --------------------------------------------------------------


@bp.get("/staff/activities")
@centre_staff
def staff_activities():
    filters = StatusFilterForm(request.args)
    query = manageable_activities(current_user)
    if status := filters.chosen_status():
        query = query.where(Activity.status == ActivityStatus(status))
    activities = db.paginate(
        query.order_by(Activity.updated_at.desc(), Activity.id.desc()).options(
            selectinload(Activity.sessions), joinedload(Activity.kind)
        ),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    regions = regions_by_code(a.district_code or a.city_code for a in activities.items)
    return render_template(
        "activities/staff/index.html", activities=activities, filters=filters, regions=regions
    )


@bp.get("/staff/activities/<int:activity_id>")
@centre_staff
def staff_activity(activity_id: int):
    activity = activity_for_staff(activity_id, current_user)
    return render_template("activities/staff/activity.html", **_activity_page(activity))


def _activity_page(activity: Activity, problems=()) -> dict:
    sessions = [(s, format_credits(credits_for_session(activity, s))) for s in activity.sessions]
    return {
        "activity": activity,
        "sessions": sessions,
        "problems": problems,
        "closed": activity.status in authoring.CLOSED_STATUSES,
    }


@bp.route("/staff/activities/new", methods=["GET", "POST"])
@centre_staff
def staff_new_activity():
    form = _activity_form()
    if form.validate_on_submit():
        try:
            activity = authoring.create_activity(
                form.details(), current_user, form.cover.upload, form.form_token.data
            )
        except AlreadySent as sent:
            db.session.rollback()
            flash(_("This form was already sent; nothing new was added."))
            if sent.earlier is None:
                return redirect(url_for("activities.staff_activities"))
            return redirect(url_for("activities.staff_activity", activity_id=sent.earlier))
        except AuthoringError as error:
            _refused(form, error)
        else:
            _record(AuditAction.ACTIVITY_SAVED, activity, change="created")
            db.session.commit()
            flash(_("The activity is saved as a draft. Add its sessions, then publish it."))
            return redirect(url_for("activities.staff_activity", activity_id=activity.id))
    page = render_template("activities/staff/activity_form.html", form=form, activity=None)
    return page, form_status(form)


@bp.route("/staff/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@centre_staff
def staff_edit_activity(activity_id: int):
    activity = activity_for_staff(activity_id, current_user)
    form = _activity_form(activity)
    if not form.is_submitted():
        form.fill_from(activity)
    elif form.validate():
        try:
            changes = authoring.update_activity(
                activity, form.details(), current_user, form.cover.upload, form.removes_cover
            )
            if "place" in changes and activity.status is ActivityStatus.PUBLISHED:
                session_authoring.tell_place_changed(activity)
        except AuthoringError as error:
            _refused(form, error)
        else:
            _record(AuditAction.ACTIVITY_SAVED, activity, change="edited", changes=sorted(changes))
            db.session.commit()
            flash(_("Your changes are saved."))
            return redirect(url_for("activities.staff_activity", activity_id=activity.id))
    page = render_template("activities/staff/activity_form.html", form=form, activity=activity)
    return page, form_status(form)


# ---- lifecycle --------------------------------------------------------------------------------


def _lifecycle_refused(activity: Activity, error: AuthoringError):
    db.session.rollback()
    db.session.refresh(activity)
    problems = [str(message) for message in error.problems.values()]
    page = render_template("activities/staff/activity.html", **_activity_page(activity, problems))
    return page, 400


def _change_status(activity_id: int, change, status: str, done_message: str):
    """Publish or finish: the lifecycle rule decides; a refusal shows the activity's page."""
    activity = activity_for_staff(activity_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        change(activity)
    except AuthoringError as error:
        return _lifecycle_refused(activity, error)
    _record(AuditAction.ACTIVITY_STATUS_CHANGED, activity, status=status)
    db.session.commit()
    flash(done_message)
    return redirect(url_for("activities.staff_activity", activity_id=activity.id))


@bp.post("/staff/activities/<int:activity_id>/publish")
@centre_staff
def staff_publish_activity(activity_id: int):
    return _change_status(
        activity_id,
        lifecycle.publish_activity,
        "published",
        _("The activity is published: residents can find it and sign up."),
    )


@bp.post("/staff/activities/<int:activity_id>/finish")
@centre_staff
def staff_finish_activity(activity_id: int):
    return _change_status(
        activity_id,
        lifecycle.finish_activity,
        "finished",
        _("The activity is marked as finished."),
    )


@bp.route("/staff/activities/<int:activity_id>/cancel", methods=["GET", "POST"])
@centre_staff
def staff_cancel_activity(activity_id: int):
    activity = activity_for_staff(activity_id, current_user)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            told = lifecycle.cancel_activity(activity, form.reason.data)
        except AuthoringError as error:
            _refused(form, error)
            db.session.refresh(activity)
        else:
            _record(
                AuditAction.ACTIVITY_STATUS_CHANGED,
                activity,
                status="cancelled",
                reason=form.reason.data,
                told=told,
            )
            db.session.commit()
            flash(
                _(
                    "The activity is cancelled. %(count)d people were told in their messages.",
                    count=told,
                )
            )
            return redirect(url_for("activities.staff_activity", activity_id=activity.id))
    page = render_template("activities/staff/cancel.html", form=form, activity=activity)
    return page, form_status(form)


# ---- sessions ---------------------------------------------------------------------------------


@bp.route("/staff/activities/<int:activity_id>/sessions/new", methods=["GET", "POST"])
@centre_staff
def staff_new_session(activity_id: int):
    activity = activity_for_staff(activity_id, current_user)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = session_authoring.add_session(activity, form.details())
        except AuthoringError as error:
            _refused(form, error)
            db.session.refresh(activity)
        else:
            _record(
                AuditAction.ACTIVITY_SESSION_CHANGED,
                activity,
                session=session.id,
                change="added",
                starts_at=session.starts_at,
                capacity=session.capacity,
            )
            db.session.commit()
            flash(_("The session is added."))
            return redirect(url_for("activities.staff_activity", activity_id=activity.id))
    page = render_template(
        "activities/staff/session_form.html", form=form, activity=activity, session=None
    )
    return page, form_status(form)


@bp.route("/staff/activities/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@centre_staff
def staff_edit_session(session_id: int):
    session = session_for_staff(session_id, current_user)
    activity = session.activity
    form = SessionForm()
    if not form.is_submitted():
        form.fill_from(session)
    elif form.validate():
        try:
            changes = session_authoring.change_session(session, form.details())
        except AuthoringError as error:
            _refused(form, error)
            session = db.session.get(ActivitySession, session_id)
            activity = session.activity
        else:
            _record(
                AuditAction.ACTIVITY_SESSION_CHANGED,
                activity,
                session=session.id,
                change="changed",
                changes=changes,
            )
            db.session.commit()
            flash(_("The session is changed. Everyone signed up is told of a new time."))
            return redirect(url_for("activities.staff_activity", activity_id=activity.id))
    page = render_template(
        "activities/staff/session_form.html", form=form, activity=activity, session=session
    )
    return page, form_status(form)


@bp.post("/staff/activities/sessions/<int:session_id>/cancel")
@centre_staff
def staff_cancel_session(session_id: int):
    session = session_for_staff(session_id, current_user)
    activity = session.activity
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        told = session_authoring.cancel_session(session)
    except AuthoringError as error:
        return _lifecycle_refused(activity, error)
    _record(
        AuditAction.ACTIVITY_SESSION_CHANGED,
        activity,
        session=session_id,
        change="cancelled",
        told=told,
    )
    db.session.commit()
    flash(_("The session is cancelled. %(count)d people were told in their messages.", count=told))
    return redirect(url_for("activities.staff_activity", activity_id=activity.id))
