"""The activities' scheduled work: finishing activities whose last session has ended."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.jobs.queue import crontab, periodic_job

from .lifecycle import finish_ended_activities


@periodic_job(
    crontab(minute="*/15"),
    _l("every 15 minutes"),
    _l("Mark activities whose last session has ended as finished"),
)
def finish_ended_activities_job() -> None:
    """One commit when it returns (the queue's wrapper)."""
    finish_ended_activities()
