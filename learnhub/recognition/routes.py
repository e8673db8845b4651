"""Recognition pages for learners (/me/recognition) and staff (/staff/recognition, /staff/outcomes).

The learner's flow has three steps: 1 the details, 2 the evidence files, 3 check and send.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub.accounts.access import (
    ensure_may_act_for_city,
    may_define_credit_rules,
    may_do_credit_work,
)
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.amounts import format_credits
from learnhub.creditbank.current import my_credit_account
from learnhub.creditbank.models import (
    OUTCOME_CATEGORY_LABELS,
    RECOGNITION_STATUS_LABELS,
    OutcomeType,
    RecognitionApplication,
    RecognitionEvidence,
    RecognitionStatus,
)
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status, show_problems

from . import services
from .blueprint import bp
from .forms import (
    ApplicationForm,
    ApproveForm,
    EvidenceForm,
    OutcomeTypeForm,
    QueueFilterForm,
    ReasonForm,
)
from .services import RecognitionError

STEPS = 3


@bp.url_value_preprocessor
def allow_evidence_uploads(endpoint: str | None, _values) -> None:
    # An evidence file may be as large as its setting allows, whatever MAX_CONTENT_LENGTH says.
    if endpoint == "recognition.add_evidence" and request.method == "POST":
        allow_upload_of(int(current_app.config["CREDIT_EVIDENCE_MAX_BYTES"]))


@bp.context_processor
def recognition_helpers() -> dict:
    return {
        "status_labels": RECOGNITION_STATUS_LABELS,
        "category_labels": OUTCOME_CATEGORY_LABELS,
        "format_credits": format_credits,
        "format_hours": lambda hours: format_decimal(hours, format="#,##0.##"),
        "format_account": credit_services.format_account_number,
        "Status": RecognitionStatus,
        "steps": STEPS,
    }


def _show_error(form, error: RecognitionError) -> None:
    """Undo the change; put the refusal next to its field, or above the form."""
    db.session.rollback()
    show_problems(form, {error.field: error})


def _refused(error: RecognitionError) -> None:
    db.session.rollback()
    flash(str(error))


# ---- the learner ----------------------------------------------------------------------


def _my_application(application_id: int) -> RecognitionApplication:
    application = db.get_or_404(RecognitionApplication, application_id)
    if application.account.user_id != current_user.id:
        abort(404)  # another learner's application does not exist for you
    return application


def _application_form(**kwargs) -> ApplicationForm:
    return ApplicationForm(outcome_types=services.outcome_types(), **kwargs)


@bp.get("/me/recognition")
@login_required
def my_applications():
    """The learner's applications and their states."""
    account = my_credit_account()
    return render_template(
        "recognition/my_applications.html",
        applications=services.applications_of(account),
        outcome_types=services.outcome_types(),
        max_credits=services.max_credits(),
    )


@bp.route("/me/recognition/new", methods=["GET", "POST"])
@login_required
def new_application():
    """Step 1 of 3: the details (a catalogue type may be chosen with ?type=<id>)."""
    account = my_credit_account()
    form = _application_form()
    if not form.is_submitted():
        chosen = request.args.get("type", type=int)
        outcome_type = db.session.get(OutcomeType, chosen) if chosen else None
        if outcome_type is not None and outcome_type.active:
            form.fill_from_type(outcome_type)
    elif form.validate():
        try:
            application = services.create_draft(account, form.details())
        except RecognitionError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved. Now add a photo or scan of your proof."))
            return redirect(url_for("recognition.my_application", application_id=application.id))
    return render_template(
        "recognition/application_form.html", form=form, application=None
    ), form_status(form)


