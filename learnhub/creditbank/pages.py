"""What the learner's and the staff's credit pages share: the statement's date filter, and
the labels and formatters their templates use."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from learnhub.clock import local_day_range
from learnhub.translation_domain import current_locale

from .amounts import format_credits
from .forms import StatementFilterForm
from .models import ACCOUNT_STATUS_LABELS, ENTRY_KIND_LABELS
from .services.certificates import format_certificate_code
from .services.numbers import format_account_number


def statement_date_range(form: StatementFilterForm) -> tuple[datetime | None, datetime | None]:
    """The chosen dates (China time, end day included) as a half-open UTC range."""
    if not form.validate():
        return None, None
    return local_day_range(form.start.data, form.end.data)


def template_helpers() -> dict:
    """Entry kind and account status labels, and the credit, account and code formatters.
    The kinds' labels and the credits' format are the page language's, looked up once: a
    statement page shows them fifty times."""
    return {
        "kind_labels": {kind: str(label) for kind, label in ENTRY_KIND_LABELS.items()},
        "status_labels": ACCOUNT_STATUS_LABELS,
        "format_account": format_account_number,
        "format_credits": partial(format_credits, locale=current_locale()),
        "format_code": format_certificate_code,
    }
