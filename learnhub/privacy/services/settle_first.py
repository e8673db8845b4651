"""What must be settled before an account can be closed: credits on hold, applications
under review, a move to another city still waiting. Nothing the ledger or a reviewer
needs may be cut off half-way."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.conversion.models import ApplicationStatus, ConversionApplication
from learnhub.creditbank.models import (
    CreditAccount,
    CreditHold,
    HoldStatus,
    RecognitionApplication,
    RecognitionStatus,
)
from learnhub.creditbank.services import open_transfer_of
from learnhub.extensions import db

UNDER_REVIEW = (RecognitionStatus.SUBMITTED, RecognitionStatus.IN_REVIEW)


@dataclass(frozen=True)
class ToSettle:
    """One thing in the way: what it is, and where the person settles it."""

    message: object  # a lazy string, shown in the reader's language
    endpoint: str


def credit_account_of(user: User) -> CreditAccount | None:
    return db.session.scalar(select(CreditAccount).where(CreditAccount.user_id == user.id))


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def what_to_settle(user: User) -> list[ToSettle]:
    """Everything that must be settled first (empty: the account may be closed)."""
    account = credit_account_of(user)
    if account is None:
        return []
    found = []
    holds = select(CreditHold.id).where(
        CreditHold.account_id == account.id, CreditHold.status == HoldStatus.HELD
    )
    conversions = select(ConversionApplication.id).where(
        ConversionApplication.account_id == account.id,
        ConversionApplication.status == ApplicationStatus.SUBMITTED,
    )
    if _count(holds) or _count(conversions):
        found.append(ToSettle(_l(
            "Credits are on hold for a conversion application. Wait for the centre's "
            "decision, or withdraw the application."), "conversion.mine"))  # fmt: skip
    reviewed = select(RecognitionApplication.id).where(
        RecognitionApplication.account_id == account.id,
        RecognitionApplication.status.in_(UNDER_REVIEW),
    )
    if _count(reviewed):
        found.append(ToSettle(_l(
            "An application for recognition of your learning is under review. Wait for "
            "the decision, or withdraw it while it is still waiting."),
            "recognition.my_applications"))  # fmt: skip
    if open_transfer_of(account.id) is not None:
        found.append(ToSettle(_l(
            "Your credit account is moving to another city. Wait until that city's centre "
            "has accepted or declined it."), "creditbank.account"))  # fmt: skip
    return found
