"""Recognition's reactions to the credit bank's events (blinker signals)."""

from sqlalchemy import update

from learnhub.creditbank.models import RecognitionApplication, RecognitionStatus
from learnhub.creditbank.services import account_transferred
from learnhub.extensions import db

OPEN = (
    RecognitionStatus.DRAFT,
    RecognitionStatus.SUBMITTED,
    RecognitionStatus.IN_REVIEW,
    RecognitionStatus.RETURNED,
)


@account_transferred.connect
def move_open_applications(_sender, account, to_city, **_extra) -> None:
    """Applications not yet decided go to the staff of the city that now keeps the account;
    one being reviewed is put back in that city's queue."""
    db.session.execute(
        update(RecognitionApplication)
        .where(RecognitionApplication.account_id == account.id,
               RecognitionApplication.status.in_(OPEN))
        .values(city_code=to_city)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    db.session.execute(
        update(RecognitionApplication)
        .where(RecognitionApplication.account_id == account.id,
               RecognitionApplication.status == RecognitionStatus.IN_REVIEW)
        .values(status=RecognitionStatus.SUBMITTED, reviewer_id=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
