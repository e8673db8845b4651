"""/staff/selections/kinds: province staff add kinds of selection and retire old ones."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learnhub import audit
from learnhub.accounts.access import staff_scope
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems

from . import kinds
from .blueprint import bp
from .forms import KindForm
from .models import SelectionKind


@bp.route("/staff/selections/kinds", methods=["GET", "POST"])
def staff_kinds():
    scope = staff_scope(current_user)
    kinds.ensure_standard_kinds()
    form = KindForm()
    if form.validate_on_submit():
        try:
            kind = kinds.add_kind(scope, form.name.data, form.for_learners.data)
        except kinds.KindError as error:
            db.session.rollback()
            show_problems(form, {"name": error.message})
        else:
            audit.record(AuditAction.SELECTION_KINDS_CHANGED, actor=current_user,
                         details={"added": kind.name})  # fmt: skip
            db.session.commit()
            flash(_("The kind “%(name)s” is added.", name=kind.name))
            return redirect(url_for("selections.staff_kinds"))
    db.session.commit()  # the standard kinds, if they were missing
    listed = db.session.scalars(select(SelectionKind).order_by(SelectionKind.id))
    return render_template(
        "selections/staff_kinds.html", form=form, kinds=list(listed)
    ), form_status(form)


@bp.post("/staff/selections/kinds/<int:kind_id>/retire")
def retire_kind(kind_id: int):
    return _set_retired(kind_id, True)


@bp.post("/staff/selections/kinds/<int:kind_id>/restore")
def restore_kind(kind_id: int):
    return _set_retired(kind_id, False)


def _set_retired(kind_id: int, retired: bool):
    kind = db.get_or_404(SelectionKind, kind_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    kinds.set_retired(staff_scope(current_user), kind, retired)
    audit.record(AuditAction.SELECTION_KINDS_CHANGED, actor=current_user,
                 details={"retired" if retired else "restored": kind.name})  # fmt: skip
    db.session.commit()
    return redirect(url_for("selections.staff_kinds"))
