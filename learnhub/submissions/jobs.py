"""The submissions' scheduled work: reminders before a task's due time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.jobs.queue import crontab, periodic_job

from .board import send_reminders


@periodic_job(
    crontab(minute="0", hour="1"),
    _l("every day at 09:00 China time"),
    _l("Remind units of submissions due soon"),
)
def remind_units_every_morning() -> None:
    """Inbox reminders to units not yet submitted; a second run sends nothing new."""
    send_reminders()
