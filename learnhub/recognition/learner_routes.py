"""The learner's recognition pages (/me/recognition) and the private evidence files.

The learner's flow has three steps: 1 the details, 2 the evidence files, 3 check and send.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub.accounts.access import ensure_may_act_for_holder
from learnhub.creditbank.current import my_credit_account
from learnhub.creditbank.models import OutcomeType, RecognitionApplication, RecognitionEvidence
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status

from .blueprint import bp
from .errors import RecognitionError
from .forms import ApplicationForm, EvidenceForm
from .route_helpers import refused, show_error
from .services import amounts, applications, evidence_files, outcome_catalogue, staff_review
from .services.states import EDITABLE


@bp.url_value_preprocessor
def allow_evidence_uploads(endpoint: str | None, _values) -> None:
    # An evidence file may be as large as its setting allows, whatever MAX_CONTENT_LENGTH says.
    if endpoint == "recognition.add_evidence" and request.method == "POST":
        allow_upload_of(int(current_app.config["CREDIT_EVIDENCE_MAX_BYTES"]))


def _my_application(application_id: int) -> RecognitionApplication:
    application = db.get_or_404(RecognitionApplication, application_id)
    if application.account.user_id != current_user.id:
        abort(404)  # another learner's application does not exist for you
    return application


def _application_form(**kwargs) -> ApplicationForm:
    return ApplicationForm(outcome_types=outcome_catalogue.outcome_types(), **kwargs)


@bp.get("/me/recognition")
@login_required
def my_applications():
    """The learner's applications and their states."""
    account = my_credit_account()
    return render_template(
        "recognition/my_applications.html",
        applications=applications.applications_of(account),
        outcome_types=outcome_catalogue.outcome_types(),
        max_credits=amounts.max_credits(),
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
            application = applications.create_draft(account, form.details())
        except RecognitionError as error:
            show_error(form, error)
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
    if application.status not in EDITABLE:
        return redirect(url_for("recognition.my_application", application_id=application.id))
    form = _application_form()
    if not form.is_submitted():
        form.fill_from(application)
    elif form.validate():
        try:
            applications.update_details(application, form.details())
        except RecognitionError as error:
            show_error(form, error)
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
                evidence_files.add_evidence(application, form.upload.stream, form.upload.filename)
            except RecognitionError as error:
                show_error(form, error)
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
        path = evidence_files.remove_evidence(evidence)
    except RecognitionError as error:
        refused(error)
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
            applications.submit(application)
        except RecognitionError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Sent. Your learning center will check it; you will see the result here."))
            return redirect(url_for("recognition.my_application", application_id=application.id))
    elif form.is_submitted():
        abort(400)
    elif application.status not in EDITABLE:
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
        applications.withdraw(application)
    except RecognitionError as error:
        refused(error)
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
        ensure_may_act_for_holder(current_user, application.city_code, application.account.user)
        if not staff_review.visible_to_staff(application):
            abort(404)
    path = evidence_files.evidence_path(evidence)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=evidence.content_type, download_name=evidence_files.download_name(evidence),
        as_attachment=evidence.content_type == "application/pdf", conditional=True, max_age=0,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
