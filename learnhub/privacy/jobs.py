"""The privacy feature's background work: building "my data" ZIPs, closing accounts whose
cooling-off period is over, and deleting on schedule what is past its retention."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.clock import local_today
from learnhub.database import utcnow
from learnhub.jobs.queue import crontab, job, periodic_job

from .services import closing, exports, retention


@job(_l("Collect a person's data into a ZIP"))
def build_data_export(export_id: int) -> None:
    exports.build_export(export_id)


@periodic_job(
    crontab(minute="15"),
    _l("every hour"),
    _l("Close accounts after their cooling-off period; delete expired data downloads"),
)
def close_accounts_and_expire_exports() -> None:
    closing.close_due_accounts()
    exports.expire_exports()


@periodic_job(
    crontab(minute="0", hour="20"),
    _l("every day at 04:00 China time"),
    _l("Delete search logs, sign-in records and rejected evidence past their retention"),
)
def delete_past_retention() -> None:
    now = utcnow()
    retention.delete_old_search_logs(local_today())
    retention.delete_old_sign_ins(now)
    retention.delete_rejected_evidence(now)
