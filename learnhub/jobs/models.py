"""Jobs that kept failing: kept until someone has dealt with them, never dropped."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db


class FailureStatus(enum.StrEnum):
    FAILED = "failed"  # needs attention
    RETRYING = "retrying"  # sent to the queue again; resolved when that run succeeds
    RESOLVED = "resolved"  # a later run succeeded
    DISMISSED = "dismissed"  # staff decided it needs no further run (with a note)


FAILURE_STATUS_LABELS = {
    FailureStatus.FAILED: _l("Failed"),
    FailureStatus.RETRYING: _l("Sent again"),
    FailureStatus.RESOLVED: _l("Succeeded later"),
    FailureStatus.DISMISSED: _l("Dismissed"),
}
OPEN_STATUSES = (FailureStatus.FAILED, FailureStatus.RETRYING)


class FailedJob(db.Model):
    """A job that failed after all its retries (or a scheduled job that failed).

    One row per job run; a scheduled job has one row (``task_id`` ``periodic:<name>``) that
    counts its failures until a run succeeds. ``message`` is the queue's own serialized
    message, so a retry runs exactly the same work.
    """

    __tablename__ = "failed_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    periodic: Mapped[bool] = mapped_column(default=False)
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[FailureStatus] = mapped_column(
        string_enum(FailureStatus, "failed_job_status", 16), default=FailureStatus.FAILED
    )
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")


class JobDone(db.Model):
    """A job's work that has been committed: written in the same transaction as the work.

    A job the worker had in hand when it was killed is run again (see leases.py); if its
    work had already been committed, this row says so and the second run does nothing.
    The key is the queue's task id (or, for a batch of views, the batch's own id). Rows
    older than a week are deleted: no job is put back that late.
    """

    __tablename__ = "job_done"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
