"""Retention: what is kept only to run the site is deleted once past its period.

Each rule names its setting (days, in configuration) and the job that deletes it; the staff
page /staff/privacy/retention shows them, with what is kept for good and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from learnhub.accounts.models import DeviceSession
from learnhub.creditbank.models import (
    RecognitionApplication,
    RecognitionEvidence,
    RecognitionStatus,
)
from learnhub.extensions import db
from learnhub.recognition.services import evidence_path
from learnhub.search.models import SearchTermCount

from .files import delete_after_commit


@dataclass(frozen=True)
class RetentionRule:
    what: object  # lazy strings, shown in the reader's language
    setting: str | None  # the configuration key of the period in days (None: see ``kept``)
    unit: str  # "days" or "hours"
    deleted_by: object
    kept: object = ""  # for what stays: how long, and why


RULES = (
    RetentionRule(_l("Raw page and lesson views (click events), with the visitor's "
                     "pseudonym"), "RANKINGS_RETENTION_DAYS", "days",
                  _l("every day at 03:30 China time; the daily counts stay")),
    RetentionRule(_l("Search logs: daily counts of the words searched for"),
                  "PRIVACY_SEARCH_LOG_DAYS", "days", _l("every day at 04:00 China time")),
    RetentionRule(_l("Sign-in records: ended device sessions (browser, times)"),
                  "PRIVACY_SIGN_IN_RECORD_DAYS", "days", _l("every day at 04:00 China time")),
    RetentionRule(_l("Evidence files of rejected or withdrawn recognition applications"),
                  "PRIVACY_REJECTED_EVIDENCE_DAYS", "days",
                  _l("every day at 04:00 China time")),
    RetentionRule(_l("“My data” downloads (ZIP files)"), "PRIVACY_EXPORT_LINK_HOURS",
                  "hours", _l("every hour, and as soon as downloaded")),
    RetentionRule(_l("Closing requests: cooling-off period before personal fields are "
                     "erased"), "PRIVACY_CLOSURE_COOLING_OFF_DAYS", "days",
                  _l("every hour, once the period is over")),
    RetentionRule(_l("Credit ledger entries, certificates, the audit log"), None, "",
                  _l("never"), _l("For good: they prove credits and staff actions. After an "
                                  "account is closed they name no one (the account number "
                                  "only).")),
    RetentionRule(_l("Profile, learning records, consent history"), None, "",
                  _l("when the account is closed"),
                  _l("While the account is open; then personal fields are erased.")),
)  # fmt: skip


def period(rule: RetentionRule) -> int | None:
    return int(current_app.config[rule.setting]) if rule.setting else None


def _days(setting: str) -> timedelta:
    return timedelta(days=int(current_app.config[setting]))


def delete_old_search_logs(today: date) -> int:
    """Search term counts of days older than PRIVACY_SEARCH_LOG_DAYS."""
    horizon = today - _days("PRIVACY_SEARCH_LOG_DAYS")
    return db.session.execute(delete(SearchTermCount).where(SearchTermCount.day < horizon)).rowcount


def delete_old_sign_ins(now: datetime) -> int:
    """Device sessions ended (or run out) more than PRIVACY_SIGN_IN_RECORD_DAYS ago."""
    horizon = now - _days("PRIVACY_SIGN_IN_RECORD_DAYS")
    ended = or_(DeviceSession.ended_at < horizon, DeviceSession.expires_at < horizon)
    return db.session.execute(delete(DeviceSession).where(ended)).rowcount


def delete_rejected_evidence(now: datetime) -> int:
    """Evidence of applications rejected or withdrawn more than PRIVACY_REJECTED_EVIDENCE_DAYS
    ago (the files and their rows; the application itself stays)."""
    horizon = now - _days("PRIVACY_REJECTED_EVIDENCE_DAYS")
    ended_at = func.coalesce(
        RecognitionApplication.decided_at,
        RecognitionApplication.submitted_at,
        RecognitionApplication.created_at,
    )
    old = db.session.scalars(
        select(RecognitionEvidence)
        .join(RecognitionApplication)
        .where(
            RecognitionApplication.status.in_(
                (RecognitionStatus.REJECTED, RecognitionStatus.WITHDRAWN)
            ),
            ended_at < horizon,
        )
    )
    paths = []
    for evidence in list(old):
        paths.append(evidence_path(evidence))
        evidence.application.evidence.remove(evidence)
        db.session.delete(evidence)
    db.session.flush()
    delete_after_commit(paths)
    return len(paths)
