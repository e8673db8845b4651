"""What a learner may ask for: study hours and credits within the limits.

See "What a learner may ask for" in docs/recognition.md.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l

from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import CREDIT_QUANTUM, CREDIT_SCALE, OutcomeType
from learnhub.creditbank.services import CreditError, parse_credits

from ..errors import RecognitionError

MAX_HOURS = Decimal("10000")


def max_credits() -> Decimal:
    """The most credits one application may claim (CREDIT_MAX_PER_RECOGNITION)."""
    return credit_services.credit_setting("CREDIT_MAX_PER_RECOGNITION")


def parse_hours(value) -> Decimal:
    """Study hours from text or a number: more than 0, at most two decimals."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    if value in (None, ""):
        raise RecognitionError("hours", _l("Enter the study hours, for example 8 or 2.5."))
    try:
        hours = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RecognitionError(
            "hours", _l("Enter the study hours, for example 8 or 2.5.")
        ) from None
    if not hours.is_finite():
        raise RecognitionError("hours", _l("Enter the study hours, for example 8 or 2.5."))
    if hours != hours.quantize(CREDIT_QUANTUM):
        raise RecognitionError(
            "hours", _l("Use at most %(places)d decimal places.", places=CREDIT_SCALE)
        )
    if hours <= 0:
        raise RecognitionError("hours", _l("The study hours must be more than 0."))
    if hours > MAX_HOURS:
        raise RecognitionError(
            "hours", _l("At most %(hours)s study hours in one application.", hours=MAX_HOURS)
        )
    return hours.quantize(CREDIT_QUANTUM)


def parse_claim(value, outcome_type: OutcomeType | None, hours: Decimal) -> Decimal:
    """The credits asked for: a catalogue entry caps them, otherwise the study hours do."""
    if isinstance(value, str):
        value = value.strip()
    if value in (None, ""):
        if outcome_type is not None:
            return outcome_type.standard_credits  # prefilled from the catalogue
        raise RecognitionError(
            "credits_claimed", _l("Enter the credits you ask for, for example 1.5.")
        )
    try:
        credits = parse_credits(value, field="credits_claimed")
    except CreditError as error:
        raise RecognitionError(error.field, error.message) from None
    if credits <= 0:
        raise RecognitionError("credits_claimed", _l("The credits must be more than 0."))
    limit = max_credits()
    if credits > limit:
        raise RecognitionError(
            "credits_claimed",
            _l("You may ask for at most %(credits)s credits in one application.", credits=limit),
        )
    if outcome_type is not None:
        if credits > outcome_type.standard_credits:
            raise RecognitionError(
                "credits_claimed",
                _l(
                    "For “%(type)s” you may ask for at most %(credits)s credits.",
                    type=outcome_type.name,
                    credits=outcome_type.standard_credits,
                ),
            )
        return credits
    by_hours = credit_services.hours_to_credits(hours)
    if credits > by_hours:
        raise RecognitionError(
            "credits_claimed",
            _l(
                "%(hours)s study hours are worth at most %(credits)s credits "
                "(%(per_credit)s hours make one credit).",
                hours=hours,
                credits=by_hours,
                per_credit=current_app.config["CREDIT_HOURS_PER_CREDIT"],
            ),
        )
    return credits
