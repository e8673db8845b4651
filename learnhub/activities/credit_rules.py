"""How many credits attending one session earns, by the activity's credit rule.

Decimal here, integer hundredths in the database (``Activity.credit_cents``), never floats.
Check-in posts these through the credit bank; this module only says how much.
"""

from __future__ import annotations

from decimal import Decimal

from learnhub.creditbank.amounts import ZERO, hours_to_credits

from .models import Activity, ActivitySession, CreditRule

SECONDS_PER_HOUR = Decimal(3600)


def session_hours(session: ActivitySession) -> Decimal:
    """The session's length in hours (exact: whole seconds over 3600)."""
    seconds = int((session.ends_at - session.starts_at).total_seconds())
    return Decimal(seconds) / SECONDS_PER_HOUR


def credits_for_session(activity: Activity, session: ActivitySession) -> Decimal:
    """What one attended session earns: nothing, its hours at the credit bank's rate
    (CREDIT_HOURS_PER_CREDIT, rounded down to 0.01), or the activity's set value."""
    if activity.credit_rule is CreditRule.HOURS:
        return hours_to_credits(session_hours(session))
    if activity.credit_rule is CreditRule.FIXED:
        return (Decimal(activity.credit_cents) / 100).quantize(Decimal("0.01"))
    return ZERO