@bp.route("/me/recognition/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int):
    """Step 1 of 3 again: change a draft's or a returned application's details."""
    application = _my_application(application_id)
    if application.status not in services.EDITABLE:
        return redirect(url_for("recognition.my_application", application_id=application.id))
    form = _application_form()
    if not form.is_submitted():
        form.fill_from(application)
    elif form.validate():
        try:
            services.update_details(application, form.details())
        except RecognitionError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."))
            return redirect(url_for("recognition.my_application", application_id=application.id))
    return render_template(
        "recognition/application_form.html", form=form, application=application
    ), form_status(form)


@bp.get("/me/recognition/<int:application_id>")
@login_required
def my_application(application_id: int):
    """Step 2 of 3 while it can be changed (the evidence); afterwards, its state."""
    application = _my_application(application_id)
    return render_template(
        "recognition/my_application.html", application=application, form=EvidenceForm()
    )


@bp.post("/me/recognition/<int:application_id>/evidence")
@login_required
def add_evidence(application_id: int):
    application = _my_application(application_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        if form.upload is None:
            form.file.errors = [_("Choose a file first.")]
        else:
            try:
                services.add_evidence(application, form.upload.stream, form.upload.filename)
            except RecognitionError as error:
                _show_error(form, error)
            else:
                db.session.commit()
                flash(_("The file is added."))
                return redirect(
                    url_for("recognition.my_application", application_id=application.id)
                )
    else:
        abort(400)
    return render_template(
        "recognition/my_application.html", application=application, form=form
    ), 400


@bp.post("/me/recognition/<int:application_id>/evidence/<int:evidence_id>/delete")
@login_required
def remove_evidence(application_id: int, evidence_id: int):
    application = _my_application(application_id)
    evidence = db.get_or_404(RecognitionEvidence, evidence_id)
    if evidence.application_id != application.id or not EmptyForm().validate_on_submit():
        abort(404 if evidence.application_id != application.id else 400)
    try:
        path = services.remove_evidence(evidence)
    except RecognitionError as error:
        _refused(error)
    else:
        db.session.commit()
        path.unlink(missing_ok=True)
        flash(_("The file is removed."))
    return redirect(url_for("recognition.my_application", application_id=application.id))


@bp.route("/me/recognition/<int:application_id>/submit", methods=["GET", "POST"])
@login_required
def submit_application(application_id: int):
    """Step 3 of 3: check everything, then send it for review."""
    application = _my_application(application_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.submit(application)
        except RecognitionError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Sent. Your learning center will check it; you will see the result here."))
            return redirect(url_for("recognition.my_application", application_id=application.id))
    elif form.is_submitted():
        abort(400)
    elif application.status not in services.EDITABLE:
        return redirect(url_for("recognition.my_application", application_id=application.id))
    return render_template(
        "recognition/submit.html", application=application, form=form
    ), form_status(form)


@bp.post("/me/recognition/<int:application_id>/withdraw")
@login_required
def withdraw_application(application_id: int):
    application = _my_application(application_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw(application)
    except RecognitionError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("The application is withdrawn."))
    return redirect(url_for("recognition.my_application", application_id=application.id))


# ---- evidence files (the owner and the reviewing staff only) ----------------------------


@bp.get("/recognition/<int:application_id>/evidence/<int:evidence_id>")
@login_required
def evidence_file(application_id: int, evidence_id: int):
    """Send an evidence file privately: never cached, never guessed, never run."""
    evidence = db.get_or_404(RecognitionEvidence, evidence_id)
    application = evidence.application
    if application.id != application_id:
        abort(404)
    if application.account.user_id != current_user.id:
        ensure_may_act_for_city(current_user, application.city_code)
        if not services.visible_to_staff(application):
            abort(404)
    path = services.evidence_path(evidence)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=evidence.content_type, download_name=evidence.original_name,
        as_attachment=evidence.content_type == "application/pdf", conditional=True, max_age=0,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---- staff: the review queue ------------------------------------------------------------


def _credit_staff_only() -> None:
    if not may_do_credit_work(current_user):
        abort(403)


def _reviewable(application_id: int) -> RecognitionApplication:
    _credit_staff_only()
    application = db.get_or_404(RecognitionApplication, application_id)
    ensure_may_act_for_city(current_user, application.city_code)
    if not services.visible_to_staff(application):
        abort(404)
    return application


@bp.get("/staff/recognition")
@login_required
def queue():
    """Applications from the staff member's city (every city for province staff)."""
    _credit_staff_only()
    filters = QueueFilterForm(request.args)
    status = filters.chosen()
    page = services.review_queue(current_user, status, request.args.get("page", 1, type=int))
    return render_template(
        "recognition/queue.html", page=page, filters=filters, status=status,
        counts=services.queue_counts(current_user),
    )  # fmt: skip


@bp.get("/staff/recognition/<int:application_id>")
@login_required
def review(application_id: int):
    application = _reviewable(application_id)
    return _review_page(application)


def _review_page(application: RecognitionApplication, **forms) -> str:
    forms = {"reject_form": ReasonForm(prefix="reject"), "return_form": ReasonForm(prefix="return"),
             "approve_form": ApproveForm(), **forms}  # fmt: skip
    return render_template(
        "recognition/review.html", application=application,
        balance=credit_services.balance_of(application.account), **forms,
    )  # fmt: skip


def _review_action(application_id: int, act, done: str, form_class=EmptyForm, form_name=""):
    """Run one review step from a button; a refusal is flashed and nothing changes."""
    application = _reviewable(application_id)
    form = form_class()
    if not form.validate_on_submit():
        if not form_name or "csrf_token" in form.errors:
            abort(400)
        return _review_page(application, **{form_name: form}), 400
    try:
        act(application, form)
    except RecognitionError as error:
        _refused(error)
    except credit_services.CreditError as error:  # the ledger refused (e.g. frozen meanwhile)
        db.session.rollback()
        flash(str(error))
    else:
        db.session.commit()
        flash(done)
    return redirect(url_for("recognition.review", application_id=application.id))


@bp.post("/staff/recognition/<int:application_id>/claim")
@login_required
def claim(application_id: int):
    return _review_action(
        application_id,
        lambda application, _form: services.claim(application, current_user),
        _("You are reviewing this application now."),
    )


@bp.post("/staff/recognition/<int:application_id>/release")
@login_required
def release(application_id: int):
    return _review_action(
        application_id,
        lambda application, _form: services.release(application, current_user),
        _("The application is back in the queue."),
    )


@bp.post("/staff/recognition/<int:application_id>/approve")
@login_required
def approve(application_id: int):
    return _review_action(
        application_id,
        lambda application, form: services.approve(application, current_user, form.note.data),
        _("Approved: the credits are in the learner's account."),
        ApproveForm,
        "approve_form",
    )


@bp.post("/staff/recognition/<int:application_id>/reject")
@login_required
def reject(application_id: int):
    return _review_action(
        application_id,
        lambda application, form: services.reject(application, current_user, form.reason.data),
        _("The application is rejected; the learner sees your reason."),
        lambda: ReasonForm(prefix="reject"),
        "reject_form",
    )


@bp.post("/staff/recognition/<int:application_id>/return")
@login_required
def return_application(application_id: int):
    return _review_action(
        application_id,
        lambda application, form: services.return_for_evidence(
            application, current_user, form.reason.data
        ),
        _("The application is returned to the learner for more evidence."),
        lambda: ReasonForm(prefix="return"),
        "return_form",
    )


# ---- staff: the outcome catalogue -------------------------------------------------------


def _catalogue_editor_only() -> None:
    if not may_define_credit_rules(current_user):
        abort(403)


@bp.route("/staff/outcomes", methods=["GET", "POST"])
@login_required
def outcomes():
    """The catalogue; province staff add entries (city staff may read it)."""
    _credit_staff_only()
    form = OutcomeTypeForm() if may_define_credit_rules(current_user) else None
    if form is not None and form.validate_on_submit():
        try:
            outcome_type = services.save_outcome_type(current_user, form.details())
        except RecognitionError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("“%(name)s” is added to the catalogue.", name=outcome_type.name))
            return redirect(url_for("recognition.outcomes"))
    elif request.method == "POST" and form is None:
        abort(403)
    return render_template(
        "recognition/outcomes.html", form=form, outcome_types=services.outcome_types(False),
        max_credits=services.max_credits(),
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
            services.save_outcome_type(current_user, form.details(), outcome_type)
        except RecognitionError as error:
            _show_error(form, error)
        else:
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
    services.set_outcome_type_active(current_user, outcome_type, active)
    db.session.commit()
    if active:
        flash(_("“%(name)s” is offered again.", name=outcome_type.name))
    else:
        flash(_("“%(name)s” is no longer offered to new applications.", name=outcome_type.name))
    return redirect(url_for("recognition.outcomes"))
