"""What the recognition pages share: their template helpers and how a refusal is shown."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import format_decimal
from flask_login import current_user

from learnhub.accounts.access import may_do_credit_work
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.amounts import format_credits
from learnhub.creditbank.models import (
    OUTCOME_CATEGORY_LABELS,
    RECOGNITION_STATUS_LABELS,
    RecognitionStatus,
)
from learnhub.extensions import db
from learnhub.forms import show_problems

from .blueprint import bp
from .errors import RecognitionError

STEPS = 3


@bp.context_processor
def recognition_helpers() -> dict:
    """Labels and number formats every recognition template uses."""
    return {
        "status_labels": RECOGNITION_STATUS_LABELS,
        "category_labels": OUTCOME_CATEGORY_LABELS,
        "format_credits": format_credits,
        "format_hours": lambda hours: format_decimal(hours, format="#,##0.##"),
        "format_account": credit_services.format_account_number,
        "Status": RecognitionStatus,
        "steps": STEPS,
    }


def show_error(form, error: RecognitionError) -> None:
    """Undo the change; put the refusal next to its field, or above the form."""
    db.session.rollback()
    show_problems(form, {error.field: error})


def refused(error: RecognitionError) -> None:
    """Undo the change and flash the refusal (for buttons, which have no form to show)."""
    db.session.rollback()
    flash(str(error))


def credit_staff_only() -> None:
    """Answer 403 unless the signed-in user does credit work (city or province staff)."""
    if not may_do_credit_work(current_user):
        abort(403)
