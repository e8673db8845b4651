"""A unit's work on a task: saving the draft, adding and removing files, submitting.

Only the unit's own staff act for it; a closed task takes nothing more; a submission that
waits for the owner's decision, or was accepted, is not changed. Submitting checks every
item's rules and copies the draft into a new version, marked late after the due time.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.audit import AuditAction, record
from learnhub.database import utcnow
from learnhub.extensions import db

from . import files
from .access import acts_for
from .errors import SubmissionError, SubmissionRefused
from .models import (
    FILE_KINDS,
    ItemKind,
    Submission,
    SubmissionEntry,
    SubmissionFile,
    SubmissionStatus,
    SubmissionTask,
    SubmissionVersion,
    TaskItem,
)
from .tasks import reader_length, region_label

EDITABLE = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
MAX_TEXT = 50_000
MAX_CAPTION = 10
MAX_FILES_PER_ITEM = 60


def submission_of(task: SubmissionTask, region_code: str, lock: bool = False) -> Submission | None:
    """The unit's submission for the task. ``lock``: for a change, read it afresh and hold
    its row until the commit, so a second post at the same moment waits and then sees the
    first one's result (two submits never make two versions)."""
    query = select(Submission).where(
        Submission.task_id == task.id, Submission.region_code == region_code
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _refuse(staff: User, task: SubmissionTask, region_code: str, message) -> None:
    """Record a refused attempt on a unit's submission (the route commits it) and raise."""
    city, district = region_label(region_code)
    details = {"task": task.id, "unit": region_code}
    record(AuditAction.SUBMISSION_SAVED, actor=staff, city_code=city, district_code=district,
           refused=True, reason=str(message), details=details)  # fmt: skip
    raise SubmissionRefused(message)


def editable_submission(staff: User, task: SubmissionTask, region_code: str) -> Submission:
    """The unit's submission, made if new, when the staff member may change it now."""
    if not acts_for(staff, task, region_code):
        _refuse(staff, task, region_code, _l("You can only submit for your own unit."))
    if task.closed:
        raise SubmissionError(_l("This task is closed: nothing more can be submitted."))
    submission = submission_of(task, region_code, lock=True)
    if submission is None:
        submission = Submission(task_id=task.id, region_code=region_code)
        db.session.add(submission)
        db.session.flush()
    if submission.status not in EDITABLE:
        raise SubmissionError(
            _l("This submission waits for the decision or was accepted: it cannot be changed.")
        )
    return submission


def _audit(action: AuditAction, staff: User, submission: Submission, **details) -> None:
    city, district = region_label(submission.region_code)
    details = {"task": submission.task_id, "unit": submission.region_code, **details}
    record(action, actor=staff, city_code=city, district_code=district, details=details)


def draft_entries(submission: Submission | None) -> dict[int, SubmissionEntry]:
    if submission is None:
        return {}
    rows = db.session.scalars(
        select(SubmissionEntry).where(
            SubmissionEntry.submission_id == submission.id, SubmissionEntry.version_id.is_(None)
        )
    )
    return {row.item_id: row for row in rows}


def files_of(submission: Submission | None, version_id: int | None = None) -> list[SubmissionFile]:
    """The files of the draft (``version_id`` None) or of a version, in the order added."""
    if submission is None:
        return []
    version_clause = (
        SubmissionFile.version_id.is_(None)
        if version_id is None
        else SubmissionFile.version_id == version_id
    )
    return list(
        db.session.scalars(
            select(SubmissionFile)
            .where(SubmissionFile.submission_id == submission.id, version_clause)
            .order_by(SubmissionFile.id)
        )
    )


def save_draft(
    staff: User,
    task: SubmissionTask,
    region_code: str,
    texts: dict[int, str],
    figures: dict[int, dict[str, int | None]],
) -> Submission:
    """Keep the texts and figures typed so far (no minimums yet: it is a draft)."""
    submission = editable_submission(staff, task, region_code)
    entries = draft_entries(submission)
    items = {item.id: item for item in task.items}
    for item_id, text in texts.items():
        if item_id not in items or items[item_id].kind is not ItemKind.TEXT:
            continue
        if len(text) > MAX_TEXT:
            raise SubmissionError(
                _l("A text may have at most %(count)d characters.", count=MAX_TEXT),
                f"text-{item_id}",
            )
        _entry(submission, entries, item_id).text = text
    for item_id, values in figures.items():
        item = items.get(item_id)
        if item is None or item.kind is not ItemKind.FIGURES:
            continue
        kept = {name: values.get(name) for name in item.field_names}
        if any(v is not None and not 0 <= v <= 10**9 for v in kept.values()):
            raise SubmissionError(_l("Figures are whole numbers from 0."), f"figures-{item_id}")
        _entry(submission, entries, item_id).figures_json = json.dumps(kept, ensure_ascii=False)
    submission.updated_at = utcnow()
    _audit(AuditAction.SUBMISSION_SAVED, staff, submission)
    db.session.flush()
    return submission


def _entry(submission: Submission, entries: dict, item_id: int) -> SubmissionEntry:
    if item_id not in entries:
        entries[item_id] = SubmissionEntry(submission_id=submission.id, item_id=item_id)
        db.session.add(entries[item_id])
    return entries[item_id]


def add_file(
    staff: User,
    task: SubmissionTask,
    region_code: str,
    item: TaskItem,
    stream: BinaryIO,
    file_name: str | None,
    caption: str,
) -> SubmissionFile:
    """Check a file by its content and size, keep it, and add it to the draft."""
    submission = editable_submission(staff, task, region_code)
    if item.task_id != task.id or item.kind not in FILE_KINDS:
        raise SubmissionError(_l("Choose an item of this task that takes files."), "item")
    caption = (caption or "").strip()
    if item.kind is ItemKind.PHOTOS:
        if not caption:
            raise SubmissionError(_l("Name the photo with a caption."), "caption")
        if reader_length(caption) > MAX_CAPTION or len(caption) > 40:
            raise SubmissionError(
                _l("A caption has at most %(count)d characters.", count=MAX_CAPTION), "caption"
            )
    elif len(caption) > 40:
        raise SubmissionError(
            _l("A caption has at most %(count)d characters.", count=40), "caption"
        )
    count = db.session.scalar(
        select(func.count(SubmissionFile.id)).where(
            SubmissionFile.submission_id == submission.id,
            SubmissionFile.version_id.is_(None),
            SubmissionFile.item_id == item.id,
        )
    )
    if count >= MAX_FILES_PER_ITEM:
        raise SubmissionError(
            _l("At most %(count)d files per item.", count=MAX_FILES_PER_ITEM), "file"
        )
    stored = files.store(stream, item.kind, item.max_mb)
    row = SubmissionFile(
        submission_id=submission.id, item_id=item.id, caption=caption,
        original_name=files.clean_file_name(file_name), stored_name=stored.stored_name,
        content_type=stored.content_type, extension=stored.extension, size_bytes=stored.size,
    )  # fmt: skip
    db.session.add(row)
    submission.updated_at = utcnow()
    _audit(AuditAction.SUBMISSION_SAVED, staff, submission, added=row.original_name)
    try:
        db.session.flush()
    except Exception:
        files.stored_path(stored.stored_name).unlink(missing_ok=True)
        raise
    return row


def remove_file(staff: User, task: SubmissionTask, row: SubmissionFile) -> Path | None:
    """Take a file out of the draft; returns the stored file to delete once committed, or
    None while a submitted version still holds it."""
    submission = editable_submission(staff, task, row.submission.region_code)
    if row.submission_id != submission.id or row.version_id is not None:
        raise SubmissionError(_l("Only a file of the draft can be removed."))
    shared = db.session.scalar(
        select(func.count(SubmissionFile.id)).where(
            SubmissionFile.stored_name == row.stored_name, SubmissionFile.id != row.id
        )
    )
    db.session.delete(row)
    _audit(AuditAction.SUBMISSION_SAVED, staff, submission, removed=row.original_name)
    db.session.flush()
    return None if shared else files.stored_path(row.stored_name)


def problems_of(task: SubmissionTask, submission: Submission) -> list[str]:
    """What the draft still lacks, item by item (empty: it may be submitted). An item whose
    minimum is 0 is optional; a form of figures is always filled in whole."""
    entries = draft_entries(submission)
    counts: dict[int, int] = {}
    for row in files_of(submission):
        counts[row.item_id] = counts.get(row.item_id, 0) + 1
    problems = []
    for item in task.items:
        entry = entries.get(item.id)
        if item.kind is ItemKind.TEXT:
            have = reader_length(entry.text if entry else "")
            if have < item.min_count:
                problems.append(
                    _l("%(item)s: at least %(count)d characters (now %(have)d).",
                       item=item.label, count=item.min_count, have=have)
                )  # fmt: skip
        elif item.kind is ItemKind.FIGURES:
            values = entry.figures if entry else {}
            if any(values.get(name) is None for name in item.field_names):
                problems.append(_l("%(item)s: fill in every figure.", item=item.label))
        else:
            need, have = item.min_count, counts.get(item.id, 0)
            if have < need:
                problems.append(
                    _l("%(item)s: at least %(count)d files (now %(have)d).",
                       item=item.label, count=need, have=have)
                )  # fmt: skip
    return [str(p) for p in problems]


def _last_version_number(submission: Submission) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(SubmissionVersion.number), 0)).where(
            SubmissionVersion.submission_id == submission.id
        )
    )


