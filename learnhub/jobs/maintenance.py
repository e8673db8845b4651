"""The job system's own scheduled work."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .failures import collect_parked_failures
from .queue import crontab, periodic_job


@periodic_job(
    crontab(minute="*/5"), _l("every 5 minutes"), _l("Record failed jobs parked in the queue")
)
def record_parked_failures() -> None:
    """Move failures that could not be written to the database when they happened."""
    collect_parked_failures()
