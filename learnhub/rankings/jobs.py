"""The rankings' background work: writing views, aggregating them, pruning old ones."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.clock import local_today
from learnhub.jobs.queue import crontab, job, periodic_job

from .aggregation import aggregate_pending, settle_ms
from .rebuild import prune_raw_events
from .services import add_views
from .view_journal import drain_views


@job(_l("Write a batch of views"))
def record_views(rows: list[dict]) -> None:
    """Write a batch of raw view events (exactly once: the job's done mark is committed with
    them). Web processes now put views in the journal instead; kept for batches queued by
    an earlier version."""
    add_views(rows)


@job(_l("Write the views web processes handed over"), exactly_once=False)
def record_pending_views() -> None:
    """Write the views waiting in the journal (each batch exactly once, by its own mark)."""
    drain_views()


@periodic_job(crontab(minute="*"), _l("every minute"), _l("Count new views for the rankings"))
def aggregate_views() -> None:
    """Write the views still in the journal (a killed process's too), then add the views
    recorded since the last run to the daily figures."""
    drain_views()
    aggregate_pending(settle=settle_ms())


@periodic_job(
    crontab(minute="30", hour="19"),
    _l("every day at 03:30 China time"),
    _l("Delete raw views past their retention"),
)
def prune_old_views() -> None:
    """Delete raw views older than RANKINGS_RETENTION_DAYS (their figures stay)."""
    prune_raw_events(local_today())
