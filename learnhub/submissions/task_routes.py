"""The task owner's pages: the list of tasks, setting a task, its status board, closing it
and the ZIP of accepted materials. Tasks of other owners are not found (404)."""

from __future__ import annotations

import tempfile
from datetime import datetime

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import role_required
from learnhub.accounts.scopes import CENTRE_ROLES
from learnhub.audit import AuditAction, record
from learnhub.clock import site_timezone
from learnhub.database import utcnow, writing_transaction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems

from . import board as boards
from . import tasks
from .access import OWNER_ROLES, may_set_tasks, owns, unit_of
from .blueprint import bp
from .drafts import submission_of
from .errors import SubmissionError
from .files import safe_name
from .forms import TaskForm
from .models import BOARD_STATUS_LABELS, ItemKind, SubmissionTask


def owned_task_or_404(task_id: int) -> SubmissionTask:
    task = db.get_or_404(SubmissionTask, task_id)
    if not owns(current_user, task):
        abort(404)
    return task


@bp.get("/")
@role_required(*CENTRE_ROLES)
def index():
    """The tasks the user's unit must answer, and the tasks the user's level set."""
    unit = unit_of(current_user)
    to_do = [
        (task, boards.board_status(submission_of(task, unit)))
        for task in tasks.tasks_for_unit(unit)
    ]
    return render_template(
        "submissions/index.html", to_do=to_do, has_unit=unit is not None,
        owned=tasks.tasks_owned_by(current_user), may_set=may_set_tasks(current_user),
        labels=BOARD_STATUS_LABELS, now=utcnow(),
    )  # fmt: skip


def _items_of(form: TaskForm) -> list[tasks.ItemRule]:
    items = []
    for kind, label, minimum, max_mb, names in form.item_rows():
        if not kind.data:
            continue
        field_names = [line.strip() for line in (names.data or "").splitlines() if line.strip()]
        items.append(
            tasks.ItemRule(kind=ItemKind(kind.data), label=label.data or "",
                           min_count=minimum.data or 0, max_mb=max_mb.data or 20,
                           field_names=field_names)
        )  # fmt: skip
    return items


def _due_at(form: TaskForm) -> datetime:
    hour, minute = (int(part) for part in form.due_time.data.split(":"))
    local = datetime.combine(form.due_date.data, datetime.min.time())
    return local.replace(hour=hour, minute=minute, tzinfo=site_timezone())


@bp.route("/tasks/new", methods=["GET", "POST"])
@role_required(*OWNER_ROLES)
def new_task():
    """Set a task: title, instructions, due time, units and required items."""
    form = TaskForm()
    cities = tasks.city_choices(current_user)
    form.cities.choices = [(c.code, c.display_name) for c in cities]
    form.city.choices = [("", _("Choose…"))] + [(c.code, c.display_name) for c in cities]
    if form.validate_on_submit():
        try:
            units = tasks.unit_codes_for(current_user, form.units.data, form.cities.data or [],
                                         form.city.data)  # fmt: skip
            task = tasks.create_task(
                current_user, form.title.data, form.instructions.data or "", _due_at(form),
                form.remind_days.data, units, _items_of(form),
            )  # fmt: skip
        except SubmissionError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("The task is set."))
            return redirect(url_for("submissions.task", task_id=task.id))
    return render_template("submissions/new_task.html", form=form), form_status(form)


@bp.get("/tasks/<int:task_id>")
@role_required(*CENTRE_ROLES)
def task(task_id: int):
    """The status board: each unit's state, with counts."""
    task = owned_task_or_404(task_id)
    rows = boards.board(task)
    return render_template(
        "submissions/board.html", task=task, rows=rows, counts=boards.counts(rows),
        labels=BOARD_STATUS_LABELS, form=EmptyForm(),
    )  # fmt: skip


@bp.post("/tasks/<int:task_id>/close")
@role_required(*CENTRE_ROLES)
def close_task(task_id: int):
    task = owned_task_or_404(task_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tasks.close_task(current_user, task)
    except SubmissionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The task is closed: units can no longer submit."))
    return redirect(url_for("submissions.task", task_id=task.id))


@bp.get("/tasks/<int:task_id>/accepted.zip")
@role_required(*CENTRE_ROLES)
def archive(task_id: int):
    """Every accepted submission in one ZIP, a folder per unit (audited: it hands data out)."""
    task = owned_task_or_404(task_id)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it after sending
    units = boards.write_archive(task, target)
    target.seek(0)
    with writing_transaction():
        record(AuditAction.SUBMISSIONS_DOWNLOADED, actor=current_user,
               city_code=tasks.region_label(task.owner_region_code)[0],
               details={"task": task.id, "units": units})  # fmt: skip
    response = send_file(
        target, mimetype="application/zip", as_attachment=True,
        download_name=safe_name(task.title, "zip"), max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response
