"""The audit log's one table."""

from __future__ import annotations

import enum
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class AuditAction(enum.StrEnum):
    """What was done. Stored as text without a CHECK constraint, so a feature adds its
    actions here (with a label) and needs no migration."""

    STAFF_CREATED = "staff.created"
    STAFF_CHANGED = "staff.changed"
    STAFF_DISABLED = "staff.disabled"
    STAFF_ENABLED = "staff.enabled"
    STAFF_ACTIVATED = "staff.activated"
    ACTIVATION_REISSUED = "staff.activation_reissued"
    RESET_CODE_ISSUED = "reset.code_issued"
    RESET_CODE_USED = "reset.code_used"
    RESET_CODE_REFUSED = "reset.code_refused"
    RESET_BY_EMAIL = "reset.by_email"
    DISTRICT_CORRECTED = "learner.district_corrected"
    TRANSFER_REQUESTED = "learner.transfer_requested"
    TRANSFER_ACCEPTED = "learner.transfer_accepted"
    TRANSFER_DECLINED = "learner.transfer_declined"
    # The credit bank (creditbank/staff_routes.py, staff_review_routes.py).
    CREDIT_ACCOUNT_FROZEN = "credit.account_frozen"
    CREDIT_ACCOUNT_UNFROZEN = "credit.account_unfrozen"
    CREDIT_ACCOUNT_CLOSED = "credit.account_closed"
    CREDIT_ENTRY_REVERSED = "credit.entry_reversed"
    CREDIT_ADJUSTED = "credit.adjusted"
    CREDIT_ADJUSTMENT_APPROVED = "credit.adjustment_approved"
    CREDIT_ADJUSTMENT_REJECTED = "credit.adjustment_rejected"
    CREDIT_ADJUSTMENT_WITHDRAWN = "credit.adjustment_withdrawn"
    CERTIFICATE_REVOKED = "credit.certificate_revoked"
    KEPT_AWARD_DECLINED = "credit.award_declined"
    CREDIT_ACCOUNTS_OPENED = "credit.accounts_opened"
    TRANSCRIPT_PRINTED = "credit.transcript_printed"  # personal data handed out
    RECOGNITION_REVIEWED = "recognition.reviewed"  # claimed, released, approved, rejected…
    OUTCOME_CATALOGUE_CHANGED = "recognition.catalogue_changed"
    CONVERSION_DECIDED = "conversion.decided"
    CONVERSION_RULE_CHANGED = "conversion.rule_changed"
    COURSE_STATUS_CHANGED = "studio.course_status"  # published, unpublished, archived
    REGISTRATIONS_DECIDED = "rankings.registrations_decided"
    JOB_HANDLED = "jobs.handled"  # a failed job sent again or dismissed
    STAFF_LIST_EXPORTED = "staff.list_exported"
    # Activities (activities/staff_routes.py, kind_routes.py).
    ACTIVITY_KINDS_CHANGED = "activities.kinds_changed"  # added, renamed, moved, retired
    ACTIVITY_SAVED = "activities.saved"  # created or edited
    ACTIVITY_STATUS_CHANGED = "activities.status"  # published, cancelled, finished
    ACTIVITY_SESSION_CHANGED = "activities.session"  # added, changed, cancelled
    # Activities: attendance (activities/roster_routes.py).
    ATTENDANCE_TICKED = "activities.attendance_ticked"
    ATTENDANCE_UNDONE = "activities.attendance_undone"
    ROSTER_EXPORTED = "activities.roster_exported"  # personal data handed out
    # Learning places (places/staff_routes.py).
    PLACE_CREATED = "place.created"
    PLACE_CHANGED = "place.changed"
    PLACE_SHOWN = "place.shown"
    PLACE_HIDDEN = "place.hidden"
    ACTIVITY_SIGNED_UP_FOR = "activities.signed_up_for"  # 代报名: staff sign a resident up
    # The lifelong-learning week (week/routes.py).
    WEEK_OPENED = "week.opened"
    WEEK_CHANGED = "week.changed"
    CITY_WEEK_REGISTERED = "week.city_registered"  # or its dates changed
    WEEK_ACTIVITY_LINKED = "week.activity_linked"
    WEEK_ACTIVITY_UNLINKED = "week.activity_unlinked"
    # Personal information (learnhub/privacy).
    MOBILE_REVEALED = "privacy.mobile_revealed"  # a learner's full mobile shown, with a reason
    PERSONAL_DATA_EXPORTED = "privacy.data_exported"  # a person downloaded their own data
    ACCOUNT_CLOSED = "privacy.account_closed"  # personal fields erased at the person's request
    # Submissions (材料报送, submissions/).
    SUBMISSION_TASK_SET = "submissions.task_set"
    SUBMISSION_TASK_CLOSED = "submissions.task_closed"
    SUBMISSION_SAVED = "submissions.saved"  # a draft's texts, figures or files changed
    SUBMISSION_SUBMITTED = "submissions.submitted"
    SUBMISSION_REVIEWED = "submissions.reviewed"  # accepted or returned
    SUBMISSIONS_DOWNLOADED = "submissions.downloaded"  # the ZIP of accepted materials
    # News (news/staff_routes.py).
    NEWS_SAVED = "news.saved"  # written or changed
    NEWS_STATUS_CHANGED = "news.status"  # published or withdrawn
    # Pools and selections (pools/routes.py, selections/staff_routes.py).
    POOL_MEMBER_DECIDED = "pools.member_decided"  # approved or declined
    POOL_EXPERT_ADDED = "pools.expert_added"
    VOLUNTEER_HOURS_RECORDED = "pools.hours_recorded"
    POOL_TEACHERS_NAMED = "pools.teachers_named"  # a course's or an activity's teachers
    SELECTION_KINDS_CHANGED = "selections.kinds_changed"  # added, retired, used again
    SELECTION_OPENED = "selections.opened"
    SELECTION_NOMINATED = "selections.nominated"
    SELECTION_REVIEWER_ASSIGNED = "selections.reviewer_assigned"
    SELECTION_STAGE_CHANGED = "selections.stage"  # review started, winners confirmed, published
    SELECTION_WITHDRAWN = "selections.withdrawn"
    SELECTION_SCORED = "selections.scored"  # an expert's scores or comment, from → to
    # Topics (topics/staff_routes.py).
    TOPIC_SAVED = "topics.saved"  # created or changed
    TOPIC_STATUS_CHANGED = "topics.status"  # published or withdrawn
    # Search (search/synonym_routes.py).
    SEARCH_SYNONYMS_CHANGED = "search.synonyms_changed"  # a group added, changed or deleted


