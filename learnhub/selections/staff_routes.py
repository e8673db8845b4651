"""/staff/selections: province staff open selections, assign experts, see the ranking,
confirm and publish; city staff nominate within their city's quota."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learnhub import audit
from learnhub.accounts.access import staff_scope
from learnhub.accounts.services import find_user, parse_login_name
from learnhub.audit import AuditAction
from learnhub.clock import local_midnight
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems
from learnhub.pools.models import MemberStatus, PoolKind, PoolMember
from learnhub.regions.services import cities_of

from . import kinds, review, services
from .blueprint import bp
from .forms import NominationForm, OpenSelectionForm
from .models import STAGE_LABELS, Nomination, Reviewer, Selection, SelectionKind


def _record(action: AuditAction, selection: Selection, city_code=None, **details) -> None:
    audit.record(action, actor=current_user, city_code=city_code,
                 details={"selection": selection.id, **details})  # fmt: skip


@bp.get("/staff/selections")
def staff_selections():
    listed = db.session.scalars(select(Selection).order_by(Selection.year.desc(), Selection.id))
    return render_template(
        "selections/staff_list.html", selections=list(listed), stages=STAGE_LABELS,
        province=staff_scope(current_user).everything,
    )  # fmt: skip


def _parse_criteria(text: str) -> list[services.CriterionDraft]:
    drafts = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            name, weight, top = parts[0], Decimal(parts[1]), int(parts[2])
        except (IndexError, InvalidOperation, ValueError):
            raise services.SelectionError(
                _("Write each criterion as name|weight|highest score, e.g. 学习事迹|40|10."),
                "criteria",
            ) from None
        if not name or not weight.is_finite() or weight > 999:
            raise services.SelectionError(_("Give each criterion a name and a weight."), "criteria")
        drafts.append(services.CriterionDraft(name, weight, top))
    return drafts


@bp.route("/staff/selections/new", methods=["GET", "POST"])
def open_selection():
    scope = staff_scope(current_user)
    kinds.ensure_standard_kinds()
    form = OpenSelectionForm()
    form.kind.choices = [(str(k.id), k.name) for k in kinds.active_kinds()]
    if form.validate_on_submit():
        try:
            quota = int(form.quota.data) if form.quota.data.isdigit() else -1
            cities = cities_of(current_app.config["HOME_PROVINCE"])
            dates = tuple(local_midnight(d) for d in (form.opens.data, form.closes.data))
            dates += (local_midnight(form.review_closes.data) + timedelta(days=1),)
            selection = services.open_selection(
                scope, current_user, db.session.get(SelectionKind, int(form.kind.data)),
                form.opens.data.year, form.title.data, {c.code: quota for c in cities},
                _parse_criteria(form.criteria.data), form.form_fields.data or "", dates,
            )  # fmt: skip
        except services.SelectionError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            _record(AuditAction.SELECTION_OPENED, selection, title=selection.title)
            db.session.commit()
            flash(_("The selection is open for nominations."))
            return redirect(url_for("selections.staff_selection", selection_id=selection.id))
    return render_template("selections/staff_open.html", form=form), form_status(form)


@bp.get("/staff/selections/<int:selection_id>")
def staff_selection(selection_id: int):
    scope = staff_scope(current_user)
    selection = db.get_or_404(Selection, selection_id)
    nominations = db.session.scalars(
        select(Nomination)
        .where(Nomination.selection_id == selection.id, scope.where(Nomination.city_code))
        .order_by(Nomination.city_code, Nomination.id)
    )
    quotas = [q for q in selection.quotas if scope.covers(q.city_code)]
    context = {}
    if scope.everything:
        assigned = {r.expert_id for r in db.session.scalars(
            select(Reviewer).where(Reviewer.selection_id == selection.id))}  # fmt: skip
        context = {
            "ranking": review.ranking(scope, selection),
            "experts": list(
                db.session.scalars(
                    select(PoolMember)
                    .where(
                        PoolMember.kind == PoolKind.EXPERT,
                        PoolMember.status == MemberStatus.APPROVED,
                    )
                    .order_by(PoolMember.name)
                )
            ),
            "assigned": assigned,
        }
    return render_template(
        "selections/staff_selection.html", selection=selection, nominations=list(nominations),
        quotas=quotas, stages=STAGE_LABELS, province=scope.everything, button=EmptyForm(),
        can_withdraw=scope.district_code is None and services.taking_nominations(selection),
        **context,
    )  # fmt: skip


@bp.route("/staff/selections/<int:selection_id>/nominate", methods=["GET", "POST"])
def nominate(selection_id: int):
    scope = staff_scope(current_user)
    selection = db.get_or_404(Selection, selection_id)
    form = NominationForm()
    if form.validate_on_submit():
        nominee = None
        if form.nominee.data:
            login = parse_login_name(form.nominee.data)
            nominee = find_user(login) if login else None
            if nominee is None:
                show_problems(form, {"nominee": _("There is no account with that name.")})
        answers = {q: request.form.get(f"answer_{i}", "")[:2000]
                   for i, q in enumerate(selection.questions)}  # fmt: skip
        if not form.nominee.errors:
            city = nominee.city_code if nominee else scope.city_code
            try:
                nomination = services.nominate(
                    scope, current_user, selection, city or "", form.name.data,
                    form.story.data, answers, nominee=nominee,
                )  # fmt: skip
            except services.SelectionError as error:
                db.session.rollback()
                show_problems(form, {error.field: error.message})
            else:
                _record(AuditAction.SELECTION_NOMINATED, selection, nomination.city_code,
                        nomination=nomination.id, name=nomination.name)  # fmt: skip
                db.session.commit()
                flash(_("“%(name)s” is nominated.", name=nomination.name))
                return redirect(url_for("selections.staff_selection", selection_id=selection.id))
    return render_template(
        "selections/staff_nominate.html", form=form, selection=selection
    ), form_status(form)


@bp.post("/staff/selections/<int:selection_id>/nominations/<int:nomination_id>/withdraw")
def withdraw(selection_id: int, nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.selection_id != selection_id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    selection, name, city_code = nomination.selection, nomination.name, nomination.city_code
    try:
        services.withdraw(staff_scope(current_user), nomination)
    except services.SelectionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _record(AuditAction.SELECTION_WITHDRAWN, selection, city_code,
                nomination=nomination_id, name=name)  # fmt: skip
        db.session.commit()
        flash(_("The nomination of “%(name)s” is withdrawn.", name=name))
    return _done(selection)


def _province_post(selection_id: int) -> Selection:
    selection = db.get_or_404(Selection, selection_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return selection


def _done(selection: Selection):
    return redirect(url_for("selections.staff_selection", selection_id=selection.id))


@bp.post("/staff/selections/<int:selection_id>/reviewers")
def assign_reviewer(selection_id: int):
    selection = _province_post(selection_id)
    expert_id = request.form.get("expert_id", "")
    expert = db.session.get(PoolMember, int(expert_id)) if expert_id.isdigit() else None
    try:
        if expert is None:
            raise services.SelectionError(_("Choose an expert of the pool."))
        review.assign_reviewer(staff_scope(current_user), selection, expert)
    except services.SelectionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _record(AuditAction.SELECTION_REVIEWER_ASSIGNED, selection, expert=expert.id)
        db.session.commit()
        flash(_("%(name)s reviews this selection.", name=expert.name))
    return _done(selection)


@bp.post("/staff/selections/<int:selection_id>/start-review")
def start_review(selection_id: int):
    selection = _province_post(selection_id)
    return _change_stage(selection, lambda scope: review.start_review(scope, selection))


@bp.post("/staff/selections/<int:selection_id>/confirm")
def confirm_winners(selection_id: int):
    selection = _province_post(selection_id)
    chosen = {int(v) for v in request.form.getlist("winner") if v.isdigit()}
    return _change_stage(selection, lambda scope: review.confirm_winners(scope, selection, chosen))


@bp.post("/staff/selections/<int:selection_id>/publish")
def publish(selection_id: int):
    selection = _province_post(selection_id)
    return _change_stage(selection, lambda scope: review.publish(scope, selection))


def _change_stage(selection: Selection, change):
    try:
        change(staff_scope(current_user))
    except services.SelectionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _record(AuditAction.SELECTION_STAGE_CHANGED, selection, stage=str(selection.stage))
        db.session.commit()
        flash(_("The selection is now: %(stage)s.", stage=STAGE_LABELS[selection.stage]))
    return _done(selection)
