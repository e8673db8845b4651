"""/staff/jobs: the background jobs' health, and the jobs that failed (province staff)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub import audit
from learnhub.accounts.access import may_watch_jobs
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status
from learnhub.jobs import failures
from learnhub.jobs.models import FAILURE_STATUS_LABELS, FailedJob
from learnhub.jobs.queue import job_label, queue, schedule

from .blueprint import bp
from .forms import DismissJobForm


def _jobs_staff_only() -> None:
    if not may_watch_jobs(current_user):
        abort(403)


@bp.get("/jobs")
@login_required
def jobs():
    _jobs_staff_only()
    failures.collect_parked_failures()
    return _jobs_page(DismissJobForm())


def _jobs_page(dismiss_form: DismissJobForm, status: int = 200):
    successes = failures.last_successes()
    scheduled = [(job_label(name), when, successes.get(name)) for name, when in schedule().items()]
    return render_template(
        "staff/jobs.html",
        waiting=queue.pending_count(),
        later=queue.scheduled_count(),
        scheduled=scheduled,
        open_failures=failures.failed_jobs(),
        closed_failures=failures.closed_failures(limit=50),
        job_label=job_label,
        status_labels=FAILURE_STATUS_LABELS,
        retry_form=EmptyForm(),
        dismiss_form=dismiss_form,
    ), status


def _record_job(failure: FailedJob, outcome: str, reason: str = "") -> None:
    details = {"job": failure.name, "failure": failure.id, "outcome": outcome}
    audit.record(AuditAction.JOB_HANDLED, actor=current_user, reason=reason, details=details)


@bp.post("/jobs/<int:failure_id>/retry")
@login_required
def retry_job(failure_id: int):
    _jobs_staff_only()
    failure = db.get_or_404(FailedJob, failure_id)
    if EmptyForm().validate_on_submit():
        try:
            failures.send_again(failure, current_user.id)
        except failures.RetryRefused:
            db.session.rollback()
            flash(_("This job has already been dealt with; nothing was sent."))
        else:
            _record_job(failure, "sent again")
            db.session.commit()
            flash(_("The job was sent to the queue again: %(job)s.", job=job_label(failure.name)))
    return redirect(url_for("staff.jobs"))


@bp.post("/jobs/<int:failure_id>/dismiss")
@login_required
def dismiss_job(failure_id: int):
    _jobs_staff_only()
    failure = db.get_or_404(FailedJob, failure_id)
    form = DismissJobForm()
    if not form.validate_on_submit():
        form.failure_id = failure.id
        return _jobs_page(form, form_status(form))
    try:
        failures.dismiss(failure, current_user.id, form.note.data)
    except failures.RetryRefused:
        db.session.rollback()
        flash(_("This job has already been dealt with; nothing was changed."))
    else:
        _record_job(failure, "dismissed", form.note.data)
        db.session.commit()
        flash(_("The failed job was closed: %(job)s.", job=job_label(failure.name)))
    return redirect(url_for("staff.jobs"))
