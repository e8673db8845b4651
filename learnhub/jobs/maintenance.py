"""The job system's own scheduled work."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from learnhub.database import utcnow
from learnhub.extensions import db

from .failures import collect_parked_failures
from .leases import put_back_orphans
from .models import JobDone
from .queue import crontab, periodic_job

JOB_DONE_KEPT = timedelta(days=7)  # far longer than any job waits to be put back


@periodic_job(
    crontab(minute="*/5"), _l("every 5 minutes"), _l("Record failed jobs parked in the queue")
)
def record_parked_failures() -> None:
    """Move failures that could not be written to the database when they happened."""
    collect_parked_failures()


@periodic_job(crontab(minute="*"), _l("every minute"), _l("Put back jobs whose worker stopped"))
def put_back_jobs() -> None:
    """Queue again the jobs a worker was running when it died (see leases.py)."""
    put_back_orphans()


@periodic_job(
    crontab(minute="10", hour="19"),
    _l("every day at 03:10 China time"),
    _l("Forget finished jobs older than a week"),
)
def forget_old_jobs_done() -> None:
    """Delete the marks of jobs done more than a week ago."""
    db.session.execute(delete(JobDone).where(JobDone.done_at < utcnow() - JOB_DONE_KEPT))
