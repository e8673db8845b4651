"""The learner's application: details, drafts, sending and withdrawing; the learner's list."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import (
    AccountStatus,
    CreditAccount,
    OutcomeCategory,
    OutcomeType,
    RecognitionApplication,
)
from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import RecognitionError
from .amounts import parse_claim, parse_hours
from .states import EDITABLE, WITHDRAWABLE, Status, ensure_editable, move

TITLE_MAX, DESCRIPTION_MAX = 120, 2000


@dataclass
class ApplicationDetails:
    """What the learner typed; amounts may be text. Empty credits with a type → its standard."""

    title: str
    category: str | None
    hours: object
    credits_claimed: object
    description: str = ""
    outcome_type_id: int | None = None


def details_of(application: RecognitionApplication) -> ApplicationDetails:
    """The details an application holds, as the learner would type them."""
    return ApplicationDetails(
        title=application.title, category=application.category.value,
        hours=application.hours, credits_claimed=application.credits_claimed,
        description=application.description, outcome_type_id=application.outcome_type_id,
    )  # fmt: skip


def check_details(details: ApplicationDetails) -> dict:
    """The column values for these details, or RecognitionError naming the first bad field."""
    title = " ".join((details.title or "").split())
    if not title:
        raise RecognitionError("title", _l("Enter a title."))
    if len(title) > TITLE_MAX:
        raise RecognitionError(
            "title", _l("The title is too long: at most %(count)d characters.", count=TITLE_MAX)
        )
    description = (details.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise RecognitionError(
            "description",
            _l("The description is too long: at most %(count)d characters.", count=DESCRIPTION_MAX),
        )
    outcome_type = None
    if details.outcome_type_id:
        outcome_type = db.session.get(OutcomeType, int(details.outcome_type_id))
        if outcome_type is None or not outcome_type.active:
            raise RecognitionError(
                "outcome_type", _l("This outcome type is no longer offered: choose another.")
            )
        category = outcome_type.category
    else:
        try:
            category = OutcomeCategory(details.category)
        except ValueError:
            raise RecognitionError("category", _l("Choose what kind of learning it was.")) from None
    hours = parse_hours(details.hours)
    credits = parse_claim(details.credits_claimed, outcome_type, hours)
    return {
        "title": title, "description": description, "category": category,
        "outcome_type_id": outcome_type.id if outcome_type else None,
        "hours": hours, "credits_claimed": credits,
    }  # fmt: skip


def _ensure_account_takes_applications(account: CreditAccount) -> None:
    if account.status is AccountStatus.CLOSED:
        raise RecognitionError(None, _l("Your credit account is closed."))


def create_draft(account: CreditAccount, details: ApplicationDetails) -> RecognitionApplication:
    """A new draft; the same form arriving twice gives the draft the first one made."""
    _ensure_account_takes_applications(account)
    values = check_details(details)
    # Lock the account row: two copies of one submit run one after the other.
    credit_services.lock_account(account)
    duplicate = db.session.scalar(
        select(RecognitionApplication).where(
            RecognitionApplication.account_id == account.id,
            RecognitionApplication.status == Status.DRAFT,
            RecognitionApplication.title == values["title"],
            RecognitionApplication.hours == values["hours"],
            RecognitionApplication.credits_claimed == values["credits_claimed"],
        )
    )
    if duplicate is not None:
        return duplicate
    application = RecognitionApplication(
        account_id=account.id, city_code=account.city_code, **values
    )
    db.session.add(application)
    db.session.flush()
    return application


def update_details(application: RecognitionApplication, details: ApplicationDetails) -> None:
    """Change a draft's or a returned application's details."""
    ensure_editable(application)
    values = check_details(details)
    for name, value in values.items():
        setattr(application, name, value)
    db.session.flush()


def submit(application: RecognitionApplication) -> None:
    """Send a draft (or a returned application) to the learner's city for review."""
    ensure_editable(application)
    _ensure_account_takes_applications(application.account)
    if not application.evidence:
        raise RecognitionError(
            "evidence", _l("Add at least one evidence file (a photo or scan) before you send it.")
        )
    check_details(details_of(application))  # the catalogue or the maximum may have changed
    move(
        application, EDITABLE, _cannot_send,
        status=Status.SUBMITTED, submitted_at=utcnow(), reviewer_id=None,
        city_code=application.account.city_code,
    )  # fmt: skip


def withdraw(application: RecognitionApplication) -> None:
    """The learner takes back a draft or an application nobody has started reviewing."""
    move(application, WITHDRAWABLE, _cannot_withdraw, status=Status.WITHDRAWN)


# What a refused move says; ``status`` is the application's state now.
def _cannot_send(status):
    return _l("This application cannot be sent now: it is “%(status)s”.", status=status)


def _cannot_withdraw(status):
    return _l("This application cannot be withdrawn now: it is “%(status)s”.", status=status)


def applications_of(account: CreditAccount) -> list[RecognitionApplication]:
    """The learner's applications, newest first."""
    return list(
        db.session.scalars(
            select(RecognitionApplication)
            .where(RecognitionApplication.account_id == account.id)
            .order_by(RecognitionApplication.created_at.desc(), RecognitionApplication.id.desc())
        )
    )