ACTION_LABELS = {
    AuditAction.STAFF_CREATED: _l("Staff account created"),
    AuditAction.STAFF_CHANGED: _l("Staff role or region changed"),
    AuditAction.STAFF_DISABLED: _l("Account disabled"),
    AuditAction.STAFF_ENABLED: _l("Account enabled again"),
    AuditAction.STAFF_ACTIVATED: _l("Staff account activated"),
    AuditAction.ACTIVATION_REISSUED: _l("Activation link issued again"),
    AuditAction.RESET_CODE_ISSUED: _l("Reset code issued"),
    AuditAction.RESET_CODE_USED: _l("Password reset with a code"),
    AuditAction.RESET_CODE_REFUSED: _l("Reset code refused"),
    AuditAction.RESET_BY_EMAIL: _l("Password reset by e-mail"),
    AuditAction.DISTRICT_CORRECTED: _l("District corrected"),
    AuditAction.TRANSFER_REQUESTED: _l("Move to another city requested"),
    AuditAction.TRANSFER_ACCEPTED: _l("Move to another city accepted"),
    AuditAction.TRANSFER_DECLINED: _l("Move to another city declined"),
    AuditAction.CREDIT_ACCOUNT_FROZEN: _l("Credit account frozen"),
    AuditAction.CREDIT_ACCOUNT_UNFROZEN: _l("Credit account unfrozen"),
    AuditAction.CREDIT_ACCOUNT_CLOSED: _l("Credit account closed"),
    AuditAction.CREDIT_ENTRY_REVERSED: _l("Credit entry reversed"),
    AuditAction.CREDIT_ADJUSTED: _l("Credits adjusted (or approval asked)"),
    AuditAction.CREDIT_ADJUSTMENT_APPROVED: _l("Adjustment approved"),
    AuditAction.CREDIT_ADJUSTMENT_REJECTED: _l("Adjustment rejected"),
    AuditAction.CREDIT_ADJUSTMENT_WITHDRAWN: _l("Adjustment request withdrawn"),
    AuditAction.CERTIFICATE_REVOKED: _l("Certificate revoked"),
    AuditAction.KEPT_AWARD_DECLINED: _l("Kept award declined"),
    AuditAction.CREDIT_ACCOUNTS_OPENED: _l("Credit accounts opened in bulk"),
    AuditAction.TRANSCRIPT_PRINTED: _l("Transcript printed by staff"),
    AuditAction.RECOGNITION_REVIEWED: _l("Recognition application reviewed"),
    AuditAction.OUTCOME_CATALOGUE_CHANGED: _l("Outcome catalogue changed"),
    AuditAction.CONVERSION_DECIDED: _l("Conversion application decided"),
    AuditAction.CONVERSION_RULE_CHANGED: _l("Conversion rule changed"),
    AuditAction.COURSE_STATUS_CHANGED: _l("Course published, unpublished or archived"),
    AuditAction.REGISTRATIONS_DECIDED: _l("Registration burst excluded or counted again"),
    AuditAction.JOB_HANDLED: _l("Failed job sent again or dismissed"),
    AuditAction.STAFF_LIST_EXPORTED: _l("Staff list exported"),
    AuditAction.ACTIVITY_KINDS_CHANGED: _l("Activity kinds changed"),
    AuditAction.ACTIVITY_SAVED: _l("Activity created or edited"),
    AuditAction.ACTIVITY_STATUS_CHANGED: _l("Activity published, cancelled or finished"),
    AuditAction.ACTIVITY_SESSION_CHANGED: _l("Activity session added, changed or cancelled"),
    AuditAction.ATTENDANCE_TICKED: _l("Attendance ticked on a roster"),
    AuditAction.ATTENDANCE_UNDONE: _l("Attendance undone"),
    AuditAction.ROSTER_EXPORTED: _l("Activity roster exported"),
    AuditAction.PLACE_CREATED: _l("Learning place added"),
    AuditAction.PLACE_CHANGED: _l("Learning place changed"),
    AuditAction.PLACE_SHOWN: _l("Learning place shown to the public"),
    AuditAction.PLACE_HIDDEN: _l("Learning place hidden from the public"),
    AuditAction.ACTIVITY_SIGNED_UP_FOR: _l("Resident signed up for an activity by staff"),
    AuditAction.WEEK_OPENED: _l("Lifelong-learning week opened"),
    AuditAction.WEEK_CHANGED: _l("Lifelong-learning week changed"),
    AuditAction.CITY_WEEK_REGISTERED: _l("City's learning week registered or changed"),
    AuditAction.WEEK_ACTIVITY_LINKED: _l("Activity added to a city's learning week"),
    AuditAction.WEEK_ACTIVITY_UNLINKED: _l("Activity removed from a city's learning week"),
    AuditAction.MOBILE_REVEALED: _l("Full mobile number shown to staff"),
    AuditAction.PERSONAL_DATA_EXPORTED: _l("Own data downloaded"),
    AuditAction.ACCOUNT_CLOSED: _l("Account closed at the person's request"),
    AuditAction.SUBMISSION_TASK_SET: _l("Submission task set"),
    AuditAction.SUBMISSION_TASK_CLOSED: _l("Submission task closed"),
    AuditAction.SUBMISSION_SAVED: _l("Submission draft changed"),
    AuditAction.SUBMISSION_SUBMITTED: _l("Materials submitted"),
    AuditAction.SUBMISSION_REVIEWED: _l("Submission accepted or returned"),
    AuditAction.SUBMISSIONS_DOWNLOADED: _l("Accepted materials downloaded"),
    AuditAction.NEWS_SAVED: _l("News written or changed"),
    AuditAction.NEWS_STATUS_CHANGED: _l("News published or withdrawn"),
    AuditAction.POOL_MEMBER_DECIDED: _l("Teacher or volunteer approved or declined"),
    AuditAction.POOL_EXPERT_ADDED: _l("Expert added to the pool"),
    AuditAction.VOLUNTEER_HOURS_RECORDED: _l("Volunteer's hours recorded"),
    AuditAction.POOL_TEACHERS_NAMED: _l("Teachers of a course or activity named"),
    AuditAction.SELECTION_KINDS_CHANGED: _l("Kinds of selection changed"),
    AuditAction.SELECTION_OPENED: _l("Selection opened"),
    AuditAction.SELECTION_NOMINATED: _l("Nomination made"),
    AuditAction.SELECTION_REVIEWER_ASSIGNED: _l("Expert assigned to review a selection"),
    AuditAction.SELECTION_STAGE_CHANGED: _l(
        "Selection review started, winners confirmed or published"
    ),
    AuditAction.TOPIC_SAVED: _l("Topic created or changed"),
    AuditAction.TOPIC_STATUS_CHANGED: _l("Topic published or withdrawn"),
    AuditAction.SELECTION_WITHDRAWN: _l("Nomination withdrawn"),
    AuditAction.SELECTION_SCORED: _l("Expert's scores saved"),
    AuditAction.SEARCH_SYNONYMS_CHANGED: _l("Search synonyms changed"),
}


class AuditEntry(db.Model):
    """One recorded action. ``city_code``/``district_code`` are where it happened (the
    subject's region, or the region acted on), so each centre's entries can be told apart."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_city_at", "city_code", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))  # the role at the time
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    city_code: Mapped[str | None] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(6))
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    details_json: Mapped[str] = mapped_column(Text, default="{}")

    actor = relationship("User", foreign_keys=[actor_id], viewonly=True)
    subject = relationship("User", foreign_keys=[subject_id], viewonly=True)

    @property
    def details(self) -> dict:
        return json.loads(self.details_json or "{}")

    @property
    def label(self) -> str:
        known = self.action in AuditAction.__members__.values()
        return str(ACTION_LABELS[AuditAction(self.action)]) if known else self.action
