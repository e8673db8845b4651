"""A unit's submission for a task: the draft (its staff), the versions and the decision
(the task's owner), and its private files.

Only the unit's staff and the task's owner see it (404 for anyone else); a post by anyone
but the unit's staff (or, for a decision, the owner) is refused, recorded, and answered 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import role_required
from learnhub.accounts.scopes import CENTRE_ROLES
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, show_problems
from learnhub.regions.models import Region

from . import drafts, files, review
from .access import acts_for, may_see, owns
from .blueprint import bp
from .board import board_status
from .errors import SubmissionError, SubmissionRefused
from .forms import FileForm, ReviewForm, draft_form_class
from .models import (
    BOARD_STATUS_LABELS,
    FILE_KINDS,
    ITEM_KIND_LABELS,
    Decision,
    ItemKind,
    SubmissionFile,
    SubmissionTask,
)
from .tasks import reader_length

UPLOAD_ENDPOINT = "submissions.add_file"


@bp.url_value_preprocessor
def allow_large_uploads(endpoint: str | None, _values) -> None:
    # A video may be as large as its item allows, whatever MAX_CONTENT_LENGTH says.
    if endpoint == UPLOAD_ENDPOINT and request.method == "POST":
        allow_upload_of(files.MAX_UPLOAD_BYTES)


def _task_and_unit(task_id: int, unit_code: str) -> tuple[SubmissionTask, Region]:
    task = db.get_or_404(SubmissionTask, task_id)
    region = db.get_or_404(Region, unit_code)
    return task, region


def _visible(task_id: int, unit_code: str) -> tuple[SubmissionTask, Region]:
    task, region = _task_and_unit(task_id, unit_code)
    if not may_see(current_user, task, region.code):
        abort(404)
    return task, region


def _changed_meanwhile(task, region):
    """Two posts at once (two staff of a unit, a double click): the database let one win."""
    db.session.rollback()
    flash(_("Someone changed this submission at the same moment. Check it, then try again."))
    return redirect(url_for("submissions.unit", task_id=task.id, unit_code=region.code), 303)


def _refused(error: SubmissionRefused):
    db.session.commit()  # the refusal's audit entry
    return render_template("submissions/refused.html", message=error.message), 403


def _commit_or_answer(task, region, work, form=None, form_name="draft_form"):
    """Run ``work`` and commit. Returns (its result, None), or (None, the answer to give):
    a race lost, a refusal, or the unit's page with the problem shown on ``form``."""
    try:
        result = work()
        db.session.commit()
    except IntegrityError:
        return None, _changed_meanwhile(task, region)
    except SubmissionRefused as error:
        return None, _refused(error)
    except SubmissionError as error:
        db.session.rollback()
        form = form or _draft_form(task, drafts.submission_of(task, region.code))
        show_problems(form, {error.field: error.message})
        return None, _page(task, region, status=400, **{form_name: form})
    return result, None


def _draft_form(task, submission, formdata=None):
    entries = drafts.draft_entries(submission)
    values = {}
    for item in task.items:
        entry = entries.get(item.id)
        if item.kind is ItemKind.TEXT:
            values[f"text_{item.id}"] = entry.text if entry else ""
        elif item.kind is ItemKind.FIGURES:
            figures = entry.figures if entry else {}
            for index, name in enumerate(item.field_names):
                values[f"fig_{item.id}_{index}"] = figures.get(name)
    return draft_form_class(task)(formdata=formdata, data=values)


def _file_form(task, submitted: bool = False) -> FileForm:
    form = FileForm() if submitted else FileForm(formdata=None)
    form.item.choices = [(str(i.id), i.label) for i in task.items if i.kind in FILE_KINDS]
    return form


def _page(task, region, draft_form=None, file_form=None, review_form=None, status=200):
    submission = drafts.submission_of(task, region.code)
    editable = (
        acts_for(current_user, task, region.code)
        and not task.closed
        and (submission is None or submission.status in drafts.EDITABLE)
    )
    draft_files = drafts.files_of(submission)
    latest = submission.latest_version if submission else None
    forms = [f for f in (draft_form, file_form, review_form) if f is not None]
    refusals = [p for f in forms for p in getattr(f, "general_problems", [])]
    return render_template(
        "submissions/unit.html", task=task, region=region, submission=submission,
        status=board_status(submission), labels=BOARD_STATUS_LABELS, editable=editable,
        is_owner=owns(current_user, task),
        draft_form=draft_form or _draft_form(task, submission),
        file_form=file_form or _file_form(task), review_form=review_form or ReviewForm(),
        entries=drafts.draft_entries(submission), draft_files=draft_files,
        problems=drafts.problems_of(task, submission) if submission else [],
        reader_length=reader_length, refusals=refusals, kind_labels=ITEM_KIND_LABELS,
        entries_of_latest=drafts.version_entries(latest) if latest else {},
        files_of_latest=drafts.files_of(submission, latest.id) if latest else [],
    ), status  # fmt: skip


@bp.get("/tasks/<int:task_id>/units/<unit_code>")
@role_required(*CENTRE_ROLES)
def unit(task_id: int, unit_code: str):
    """The unit's draft and versions."""
    task, region = _visible(task_id, unit_code)
    return _page(task, region)


def _figures(task, form) -> dict[int, dict[str, int | None]]:
    return {
        item.id: {name: form[f"fig_{item.id}_{index}"].data
                  for index, name in enumerate(item.field_names)}
        for item in task.items if item.kind is ItemKind.FIGURES
    }  # fmt: skip