def submit(
    staff: User, task: SubmissionTask, region_code: str, now: datetime | None = None
) -> SubmissionVersion:
    """Send the draft as a new version (late after the due time); nothing changes when an
    item's rule is not met."""
    submission = editable_submission(staff, task, region_code)
    problems = problems_of(task, submission)
    if problems:
        raise SubmissionError(" ".join(problems))
    now = now or utcnow()
    version = SubmissionVersion(
        submission_id=submission.id, number=_last_version_number(submission) + 1, submitted_at=now,
        submitted_by_id=staff.id, late=now > task.due_at,
    )  # fmt: skip
    db.session.add(version)
    db.session.flush()
    for entry in draft_entries(submission).values():
        db.session.add(
            SubmissionEntry(submission_id=submission.id, version_id=version.id,
                            item_id=entry.item_id, text=entry.text,
                            figures_json=entry.figures_json)
        )  # fmt: skip
    for row in files_of(submission):
        db.session.add(
            SubmissionFile(
                submission_id=submission.id, version_id=version.id, item_id=row.item_id,
                caption=row.caption, original_name=row.original_name,
                stored_name=row.stored_name, content_type=row.content_type,
                extension=row.extension, size_bytes=row.size_bytes, added_at=row.added_at,
            )
        )  # fmt: skip
    submission.status = SubmissionStatus.SUBMITTED
    submission.updated_at = now
    _audit(AuditAction.SUBMISSION_SUBMITTED, staff, submission, version=version.number,
           late=version.late)  # fmt: skip
    db.session.flush()
    db.session.refresh(submission)
    return version


def version_entries(version: SubmissionVersion) -> dict[int, SubmissionEntry]:
    rows = db.session.scalars(
        select(SubmissionEntry).where(SubmissionEntry.version_id == version.id)
    )
    return {row.item_id: row for row in rows}
