"""An application's states (docs/recognition.md) and the one way it moves between them.

Every move is one conditional ``UPDATE … WHERE status IN (…)``: of two people acting on the
same application at once, exactly one wins and the other is refused with a message.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from learnhub.creditbank.models import (
    RECOGNITION_STATUS_LABELS,
    RecognitionApplication,
    RecognitionStatus,
)
from learnhub.extensions import db

from ..errors import RecognitionError

Status = RecognitionStatus
EDITABLE = (Status.DRAFT, Status.RETURNED)  # the learner may change details and evidence
WITHDRAWABLE = (Status.DRAFT, Status.SUBMITTED)


def move(
    application: RecognitionApplication, allowed, refusal: Callable, *conditions, **values
) -> None:
    """One conditional UPDATE; if the application was not in an allowed state, refuse.

    ``refusal(status)`` gives what a refused move says, ``status`` being the state now.
    """
    moved = db.session.execute(
        update(RecognitionApplication)
        .where(
            RecognitionApplication.id == application.id,
            RecognitionApplication.status.in_(allowed),
            *conditions,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(application)
    if moved != 1:
        raise RecognitionError(None, refusal(RECOGNITION_STATUS_LABELS[application.status]))


def ensure_editable(application: RecognitionApplication) -> None:
    """Refuse unless the learner may still change it: a draft or a returned application."""
    if application.status not in EDITABLE:
        raise RecognitionError(
            None,
            _l(
                "Only a draft or a returned application can be changed; this one is “%(status)s”.",
                status=RECOGNITION_STATUS_LABELS[application.status],
            ),
        )
