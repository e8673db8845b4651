"""Staff review pages (/staff/recognition): the queue, one application, its buttons.

City staff review their own city's applications, province staff every city's.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub.accounts.access import ensure_may_act_for_holder
from learnhub.audit import AuditAction
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import RecognitionApplication
from learnhub.creditbank.staff_pages import form_reason, record_credit_action
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.ui import page_number

from .blueprint import bp
from .errors import RecognitionError
from .forms import ApproveForm, QueueFilterForm, ReasonForm
from .route_helpers import credit_staff_only, refused
from .services import staff_review


def _reviewable(application_id: int) -> RecognitionApplication:
    credit_staff_only()
    application = db.get_or_404(RecognitionApplication, application_id)
    ensure_may_act_for_holder(current_user, application.city_code, application.account.user)
    if not staff_review.visible_to_staff(application):
        abort(404)
    return application


@bp.get("/staff/recognition")
@login_required
def queue():
    """Applications from the staff member's city (every city for province staff)."""
    credit_staff_only()
    filters = QueueFilterForm(request.args)
    status = filters.chosen()
    page = staff_review.review_queue(current_user, status, page_number())
    return render_template(
        "recognition/queue.html", page=page, filters=filters, status=status,
        counts=staff_review.queue_counts(current_user),
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
        record_credit_action(
            AuditAction.RECOGNITION_REVIEWED, application.account,
            {"application": application.id, "status": str(application.status)},
            reason=form_reason(form),
        )  # fmt: skip
    except RecognitionError as error:
        refused(error)
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
        lambda application, _form: staff_review.claim(application, current_user),
        _("You are reviewing this application now."),
    )


@bp.post("/staff/recognition/<int:application_id>/release")
@login_required
def release(application_id: int):
    return _review_action(
        application_id,
        lambda application, _form: staff_review.release(application, current_user),
        _("The application is back in the queue."),
    )


@bp.post("/staff/recognition/<int:application_id>/approve")
@login_required
def approve(application_id: int):
    return _review_action(
        application_id,
        lambda application, form: staff_review.approve(application, current_user, form.note.data),
        _("Approved: the credits are in the learner's account."),
        ApproveForm,
        "approve_form",
    )


@bp.post("/staff/recognition/<int:application_id>/reject")
@login_required
def reject(application_id: int):
    return _review_action(
        application_id,
        lambda application, form: staff_review.reject(application, current_user, form.reason.data),
        _("The application is rejected; the learner sees your reason."),
        lambda: ReasonForm(prefix="reject"),
        "reject_form",
    )


@bp.post("/staff/recognition/<int:application_id>/return")
@login_required
def return_application(application_id: int):
    return _review_action(
        application_id,
        lambda application, form: staff_review.return_for_evidence(
            application, current_user, form.reason.data
        ),
        _("The application is returned to the learner for more evidence."),
        lambda: ReasonForm(prefix="return"),
        "return_form",
    )
