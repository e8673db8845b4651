"""Minimum exposure: staff see masked mobiles; the full number is shown to one staff member
at a time, for a reason they give, and the audit log keeps who, whose and why."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.accounts.access import help_refusal
from learnhub.accounts.models import User
from learnhub.audit import AuditAction, record

REASON_MIN_LENGTH = 4


class RevealRefused(ValueError):
    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def reveal_mobile(staff: User, person: User, reason: str) -> str:
    """The person's full mobile number for this staff member, recorded with the reason.

    Refused for people of another centre's region, one's own account, staff of a higher
    level (help_refusal), a closed account or one without a mobile, and without a reason.
    """
    refusal = help_refusal(staff, person)
    if refusal is not None:
        raise RevealRefused(None, refusal)
    if not person.mobile:
        raise RevealRefused(None, _l("This account has no mobile number."))
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise RevealRefused(
            "reason",
            _l(
                "Say why you need the full number (at least %(count)d characters).",
                count=REASON_MIN_LENGTH,
            ),
        )
    record(AuditAction.MOBILE_REVEALED, actor=staff, subject=person, reason=reason)
    return person.mobile
