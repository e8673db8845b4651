"""Conversion's reactions to the credit bank's events (blinker signals)."""

from sqlalchemy import update

from learnhub.creditbank.services import account_transferred
from learnhub.extensions import db

from .models import ApplicationStatus, ConversionApplication


@account_transferred.connect
def move_open_applications(_sender, account, to_city, **_extra) -> None:
    """Applications not yet decided go to the staff of the city that now keeps the account."""
    db.session.execute(
        update(ConversionApplication)
        .where(ConversionApplication.account_id == account.id,
               ConversionApplication.status == ApplicationStatus.SUBMITTED)
        .values(city_code=to_city)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
