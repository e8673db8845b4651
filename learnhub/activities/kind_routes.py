"""The list of activity kinds (/staff/activities/kinds): province staff add, rename,
reorder and retire kinds. The route rules let only province staff in."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import role_required
from learnhub.accounts.models import Role
from learnhub.audit import AuditAction
from learnhub.catalogue.authoring import AuthoringError
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems

from . import kinds
from .authoring_forms import KindForm, MoveKindForm
from .blueprint import bp
from .models import ActivityKind

province_staff = role_required(Role.PROVINCE_STAFF)


def _record(kind: ActivityKind, change: str, **details) -> None:
    audit.record(
        AuditAction.ACTIVITY_KINDS_CHANGED,
        actor=current_user,
        details={"kind": kind.id, "code": kind.code, "change": change, **details},
    )


def _list_page(form: KindForm, status: int = 200):
    page = render_template(
        "activities/staff/kinds.html", kinds=kinds.all_kinds(), form=form, button=EmptyForm()
    )
    return page, status


@bp.route("/staff/activities/kinds", methods=["GET", "POST"])
@province_staff
def staff_kinds():
    form = KindForm()
    if form.validate_on_submit():
        try:
            kind = kinds.add_kind(form.name.data, form.name_en.data)
        except AuthoringError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            _record(kind, "added", name=kind.name, name_en=kind.name_en)
            db.session.commit()
            flash(_("The kind “%(name)s” is added.", name=kinds.kind_name(kind)))
            return redirect(url_for("activities.staff_kinds"))
    return _list_page(form, form_status(form))


@bp.route("/staff/activities/kinds/<int:kind_id>/edit", methods=["GET", "POST"])
@province_staff
def staff_edit_kind(kind_id: int):
    kind = db.get_or_404(ActivityKind, kind_id)
    form = KindForm()
    if not form.is_submitted():
        form.name.data, form.name_en.data = kind.name, kind.name_en
    elif form.validate():
        before = (kind.name, kind.name_en)
        try:
            kinds.rename_kind(kind, form.name.data, form.name_en.data)
        except AuthoringError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            _record(kind, "renamed", before=before, after=(kind.name, kind.name_en))
            db.session.commit()
            flash(_("The kind is renamed."))
            return redirect(url_for("activities.staff_kinds"))
    page = render_template("activities/staff/kind_form.html", form=form, kind=kind)
    return page, form_status(form)


@bp.post("/staff/activities/kinds/<int:kind_id>/move")
@province_staff
def staff_move_kind(kind_id: int):
    kind = db.get_or_404(ActivityKind, kind_id)
    form = MoveKindForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        kinds.move_kind(kind, int(form.step.data))
    except AuthoringError as error:
        db.session.rollback()
        flash(str(next(iter(error.problems.values()))), "error")
        return redirect(url_for("activities.staff_kinds")), 303
    _record(kind, "moved", step=int(form.step.data))
    db.session.commit()
    return redirect(url_for("activities.staff_kinds"))


@bp.post("/staff/activities/kinds/<int:kind_id>/retire")
@province_staff
def staff_retire_kind(kind_id: int):
    return _set_retired(kind_id, True, _("The kind is retired: new activities cannot use it."))


@bp.post("/staff/activities/kinds/<int:kind_id>/restore")
@province_staff
def staff_restore_kind(kind_id: int):
    return _set_retired(kind_id, False, _("The kind is in use again."))


def _set_retired(kind_id: int, retired: bool, message: str):
    kind = db.get_or_404(ActivityKind, kind_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    kinds.set_kind_retired(kind, retired)
    _record(kind, "retired" if retired else "restored")
    db.session.commit()
    flash(message)
    return redirect(url_for("activities.staff_kinds"))
