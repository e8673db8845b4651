"""The outcome catalogue's pages (/staff/outcomes): province staff edit it, city staff read it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub import audit
from learnhub.accounts.access import may_define_credit_rules
from learnhub.audit import AuditAction
from learnhub.creditbank.models import OutcomeType
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status

from .blueprint import bp
from .errors import RecognitionError
from .forms import OutcomeTypeForm
from .route_helpers import credit_staff_only, show_error
from .services import amounts, outcome_catalogue


def _catalogue_editor_only() -> None:
    if not may_define_credit_rules(current_user):
        abort(403)


def _record(outcome_type: OutcomeType, change: str) -> None:
    audit.record(AuditAction.OUTCOME_CATALOGUE_CHANGED, actor=current_user,
                 details={"outcome": outcome_type.id, "name": outcome_type.name,
                          "change": change})  # fmt: skip


@bp.route("/staff/outcomes", methods=["GET", "POST"])
@login_required
def outcomes():
    """The catalogue; province staff add entries (city staff may read it)."""
    credit_staff_only()
    form = OutcomeTypeForm() if may_define_credit_rules(current_user) else None
    if form is not None and form.validate_on_submit():
        try:
            outcome_type = outcome_catalogue.save_outcome_type(current_user, form.details())
        except RecognitionError as error:
            show_error(form, error)
        else:
            _record(outcome_type, "added")
            db.session.commit()
            flash(_("“%(name)s” is added to the catalogue.", name=outcome_type.name))
            return redirect(url_for("recognition.outcomes"))
    elif request.method == "POST" and form is None:
        abort(403)
    return render_template(
        "recognition/outcomes.html", form=form,
        outcome_types=outcome_catalogue.outcome_types(False), max_credits=amounts.max_credits(),
    ), form_status(form) if form is not None else 200  # fmt: skip


@bp.route("/staff/outcomes/<int:type_id>/edit", methods=["GET", "POST"])
@login_required
def edit_outcome(type_id: int):
    _catalogue_editor_only()
    outcome_type = db.get_or_404(OutcomeType, type_id)
    form = OutcomeTypeForm()
    if not form.is_submitted():
        form.fill_from(outcome_type)
    elif form.validate():
        try:
            outcome_catalogue.save_outcome_type(current_user, form.details(), outcome_type)
        except RecognitionError as error:
            show_error(form, error)
        else:
            _record(outcome_type, "edited")
            db.session.commit()
            flash(_("Your changes are saved."))
            return redirect(url_for("recognition.outcomes"))
    return render_template(
        "recognition/outcome_form.html", form=form, outcome_type=outcome_type
    ), form_status(form)


@bp.post("/staff/outcomes/<int:type_id>/active")
@login_required
def set_outcome_active(type_id: int):
    """Stop offering an entry, or offer it again."""
    _catalogue_editor_only()
    outcome_type = db.get_or_404(OutcomeType, type_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    outcome_catalogue.set_outcome_type_active(current_user, outcome_type, active)
    _record(outcome_type, "active" if active else "inactive")
    db.session.commit()
    if active:
        flash(_("“%(name)s” is offered again.", name=outcome_type.name))
    else:
        flash(_("“%(name)s” is no longer offered to new applications.", name=outcome_type.name))
    return redirect(url_for("recognition.outcomes"))
