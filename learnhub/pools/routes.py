"""/pools: learners register as teachers or volunteers and see their hours; /staff/pools:
staff search their region's pools, decide registrations, add experts and record hours."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import staff_scope
from learnhub.accounts.services import find_user, parse_login_name
from learnhub.activities.models import Activity
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems
from learnhub.regions.services import cities_of
from learnhub.ui import page_number

from . import services
from .blueprint import bp
from .forms import ExpertForm, MemberForm, ServiceForm
from .models import POOL_KIND_LABELS, PoolKind, PoolMember

PER_PAGE = 25


def _kind(value: str | None, default: PoolKind | None = None) -> PoolKind:
    try:
        return PoolKind(value)
    except ValueError:
        if default is None:
            abort(404)
        return default


def _cities(scope=None):
    cities = cities_of(current_app.config["HOME_PROVINCE"])
    return [c for c in cities if scope is None or scope.covers(c.code)]


def _details(form: MemberForm) -> services.MemberDetails:
    return services.MemberDetails(
        form.name.data, form.employer.data or "", form.specialty.data, form.city_code.data,
        None, form.contact.data, form.availability.data or "",
    )  # fmt: skip


def _record(action: AuditAction, member: PoolMember, details: dict | None = None) -> None:
    audit.record(
        action, actor=current_user, city_code=member.city_code,
        district_code=member.district_code,
        details={"member": member.id, "kind": str(member.kind), **(details or {})},
    )  # fmt: skip


@bp.get("/pools/mine")
def mine():
    memberships = [services.membership(current_user, kind) for kind in PoolKind]
    volunteer = services.membership(current_user, PoolKind.VOLUNTEER)
    return render_template(
        "pools/mine.html",
        memberships=[m for m in memberships if m is not None],
        services_done=services.services_of(volunteer) if volunteer else [],
        hours=services.hours_of(volunteer) if volunteer else None,
    )


@bp.route("/pools/join/<kind>", methods=["GET", "POST"])
def join(kind: str):
    pool = _kind(kind)
    if pool not in services.SELF_REGISTERED:
        abort(404)
    form = MemberForm(_cities())
    if not form.is_submitted():
        form.name.data, form.city_code.data = current_user.display_name, current_user.city_code
    elif form.validate():
        try:
            services.register(current_user, pool, _details(form))
        except services.PoolError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("Thank you. Your centre will look at your registration."))
            return redirect(url_for("pools.mine"))
    return render_template(
        "pools/join.html", form=form, kind=pool, kind_label=POOL_KIND_LABELS[pool]
    ), form_status(form)


@bp.get("/staff/pools")
def staff_pools():
    scope = staff_scope(current_user)
    pool = _kind(request.args.get("kind"), PoolKind.EXPERT)
    specialty = request.args.get("specialty", "")[:60]
    city = request.args.get("city", "")[:6]
    query = services.search(scope, pool, specialty, city)
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "pools/staff_pools.html", pagination=pagination, kind=pool, kinds=POOL_KIND_LABELS,
        specialty=specialty, city=city, cities=_cities(scope), button=EmptyForm(),
        service_form=ServiceForm(),
    )  # fmt: skip


def _member_in_scope(member_id: int) -> PoolMember:
    member = db.get_or_404(PoolMember, member_id)
    if not staff_scope(current_user).covers(member.city_code, member.district_code):
        abort(404)
    return member


@bp.post("/staff/pools/<int:member_id>/approve")
def approve(member_id: int):
    return _decide(member_id, True)


@bp.post("/staff/pools/<int:member_id>/decline")
def decline(member_id: int):
    return _decide(member_id, False)


def _decide(member_id: int, approve: bool):
    member = _member_in_scope(member_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.decide(staff_scope(current_user), member, approve, current_user)
    except services.PoolError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _record(AuditAction.POOL_MEMBER_DECIDED, member, {"status": str(member.status)})
        db.session.commit()
        flash(_("“%(name)s”: %(status)s.", name=member.name, status=member.status_label))
    return redirect(url_for("pools.staff_pools", kind=member.kind.value))


@bp.route("/staff/pools/experts/new", methods=["GET", "POST"])
def new_expert():
    scope = staff_scope(current_user)
    form = ExpertForm(_cities(scope))
    if form.validate_on_submit():
        account = None
        if form.account.data:
            login = parse_login_name(form.account.data)
            account = find_user(login) if login else None
            if account is None:
                show_problems(form, {"account": _("There is no account with that name.")})
        if not getattr(form, "general_problems", None) and not form.account.errors:
            try:
                member = services.add_expert(scope, current_user, _details(form), account)
            except services.PoolError as error:
                db.session.rollback()
                show_problems(form, {error.field: error.message})
            else:
                _record(AuditAction.POOL_EXPERT_ADDED, member, {"account": member.user_id})
                db.session.commit()
                flash(_("“%(name)s” is in the expert pool.", name=member.name))
                return redirect(url_for("pools.staff_pools", kind="expert"))
    return render_template("pools/new_expert.html", form=form), form_status(form)


@bp.post("/staff/pools/<int:member_id>/service")
def record_service(member_id: int):
    member = _member_in_scope(member_id)
    form = ServiceForm()
    if not form.validate_on_submit():
        flash(_("Give the activity's number and the hours."), "error")
        return redirect(url_for("pools.staff_pools", kind="volunteer"))
    activity = None
    if form.activity_id.data.isdigit():
        activity = db.session.get(Activity, int(form.activity_id.data))
    try:
        if activity is None:
            raise services.PoolError(_("There is no activity with that number."))
        service = services.record_service(
            staff_scope(current_user), member, activity, form.hours.data, current_user
        )
    except services.PoolError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _record(AuditAction.VOLUNTEER_HOURS_RECORDED, member,
                {"activity": activity.id, "hours": str(service.hours)})  # fmt: skip
        db.session.commit()
        flash(_("%(hours)s hours recorded for %(name)s.", hours=service.hours, name=member.name))
    return redirect(url_for("pools.staff_pools", kind="volunteer"))


@bp.get("/staff/pools/hours")
def staff_hours():
    totals = services.hours_by_volunteer(staff_scope(current_user))
    return render_template("pools/staff_hours.html", totals=totals)
