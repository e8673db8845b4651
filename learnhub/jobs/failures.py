"""Keeping jobs that failed, and giving them another run.

The queue tells us (Huey signals, in the worker) when a run fails for good: a job with no
retries left, or a scheduled job (which is not retried: the next run comes soon). Such a
job is written to ``failed_job``; if the database itself is what fails, it is parked in the
queue's own storage and moved into the table by :func:`collect_parked_failures`, so it is
never lost. A later successful run of the same job marks the row resolved.
"""

from __future__ import annotations

import logging
import pickle
import traceback as tracebacks
from dataclasses import dataclass
from datetime import datetime

from huey import signals
from huey.api import PeriodicTask, Task
from sqlalchemy import select, update

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.metrics import JOBS_FAILED

from .models import OPEN_STATUSES, FailedJob, FailureStatus
from .queue import bound_app, queue, scheduled_job

log = logging.getLogger(__name__)

PARKED_PREFIX = "failed:"
LAST_SUCCESS_PREFIX = "last-success:"


class RetryRefused(ValueError):
    """This failed job cannot be sent again (already resolved, or its job no longer exists)."""


def task_key(task: Task) -> str:
    """The row a run's failure goes to: its own for one run, one per scheduled job."""
    return f"periodic:{task.name}" if isinstance(task, PeriodicTask) else task.id


def job_name(task: Task) -> str:
    """The job's full name, as the queue registers it (module.function)."""
    return f"{type(task).__module__}.{task.name}"


@dataclass(frozen=True)
class Failure:
    """What is kept of a failed run."""

    task_key: str
    name: str
    periodic: bool
    message: bytes | None
    error: str
    traceback: str
    at: datetime


def failure_of(task: Task, exception: BaseException) -> Failure:
    periodic = isinstance(task, PeriodicTask)
    return Failure(
        task_key=task_key(task),
        name=job_name(task),
        periodic=periodic,
        message=None if periodic else queue.serialize_task(task),
        error=repr(exception)[:2000],
        traceback="".join(tracebacks.format_exception(exception))[-20_000:],
        at=utcnow(),
    )


def record_failure(failure: Failure) -> None:
    """Add a failure to ``failed_job`` (the caller commits)."""
    row = db.session.scalar(select(FailedJob).where(FailedJob.task_id == failure.task_key))
    if row is None:
        db.session.add(
            FailedJob(
                task_id=failure.task_key, name=failure.name, periodic=failure.periodic,
                message=failure.message, error=failure.error, traceback=failure.traceback,
                first_failed_at=failure.at, last_failed_at=failure.at,
            )
        )  # fmt: skip
        return
    row.failures += 1
    row.error, row.traceback, row.last_failed_at = failure.error, failure.traceback, failure.at
    row.message = failure.message or row.message
    row.status, row.handled_at, row.handled_by_id = FailureStatus.FAILED, None, None


def mark_succeeded(key: str) -> int:
    """Resolve an open failure whose job has now run successfully; returns rows changed."""
    result = db.session.execute(
        update(FailedJob)
        .where(FailedJob.task_id == key, FailedJob.status.in_(OPEN_STATUSES))
        .values(status=FailureStatus.RESOLVED, handled_at=utcnow())
    )
    return result.rowcount


# ---- from the queue's signals (in the worker) -------------------------------------------


def _on_error(_signal: str, task: Task, exception: BaseException | None = None) -> None:
    if task.retries and not isinstance(task, PeriodicTask):
        return  # it will be tried again
    failure = failure_of(task, exception or TimeoutError("the job took too long"))
    JOBS_FAILED.labels(job=failure.name).inc()
    try:
        with bound_app().app_context():
            record_failure(failure)
            db.session.commit()
    except Exception:
        # The database may be the very thing failing: park it with the queue instead.
        log.exception("could not record failed job %s; parking it in the queue", failure.name)
        queue.storage.put_data(PARKED_PREFIX + failure.task_key, pickle.dumps(failure))


def _on_complete(_signal: str, task: Task) -> None:
    if isinstance(task, PeriodicTask):
        queue.storage.put_data(LAST_SUCCESS_PREFIX + job_name(task), utcnow().isoformat().encode())
    with bound_app().app_context():
        if mark_succeeded(task_key(task)):
            db.session.commit()


def connect_failure_records() -> None:
    """Listen to the queue's signals (connecting again replaces, never doubles)."""
    queue.disconnect_signal(_on_error)
    queue.disconnect_signal(_on_complete)
    queue.signal(signals.SIGNAL_ERROR, signals.SIGNAL_TIMEOUT)(_on_error)
    queue.signal(signals.SIGNAL_COMPLETE)(_on_complete)


def collect_parked_failures() -> int:
    """Move failures parked in the queue's storage into the table; returns how many."""
    parked = {
        key: value
        for key, value in queue.storage.result_items().items()
        if key.startswith(PARKED_PREFIX)
    }
    for value in parked.values():
        record_failure(pickle.loads(value))  # noqa: S301 - written by us, above
    db.session.commit()
    for key in parked:
        queue.storage.delete_data(key)
    return len(parked)


def last_successes() -> dict[str, datetime]:
    """{scheduled job's name: when it last ran successfully}."""
    return {
        key.removeprefix(LAST_SUCCESS_PREFIX): datetime.fromisoformat(_text(value))
        for key, value in queue.storage.result_items().items()
        if key.startswith(LAST_SUCCESS_PREFIX)
    }


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes | memoryview) else str(value)


# ---- staff ------------------------------------------------------------------------------


def send_again(failure: FailedJob, staff_id: int) -> None:
    """Put the failed job back in the queue, with all its retries (the caller commits)."""
    if failure.status not in OPEN_STATUSES:
        raise RetryRefused(failure.status)
    if failure.periodic:
        task = scheduled_job(failure.name).task_class()
    elif failure.message is not None:
        task = queue.deserialize_task(failure.message)
        task.retries = type(task).default_retries
    else:
        raise RetryRefused(failure.status)
    failure.status, failure.handled_at, failure.handled_by_id = (
        FailureStatus.RETRYING, utcnow(), staff_id,
    )  # fmt: skip
    queue.enqueue(task)


def dismiss(failure: FailedJob, staff_id: int, note: str) -> None:
    """Close a failure that needs no further run, saying why (the caller commits)."""
    if failure.status not in OPEN_STATUSES:
        raise RetryRefused(failure.status)
    failure.status, failure.handled_at, failure.handled_by_id = (
        FailureStatus.DISMISSED, utcnow(), staff_id,
    )  # fmt: skip
    failure.note = note


def failed_jobs(limit: int = 200) -> list[FailedJob]:
    """Failures that still need attention, newest first."""
    return list(
        db.session.scalars(
            select(FailedJob)
            .where(FailedJob.status.in_(OPEN_STATUSES))
            .order_by(FailedJob.last_failed_at.desc())
            .limit(limit)
        )
    )


def closed_failures(limit: int = 50) -> list[FailedJob]:
    """Failures someone or a later run has dealt with, most recently handled first."""
    return list(
        db.session.scalars(
            select(FailedJob)
            .where(FailedJob.status.not_in(OPEN_STATUSES))
            .order_by(FailedJob.handled_at.desc())
            .limit(limit)
        )
    )
