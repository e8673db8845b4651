"""The status board of a task, the reminders before its due time, and the ZIP of every
accepted submission (one folder per unit; names in Chinese, flagged UTF-8 for Windows)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import send
from learnhub.regions.models import Region

from . import files
from .models import (
    BoardStatus,
    Decision,
    ItemKind,
    Submission,
    SubmissionEntry,
    SubmissionFile,
    SubmissionStatus,
    SubmissionTask,
    SubmissionVersion,
)
from .review import unit_staff

NOT_YET_SUBMITTED = (BoardStatus.NOT_STARTED, BoardStatus.DRAFT, BoardStatus.RETURNED)


@dataclass(frozen=True)
class BoardRow:
    region: Region
    submission: Submission | None
    status: BoardStatus


def board_status(submission: Submission | None) -> BoardStatus:
    if submission is None:
        return BoardStatus.NOT_STARTED
    if submission.status is SubmissionStatus.SUBMITTED:
        latest = submission.latest_version
        return BoardStatus.LATE if latest is not None and latest.late else BoardStatus.SUBMITTED
    return BoardStatus(submission.status.value)


def board(task: SubmissionTask) -> list[BoardRow]:
    """Every unit of the task and where it stands."""
    submissions = {
        s.region_code: s
        for s in db.session.scalars(select(Submission).where(Submission.task_id == task.id))
    }
    return [
        BoardRow(unit.region, submissions.get(unit.region_code),
                 board_status(submissions.get(unit.region_code)))
        for unit in task.units
    ]  # fmt: skip


def counts(rows: list[BoardRow]) -> dict[BoardStatus, int]:
    found = dict.fromkeys(BoardStatus, 0)
    for row in rows:
        found[row.status] += 1
    return found


def send_reminders(now: datetime | None = None) -> int:
    """Remind the staff of every unit that has not submitted, once per task and person, when
    the due time is at most ``remind_days`` away. Returns the messages sent."""
    now = now or utcnow()
    tasks = db.session.scalars(
        select(SubmissionTask).where(
            SubmissionTask.closed_at.is_(None), SubmissionTask.due_at > now
        )
    )
    sent = 0
    for task in tasks:
        if task.due_at - timedelta(days=task.remind_days) > now:
            continue
        for row in board(task):
            if row.status not in NOT_YET_SUBMITTED:
                continue
            for person in unit_staff(row.region.code):
                message = send(
                    person.id,
                    _("Reminder: %(task)s is due soon", task=task.title),
                    _("Your unit has not submitted yet."),
                    link=f"/staff/submissions/tasks/{task.id}/units/{row.region.code}",
                    topic=f"submission-task:{task.id}",
                    dedupe_key=f"submissions:remind:{task.id}:{row.region.code}:{person.id}",
                )
                sent += message is not None
    return sent


def accepted_version(submission: Submission) -> SubmissionVersion | None:
    return next((v for v in reversed(submission.versions) if v.decision is Decision.ACCEPTED), None)


def _unique(name: str, used: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 2
    while candidate in used:
        candidate = f"{stem} ({number}){dot}{extension}"
        number += 1
    used.add(candidate)
    return candidate


def _with_bom(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-8")


def _figures_csv(names: list[str], values: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Figure"), _("Value")])
    for name in names:
        writer.writerow([name, "" if values.get(name) is None else values[name]])
    return _with_bom(out.getvalue())


def write_archive(task: SubmissionTask, target: BinaryIO) -> int:
    """Write the ZIP of the accepted versions: a folder per unit with its texts (.txt,
    UTF-8 with BOM), figures (.csv with BOM) and files. Returns how many units."""
    units = 0
    items = {item.id: item for item in task.items}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in board(task):
            version = accepted_version(row.submission) if row.submission else None
            if version is None:
                continue
            units += 1
            folder = files.safe_name(row.region.name, "x")[:-2]
            used: set[str] = set()
            entries = db.session.scalars(
                select(SubmissionEntry).where(SubmissionEntry.version_id == version.id)
            )
            for entry in entries:
                item = items[entry.item_id]
                if item.kind is ItemKind.TEXT:
                    name = _unique(files.safe_name(item.label, "txt"), used)
                    archive.writestr(f"{folder}/{name}", _with_bom(entry.text))
                else:
                    name = _unique(files.safe_name(item.label, "csv"), used)
                    archive.writestr(
                        f"{folder}/{name}", _figures_csv(item.field_names, entry.figures)
                    )
            stored = db.session.scalars(
                select(SubmissionFile)
                .where(SubmissionFile.version_id == version.id)
                .order_by(SubmissionFile.id)
            )
            for row_file in stored:
                item = items[row_file.item_id]
                stem = row_file.caption or row_file.original_name.rsplit(".", 1)[0]
                name = _unique(files.safe_name(f"{item.label}-{stem}", row_file.extension), used)
                archive.write(files.stored_path(row_file.stored_name), f"{folder}/{name}")
    return units
