"""The rankings' background work: writing views, aggregating them, pruning old ones."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.clock import local_today
from learnhub.jobs.queue import crontab, job, periodic_job

from .aggregation import aggregate_pending, settle_ms
from .rebuild import prune_raw_events
from .services import write_views


@job(_l("Write a batch of views"))
def record_views(rows: list[dict]) -> None:
    """Write a batch of raw view events that a web process collected."""
    write_views(rows)


@periodic_job(crontab(minute="*"), _l("every minute"), _l("Count new views for the rankings"))
def aggregate_views() -> None:
    """Add the views recorded since the last run to the daily figures."""
    aggregate_pending(settle=settle_ms())


@periodic_job(
    crontab(minute="30", hour="19"),
    _l("every day at 03:30 China time"),
    _l("Delete raw views past their retention"),
)
def prune_old_views() -> None:
    """Delete raw views older than RANKINGS_RETENTION_DAYS (their figures stay)."""
    prune_raw_events(local_today())
