"""Demo consent: the demo learners agreed to the current notice when they registered, so
the quick start opens straight away; ``dalian_learner`` agreed to an older one and is asked
again at sign-in, to show how a new notice is asked for."""

from __future__ import annotations

from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.extensions import db

from .models import ConsentAction, ConsentChannel, ConsentRecord
from .services.consent import current_version

ASKED_AGAIN = "dalian_learner"
OLDER_VERSION = "2025-06"


def load_demo_privacy(progress) -> None:
    learners = db.session.scalars(
        select(User).where(User.role == Role.LEARNER, User.notice_version.is_(None))
    )
    for user in progress(list(learners)):
        version = OLDER_VERSION if user.username == ASKED_AGAIN else current_version()
        user.notice_version = version
        user.notice_agreed_at = user.created_at
        db.session.add(ConsentRecord(
            user_id=user.id, version=version, action=ConsentAction.AGREED,
            channel=ConsentChannel.REGISTRATION, at=user.created_at,
        ))  # fmt: skip
    db.session.flush()
