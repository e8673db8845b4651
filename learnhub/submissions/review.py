"""The owner's decision on a submitted version: accept it, or return it with comments
(the unit's staff are told in their inbox, revise the draft and submit again)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.audit import AuditAction, record
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import send

from .access import UNIT_ROLES, owns
from .errors import SubmissionError, SubmissionRefused
from .models import Decision, Submission, SubmissionStatus
from .tasks import region_label

MAX_COMMENTS = 2000


def unit_staff(region_code: str) -> list[User]:
    """The active staff who act for a unit."""
    return list(
        db.session.scalars(
            select(User).where(
                User.role.in_(UNIT_ROLES),
                User.managed_region_code == region_code,
                User.active.is_(True),
            )
        )
    )


def decide(
    staff: User,
    submission: Submission,
    decision: Decision,
    comments: str,
    link: str,
    now: datetime | None = None,
) -> None:
    """Accept or return the latest version (audited); a return needs comments."""
    task = submission.task
    if not owns(staff, task):
        city, district = region_label(submission.region_code)
        record(AuditAction.SUBMISSION_REVIEWED, actor=staff, city_code=city,
               district_code=district, refused=True,
               details={"task": task.id, "unit": submission.region_code})  # fmt: skip
        raise SubmissionRefused(_l("Only the staff who set this task decide on submissions."))
    version = submission.latest_version
    if submission.status is not SubmissionStatus.SUBMITTED or version is None:
        raise SubmissionError(_l("Only a submitted version waiting for a decision can be decided."))
    comments = (comments or "").strip()
    if decision is Decision.RETURNED and not comments:
        raise SubmissionError(_l("Say what the unit should change."), "comments")
    if len(comments) > MAX_COMMENTS:
        raise SubmissionError(_l("At most %(count)d characters.", count=MAX_COMMENTS), "comments")
    version.decision, version.comments = decision, comments
    version.decided_at, version.decided_by_id = now or utcnow(), staff.id
    submission.status = (
        SubmissionStatus.ACCEPTED if decision is Decision.ACCEPTED else SubmissionStatus.RETURNED
    )
    city, district = region_label(submission.region_code)
    details = {"task": task.id, "unit": submission.region_code, "version": version.number,
               "decision": str(decision)}  # fmt: skip
    record(AuditAction.SUBMISSION_REVIEWED, actor=staff, city_code=city, district_code=district,
           reason=comments[:200], details=details)  # fmt: skip
    subject = (
        _l("Accepted: %(task)s", task=task.title)
        if decision is Decision.ACCEPTED
        else _l("Returned for changes: %(task)s", task=task.title)
    )
    for person in unit_staff(submission.region_code):
        send(person.id, str(subject), comments, link=link, topic=f"submission:{submission.id}")
    db.session.flush()