@bp.post("/tasks/<int:task_id>/units/<unit_code>")
@role_required(*CENTRE_ROLES)
def save_draft(task_id: int, unit_code: str):
    """Keep the texts and figures typed so far."""
    task, region = _task_and_unit(task_id, unit_code)
    submission = drafts.submission_of(task, region.code)
    form = _draft_form(task, submission, formdata=request.form)
    if not form.validate_on_submit():
        if not may_see(current_user, task, region.code):
            abort(404)
        return _page(task, region, draft_form=form, status=400)
    texts = {i.id: form[f"text_{i.id}"].data or "" for i in task.items if i.kind is ItemKind.TEXT}
    figures = _figures(task, form)
    _saved, answer = _commit_or_answer(
        task,
        region,
        lambda: drafts.save_draft(current_user, task, region.code, texts, figures),
        form,
    )
    if answer:
        return answer
    flash(_("The draft is saved."))
    return redirect(url_for("submissions.unit", task_id=task.id, unit_code=region.code))


@bp.post("/tasks/<int:task_id>/units/<unit_code>/files")
@role_required(*CENTRE_ROLES)
def add_file(task_id: int, unit_code: str):
    """Add a photo, document or video to the draft (checked by its content)."""
    task, region = _task_and_unit(task_id, unit_code)
    form = _file_form(task, submitted=True)
    if not form.validate_on_submit() or form.upload is None:
        if not may_see(current_user, task, region.code):
            abort(404)
        if form.upload is None and not form.errors:
            show_problems(form, {"file": _("Choose a file first.")})
        return _page(task, region, file_form=form, status=400)
    item = next((i for i in task.items if str(i.id) == form.item.data), None)
    row, answer = _commit_or_answer(
        task,
        region,
        lambda: drafts.add_file(current_user, task, region.code, item, form.upload.stream,
                                form.upload.filename, form.caption.data or ""),
        form,
        "file_form",
    )  # fmt: skip
    if answer:
        return answer
    flash(_("The file %(name)s is added.", name=row.caption or row.original_name))
    return redirect(url_for("submissions.unit", task_id=task.id, unit_code=region.code))


@bp.post("/tasks/<int:task_id>/units/<unit_code>/files/<int:file_id>/delete")
@role_required(*CENTRE_ROLES)
def remove_file(task_id: int, unit_code: str, file_id: int):
    task, region = _task_and_unit(task_id, unit_code)
    row = db.get_or_404(SubmissionFile, file_id)
    if row.submission.task_id != task.id or row.submission.region_code != region.code:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        path = drafts.remove_file(current_user, task, row)
    except SubmissionRefused as error:
        return _refused(error)
    except SubmissionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if path is not None:
            path.unlink(missing_ok=True)
        flash(_("The file is removed."))
    return redirect(url_for("submissions.unit", task_id=task.id, unit_code=region.code))


@bp.post("/tasks/<int:task_id>/units/<unit_code>/submit")
@role_required(*CENTRE_ROLES)
def submit(task_id: int, unit_code: str):
    """Send the draft as a new version (every item's rule is checked first)."""
    task, region = _task_and_unit(task_id, unit_code)
    if not EmptyForm().validate_on_submit():
        abort(400)
    version, answer = _commit_or_answer(
        task, region, lambda: drafts.submit(current_user, task, region.code)
    )
    if answer:
        return answer
    if version.late:
        flash(_("Submitted after the due time: it is marked late."))
    else:
        flash(_("Submitted. The task's owner will accept it or return it with comments."))
    return redirect(url_for("submissions.unit", task_id=task.id, unit_code=region.code))


@bp.post("/tasks/<int:task_id>/units/<unit_code>/review")
@role_required(*CENTRE_ROLES)
def decide(task_id: int, unit_code: str):
    """Accept the latest version, or return it with comments (the task's owner)."""
    task, region = _task_and_unit(task_id, unit_code)
    submission = drafts.submission_of(task, region.code)
    if submission is None:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        if not may_see(current_user, task, region.code):
            abort(404)
        return _page(task, region, review_form=form, status=400)
    link = url_for("submissions.unit", task_id=task.id, unit_code=region.code)
    try:
        review.decide(current_user, submission, Decision(form.decision.data),
                      form.comments.data or "", link)  # fmt: skip
    except SubmissionRefused as error:
        return _refused(error)
    except SubmissionError as error:
        db.session.rollback()
        show_problems(form, {error.field: error.message})
        return _page(task, region, review_form=form, status=400)
    db.session.commit()
    flash(_("The decision is saved; the unit is told in its inbox."))
    return redirect(url_for("submissions.task", task_id=task.id))


@bp.get("/tasks/<int:task_id>/units/<unit_code>/versions/<int:number>")
@role_required(*CENTRE_ROLES)
def version(task_id: int, unit_code: str, number: int):
    """One submitted version, as it was sent."""
    task, region = _visible(task_id, unit_code)
    submission = drafts.submission_of(task, region.code)
    found = (
        next((v for v in submission.versions if v.number == number), None) if submission else None
    )
    if found is None:
        abort(404)
    return render_template(
        "submissions/version.html", task=task, region=region, version=found,
        entries=drafts.version_entries(found), version_files=drafts.files_of(submission, found.id),
    )  # fmt: skip


@bp.get("/files/<int:file_id>")
@role_required(*CENTRE_ROLES)
def file(file_id: int):
    """Send a submitted file privately: never cached, never sniffed, always downloaded."""
    row = db.get_or_404(SubmissionFile, file_id)
    submission = row.submission
    if not may_see(current_user, submission.task, submission.region_code):
        abort(404)
    path = files.stored_path(row.stored_name)
    if not path.is_file():
        abort(404)
    stem = row.caption or row.original_name.rsplit(".", 1)[0]
    response = send_file(
        path, mimetype=row.content_type, as_attachment=True, conditional=True, max_age=0,
        download_name=files.safe_name(stem, row.extension),
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
